/**
 * `bun run bench`: runs every bench/*.ts except this file, one after another (each prints its own
 * table of numbers measured side by side). Pass names to run a subset: `bun run bench storage`.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dir;
const only = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, "")))
  .sort();
let failed = 0;
for (const s of scripts) {
  console.log(`\n=== bench/${s} ===`);
  const r = Bun.spawnSync([process.execPath, join(dir, s)], { stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) {
    console.log(`bench/${s} exited with ${r.exitCode}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
