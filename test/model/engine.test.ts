import { describe, expect, test } from "bun:test";
import { CalibrationEngine, type EngineOptions } from "../../src/model/engine.ts";
import { ReferenceCalibrator } from "../../src/model/reference_calibrator.ts";
import { generateA4 } from "./a4_market.ts";

/** Compatibility options as the original ran Appendix A.4 (config.json; defaults otherwise). */
const COMPAT: EngineOptions = {
  windowMs: 3_600_000, recalibrationIntervalMs: 60_000, minPrices: 10, volatilityModel: "garch",
  garchFullHistory: true, ewmaHalfLifeSeconds: 300, minTradesPerSide: 5, resetFailedFits: true,
  maxGapMs: 60_000, tradeBookRule: "strictly_before", minVolatility: 0, maxVolatility: 0.02, garchFullGridEvery: 1, garchWarmStride: 0, exposureMode: "exact",
};

const A4: [number, number, number, number, number, number][] = [
  [1700000009000, 2.788813640e-5, 100, 10, 100, 10],
  [1700000069000, 3.061051595e-5, 22589.040949, 10158.201397, 15056.324967, 5353.852690],
  [1700000129000, 3.223529929e-5, 24455.757330, 11279.005971, 17535.358923, 6665.220254],
  [1700000189000, 3.074539682e-5, 22773.690366, 9841.497190, 18392.329354, 7318.798367],
  [1700000309000, 3.167994642e-5, 20952.843649, 9017.368474, 17840.492752, 6687.474691],
  [1700000609000, 3.026701100e-5, 20280.103371, 8497.215077, 19314.655986, 7555.444782],
  [1700000909000, 2.991856377e-5, 20575.539428, 8923.125678, 19173.504594, 7207.891376],
  [1700001209000, 3.013080842e-5, 20433.861115, 8727.903543, 19148.113156, 7305.191300],
];

type Cal = CalibrationEngine | ReferenceCalibrator;
/** Feeds events like the backtest: mid = (best bid + best ask)/2, calibrate only on books. */
function run(cal: Cal, nEvents: number, gap = false) {
  const m = generateA4(gap);
  const out = new Map<number, ReturnType<Cal["calibrate"]>>();
  let k = 0;
  for (let e = 0; e < nEvents && k < m.events.length; e++, k++) {
    const ev = m.events[k];
    if (ev.kind === "book") {
      cal.onBook(ev.ts, (ev.bestBid + ev.bestAsk) / 2, ev.bestBid, ev.bestAsk, ev.farBid, ev.farAsk);
      if (cal.shouldRecalibrate(ev.ts)) out.set(ev.ts, cal.calibrate(ev.ts));
    } else cal.onTrade(ev.ts, ev.price, ev.isBuyerMaker ? -1 : 1);
  }
  return out;
}

const sig = (x: number, digits: number) => Number(x.toPrecision(digits));

describe("Appendix A.4: calibration engine on the synthetic market with compatibility options", () => {
  for (const [name, make] of [["incremental engine", () => new CalibrationEngine(COMPAT)], ["reference", () => new ReferenceCalibrator(COMPAT)]] as const) {
    test(name, () => {
      const rows = run(make(), 2000);
      for (const [ts, s, kb, ab, ka, aa] of A4) {
        const r = rows.get(ts)!;
        expect(r).toBeDefined();
        expect(sig(r.sigmaRaw, 10)).toBe(s);
        // the table prints κ and A with 6 decimals
        expect(Math.abs(r.kappaBid - kb)).toBeLessThan(5e-6 + 1e-9 * kb);
        expect(Math.abs(r.aBid - ab)).toBeLessThan(5e-6 + 1e-9 * ab);
        expect(Math.abs(r.kappaAsk - ka)).toBeLessThan(5e-6 + 1e-9 * ka);
        expect(Math.abs(r.aAsk - aa)).toBeLessThan(5e-6 + 1e-9 * aa);
      }
      const first = rows.get(A4[0][0])!;
      expect(first.bidSource).toBe("default");
    });
  }
});

describe("incremental engine equals the non-incremental reference", () => {
  const variants: [string, Partial<EngineOptions>][] = [
    ["windowed garch (warm start)", { garchFullHistory: false, garchFullGridEvery: 5, resetFailedFits: false, windowMs: 900_000, exposureMode: "binned" }],
    ["windowed garch, exact exposures", { garchFullHistory: false, garchFullGridEvery: 5, resetFailedFits: false, windowMs: 900_000 }],
    ["realized", { volatilityModel: "realized", garchFullHistory: false, resetFailedFits: false, windowMs: 600_000, exposureMode: "binned" }],
    ["ewma", { volatilityModel: "ewma", garchFullHistory: false, ewmaHalfLifeSeconds: 120, windowMs: 600_000, exposureMode: "binned" }],
  ];
  for (const [name, o] of variants) {
    test(`${name}, gap variant of A.4`, () => {
      const opts = { ...COMPAT, ...o };
      const a = run(new CalibrationEngine(opts), 10_800, true);
      const b = run(new ReferenceCalibrator(opts), 10_800, true);
      expect([...a.keys()]).toEqual([...b.keys()]);
      expect(a.size).toBeGreaterThan(100);
      for (const [ts, x] of a) {
        const y = b.get(ts)!;
        expect(x.sigmaSource).toBe(y.sigmaSource);
        expect(Math.abs(x.sigmaRaw - y.sigmaRaw)).toBeLessThanOrEqual(1e-9 * y.sigmaRaw);
        // binned exposures: the golden section ends within ~1e-6 relative of the same optimum
        const tol = opts.exposureMode === "exact" ? 1e-9 : 1e-5;
        for (const k of ["kappaBid", "aBid", "kappaAsk", "aAsk"] as const) {
          expect(Math.abs(x[k] - y[k])).toBeLessThanOrEqual(tol * y[k]);
        }
        expect([x.bidSource, x.askSource, x.nTradesBid, x.nTradesAsk, x.nPrices]).toEqual([y.bidSource, y.askSource, y.nTradesBid, y.nTradesAsk, y.nPrices]);
      }
    });
  }
});

describe("compatibility options from the config file", () => {
  test("garch_full_history + reset_failed_fits reproduce A.4 through engineOptionsFromConfig", async () => {
    const v = await import("valibot");
    const { ConfigSchema } = await import("../../src/config/schema.ts");
    const { engineOptionsFromConfig } = await import("../../src/model/engine.ts");
    const opts = engineOptionsFromConfig(v.parse(ConfigSchema, { garch_full_history: true, reset_failed_fits: true }));
    expect(opts.exposureMode).toBe("exact");
    expect(opts.garchFullGridEvery).toBe(1);
    const rows = run(new CalibrationEngine(opts), 2000);
    for (const [ts, s, kb, , , aa] of A4) {
      const r = rows.get(ts)!;
      expect(sig(r.sigmaRaw, 10)).toBe(s);
      expect(Math.abs(r.kappaBid - kb)).toBeLessThan(5e-6 + 1e-9 * kb);
      expect(Math.abs(r.aAsk - aa)).toBeLessThan(5e-6 + 1e-9 * aa);
    }
    // the defaults differ from the original: windowed GARCH, keep-last-good, binned exposures
    const d = engineOptionsFromConfig(v.parse(ConfigSchema, {}));
    expect([d.garchFullHistory, d.resetFailedFits, d.exposureMode]).toEqual([false, false, "binned"]);
  });
});
