// Runs before any test file (in every parallel worker): builds the AssemblyScript core when its
// build is missing or older than its sources (the AssemblyScript files, and the layout definition
// in src/sim/ that `build:wasm` generates constants from), so `bun test` works on a fresh clone
// without a separate build step. One worker builds; the others wait on the lock and then find it fresh.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { withDirLock } from "./support/dir_lock.ts";

const root = join(import.meta.dir, "..");
const out = join(root, "wasm/build/core.wasm");
const generated = join(root, "wasm/assembly/generated/layout.ts");
const sources = [
  join(root, "wasm/asconfig.json"),
  join(root, "wasm/generate_layout.ts"),
  ...["layout.ts", "params.ts", "wasm_layout.ts"].map((f) => join(root, "src/sim", f)),
  ...readdirSync(join(root, "wasm/assembly"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.startsWith("generated"))
    .map((f) => join(root, "wasm/assembly", f)),
];
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
const stale = () => !existsSync(out) || !existsSync(generated) || statSync(out).mtimeMs < newest;
if (stale()) {
  withDirLock(join(root, "wasm/.build-lock"), () => {
    if (!stale()) return;
    const r = Bun.spawnSync([process.execPath, "run", "build:wasm"], { cwd: root, stdout: "inherit", stderr: "inherit" });
    if (r.exitCode !== 0) throw new Error("building the WASM core failed");
  });
}
