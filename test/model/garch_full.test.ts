import { expect, test } from "bun:test";
import { join } from "node:path";
import { loadEventData } from "../../src/backtest/load.ts";
import { parseConfig } from "../../src/config/load.ts";
import { CalibrationEngine, engineOptionsFromConfig } from "../../src/model/engine.ts";
import { exactMid } from "../../src/model/exact_price.ts";
import { ReferenceCalibrator } from "../../src/model/reference_calibrator.ts";

/**
 * The full-history fit skips coarse-grid points it proves cannot win (garch_full.ts). On the real
 * StandX sample (2 h, every calibration a full grid over the whole history) the engine's fit —
 * α, β, ℓ and the forecast — must equal, bit for bit, the reference's literal grid over the same
 * returns, while most points are in fact skipped.
 */
test("full-history GARCH with proven skips = the literal full grid, on real data", async () => {
  const D = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");
  const { data: d } = await loadEventData({ books: join(D, "orderbook.parquet"), trades: join(D, "trades.parquet"), funding: null, levels: 0, tickSize: 0.1 });
  const o = engineOptionsFromConfig(parseConfig({ garch_full_history: true }, "t").config);
  const eng = new CalibrationEngine(o), ref = new ReferenceCalibrator(o);
  let compared = 0;
  for (let i = 0; i < d.nBooks; i++) {
    const ts = d.bookTs[i]!, mid = exactMid(d.bestBid[i]!, d.bestAsk[i]!);
    for (const c of [eng, ref]) c.onBook(ts, mid, d.bestBid[i]!, d.bestAsk[i]!, d.farBid[i]!, d.farAsk[i]!);
    if (eng.shouldRecalibrate(ts)) {
      const a = eng.calibrate(ts).garch, b = ref.calibrate(ts).garch;
      expect(a).toEqual(b);
      compared++;
    }
  }
  expect(compared).toBeGreaterThan(100);
  const { evaluated, skipped } = eng.garchChain.fullGrid;
  console.log(`full-history grid on the 2 h sample: ${evaluated} points evaluated, ${skipped} skipped`);
  expect(skipped).toBeGreaterThan(evaluated); // the bound does its job on real data
}, 300_000);
