/**
 * `npm test`: the whole suite in two phases, then one closing ` N pass` / ` N fail` for both
 * (what `.ci/run` reads).
 *
 * 1. Every file except SERIAL, in parallel worker processes (`--parallel`, one per core), the
 *    slowest first as recorded in test/timings.json.
 * 2. SERIAL alone: files whose assertions bound real elapsed time (the crash test promises at most
 *    `journal_flush_ms` + slack of data lost to kill -9), which a CPU-bound file in the other
 *    worker can push past the bound on a 2-core machine.
 *
 *   bun scripts/test.ts [bun test arguments, e.g. test/collect] [--timings-out file.json]
 */
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
export const SERIAL = ["test/collect/crash_resume.test.ts"];
const BASE = ["test", "--timeout", "120000"];

/** The two bun test command lines for `args`; the serial phase only when the filter selects a SERIAL file. */
export function phases(args: string[], timingsOut?: string): string[][] {
  const own = timingsOut ? ["--timings", timingsOut, "--update-timings"] : [];
  const filters = args.filter((a) => !a.startsWith("-"));
  const serial = SERIAL.filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p.replace(/^\.\//, ""))));
  const parallel = [...BASE, "--parallel", ...own, "--timings", "test/timings.json", ...SERIAL.map((f) => `--path-ignore-patterns=${f}`), ...args];
  return serial.length ? [parallel, [...BASE, ...own, ...serial]] : [parallel];
}

/** Sums bun test's closing counts over the phases' output. */
export function totals(outputs: string[]): { pass: number; fail: number } {
  const last = (t: string, w: string) => Number([...t.matchAll(new RegExp(`^ *(\\d+) ${w}$`, "gm"))].at(-1)?.[1] ?? 0);
  return outputs.reduce((s, t) => ({ pass: s.pass + last(t, "pass"), fail: s.fail + last(t, "fail") }), { pass: 0, fail: 0 });
}

async function run(cmd: string[]): Promise<{ code: number; text: string }> {
  const p = Bun.spawn([process.execPath, ...cmd], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  let text = "";
  const pump = async (s: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) => {
    const dec = new TextDecoder();
    for await (const chunk of s) {
      out.write(chunk);
      text += dec.decode(chunk, { stream: true });
    }
  };
  await Promise.all([pump(p.stdout, process.stdout), pump(p.stderr, process.stderr)]);
  return { code: await p.exited, text };
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf("--timings-out");
  const timingsOut = i >= 0 ? resolve(argv[i + 1]!) : undefined;
  const args = i >= 0 ? [...argv.slice(0, i), ...argv.slice(i + 2)] : argv;
  const results = [];
  for (const cmd of phases(args, timingsOut)) {
    console.error(`\n$ bun ${cmd.join(" ")}`);
    results.push(await run(cmd));
  }
  const t = totals(results.map((r) => r.text));
  const failed = results.some((r) => r.code !== 0);
  // the suite's own closing lines, after both phases
  console.error(`\nall phases:\n ${t.pass} pass\n ${t.fail} fail`);
  process.exitCode = failed || t.fail > 0 ? 1 : 0; // not exit(): piped output must drain first
}
