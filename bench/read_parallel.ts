/**
 * Parallel decoding of Parquet parts on worker threads, measured against the main thread in one
 * run: the parts of a real-shaped busy day (DuckDB-written and ours, bench/support/day_data.ts)
 * read with the production readers on the main thread, on 1 worker and on N workers (each worker
 * initialises its own parquet-wasm; typed arrays come back transferred). Worker start-up and
 * parquet-wasm initialisation are counted (a CLI run would pay them too), and reported.
 *   bun bench/read_parallel.ts [--reps 3]      (N = available cores; BENCH_THREADS overrides)
 */
import { readdirSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { partsDir } from "../src/storage/layout.ts";
import { readBookFile, readTradeFile } from "../src/storage/parquet/index.ts";
import { DAY_MARKET, realDay } from "./support/day_data.ts";

const reps = Number(process.argv[process.argv.indexOf("--reps") + 1] ?? 3) || 3;
const threads = Number(process.env.BENCH_THREADS ?? availableParallelism());
type Job = { path: string; kind: "book" | "trades" };

function jobs(dataDir: string): Job[] {
  const list = (stream: "orderbook" | "trades", kind: Job["kind"]) =>
    readdirSync(partsDir(dataDir, DAY_MARKET, stream)).filter((f) => f.endsWith(".parquet")).sort().map((f) => ({ path: join(partsDir(dataDir, DAY_MARKET, stream), f), kind }));
  return [...list("orderbook", "book"), ...list("trades", "trades")];
}

async function mainThread(js: Job[]): Promise<number> {
  let rows = 0;
  for (const j of js) {
    if (j.kind === "book") for await (const b of readBookFile(j.path, { seq: false })) rows += b.length;
    else for await (const t of readTradeFile(j.path)) rows += t.length;
  }
  return rows;
}

/** Parts spread over `n` workers (next part to the first free worker); returns rows and start-up time. */
async function workers(js: Job[], n: number): Promise<{ rows: number; startMs: number }> {
  const t0 = performance.now();
  const ws = Array.from({ length: n }, () => new Worker(new URL("./support/decode_worker.ts", import.meta.url).href));
  // start-up: each worker decodes the smallest part once (module load + parquet-wasm init)
  const smallest = js[js.length - 1]!;
  await Promise.all(ws.map((w) => new Promise((res) => ((w.onmessage = res), w.postMessage({ id: -1, ...smallest })))));
  const startMs = performance.now() - t0;
  let next = 0, rows = 0;
  await Promise.all(ws.map((w) => new Promise<void>((res) => {
    const take = () => {
      if (next >= js.length) return res();
      w.postMessage({ id: next, ...js[next++]! });
    };
    w.onmessage = (e: MessageEvent<{ rows: number }>) => {
      rows += e.data.rows;
      take();
    };
    take();
  })));
  for (const w of ws) w.terminate();
  return { rows, startMs };
}

for (const writer of ["duckdb", "ours"] as const) {
  const dir = await realDay({ writer, busy: true });
  const js = jobs(dir);
  let main = Infinity, one = Infinity, many = Infinity, start1 = 0, startN = 0, rows = 0;
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    rows = await mainThread(js);
    main = Math.min(main, performance.now() - t);
    t = performance.now();
    const a = await workers(js, 1);
    if (a.rows !== rows) throw new Error("row counts differ");
    if (performance.now() - t < one) (one = performance.now() - t), (start1 = a.startMs);
    t = performance.now();
    const b = await workers(js, threads);
    if (b.rows !== rows) throw new Error("row counts differ");
    if (performance.now() - t < many) (many = performance.now() - t), (startN = b.startMs);
  }
  console.log(`busy day, ${writer === "ours" ? "our writer" : "DuckDB-written"}: ${js.length} parts, ${rows.toLocaleString("en-US")} rows (best of ${reps}, load average ${loadavg()[0]!.toFixed(1)}, ${availableParallelism()} cores)`);
  console.log(`  main thread ${main.toFixed(0)} ms · 1 worker ${one.toFixed(0)} ms (start-up ${start1.toFixed(0)}) · ${threads} workers ${many.toFixed(0)} ms (start-up ${startN.toFixed(0)}) → ${(main / many).toFixed(2)}× the main thread`);
}
