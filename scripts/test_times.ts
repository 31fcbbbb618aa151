/**
 * `npm run test:times`: runs the test suite as `npm test` does (scripts/test.ts), then prints the
 * slowest test files with their wall times, the whole run's time and the machine load before and
 * after (the numbers quoted in docs/testing.md come from here).
 *
 *   bun scripts/test_times.ts [--top 5] [--save] [bun test arguments, e.g. test/collect]
 *
 * Per-file durations come from bun's own `--timings … --update-timings`, which measures each file
 * in the run (in the parallel phase, while the other workers run too); the exit code is the test
 * run's. `--save` writes them to test/timings.json, from which `npm test` starts the slowest first.
 */
import { cpus, loadavg, tmpdir } from "node:os";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { totals } from "./test.ts";

const ROOT = resolve(import.meta.dir, "..");

/** The `top` slowest files of a timings file, slowest first. */
export function slowest(timings: { files: Record<string, number> }, top: number): [string, number][] {
  return Object.entries(timings.files)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const at = argv.indexOf("--top");
  const top = at >= 0 ? Number(argv[at + 1]) || 5 : 5;
  const save = argv.includes("--save");
  const extra = argv.filter((a, i) => a !== "--save" && a !== "--top" && !(at >= 0 && i === at + 1));

  const dir = mkdtempSync(join(tmpdir(), "emm-times-"));
  const file = join(dir, "timings.json");
  writeFileSync(file, JSON.stringify({ version: 1, files: {} }));
  const before = load();
  const t0 = performance.now();
  const r = Bun.spawnSync([process.execPath, join(ROOT, "scripts/test.ts"), "--timings-out", file, ...extra], { cwd: ROOT, stdout: "ignore", stderr: "pipe" });
  const wall = (performance.now() - t0) / 1000;
  const after = load();
  const log = r.stderr.toString();
  const timings = JSON.parse(readFileSync(file, "utf8")) as { files: Record<string, number> };
  rmSync(dir, { recursive: true, force: true });
  // bun merges the schedule it read (test/timings.json) into the file: keep the files that ran
  const ran = new Set([...log.matchAll(/^(\S+\.test\.ts):$/gm)].map((m) => m[1]!));
  const measured = { files: Object.fromEntries(Object.entries(timings.files).filter(([f]) => ran.has(f))) };
  if (save) {
    const files = Object.fromEntries(Object.entries(timings.files).filter(([f]) => existsSync(join(ROOT, f))).sort().map(([f, ms]) => [f, Math.round(ms)]));
    writeFileSync(join(ROOT, "test/timings.json"), `${JSON.stringify({ version: 1, files }, null, 2)}\n`);
  }

  // the runner's last closing lines are the sum over its phases
  const t = totals([log.slice(log.lastIndexOf("all phases:"))]);
  console.log(`npm test ${extra.join(" ")}: ${ran.size} files, ${t.pass} pass, ${t.fail} fail, ${wall.toFixed(1)} s wall`);
  console.log(`machine: ${cpus().length} cores; load average (1/5/15 min) before ${before}, after ${after}`);
  for (const l of log.split("\n").filter((l) => l.startsWith("(fail)"))) console.log(l);
  console.log(`slowest ${top} files:`);
  for (const [f, ms] of slowest(measured, top)) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${f}`);
  // exitCode, not exit(): the lines above must reach a piped stdout first
  process.exitCode = r.exitCode ?? 1;
}
