import { expect, test } from "bun:test";
import * as v from "valibot";
import { buildSchedule } from "../../src/backtest/calibrate.ts";
import { EventDataBuilder } from "../../src/sim/data.ts";
import { runParamsFromConfig } from "../../src/sim/params.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { BacktestCore } from "../../src/sim/core.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";
import { takeBook, takeTrades } from "../../src/storage/batch.ts";
import { rng, synMarket } from "./synthetic.ts";

/**
 * Causality: rewrite everything after a cut time T (prices shifted, sizes and sides scrambled,
 * rows dropped) and check every decision before T is unchanged: the calibration schedule, the
 * per-recalibration quotes, every fill and every equity sample with ts < T.
 */
test("altering data after T changes nothing before T (calibration, quotes, fills, equity)", () => {
  const m = synMarket({ seed: 11, books: 4000 });
  const T = m.books.timestampMs[2500]!;
  const r = rng(99);
  const keepB = Int32Array.from({ length: m.books.length }, (_, i) => i).filter((i) => m.books.timestampMs[i]! < T || r() > 0.3);
  const keepT = Int32Array.from({ length: m.trades.length }, (_, i) => i).filter((i) => m.trades.timestampMs[i]! < T || r() > 0.3);
  const books2 = takeBook(m.books, keepB);
  const trades2 = takeTrades(m.trades, keepT);
  for (let i = 0; i < books2.length; i++) {
    if (books2.timestampMs[i]! < T) continue;
    for (let l = 0; l < books2.levels; l++) {
      books2.bidPx[l]![i] = books2.bidPx[l]![i]! + 1;
      books2.askPx[l]![i] = books2.askPx[l]![i]! + 1;
      books2.bidQty[l]![i] = books2.bidQty[l]![i]! * 3;
    }
  }
  for (let j = 0; j < trades2.length; j++) {
    if (trades2.timestampMs[j]! < T) continue;
    trades2.price[j] = trades2.price[j]! + (r() - 0.5);
    trades2.side[j] = r() < 0.5 ? 1 : -1;
    trades2.quantity[j] = trades2.quantity[j]! * 7;
  }
  const build = (books: typeof m.books, trades: typeof m.trades) => {
    const b = new EventDataBuilder(10, 0.1);
    b.addBooks(books);
    b.addTrades(trades);
    return b.build();
  };
  for (const fill_model of ["cross", "queue"] as const) {
    const c = v.parse(ConfigSchema, { fill_model, tick_size: 0.1, max_inventory: 5, order_notional: 3000, warmup_period_seconds: 60, calibration_window_seconds: 600, recalibration_interval_seconds: 30 });
    const p = runParamsFromConfig(c, resolveMarket(c, "SYN"));
    const out = [build(m.books, m.trades), build(books2, trades2)].map((d) => {
      const s = buildSchedule(d, engineOptionsFromConfig(c));
      const core = new BacktestCore();
      core.prepare(d);
      return { s, r: core.run(s, p) };
    });
    const [a, b] = out as [(typeof out)[0], (typeof out)[0]];
    const nA = Array.from(a.s.ts).filter((t) => t < T).length;
    expect(nA).toBeGreaterThan(20);
    for (const k of ["ts", "sigma", "kappaBid", "kappaAsk"] as const) expect(Array.from(b.s[k].slice(0, nA))).toEqual(Array.from(a.s[k].slice(0, nA)));
    expect(Array.from(b.r.rows.bid.slice(0, nA))).toEqual(Array.from(a.r.rows.bid.slice(0, nA)));
    expect(Array.from(b.r.rows.ask.slice(0, nA))).toEqual(Array.from(a.r.rows.ask.slice(0, nA)));
    const before = (x: typeof a.r) => Array.from(x.fills.ts).filter((t) => t < T).length;
    const nf = before(a.r);
    expect(nf).toBeGreaterThan(5);
    expect(before(b.r)).toBe(nf);
    for (const k of ["ts", "side", "price", "size", "cash", "inventory"] as const) expect(Array.from(b.r.fills[k].slice(0, nf))).toEqual(Array.from(a.r.fills[k].slice(0, nf)));
    const ns = Array.from(a.r.samples.ts).filter((t) => t < T).length;
    for (const k of ["cash", "inventory", "mid"] as const) expect(Array.from(b.r.samples[k].slice(0, ns))).toEqual(Array.from(a.r.samples[k].slice(0, ns)));
    // and the future really was different
    expect(b.r.fills.ts.length === a.r.fills.ts.length && b.r.scalars.every((x, i) => x === a.r.scalars[i])).toBe(false);
  }
}, 60_000);
