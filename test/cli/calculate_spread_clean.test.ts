// Issue 13 item 4: calculate_spread cleans trades with the backtest's rule (storage/trade_clean.ts):
// injected exact duplicates and bad trades are dropped and counted, so κ and A do not move; and
// --now on an empty or missing book directory is a data error (exit 3) in one line.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventDataBuilder } from "../../src/sim/data.ts";
import { allocBook, allocTrades, concatTrades } from "../../src/storage/batch.ts";
import { partsDir } from "../../src/storage/layout.ts";
import { writeTradePart } from "../../src/storage/parquet/index.ts";
import { openTradeSource } from "../../src/storage/sources.ts";
import type { TradeBatch } from "../../src/storage/types.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const SAMPLE = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "emm-spread-clean-"));
  dirs.push(d);
  return d;
};

function spread(args: string[], cwd: string) {
  const r = Bun.spawnSync([process.execPath, MAIN, "calculate_spread", "--market", "BTC-USD", ...args], { cwd, env: { ...process.env, LOG_LEVEL: "" } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** The sample's trades with `dups` exact repeats (each right after its original) and 3 bad rows. */
function dirty(t: TradeBatch, dups: number): TradeBatch {
  const every = Math.floor(t.length / dups);
  const out = allocTrades(t.market, t.length + dups + 3, t.tradeId !== null);
  let k = 0;
  const copy = (i: number) => {
    out.timestampMs[k] = t.timestampMs[i]!;
    out.price[k] = t.price[i]!;
    out.quantity[k] = t.quantity[i]!;
    out.side[k] = t.side[i]!;
    out.tradeType[k] = t.tradeType[i]!;
    if (t.tradeId) out.tradeId![k] = t.tradeId[i]!;
    return k++;
  };
  let added = 0;
  for (let i = 0; i < t.length; i++) {
    copy(i);
    if (added < dups && i % every === every - 1) {
      copy(i);
      added++;
    }
    if (i === 100) out.price[copy(i)] = 0; // bad: zero price
    if (i === 200) out.quantity[copy(i)] = -1; // bad: negative quantity
    if (i === 300) out.price[copy(i)] = -5;
  }
  out.length = k;
  return out;
}

describe("calculate_spread: one data-cleaning rule with backtest", () => {
  test("273 injected duplicates and 3 bad trades change no row; they are counted in --json", async () => {
    const parts: TradeBatch[] = [];
    for await (const b of openTradeSource(join(SAMPLE, "trades.parquet"))) parts.push(b);
    const clean = concatTrades(parts);
    const dir = tmp();
    const dirtyPath = join(dir, "dirty_trades.parquet");
    await writeTradePart(dirtyPath, dirty(clean, 273));
    const book = join(SAMPLE, "orderbook.parquet");
    const a = spread(["--orderbook", book, "--trades", join(SAMPLE, "trades.parquet"), "--output", join(dir, "clean.csv"), "--json"], dir);
    const b = spread(["--orderbook", book, "--trades", dirtyPath, "--output", join(dir, "dirty.csv"), "--json"], dir);
    expect([a.code, b.code]).toEqual([0, 0]);
    const qa = JSON.parse(a.out).data_quality, qb = JSON.parse(b.out).data_quality;
    expect(qb.duplicate_trades - qa.duplicate_trades).toBe(273);
    expect(qb.bad_trades - qa.bad_trades).toBe(3);
    expect(readFileSync(join(dir, "dirty.csv"), "utf8")).toBe(readFileSync(join(dir, "clean.csv"), "utf8"));
    // the same counts as the backtest's builder on the same trades
    const builder = new EventDataBuilder(0, 0.1);
    const bk = allocBook("BTC-USD", 1, 1); // trades before the first book row are not judged
    bk.timestampMs[0] = clean.timestampMs[0]! - 1;
    bk.bidPx[0]![0] = 1;
    bk.askPx[0]![0] = 2;
    builder.addBooks(bk);
    builder.addTrades(dirty(clean, 273));
    expect(builder.stats.duplicateTrades).toBe(qb.duplicate_trades);
    expect(builder.stats.badTrades).toBe(qb.bad_trades);
  }, 120_000);
});

describe("calculate_spread --now without book data", () => {
  test("an empty orderbook_parts directory: exit 3, one line", () => {
    const dir = tmp();
    mkdirSync(partsDir(dir, "BTC-USD", "orderbook"), { recursive: true });
    mkdirSync(partsDir(dir, "BTC-USD", "trades"), { recursive: true });
    writeFileSync(join(dir, "config.json"), JSON.stringify({ data_directory: dir }));
    const r = spread(["--now", "--config", join(dir, "config.json"), "--log-level", "warn"], dir);
    expect(r.code).toBe(3);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/no order-book parts for BTC-USD/);
  });
  test("a missing market directory: exit 3, one line", () => {
    const dir = tmp();
    writeFileSync(join(dir, "config.json"), JSON.stringify({ data_directory: dir }));
    const r = spread(["--now", "--config", join(dir, "config.json"), "--log-level", "warn"], dir);
    expect(r.code).toBe(3);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/no orderbook data for BTC-USD/);
  });
});
