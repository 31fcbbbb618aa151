import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { runBacktest } from "../../src/backtest/run.ts";
import { backtestPaths, writeBacktestOutputs } from "../../src/report/backtest_outputs.ts";
import { analyzeBacktest } from "../../src/report/run_analysis.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { orderbookPartName, partName, partsDir } from "../../src/storage/layout.ts";
import { writeBookPart, writeFundingPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { sliceBook, sliceTrades } from "../../src/storage/batch.ts";
import { synMarket } from "./synthetic.ts";

/**
 * The default path: `--market` resolves {data}/{market_dir}/{orderbook,trades,funding}_parts
 * (several parts each), funding is applied, outputs land in the market directory, and --from/--to
 * select a slice.
 */
test("market directory with book, trade and funding parts, and a time slice", async () => {
  const data = mkdtempSync(join(tmpdir(), "bt-mkt-"));
  const market = "SYN-USD";
  const m = synMarket({ seed: 21, books: 6000 });
  for (const s of ["orderbook", "trades", "funding"] as const) mkdirSync(partsDir(data, market, s), { recursive: true });
  const half = 3000;
  for (const [k, [a, b]] of [[0, half], [half, m.books.length]].entries()) {
    const bk = { ...sliceBook(m.books, a, b), market };
    await writeBookPart(join(partsDir(data, market, "orderbook"), orderbookPartName(bk.timestampMs[0]!, k, k)), bk);
  }
  const tMid = Math.floor(m.trades.length / 2);
  for (const [k, [a, b]] of [[0, tMid], [tMid, m.trades.length]].entries()) {
    const tr = { ...sliceTrades(m.trades, a, b), market };
    await writeTradePart(join(partsDir(data, market, "trades"), partName(tr.timestampMs[0]!, k)), tr);
  }
  expect(m.funding.length).toBeGreaterThan(0);
  await writeFundingPart(join(partsDir(data, market, "funding"), partName(m.funding.timestampMs[0]!, 0)), { ...m.funding, market });

  const config = v.parse(ConfigSchema, {
    fill_model: "cross", tick_size: 0.1, max_inventory: 5, order_notional: 3000, warmup_period_seconds: 60, initial_capital: 100_000,
  });
  const full = await runBacktest({ config, dataDir: data, market });
  const files = backtestPaths(undefined, data, market);
  const analysis = await analyzeBacktest(full, { config, dataDir: data, market });
  writeBacktestOutputs(full, analysis, files);
  // with funding: the attribution's funding line ends at the summary's funding
  const att = analysis.attribution;
  expect(att.components.funding[att.ts.length - 1]!).toBeCloseTo(full.summary.funding, 9);
  expect(full.events).toEqual({ books: 6000, trades: m.trades.length, funding: m.funding.length });
  expect(full.summary.total_fills).toBeGreaterThan(0);
  expect(full.summary.funding).not.toBe(0);
  expect(full.reconciliation).toBeLessThan(1e-9);
  expect(files.results).toBe(join(data, "syn_usd", "backtest_results.csv"));
  for (const f of Object.values(files)) expect(existsSync(f)).toBe(true);
  expect(JSON.parse(readFileSync(files.summary, "utf8")).events.funding).toBe(m.funding.length);

  const from = m.books.timestampMs[1000]!, to = m.books.timestampMs[4000]!;
  const part = await runBacktest({ config, dataDir: data, market, fromMs: from, toMs: to });
  expect(part.events.books).toBe(3000);
  expect(part.summary.first_ts).toBeGreaterThanOrEqual(from);
  expect(part.summary.last_ts).toBeLessThan(to);
}, 60_000);

/** A data dir with one book and one trade part of a 500-row synthetic market SYN-USD. */
async function synMarketDir(): Promise<{ data: string; market: string }> {
  const data = mkdtempSync(join(tmpdir(), "bt-mj-"));
  const market = "SYN-USD";
  const m = synMarket({ seed: 5, books: 500 });
  for (const s of ["orderbook", "trades"] as const) mkdirSync(partsDir(data, market, s), { recursive: true });
  await writeBookPart(join(partsDir(data, market, "orderbook"), orderbookPartName(m.books.timestampMs[0]!, 0, 0)), { ...m.books, market });
  await writeTradePart(join(partsDir(data, market, "trades"), partName(m.trades.timestampMs[0]!, 0)), { ...m.trades, market });
  return { data, market };
}

test("an invalid tick_size in market.json is a DataError naming file and key, not a silent fallback to the config tick", async () => {
  const { data, market } = await synMarketDir();
  writeFileSync(join(data, "syn_usd", "market.json"), JSON.stringify({ name: market, tick_size: -1, lot_size: 0.001 }));
  const config = v.parse(ConfigSchema, { tick_size: 0.1 });
  await expect(runBacktest({ config, dataDir: data, market })).rejects.toThrow(/market\.json: tick_size: expected a positive number, got -1/);
});

test("market.json's max_leverage caps the run's leverage (and sets the maintenance ratio); a bad one names file and key", async () => {
  const { data, market } = await synMarketDir();
  const config = v.parse(ConfigSchema, { tick_size: 0.1, leverage: 20, warmup_period_seconds: 0 });
  try {
    writeFileSync(join(data, "syn_usd", "market.json"), JSON.stringify({ name: market, tick_size: 0.1, max_leverage: "8" }));
    const out = await runBacktest({ config, dataDir: data, market });
    expect([out.summary.leverage, out.summary.maintenance_margin_ratio]).toEqual([8, 0.5 / 8]);
    writeFileSync(join(data, "syn_usd", "market.json"), JSON.stringify({ name: market, tick_size: 0.1, max_leverage: 0 }));
    await expect(runBacktest({ config, dataDir: data, market })).rejects.toThrow(/market\.json: max_leverage: expected a positive number, got 0/);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
