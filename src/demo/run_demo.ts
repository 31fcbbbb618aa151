/**
 * `extended-mm demo`: the whole pipeline on an embedded 20-minute BTC-USD sample, offline.
 *
 *   1. write the sample and a demo config into ./demo-output/
 *   2. start the local Extended-protocol server on a free loopback port, replaying the sample fast
 *   3. collect_data from it (in process) until the replay ends
 *   4. verify_orderbook on the collected parts
 *   5. calculate_spread (calibration + AS quotes)
 *   6. backtest → report.html
 *
 * Steps 4–6 run the real commands (same code as on the command line) with `--config demo-output/config.json`,
 * so every step can be re-run by hand with the command the demo prints.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { runCollector } from "../collect/run.ts";
import { loadConfig } from "../config/load.ts";
import { withSets } from "../config/overrides.ts";
import { AppError, UsageError } from "../errors.ts";
import { log, setLogLevel } from "../log.ts";
import { startServer } from "../serve/server.ts";
import { marketPath } from "../storage/layout.ts";
// Embedded into the compiled binary (docs/platform.md §2.1): real paths from sources, /$bunfs/… in the binary.
import bookSample from "./sample/orderbook.parquet" with { type: "file" };
import tradesSample from "./sample/trades.parquet" with { type: "file" };

const DEMO_MARKET = "BTC-USD";
const MARKER = ".extended-mm-demo";

export interface DemoOptions {
  /** Output directory (default ./demo-output). */
  outDir: string;
  /** Replay speed of the 20-minute sample (default 300×: about 4 s). */
  speed: number;
  /** Runs one command (name + flags) and returns its exit code. */
  runCommand: (argv: string[]) => Promise<number>;
  /** `--set key=value` overrides of the demo's config. */
  sets?: string[];
}

/** The demo's config: the sample's grid and a short calibration window so 20 minutes are enough. */
function demoConfig(dataDir: string, wsBase: string, restBase: string): Record<string, unknown> {
  return {
    _comment: "Written by `extended-mm demo`; re-run any step with --config demo-output/config.json (the server is gone, so collect_data would need `serve`).",
    markets: [DEMO_MARKET],
    data_directory: dataDir,
    ws_base: wsBase,
    rest_base: restBase,
    collect_funding: false,
    part_roll_seconds: 5,
    health_log_seconds: 3600,
    tick_size: 0.1,
    calibration_window_seconds: 300,
    recalibration_interval_seconds: 30,
    warmup_period_seconds: 120,
    gap_threshold_seconds: 60,
    calibration_max_gap_seconds: 60,
    order_notional: 100,
    max_inventory: 0.05,
  };
}

/** Refuses to touch a directory the demo did not create. */
function prepareOutDir(out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, MARKER))) {
    throw new UsageError(`${out} exists and was not made by the demo; move it away or pass --out <new dir>`);
  }
  rmSync(join(out, "data"), { recursive: true, force: true });
  mkdirSync(join(out, "sample"), { recursive: true });
  writeFileSync(join(out, MARKER), "extended-mm demo output; safe to delete\n");
}

