// Runs before any test file (in every parallel worker): builds the AssemblyScript core when its
// build is missing or older than its sources, so `bun test` works on a fresh clone without a
// separate build step. One worker builds; the others wait on the lock and then find it fresh.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { withDirLock } from "./support/dir_lock.ts";

const root = join(import.meta.dir, "..");
const out = join(root, "wasm/build/core.wasm");
const srcDir = join(root, "wasm/assembly");
const newest = Math.max(
  statSync(join(root, "wasm/asconfig.json")).mtimeMs,
  ...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs),
);
const stale = () => !existsSync(out) || statSync(out).mtimeMs < newest;
if (stale()) {
  withDirLock(join(root, "wasm/.build-lock"), () => {
    if (!stale()) return;
    const r = Bun.spawnSync([process.execPath, "run", "build:wasm"], { cwd: root, stdout: "inherit", stderr: "inherit" });
    if (r.exitCode !== 0) throw new Error("building the WASM core failed");
  });
}
