/**
 * The simulation loop in plain TypeScript: the executable specification of the WASM core. Each
 * policy lives in a file of the same name on both sides — market, queue, orders, account, margin,
 * sample, loop (wasm/assembly/*.ts) — and test/sim/ holds each pair to identical results. Rules in prose:
 * docs/backtest.md.
 *
 * Events are merged in time order: funding, then trades, then book rows on equal milliseconds
 * (a trade before a book row, as the original). Before each event: equity samples due on the grid,
 * time-weighted accumulators, pending orders whose latency has elapsed go live (post-only checked
 * against the book in force), expired quotes are dropped.
 */
import { computeOptimalQuote, type GammaMode, type QuoteParams } from "../../model/quote.ts";
import type { EventData } from "../data.ts";
import { S, type RunBuffers } from "../layout.ts";
import { PARAM_KEYS, type RunParams } from "../params.ts";
import type { Schedule } from "../schedule.ts";
import { Account } from "./account.ts";
import { Margin } from "./margin.ts";
import { ASK, BID, Market } from "./market.ts";
import { Orders } from "./orders.ts";
import { Queue } from "./queue.ts";
import { Sampler } from "./sample.ts";

const GAMMA_MODES: GammaMode[] = ["constant", "inventory_scaled", "max_shift"];

function decodeParams(pb: Float64Array): RunParams {
  const p = {} as Record<string, number>;
  PARAM_KEYS.forEach((k, i) => (p[k] = pb[i]!));
  return p as unknown as RunParams;
}

function quoteParamsOf(p: RunParams): QuoteParams {
  const { riskAversionGamma, gammaMin, gammaMax, horizonSeconds, maxInventory, tickSize, maxShiftTicks } = p;
  const { minSpreadBps, maxSpreadBps, makerFeeBps, minVolatility, maxVolatility } = p;
  return {
    gammaMode: GAMMA_MODES[p.gammaMode]!, riskAversionGamma, gammaMin, gammaMax, horizonSeconds, maxInventory, tickSize,
    maxShiftTicks, minSpreadBps, maxSpreadBps, makerFeeBps, minVolatility, maxVolatility,
  };
}

export function runReference(d: EventData, s: Schedule, pb: Float64Array, out: RunBuffers): void {
  const p = decodeParams(pb);
  const qp = quoteParamsOf(p);
  const m = new Market(d);
  const margin = new Margin(p);
  const account = new Account(p, m, margin, out);
  const queue = new Queue(p, m);
  const orders = new Orders(p, m, queue, account, margin);
  const sampler = new Sampler(p, m, account, orders, out);
  let haveBook = false, lastBookTs = 0, quotes = 0;
  let halted = false; // liquidated, and after_liquidation = stop: no more quotes
  let sp = 0, haveCal = false, sigma = 0, kb = 0, ka = 0; // the calibration in force

  /**
   * After anything that moves the equity (the mark, a fill, funding): below the maintenance margin
   * the position is liquidated, every order cancelled, and quoting stops or goes on from flat.
   */
  function watchMargin(ts: number): void {
    if (margin.on && margin.watch(account.cash, account.inv, m.lastMid)) {
      account.liquidate(ts);
      orders.cancelAll();
      if (margin.stopAfterLiquidation) halted = true;
    }
  }

  function preEvent(ts: number): void {
    sampler.until(ts);
    orders.check(ts);
  }

  function onBook(i: number): void {
    const ts = d.bookTs[i]!;
    if (!haveBook || ts - lastBookTs > p.gapMs) orders.restartWarmup(ts, haveBook);
    haveBook = true;
    lastBookTs = ts;
    const mid = m.setBook(i);
    watchMargin(ts);
    if (queue.on) orders.onBook(i, ts, m.lastBB, m.lastBA);
    const isRecal = sp < s.n && s.bookIndex[sp] === i;
    if (isRecal) {
      sigma = s.sigma[sp]!;
      kb = s.kappaBid[sp]!;
      ka = s.kappaAsk[sp]!;
      haveCal = true;
      sp++;
    }
    if (!haveCal || !(orders.everyUpdate || isRecal)) return;
    let q = { bid: 0, ask: 0, gamma: 0, optimalSpread: 0 };
    if (mid > 0 && !halted) {
      quotes++;
      const full = computeOptimalQuote(mid, account.inv, sigma, kb, ka, qp);
      orders.requote(BID, full.bid, full.bidTicks, ts);
      orders.requote(ASK, full.ask, full.askTicks, ts);
      q = full;
    }
    if (isRecal) sampler.recordRow(mid, q.bid, q.ask, q.gamma, q.optimalSpread);
  }

  // ---- merged event loop ----
  let ib = 0, it = 0, ifd = 0;
  while (ib < d.nBooks || it < d.nTrades || ifd < d.nFunding) {
    const tb = ib < d.nBooks ? d.bookTs[ib]! : Infinity;
    const tt = it < d.nTrades ? d.tradeTs[it]! : Infinity;
    const tf = ifd < d.nFunding ? d.fundingTs[ifd]! : Infinity;
    if (tf <= tt && tf <= tb) {
      preEvent(tf);
      account.onFunding(d.fundingRate[ifd++]!);
      watchMargin(tf);
    } else if (tt <= tb) {
      preEvent(tt);
      orders.onTrade(it++);
      watchMargin(tt);
    } else {
      preEvent(tb);
      onBook(ib++);
    }
  }

  // ---- end of run: close at the last mid with the taker fee ----
  account.close(sampler.prevTs);
  sampler.finalSample();
  out.scalars.fill(0);
  account.writeScalars(out.scalars);
  orders.writeScalars(out.scalars);
  sampler.writeScalars(out.scalars);
  margin.writeScalars(out.scalars);
  out.scalars[S.quotesComputed] = quotes;
}
