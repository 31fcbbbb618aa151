// Runs before any test file: builds the AssemblyScript core when its build is missing or older
// than its sources, so `bun test` works on a fresh clone without a separate build step.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const out = join(root, "wasm/build/core.wasm");
const srcDir = join(root, "wasm/assembly");
const newest = Math.max(
  statSync(join(root, "wasm/asconfig.json")).mtimeMs,
  ...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs),
);
if (!existsSync(out) || statSync(out).mtimeMs < newest) {
  const r = Bun.spawnSync([process.execPath, "run", "build:wasm"], { cwd: root, stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) throw new Error("building the WASM core failed");
}