export async function runDemo(o: DemoOptions): Promise<number> {
  const t0 = performance.now();
  const out = resolve(o.outDir);
  const rel = (p: string) => relative(process.cwd(), p) || ".";
  const step = (n: number, title: string) => console.log(`\n── ${n}/6 ${title} ${"─".repeat(Math.max(0, 60 - title.length))}`);
  prepareOutDir(out);

  step(1, "embedded sample");
  const sampleDir = join(out, "sample");
  // readFileSync, not copyFileSync: the embedded files live in the binary's virtual /$bunfs
  writeFileSync(join(sampleDir, "orderbook.parquet"), readFileSync(bookSample));
  writeFileSync(join(sampleDir, "trades.parquet"), readFileSync(tradesSample));
  console.log(`20 minutes of real BTC-USD book (20 levels) and trades (StandX, 2026-01-06 00:30–00:50 UTC) → ${rel(sampleDir)}/`);

  step(2, "local Extended-protocol server");
  const quiet = log.level;
  // the collector's book and trades streams open a few ms apart: at 300× a loaded machine would
  // otherwise lose the first seconds of trades, so the replay starts once both are connected
  const server = await startServer({ source: { path: sampleDir }, hostname: "127.0.0.1", port: 0, speed: o.speed, pingIntervalMs: 60_000, startAfterConnections: 2 });
  let code = 0;
  try {
    console.log(`replaying at ${o.speed}× on ${server.wsBase} (REST ${server.restBase})`);
    const dataDir = join(out, "data");
    const cfgPath = join(out, "config.json");
    // --set overrides go into the written config, so re-running a step with it gives the same result
    writeFileSync(cfgPath, JSON.stringify(withSets(demoConfig(rel(dataDir), server.wsBase, server.restBase), o.sets ?? []), null, 2) + "\n");
    const { config } = loadConfig(cfgPath, { required: true });

    step(3, "collect_data");
    const abort = new AbortController();
    const t1 = performance.now();
    const books = () => server.stats.bookMessages;
    // Stop when the replay is over: both streams finished, or no new book message for a while.
    let last = -1;
    let still = 0;
    const watch = setInterval(() => {
      const done = server.stats.finishedConnections >= 2;
      still = books() === last ? still + 1 : 0;
      last = books();
      if (done || still >= 10 || performance.now() - t1 > 30_000) abort.abort();
    }, 200);
    setLogLevel("warn");
    try {
      code = await runCollector({ config, dataDir, markets: [DEMO_MARKET], signal: abort.signal, handleSignals: false });
    } finally {
      clearInterval(watch);
      log.level = quiet;
    }
    if (code !== 0) throw new AppError(`collect_data failed (exit ${code})`);
    const parts = (s: string) => (existsSync(join(marketPath(dataDir, DEMO_MARKET), s)) ? readdirSync(join(marketPath(dataDir, DEMO_MARKET), s)).filter((f) => f.endsWith(".parquet")).length : 0);
    console.log(`received ${server.stats.bookMessages} book messages and ${server.stats.tradeFrames} trade frames in ${((performance.now() - t1) / 1000).toFixed(1)} s → ${parts("orderbook_parts")} order-book part(s), ${parts("trades_parts")} trade part(s) in ${rel(marketPath(dataDir, DEMO_MARKET))}/`);
  } finally {
    await server.stop();
  }

  const cfg = ["--config", join(rel(out), "config.json")];
  const run = async (n: number, title: string, argv: string[]) => {
    step(n, title);
    console.log(`$ extended-mm ${argv.join(" ")}`);
    const c = await o.runCommand(argv);
    if (c !== 0) log.warn(`${argv[0]} exited with ${c}`);
    return c;
  };
  const verify = await run(4, "verify_orderbook", ["verify_orderbook", ...cfg, "--market", DEMO_MARKET, "--examples", "1", "--log-level", "warn"]);
  const spreadCsv = join(rel(out), "as_results.csv");
  const spread = await run(5, "calculate_spread", ["calculate_spread", ...cfg, "--market", DEMO_MARKET, "--output", spreadCsv, "--log-level", "warn"]);
  const resultsCsv = join(rel(out), "backtest_results.csv");
  const bt = await run(6, "backtest", ["backtest", ...cfg, "--market", DEMO_MARKET, "--output", resultsCsv, "--log-level", "warn"]);

  console.log(`\n── done in ${((performance.now() - t0) / 1000).toFixed(1)} s ${"─".repeat(44)}`);
  const lines: [string, string][] = [
    ["config", join(rel(out), "config.json")],
    ["embedded sample", join(rel(out), "sample") + "/"],
    ["collected parts", rel(marketPath(join(out, "data"), DEMO_MARKET)) + "/"],
    ["AS quotes", spreadCsv],
    ["backtest rows", resultsCsv],
    ["fills / summary", `${join(rel(out), "fills.csv")}, ${join(rel(out), "markouts.csv")}, ${join(rel(out), "summary.json")}`],
    ["HTML report", join(rel(out), "report.html")],
  ];
  for (const [k, v] of lines) console.log(`  ${k.padEnd(16)} ${v}`);
  console.log(`\nOpen ${join(rel(out), "report.html")} in a browser. Next: collect real data with \`extended-mm collect_data\` (see README).`);
  return verify === 3 || spread !== 0 || bt !== 0 ? 1 : 0;
}
