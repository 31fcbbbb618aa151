/**
 * Object storage and sharding, measured side by side in one run:
 *   A. reading a day (bench/support/day_data.ts: the real StandX recording tiled to 24 h, our writer)
 *      from a local S3-compatible server (s3rver on 127.0.0.1, the tests' server) against local disk:
 *      fetch (list + GET of every part to a local copy) and the full event read of what the backtest
 *      reads (books: every level; trades), alternating, best of 3;
 *   B. the shard overhead: one `sweep` process on N threads against N `sweep --shard i/N`
 *      processes on 1 thread each, started together, plus `sweep merge` — same grid, same day.
 *   bun bench/s3.ts [--runs 12]
 */
import { availableParallelism, loadavg } from "node:os";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setLogLevel } from "../src/log.ts";
import { openEvents } from "../src/storage/events.ts";
import { marketDir } from "../src/storage/layout.ts";
import { stageObjects } from "../src/storage/stage.ts";
import { startS3, uploadDir } from "../test/support/s3.ts";
import { DAY_MARKET, realDay } from "./support/day_data.ts";

setLogLevel("warn");
const { values } = parseArgs({ options: { runs: { type: "string", default: "12" } } });
const runs = Number(values.runs);
const n = Number(process.env.BENCH_THREADS ?? availableParallelism());
const dataDir = await realDay({ writer: "ours", busy: false });
const s3 = await startS3(["bench"]);
Object.assign(process.env, s3.env); // this process reads the bucket too (A)
const main = join(import.meta.dir, "../src/main.ts");
const tmp = mkdtempSync(join(tmpdir(), "emm-bench-s3-"));
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function readAll(dir: string): Promise<number> {
  const spec = { dataDir: dir, market: DAY_MARKET };
  let rows = 0;
  for await (const c of openEvents({ books: spec, trades: spec, funding: null })) {
    for (const b of c.books) rows += b.length;
    for (const t of c.trades) rows += t.length;
  }
  return rows;
}

async function run(args: string[]): Promise<number> {
  const t0 = performance.now();
  const p = Bun.spawn([process.execPath, main, ...args], { cwd: tmp, env: { ...process.env, ...s3.env, LOG_LEVEL: "warn" }, stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${args.join(" ")} → ${code}: ${err}`);
  return performance.now() - t0;
}

try {
  const files = await uploadDir(s3.client("bench"), join(dataDir, marketDir(DAY_MARKET)), `day/${marketDir(DAY_MARKET)}`);
  console.log(`A. one day, ${files} objects; load average ${loadavg()[0]!.toFixed(1)}`);
  const best = { fetch: Infinity, s3Read: Infinity, local: Infinity };
  let bytes = 0, rowsLocal = 0, rowsS3 = 0;
  for (let k = 0; k < 3; k++) {
    let t0 = performance.now();
    rowsLocal = await readAll(dataDir);
    best.local = Math.min(best.local, performance.now() - t0);
    t0 = performance.now();
    const st = await stageObjects(`s3://bench/day/${marketDir(DAY_MARKET)}`, { base: "day" });
    const t1 = performance.now();
    rowsS3 = await readAll(join(st.path, ".."));
    best.fetch = Math.min(best.fetch, t1 - t0);
    best.s3Read = Math.min(best.s3Read, performance.now() - t0);
    bytes = st.bytes;
    st.cleanup();
  }
  if (rowsS3 !== rowsLocal) throw new Error(`row counts differ: ${rowsS3} vs ${rowsLocal}`);
  console.log(`  ${rowsLocal.toLocaleString("en-US")} rows, ${(bytes / 1e6).toFixed(1)} MB of parts`);
  console.log(`  local disk: read ${sec(best.local)}`);
  console.log(`  s3rver:     fetch ${sec(best.fetch)} (${(bytes / 1e6 / (best.fetch / 1000)).toFixed(0)} MB/s) + read = ${sec(best.s3Read)}  (${(best.s3Read / best.local).toFixed(2)}× local)`);

  console.log(`\nB. sweep of ${runs} configurations (γ, one shared calibration) over the day; ${n} threads / ${n} shards; load average ${loadavg()[0]!.toFixed(1)}`);
  const common = ["--data-dir", dataDir, "--market", DAY_MARKET, "--param", `risk_aversion_gamma=0.01:10:${runs}:log`];
  const one = await run(["sweep", ...common, "--threads", String(n), "--out", join(tmp, "one")]);
  const t0 = performance.now();
  const each = await Promise.all(Array.from({ length: n }, (_, i) => run(["sweep", ...common, "--threads", "1", "--shard", `${i}/${n}`, "--out", join(tmp, "sharded")])));
  const shardsWall = performance.now() - t0;
  const merge = await run(["sweep", "merge", "--out", join(tmp, "sharded")]);
  const same = readFileSync(join(tmp, "one", "sweep_results.csv"), "utf8") === readFileSync(join(tmp, "sharded", "sweep_results.csv"), "utf8");
  console.log(`  one process, ${n} threads: ${sec(one)}`);
  console.log(`  ${n} shard processes:      ${sec(shardsWall)} (slowest shard ${sec(Math.max(...each))}) + merge ${sec(merge)} = ${((shardsWall + merge) / one).toFixed(2)}× the one-process sweep; results table identical: ${same}`);
  writeFileSync(join(tmp, "done"), "");
} finally {
  await s3.close();
  rmSync(tmp, { recursive: true, force: true });
}
