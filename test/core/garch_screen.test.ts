import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as v from "valibot";
import { buildSchedule } from "../../src/backtest/calibrate.ts";
import { loadEventData } from "../../src/backtest/load.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { CalibrationEngine, engineOptionsFromConfig } from "../../src/model/engine.ts";
import { exactMid } from "../../src/model/exact_price.ts";
import { wasmGarchScreen } from "../../src/core/garch_screen.ts";
import { GarchBatch, garchLogLikScreen } from "../../src/model/garch_batch.ts";
import { seededRandom } from "../../src/model/prng.ts";
import { garchFit, garchLogLikBlocked, meanSquare } from "../../src/model/volatility.ts";
import { sequentialFit, series } from "../model/garch_oracle.ts";

describe("WASM GARCH screen (8 lanes) ≡ the TypeScript screen", () => {
  test("Σ r²/σ² and forecast bit-identical, ℓ within the bound of the blocked ℓ, inadmissible lanes −∞", () => {
    const screen = wasmGarchScreen();
    const g8 = new GarchBatch(8), g4 = new GarchBatch(4);
    const out = new Float64Array(1);
    const rnd = seededRandom(33);
    let lanes = 0;
    for (const [seed, n, scale, spike] of [[2, 3601, 1, 0], [3, 500, 1e-10, 0], [4, 3601, 1, 1e-2], [5, 20000, 1, 0], [6, 64, 1, 0], [7, 3601, 1e6, 0], [8, 5, 1, 0]] as const) {
      const r = series(seed, n).map((x) => x * scale);
      if (spike) r[n >> 1] = spike;
      const vbar = meanSquare(r);
      let xmax = 0;
      for (const x of r) xmax = Math.max(xmax, x * x);
      screen.load(r, 0, n);
      for (let t = 0; t < 40; t++) {
        g8.m = 1 + (t % 8);
        for (let k = 0; k < 8; k++) {
          g8.alpha[k] = t % 7 === 0 ? 0 : rnd() < 0.05 ? -0.01 : rnd() * 0.5;
          g8.beta[k] = rnd() * 1.02;
        }
        screen.run(vbar, g8, xmax);
        for (let k = 0; k < g8.m; k++) {
          // the TypeScript pass on the same candidate, alone in its batch
          g4.m = 1;
          g4.alpha[0] = g8.alpha[k]!;
          g4.beta[0] = g8.beta[k]!;
          garchLogLikScreen(r, 0, n, vbar, g4, xmax);
          const want = garchLogLikBlocked(r, 0, n, vbar, g8.alpha[k]!, g8.beta[k]!, out);
          if (!Number.isFinite(want)) {
            expect(g8.logLik[k]).toBe(-Infinity);
            continue;
          }
          lanes++;
          expect(g8.variance[k]).toBe(g4.variance[0]!);
          expect(g8.sumQ[k]).toBe(g4.sumQ[0]!);
          // unscreened lanes (the scaled products overflowed: the caller evaluates them exactly) are so in both
          expect(g8.bound[k] === Infinity).toBe(g4.bound[0] === Infinity);
          if (g8.bound[k] === Infinity) continue;
          expect(Math.abs(g8.bound[k]! - g4.bound[0]!)).toBeLessThanOrEqual(1e-12 * g4.bound[0]!);
          expect(Math.abs(g8.logLik[k]! - want)).toBeLessThanOrEqual(g8.bound[k]!);
          expect(Math.abs(g8.logLik[k]! - g4.logLik[0]!)).toBeLessThanOrEqual(1e-13 * Math.abs(want));
        }
        for (let k = g8.m; k < 8; k++) expect(g8.logLik[k]).toBe(-Infinity);
      }
    }
    expect(lanes).toBeGreaterThan(800);
  });

  test("garchFit with the WASM screen returns exactly the sequential search's fit", () => {
    const screen = wasmGarchScreen();
    for (let seed = 0; seed <= 12; seed++) {
      const r = seed === 0 ? series(99, 2000).map((_, i) => Math.sin(i * 12.9898) * 1e-4) : series(seed, 300 + seed * 150);
      const prev = sequentialFit(r, undefined, false, 0)!;
      const seeds = [{ alpha: prev.alpha + 0.01, beta: prev.beta - 0.02 }, { alpha: 0.02, beta: 0.96 }, { alpha: 0.2, beta: 0.78 }];
      for (const [start, stride] of [[undefined, 0], [seeds, 0], [seeds, 5], [[{ alpha: 0.5, beta: 0.6 }], 0]] as const) {
        expect(garchFit(r, 0, r.length, start as never, true, stride, undefined, screen)).toEqual(sequentialFit(r, start as never, true, stride));
      }
    }
  });

  test("a window longer than the last one grows the resident buffer", () => {
    const screen = wasmGarchScreen();
    for (const n of [100, 9000, 50, 30000]) {
      const r = series(n, n);
      expect(garchFit(r, 0, n, undefined, true, 0, undefined, screen)).toEqual(sequentialFit(r, undefined, true, 0));
    }
  });
});

describe("the backtest's calibration (WASM screen) on the real sample", () => {
  test("σ bit-identical to the engine with the TypeScript screen, every calibration", async () => {
    const D = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");
    const { data: d } = await loadEventData({ books: join(D, "orderbook.parquet"), trades: join(D, "trades.parquet"), funding: null, levels: 0, tickSize: 0.1 });
    // a 20-minute window so that full grids and warm walks both occur on the 2 h sample
    const opts = { ...engineOptionsFromConfig(v.parse(ConfigSchema, {})), windowMs: 1_200_000, garchFullGridEvery: 10 };
    const s = buildSchedule(d, opts);
    const eng = new CalibrationEngine(opts);
    const want: number[] = [];
    let mid = NaN;
    for (let i = 0, j = 0; i < d.nBooks; i++) {
      // the event order of storage/events.ts: a trade before a book row of the same millisecond
      for (; j < d.nTrades && d.tradeTs[j]! <= d.bookTs[i]!; j++) eng.onTrade(d.tradeTs[j]!, d.tradePx[j]!, d.tradeSide[j]!);
      const bb = d.bestBid[i]!, ba = d.bestAsk[i]!;
      if (bb > 0 && ba > 0) mid = exactMid(bb, ba);
      eng.onBook(d.bookTs[i]!, mid, bb, ba, d.farBid[i]!, d.farAsk[i]!);
      if (eng.shouldRecalibrate(d.bookTs[i]!)) want.push(eng.calibrate(d.bookTs[i]!).sigmaRaw);
    }
    expect(s.n).toBe(want.length);
    expect(s.n).toBeGreaterThan(100);
    expect(Array.from(s.sigmaRaw)).toEqual(want);
  });
});
