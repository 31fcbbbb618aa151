/**
 * `npm run test:times`: runs the test suite as `npm test` does, then prints the slowest test files
 * with their wall times, the whole run's time and the machine load before and after (the numbers
 * quoted in docs/testing.md come from here).
 *
 *   bun scripts/test_times.ts [--top 5] [--save] [-- extra bun test arguments, e.g. test/collect]
 *
 * Per-file durations come from bun's own `--timings … --update-timings`, which measures each file
 * in the run (with `--parallel`, while the other workers run too); the exit code is the test run's.
 * `--save` writes them to test/timings.json, from which `npm test` starts the slowest files first.
 */
import { cpus, loadavg, tmpdir } from "node:os";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

/** The `npm test` command line of package.json, split into arguments (it has no quoting). */
export function npmTestArgs(): string[] {
  const script = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.test as string;
  return script.trim().split(/\s+/);
}

/** `args` without `--timings <file>` / `--timings=<file>`: the measuring run uses its own file. */
export function withoutTimings(args: string[]): string[] {
  return args.filter((a, i) => a !== "--timings" && !a.startsWith("--timings=") && args[i - 1] !== "--timings");
}

/** The `top` slowest files of a timings file, slowest first. */
export function slowest(timings: { files: Record<string, number> }, top: number): [string, number][] {
  return Object.entries(timings.files)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf("--");
  const extra = dash >= 0 ? argv.slice(dash + 1) : [];
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const top = Number(own[own.indexOf("--top") + 1] ?? 5) || 5;
  const [bun, sub, ...rest] = withoutTimings(npmTestArgs());
  if (bun !== "bun" || sub !== "test") throw new Error(`package.json "test" is not a bun test command: ${npmTestArgs().join(" ")}`);

  const dir = mkdtempSync(join(tmpdir(), "emm-times-"));
  const file = join(dir, "timings.json");
  writeFileSync(file, JSON.stringify({ version: 1, files: {} }));
  const before = load();
  const t0 = performance.now();
  const r = Bun.spawnSync([process.execPath, "test", ...rest, "--timings", file, "--update-timings", ...extra], {
    cwd: ROOT,
    stdout: "ignore",
    stderr: "pipe",
  });
  const wall = (performance.now() - t0) / 1000;
  const after = load();
  const log = r.stderr.toString();
  const timings = JSON.parse(readFileSync(file, "utf8")) as { version: number; files: Record<string, number> };
  rmSync(dir, { recursive: true, force: true });
  if (own.includes("--save")) {
    const files = Object.fromEntries(Object.entries(timings.files).sort().map(([f, ms]) => [f, Math.round(ms)]));
    writeFileSync(join(ROOT, "test/timings.json"), `${JSON.stringify({ version: 1, files }, null, 2)}\n`);
  }

  const pass = log.match(/^ *(\d+) pass$/m)?.[1] ?? "?";
  const fail = log.match(/^ *(\d+) fail$/m)?.[1] ?? "?";
  console.log(`bun test ${[...rest, ...extra].join(" ")}: ${Object.keys(timings.files).length} files, ${pass} pass, ${fail} fail, ${wall.toFixed(1)} s wall`);
  console.log(`machine: ${cpus().length} cores; load average (1/5/15 min) before ${before}, after ${after}`);
  console.log(`slowest ${top} files:`);
  for (const [f, ms] of slowest(timings, top)) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${f}`);
  process.exit(r.exitCode ?? 1);
}
