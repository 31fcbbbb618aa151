import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { buildSchedule } from "../../src/backtest/calibrate.ts";
import { EventDataBuilder } from "../../src/sim/data.ts";
import { runParamsFromConfig } from "../../src/sim/params.ts";
import { runReferenceResult } from "../../src/sim/run_reference.ts";
import { runStreamed } from "../../src/backtest/stream.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";
import { sliceBook, sliceTrades } from "../../src/storage/batch.ts";
import { orderbookPartName, partName, partsDir } from "../../src/storage/layout.ts";
import { writeBookPart, writeFundingPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { expectSame } from "./expect_same.ts";
import { synMarket } from "./synthetic.ts";

const SAMPLE = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");

/** Writes a synthetic market as several parts per stream (so chunk cuts fall inside and across parts). */
async function writeMarket(seed: number) {
  const data = mkdtempSync(join(tmpdir(), "bt-stream-"));
  const market = "SYN-USD";
  const m = synMarket({ seed, books: 3000, gap: seed % 2 === 0 });
  for (const s of ["orderbook", "trades", "funding"] as const) mkdirSync(partsDir(data, market, s), { recursive: true });
  for (let k = 0, a = 0; a < m.books.length; k++, a += 700) {
    const bk = { ...sliceBook(m.books, a, Math.min(a + 700, m.books.length)), market };
    await writeBookPart(join(partsDir(data, market, "orderbook"), orderbookPartName(bk.timestampMs[0]!, k, k)), bk);
  }
  for (let k = 0, a = 0; a < m.trades.length; k++, a += 900) {
    const tr = { ...sliceTrades(m.trades, a, Math.min(a + 900, m.trades.length)), market };
    await writeTradePart(join(partsDir(data, market, "trades"), partName(tr.timestampMs[0]!, k)), tr);
  }
  await writeFundingPart(join(partsDir(data, market, "funding"), partName(m.funding.timestampMs[0]!, 0)), { ...m.funding, market });
  return { data, market, m };
}

describe("streamed run = one pass", () => {
  for (const seed of [4, 6]) {
    test(`synthetic parts (seed ${seed}): chunked core equals the whole-data TS reference, every fill model`, async () => {
      const { data, market, m } = await writeMarket(seed);
      for (const over of [
        { fill_model: "cross", requote: "every_update" },
        { fill_model: "queue", queue_model: "power", requote: "every_update" },
        { fill_model: "queue", queue_model: "risk_averse", requote: "on_recalibration", order_latency_ms: 0 },
        { fill_model: "strict", requote: "every_update", fill_cooldown_seconds: 3 },
      ]) {
        const c = v.parse(ConfigSchema, { ...over, tick_size: 0.1, max_inventory: 5, order_notional: 3000, warmup_period_seconds: 60, calibration_window_seconds: 600, recalibration_interval_seconds: 30 });
        const p = runParamsFromConfig(c, resolveMarket(c, market));
        const levels = c.fill_model === "queue" ? 10 : 0;
        const b = new EventDataBuilder(levels, 0.1);
        b.addBooks(m.books);
        b.addTrades(m.trades);
        b.addFunding(m.funding);
        const d = b.build();
        const whole = buildSchedule(d, engineOptionsFromConfig(c));
        const ref = runReferenceResult(d, whole, p);
        for (const chunkRows of [97, 1000]) {
          const spec = { dataDir: data, market };
          const s = await runStreamed({ books: spec, trades: spec, funding: spec, levels, tickSize: 0.1, engine: engineOptionsFromConfig(c), params: p, chunkRows });
          expect(s.chunks).toBeGreaterThan(1);
          expect(s.events).toEqual({ books: d.nBooks, trades: d.nTrades, funding: d.nFunding });
          expect(Array.from(s.schedule.bookIndex)).toEqual(Array.from(whole.bookIndex));
          expect(Array.from(s.schedule.sigma)).toEqual(Array.from(whole.sigma));
          expectSame(s.result, ref);
        }
      }
    }, 120_000);
  }

  test("real sample in 5 chunks equals the whole-data run (queue model)", async () => {
    const c = v.parse(ConfigSchema, { fill_model: "queue", tick_size: 0.1, max_inventory: 0.01, order_notional: 100 });
    const p = runParamsFromConfig(c, resolveMarket(c, "BTC-USD"));
    const books = join(SAMPLE, "orderbook.parquet"), trades = join(SAMPLE, "trades.parquet");
    const s = await runStreamed({ books, trades, funding: null, levels: 20, tickSize: 0.1, engine: engineOptionsFromConfig(c), params: p, chunkRows: 5000 });
    expect(s.chunks).toBe(5);
    const { loadEventData } = await import("../../src/backtest/load.ts");
    const L = await loadEventData({ books, trades, funding: null, levels: 20, tickSize: 0.1 });
    const whole = buildSchedule(L.data, engineOptionsFromConfig(c));
    expectSame(s.result, runReferenceResult(L.data, whole, p));
  }, 60_000);
});
