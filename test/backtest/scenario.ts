/**
 * Hand-made scenarios for rule tests: a 3-level book, trades and funding given as tuples, run on
 * the WASM core and the TS reference (which must agree) and checked by the accounting identity.
 */
import { expect } from "bun:test";
import * as v from "valibot";
import { EventDataBuilder } from "../../src/sim/data.ts";
import { FILL_CLOSE, type RunResult } from "../../src/sim/layout.ts";
import { reconcile } from "../../src/backtest/metrics.ts";
import { runParamsFromConfig } from "../../src/sim/params.ts";
import { runReferenceResult } from "../../src/sim/run_reference.ts";
import { allocSchedule } from "../../src/sim/schedule.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { BacktestCore } from "../../src/sim/core.ts";
import { allocBook, allocFunding, allocTrades } from "../../src/storage/batch.ts";
import { expectSame } from "./expect_same.ts";

export type Lv = [number, number][];
export interface Scn {
  books: [number, Lv, Lv][];
  trades?: [number, number, number, number][]; // ts, price, qty, taker side
  funding?: [number, number][];
  cfg?: Record<string, unknown>;
  /** book indices where a calibration lands (σ = 0, κ = 1e4): the quote is then mid ± 10 bps */
  cal?: number[];
}

/**
 * Quotes are pinned by min_spread_bps = max_spread_bps = 20 and σ = 0: with mid 100 the full
 * spread per side is 0.2, so our bid is 99.9 and our ask 100.1 (tick 0.1); orders are 1 unit
 * (notional 100.1, lot 1). Both implementations run every scenario and must agree.
 */
export function run(s: Scn): RunResult {
  const L = 3;
  const bk = allocBook("T", L, s.books.length);
  s.books.forEach(([ts, bids, asks], k) => {
    bk.timestampMs[k] = ts;
    bids.forEach(([p, q], l) => ((bk.bidPx[l]![k] = p), (bk.bidQty[l]![k] = q)));
    asks.forEach(([p, q], l) => ((bk.askPx[l]![k] = p), (bk.askQty[l]![k] = q)));
  });
  const tr = s.trades ?? [];
  const tb = allocTrades("T", tr.length, false);
  tr.forEach(([ts, p, q, side], j) => ((tb.timestampMs[j] = ts), (tb.price[j] = p), (tb.quantity[j] = q), (tb.side[j] = side)));
  const fd = allocFunding("T", s.funding?.length ?? 0);
  (s.funding ?? []).forEach(([ts, r], j) => ((fd.timestampMs[j] = ts), (fd.fundingRate[j] = r)));
  const b = new EventDataBuilder(L, 0.1);
  b.addBooks(bk);
  b.addTrades(tb);
  b.addFunding(fd);
  const d = b.build();
  const cal = s.cal ?? [0];
  const sch = allocSchedule(cal.length);
  cal.forEach((i, k) => ((sch.bookIndex[k] = i), (sch.ts[k] = d.bookTs[i]!), (sch.sigma[k] = 0), (sch.kappaBid[k] = sch.kappaAsk[k] = 1e4)));
  const c = v.parse(ConfigSchema, {
    gamma_mode: "constant", min_spread_bps: 20, max_spread_bps: 20, tick_size: 0.1, max_inventory: 10, maker_fee_bps: 0,
    taker_fee_bps: 0, warmup_period_seconds: 0, order_latency_ms: 0, fill_model: "cross", requote: "on_recalibration",
    quote_validity_seconds: 0, order_notional: 100.1, initial_capital: 1000, equity_sample_seconds: 1,
    markets_config: { T: { lot_size: 1 } }, ...s.cfg,
  });
  const p = runParamsFromConfig(c, resolveMarket(c, "T"));
  const core = new BacktestCore();
  core.prepare(d);
  const w = core.run(sch, p);
  expectSame(w, runReferenceResult(d, sch, p));
  expect(reconcile(w, p.capital).diff).toBeLessThan(1e-9);
  return w;
}

export const BOOK: [Lv, Lv] = [[[99.9, 2], [99.8, 5]], [[100.1, 2], [100.2, 5]]];
export const at = (ts: number, bids = BOOK[0], asks = BOOK[1]): [number, Lv, Lv] => [ts, bids, asks];
export const makerFills = (r: RunResult) => Array.from(r.fills.trade).filter((t) => t !== FILL_CLOSE).length;

