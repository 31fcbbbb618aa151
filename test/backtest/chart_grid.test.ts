import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { CHART_MAX_POINTS, chartSubdivision, gridIsExact, SampleSplitter, type SampleCols } from "../../src/backtest/chart_grid.ts";
import { Q, S, type RunResult } from "../../src/sim/layout.ts";
import { summarize } from "../../src/backtest/metrics.ts";
import { runParamsFromConfig } from "../../src/sim/params.ts";
import { runStreamed } from "../../src/backtest/stream.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";
import { allocBook, allocTrades } from "../../src/storage/batch.ts";
import { writeBookPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { rng } from "./synthetic.ts";

describe("chartSubdivision", () => {
  test("one point per second for short runs, about CHART_MAX_POINTS for longer ones, the metrics grid beyond", () => {
    expect(chartSubdivision(60_000, 20 * 60_000)).toBe(60); // 20 min → 1 s
    expect(chartSubdivision(60_000, 7_200_000)).toBe(24); // 2 h → 2.5 s (2.4 s would be 3,000 steps)
    expect(chartSubdivision(60_000, 3 * 86_400_000)).toBe(1); // 3 days on the 60 s grid is already 4,320 points
    expect(chartSubdivision(60_000, NaN)).toBe(60); // unknown span: the finest step
    expect(chartSubdivision(500, 600_000)).toBe(1); // a metrics grid finer than 1 s is kept
    expect(chartSubdivision(60_000.5, 600_000)).toBe(1); // not whole ms: no exact finer grid
    expect(chartSubdivision(400 * 86_400_000, NaN)).toBe(100_000); // an absurd metrics grid: the search is capped
  });
  test("property: the step is whole ms, divides the metrics grid, respects both floors, and no larger k would", () => {
    const r = rng(11);
    for (let n = 0; n < 2000; n++) {
      const sampleMs = 1000 * (1 + Math.floor(r() * 600)) + (r() < 0.3 ? Math.floor(r() * 1000) : 0);
      const span = Math.floor(r() * 10 * 86_400_000);
      const k = chartSubdivision(sampleMs, span);
      const ok = (q: number) => sampleMs % q === 0 && sampleMs / q >= 1000 && sampleMs / q >= span / (CHART_MAX_POINTS - 2);
      expect(k === 1 || ok(k)).toBe(true);
      for (let q = k + 1; q <= sampleMs / 1000; q++) expect(ok(q)).toBe(false);
    }
  });
});

describe("gridIsExact", () => {
  test("whole-ms and dyadic starts are exact; a start with 55 fractional bits is not", () => {
    expect(gridIsExact(1_767_653_687_210, 1000, 86_400_000)).toBe(true);
    expect(gridIsExact(1_767_653_687_210.5, 2400, 86_400_000)).toBe(true);
    expect(gridIsExact(0.1, 1000, 1000)).toBe(false);
    expect(gridIsExact(NaN, 1000, 1000)).toBe(false);
    expect(gridIsExact(0, 1000.5, 1000)).toBe(false);
  });
  test("property: when it says exact, k fine steps by repeated addition land exactly on the coarse running sum", () => {
    const r = rng(5);
    let checked = 0;
    for (let n = 0; n < 300; n++) {
      const first = 1.6e12 + Math.floor(r() * 1e11) + (r() < 0.5 ? Math.floor(r() * 4096) / 4096 : 0);
      const k = [2, 3, 4, 5, 6, 12, 25, 60][Math.floor(r() * 8)]!;
      const fine = 1000 * (1 + Math.floor(r() * 5)), coarse = fine * k;
      if (!gridIsExact(first, fine, 2000 * coarse)) continue;
      checked++;
      let f = first, c = first;
      for (let j = 0; j < 2000; j++) {
        for (let q = 0; q < k; q++) f += fine;
        c += coarse;
        if (f !== c) throw new Error(`drift at ${first} k=${k} j=${j}`);
      }
    }
    expect(checked).toBeGreaterThan(250);
  });
});

/** Fine samples first + i·step, i in [a, b), as one chunk. */
function fine(first: number, step: number, a: number, b: number): SampleCols {
  const cols = {} as Record<keyof typeof Q, Float64Array>;
  for (const key of Object.keys(Q) as (keyof typeof Q)[]) cols[key] = new Float64Array(b - a);
  for (let i = a; i < b; i++) {
    cols.ts[i - a] = first + i * step; // whole ms: the running sum the core computes
    cols.cash[i - a] = 1000 + i; // the index, to check which samples were kept
  }
  return cols as SampleCols;
}

describe("SampleSplitter", () => {
  test("keeps every k-th sample for the metrics and a bounded, evenly strided chart, whatever the chunking", () => {
    const first = 1_700_000_000_000, k = 16, sampleMs = 60_000, step = sampleMs / k, total = 69_121;
    for (const cut of [1, 997, 20_000, total]) {
      const sp = new SampleSplitter(k, sampleMs, first);
      const kept: number[] = [];
      for (let a = 0; a < total; a += cut) kept.push(...sp.take(fine(first, step, a, Math.min(total, a + cut)), false).cash);
      const fin = fine(first, step, total, total + 1);
      expect(sp.take(fin, true)).toBe(fin);
      expect(kept).toEqual(Array.from({ length: Math.ceil(total / k) }, (_, j) => 1000 + j * k));
      const c = sp.chart();
      expect(c.ts.length).toBeLessThanOrEqual(CHART_MAX_POINTS + 1);
      expect(c.ts.length).toBeGreaterThan(CHART_MAX_POINTS / 2);
      expect(c.cash[0]).toBe(1000);
      expect(c.cash[c.ts.length - 1]).toBe(1000 + total); // the final sample is always drawn
      for (let i = 1; i < c.ts.length - 1; i++) expect(c.ts[i]! - c.ts[i - 1]!).toBe(sp.chartStepMs);
    }
  });
  test("a sample off the metrics grid is an error, never a silent shift", () => {
    const sp = new SampleSplitter(2, 60_000, 0);
    expect(() => sp.take(fine(1, 30_000, 0, 3), false)).toThrow(/off the metrics grid/);
  });
});

/** Three days of a one-level book every 10 s and a trade every ~40 s around the mid, as Parquet files. */
async function longMarket(): Promise<{ books: string; trades: string }> {
  const dir = mkdtempSync(join(tmpdir(), "bt-chart-"));
  const r = rng(9);
  const n = 3 * 8640, t0 = 1_767_225_600_000;
  const b = allocBook("SYN-USD", 1, n);
  const tr = allocTrades("SYN-USD", n, true);
  let mid = 30_000, nt = 0;
  for (let i = 0; i < n; i++) {
    const ts = t0 + i * 10_000;
    mid += (Math.floor(r() * 3) - 1) * 5;
    b.timestampMs[i] = ts;
    b.bidPx[0]![i] = mid - 0.5;
    b.askPx[0]![i] = mid + 0.5;
    b.bidQty[0]![i] = b.askQty[0]![i] = 1;
    b.seq[i] = BigInt(i);
    if (r() < 0.25) {
      const side = r() < 0.5 ? 1 : -1;
      tr.timestampMs[nt] = ts + 1 + Math.floor(r() * 9000);
      tr.price[nt] = Math.round(mid * (1 + side * r() * 0.002) * 10) / 10;
      tr.quantity[nt] = 0.5;
      tr.side[nt] = side;
      tr.tradeId![nt] = BigInt(nt);
      nt++;
    }
  }
  const books = join(dir, "orderbook.parquet"), trades = join(dir, "trades.parquet");
  await writeBookPart(books, b);
  await writeTradePart(trades, { ...tr, length: nt, timestampMs: tr.timestampMs.subarray(0, nt), price: tr.price.subarray(0, nt), quantity: tr.quantity.subarray(0, nt), side: tr.side.subarray(0, nt), tradeId: tr.tradeId!.subarray(0, nt), tradeType: tr.tradeType.subarray(0, nt) });
  return { books, trades };
}

function expectBitIdentical(a: RunResult, b: RunResult): void {
  const same = (x: Float64Array, y: Float64Array) => x.length === y.length && x.every((val, i) => Object.is(val, y[i]));
  expect(same(a.scalars, b.scalars)).toBe(true);
  for (const part of ["fills", "samples", "rows"] as const) {
    for (const [key, col] of Object.entries(a[part])) expect([part, key, same(col as Float64Array, (b[part] as Record<string, Float64Array>)[key]!)]).toEqual([part, key, true]);
  }
}

describe("streamed run with the chart grid", () => {
  test("3 days: the result and every summary metric are bit-identical to a metrics-grid-only run; the chart is bounded", async () => {
    const m = await longMarket();
    const c = v.parse(ConfigSchema, { fill_model: "cross", tick_size: 0.1, max_inventory: 0.2, order_notional: 3000, warmup_period_seconds: 600, max_spread_bps: 10, recalibration_interval_seconds: 1800, calibration_window_seconds: 1800 });
    const p = runParamsFromConfig(c, resolveMarket(c, "SYN-USD"));
    const spec = { books: m.books, trades: m.trades, funding: null, levels: 0, tickSize: 0.1, engine: engineOptionsFromConfig(c), params: p };
    const plain = await runStreamed(spec);
    expect(plain.chart).toBeNull();
    expect(plain.result.fills.ts.length).toBeGreaterThan(20); // a non-trivial equity curve
    const base = summarize(plain.result, p);
    // whole data in the first chunk (span known: 3 days → the 60 s grid, decimated), and 2,000-row
    // chunks (span unknown: a fine grid from the first chunk's 5.6 h, decimated on the way)
    for (const chunkRows of [100_000, 2000]) {
      const run = await runStreamed({ ...spec, chart: true, chunkRows });
      expectBitIdentical(run.result, plain.result);
      expect(summarize(run.result, p)).toEqual(base);
      const q = run.result.samples;
      for (let j = 0; j < q.ts.length - 1; j++) expect(q.ts[j]).toBe(q.ts[0]! + j * 60_000);
      const ch = run.chart!.samples;
      expect(ch.ts.length).toBeGreaterThanOrEqual(1000);
      expect(ch.ts.length).toBeLessThanOrEqual(CHART_MAX_POINTS + 1);
      expect(ch.ts[0]).toBe(q.ts[0]);
      expect(ch.ts[ch.ts.length - 1]).toBe(q.ts[q.ts.length - 1]); // the sample after the close
    }
  }, 60_000);

  test("a 40-minute window: one chart point per second, 60 per metrics sample; results bit-identical", async () => {
    const m = await longMarket();
    const c = v.parse(ConfigSchema, { fill_model: "queue", tick_size: 0.1, max_inventory: 0.2, order_notional: 3000, warmup_period_seconds: 60, max_spread_bps: 10, recalibration_interval_seconds: 60, calibration_window_seconds: 600 });
    const p = runParamsFromConfig(c, resolveMarket(c, "SYN-USD"));
    const fromMs = 1_767_225_600_000 + 3_600_000, toMs = fromMs + 40 * 60_000;
    const spec = { books: m.books, trades: m.trades, funding: null, levels: 1, tickSize: 0.1, engine: engineOptionsFromConfig(c), params: p, fromMs, toMs };
    const plain = await runStreamed(spec);
    expect(plain.result.fills.ts.length).toBeGreaterThan(5);
    expect(plain.result.samples.ts.length).toBe(41); // 40 grid points (the last row is at 39:50) + the close
    for (const chunkRows of [100_000, 37]) {
      const run = await runStreamed({ ...spec, chart: true, chunkRows });
      expectBitIdentical(run.result, plain.result);
      expect(summarize(run.result, p)).toEqual(summarize(plain.result, p));
      // the whole window in one chunk: span known, 1 s steps; in 37-row chunks: 1 s from the first chunk's 6 min
      expect(run.chart!.stepMs).toBe(1000);
      const sc = plain.result.scalars;
      expect(run.chart!.samples.ts.length).toBe(Math.floor((sc[S.lastTs]! - sc[S.firstTs]!) / 1000) + 1 + 1); // every second up to the last event, + the close
    }
  }, 60_000);
});
