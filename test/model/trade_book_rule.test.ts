import { describe, expect, test } from "bun:test";
import { defaultConfig } from "../../src/config/load.ts";
import { CalibrationEngine, engineOptionsFromConfig, type EngineOptions } from "../../src/model/engine.ts";
import { seededRandom } from "../../src/model/prng.ts";
import { ReferenceCalibrator } from "../../src/model/reference_calibrator.ts";

const BASE = engineOptionsFromConfig(defaultConfig());
const opts = (o: Partial<EngineOptions>): EngineOptions => ({ ...BASE, minTradesPerSide: 1, ...o });
const both = (o: EngineOptions) => [new CalibrationEngine(o), new ReferenceCalibrator(o)];
const book = (c: CalibrationEngine | ReferenceCalibrator, ts: number, bid: number, ask: number) =>
  c.onBook(ts, (bid + ask) / 2, bid, ask, bid - 0.2, ask + 0.2);

describe("trade_book_rule", () => {
  test("a trade sharing its millisecond with a later book: strictly_before uses the earlier book, original the same-ms one", () => {
    for (const rule of ["strictly_before", "original"] as const) {
      for (const c of both(opts({ tradeBookRule: rule }))) {
        book(c, 0, 100.0, 100.02);
        c.onTrade(1000, 99.99, -1); // merge order: the trade first …
        book(c, 1000, 99.98, 99.99); // … then the book of its ms, already through the trade's price
        book(c, 2000, 100.0, 100.02);
        const r = c.calibrate(3000);
        // earlier book: δ = (100.01 − 99.99)/100.01 > 0; same-ms book: mid 99.985 < 99.99 → δ < 0, dropped
        expect(r.nTradesBid).toBe(rule === "original" ? 0 : 1);
      }
    }
  });

  test("the re-measure waits for the book: a calibration between same-ms books sees the first one", () => {
    for (const c of both(opts({ tradeBookRule: "original" }))) {
      book(c, 0, 100.0, 100.02);
      c.onTrade(1000, 99.99, -1);
      book(c, 1000, 99.97, 100.01); // mid 99.99: δ = 0, not counted
      expect(c.calibrate(1000).nTradesBid).toBe(0);
      book(c, 1000, 100.0, 100.02); // the last book of the ms: δ > 0
      expect(c.calibrate(1000).nTradesBid).toBe(1);
    }
  });

  test("a trade whose own book left the window: original measures it against the window's first book", () => {
    for (const rule of ["strictly_before", "original"] as const) {
      for (const c of both(opts({ tradeBookRule: rule, windowMs: 10_000 }))) {
        book(c, 0, 100.0, 100.02); // mid 100.01
        c.onTrade(5000, 100.05, 1);
        book(c, 12_000, 100.06, 100.08); // mid 100.07, after the trade
        const r = c.calibrate(15_000); // window [5000, 15000]: the 0 ms book is gone, the trade is not
        expect(r.nTradesAsk).toBe(rule === "original" ? 0 : 1);
      }
    }
  });

  test("original counts trades before the first book (against it); strictly_before drops them", () => {
    for (const rule of ["strictly_before", "original"] as const) {
      for (const c of both(opts({ tradeBookRule: rule }))) {
        c.onTrade(500, 100.05, 1);
        book(c, 1000, 100.0, 100.02);
        expect(c.calibrate(2000).nTradesAsk).toBe(rule === "original" ? 1 : 0);
      }
    }
  });

  // Random market with same-ms books and trades and a short window sliding over it: the
  // incremental engine equals the from-scratch reference under both rules.
  for (const rule of ["strictly_before", "original"] as const) {
    for (const exposureMode of ["exact", "binned"] as const) {
      test(`engine ≡ reference, ${rule}, ${exposureMode} exposures`, () => {
        const o = opts({ tradeBookRule: rule, windowMs: 30_000, recalibrationIntervalMs: 5_000, minTradesPerSide: 5, exposureMode, maxGapMs: rule === "original" ? Infinity : 60_000 });
        const [eng, ref] = both(o) as [CalibrationEngine, ReferenceCalibrator];
        const rnd = seededRandom(rule === "original" ? 3 : 4);
        let b = 1_000_000, ts = 1_700_000_000_000, checked = 0, sameMs = 0;
        for (let k = 0; k < 4000; k++) {
          ts += rnd() < 0.02 ? 20_000 + Math.floor(rnd() * 20_000) : 1 + Math.floor(rnd() * 1500);
          b += Math.floor(rnd() * 5) - 2;
          const a = b + 1 + Math.floor(rnd() * 3);
          const nTr = Math.floor(rnd() * 3);
          for (let j = 0; j < nTr; j++) { // trades of this ms come before its books
            const sell = rnd() < 0.5;
            const off = Math.floor(rnd() * 6) - 1;
            const px = (sell ? b - off : a + off) / 10;
            eng.onTrade(ts, px, sell ? -1 : 1);
            ref.onTrade(ts, px, sell ? -1 : 1);
            sameMs++;
          }
          const nBooks = rnd() < 0.1 ? 2 : 1;
          for (let j = 0; j < nBooks; j++) {
            const bb = (b - j) / 10, ba = (a + j) / 10;
            for (const c of [eng, ref]) c.onBook(ts, (bb + ba) / 2, bb, ba, bb - 2, ba + 2);
            if (eng.shouldRecalibrate(ts)) {
              expect(ref.shouldRecalibrate(ts)).toBe(true);
              const x = eng.calibrate(ts), y = ref.calibrate(ts);
              expect([x.nTradesBid, x.nTradesAsk, x.bidSource, x.askSource]).toEqual([y.nTradesBid, y.nTradesAsk, y.bidSource, y.askSource]);
              const tol = exposureMode === "exact" ? 1e-12 : 1e-5;
              for (const [p, q] of [[x.kappaBid, y.kappaBid], [x.aBid, y.aBid], [x.kappaAsk, y.kappaAsk], [x.aAsk, y.aAsk]] as const) {
                expect(Math.abs(p - q) / q).toBeLessThanOrEqual(tol);
              }
              checked++;
            }
          }
          // trades between books (the next book comes ≥ 1000 ms later): a window edge can fall
          // between such a trade and its book
          ts += Math.floor(rnd() * 400);
          if (rnd() < 0.6) {
            const sell = rnd() < 0.5;
            const px = (sell ? b - Math.floor(rnd() * 4) : a + Math.floor(rnd() * 4)) / 10;
            eng.onTrade(ts, px, sell ? -1 : 1);
            ref.onTrade(ts, px, sell ? -1 : 1);
          }
        }
        expect(checked).toBeGreaterThan(100);
        expect(sameMs).toBeGreaterThan(1000);
      });
    }
  }
});
