/**
 * The simulation loop in plain TypeScript: the executable specification of the WASM core
 * (wasm/assembly/backtest.ts is a line-by-line port; test/backtest/differential.test.ts holds the
 * two to identical fills and equity). Read docs/backtest.md for the rules in prose.
 *
 * Events are merged in time order: funding, then trades, then book rows on equal milliseconds
 * (a trade before a book row, as the original). Before each event: equity samples due on the grid,
 * time-weighted accumulators, pending orders whose latency has elapsed go live (post-only checked
 * against the book in force), expired quotes are dropped.
 */
import { computeOptimalQuote, type GammaMode, type QuoteParams } from "../../model/quote.ts";
import { floorTicks, ticksToPrice } from "../../model/ticks.ts";
import type { EventData } from "../data.ts";
import { F, FILL_BY_BOOK, FILL_CLOSE, Q, R, S, type RunBuffers } from "../layout.ts";
import { FillModel, PARAM_KEYS, QueueModel, Requote, type RunParams } from "../params.ts";
import type { Schedule } from "../schedule.ts";

const GAMMA_MODES: GammaMode[] = ["constant", "inventory_scaled", "max_shift"];
const BID = 0;
const ASK = 1;

function decodeParams(pb: Float64Array): RunParams {
  const p = {} as Record<string, number>;
  PARAM_KEYS.forEach((k, i) => (p[k] = pb[i]!));
  return p as unknown as RunParams;
}

function quoteParamsOf(p: RunParams): QuoteParams {
  return {
    gammaMode: GAMMA_MODES[p.gammaMode]!,
    riskAversionGamma: p.riskAversionGamma,
    gammaMin: p.gammaMin,
    gammaMax: p.gammaMax,
    horizonSeconds: p.horizonSeconds,
    maxInventory: p.maxInventory,
    tickSize: p.tickSize,
    maxShiftTicks: p.maxShiftTicks,
    minSpreadBps: p.minSpreadBps,
    maxSpreadBps: p.maxSpreadBps,
    makerFeeBps: p.makerFeeBps,
    minVolatility: p.minVolatility,
    maxVolatility: p.maxVolatility,
  };
}

/**
 * x^n for the power queue model. Small integer powers are explicit products, so the TS reference
 * and the WASM core compute the same bits (their Math.pow implementations may differ in the last
 * ulp) and the common n = 2, 3 avoid a pow call.
 */
export function powQ(x: number, n: number): number {
  if (n === 1) return x;
  if (n === 2) return x * x;
  if (n === 3) return x * x * x;
  if (n === 4) return x * x * (x * x);
  return Math.pow(x, n);
}

/** Order size for a quote at `price`: notional / price, rounded down to whole lots. */
export function orderSize(p: RunParams, price: number): number {
  const raw = p.orderNotional / price;
  if (p.originalSizing !== 0 || !(p.lotSize > 0)) return raw;
  return ticksToPrice(floorTicks(raw, p.lotSize), p.lotSize);
}

export function runReference(d: EventData, s: Schedule, pb: Float64Array, out: RunBuffers): void {
  const p = decodeParams(pb);
  const qp = quoteParamsOf(p);
  const sc = out.scalars;
  sc.fill(0);
  const maker = p.makerFeeBps / 1e4;
  const taker = p.takerFeeBps / 1e4;
  const maxInv = p.maxInventory;
  const queue = p.fillModel === FillModel.queue;
  const cross = p.fillModel === FillModel.cross;
  const power = p.queueModel === QueueModel.power;
  const everyUpdate = p.requote === Requote.every_update;
  const L = d.levels;

  // account
  let cash = p.capital, inv = 0, lastMid = 0, lastBB = 0, lastBA = 0, lastRow = -1;
  let bidFills = 0, askFills = 0, volume = 0, notional = 0, fees = 0, funding = 0, spreadCapture = 0;
  let maxAbsInv = 0, nFills = 0, overflow = 0, ordersPlaced = 0, rejects = 0, expired = 0, quotes = 0;
  // time
  let started = false, firstTs = 0, prevTs = 0, nextSample = 0, nSamples = 0;
  let absInvTime = 0, limitTime = 0, bidTime = 0, askTime = 0, bothTime = 0, anyTime = 0;
  // warm-up / gaps
  let haveBook = false, lastBookTs = 0, warmupEnd = 0;
  // calibration
  let sp = 0, haveCal = false, sigma = 0, kb = 0, ka = 0, nRows = 0;
  // orders per side: live order and one pending replacement
  const oLive = [0, 0], oPx = [0, 0], oTk = [0, 0], oSize = [0, 0], oQuoteTs = [0, 0];
  const oFront = [0, 0], oPrev = [0, 0], oTraded = [0, 0], lastFillTs = [0, 0];
  const pLive = [0, 0], pPx = [0, 0], pTk = [0, 0], pSize = [0, 0], pQuoteTs = [0, 0], pLiveTs = [0, 0];

  /**
   * Displayed size at tick `tk` on `side` in book row `row`: the level's size, 0 when the recorded
   * book reaches past `tk` without a level there, −1 when `tk` lies beyond the recorded depth
   * (unknown). Levels are best-first, so the scan stops at the first level past our price.
   */
  function levelQty(side: number, tk: number, row: number): number {
    if (L === 0 || row < 0) return -1;
    const tks = side === BID ? d.bidTk : d.askTk;
    const qs = side === BID ? d.bidQ : d.askQ;
    const o = row * L;
    for (let l = 0; l < L; l++) {
      const v = tks[o + l]!;
      if (v === -1) continue;
      if (v === tk) return qs[o + l]!;
      const t = v >= 0 ? v : -v - 1.5; // off-grid level between two ticks (data.ts encodeTick)
      if (side === BID ? t < tk : t > tk) return 0;
    }
    return -1;
  }

  function record(ts: number, side: number, px: number, size: number, fee: number, trade: number): void {
    if (nFills >= out.fillCap) {
      overflow = 1;
      return;
    }
    const c = out.fillCap, f = out.fills, i = nFills++;
    f[F.ts * c + i] = ts;
    f[F.side * c + i] = side;
    f[F.price * c + i] = px;
    f[F.size * c + i] = size;
    f[F.fee * c + i] = fee;
    f[F.mid * c + i] = lastMid;
    f[F.inventory * c + i] = inv;
    f[F.cash * c + i] = cash;
    f[F.trade * c + i] = trade;
  }

  /** Tries to fill `wanted` of the live order on `side`; returns the size filled (0 if blocked). */
  function fill(side: number, wanted: number, ts: number, refPx: number, trade: number): number {
    if (ts < warmupEnd) return 0;
    const last = lastFillTs[side]!;
    if (last > 0 && ts < last + p.cooldownMs) return 0;
    const px = oPx[side]!;
    let base = wanted;
    if (p.originalSizing !== 0) {
      const orig = p.orderNotional / refPx;
      base = queue ? Math.min(wanted, orig) : orig;
    }
    let size: number;
    let fee: number;
    if (side === ASK) {
      if (!(inv > -maxInv)) return 0;
      size = Math.min(base, inv + maxInv);
      if (p.originalSizing === 0 && p.lotSize > 0) size = ticksToPrice(floorTicks(size, p.lotSize), p.lotSize);
      if (!(size > 0)) return 0;
      const proceeds = px * size;
      fee = proceeds * maker;
      inv -= size;
      cash += proceeds - fee;
      askFills++;
      notional += proceeds;
      spreadCapture += (px - lastMid) * size;
    } else {
      if (!(inv < maxInv)) return 0;
      size = Math.min(base, maxInv - inv);
      if (p.originalSizing === 0 && p.lotSize > 0) size = ticksToPrice(floorTicks(size, p.lotSize), p.lotSize);
      if (!(size > 0)) return 0;
      const cost = px * size;
      fee = cost * maker;
      if (cash < cost + fee) return 0;
      inv += size;
      cash -= cost + fee;
      bidFills++;
      notional += cost;
      spreadCapture += (lastMid - px) * size;
    }
    volume += size;
    fees += fee;
    lastFillTs[side] = ts;
    const a = Math.abs(inv);
    if (a > maxAbsInv) maxAbsInv = a;
    record(ts, side === BID ? 1 : -1, px, size, fee, trade);
    if (queue) {
      oSize[side] = oSize[side]! - size;
      if (!(oSize[side]! > 1e-12 * size)) oLive[side] = 0;
    }
    return size;
  }

  function activate(side: number, ts: number): void {
    pLive[side] = 0;
    oLive[side] = 0; // the replaced order is cancelled when its replacement arrives
    const px = pPx[side]!;
    if (!(px > 0) || !(pSize[side]! > 0)) return;
    if (p.validityMs > 0 && ts >= pQuoteTs[side]! + p.validityMs) {
      expired++;
      return;
    }
    if (p.postOnly !== 0) {
      if (side === BID ? lastBA > 0 && px >= lastBA : lastBB > 0 && px <= lastBB) {
        rejects++;
        return;
      }
    }
    oLive[side] = 1;
    oPx[side] = px;
    oTk[side] = pTk[side]!;
    oSize[side] = pSize[side]!;
    oQuoteTs[side] = pQuoteTs[side]!;
    const q = queue ? levelQty(side, oTk[side]!, lastRow) : 0; // queue position only matters to the queue model
    oFront[side] = q > 0 ? q : 0;
    oPrev[side] = q > 0 ? q : 0;
    oTraded[side] = 0;
    ordersPlaced++;
  }

  function place(side: number, px: number, tk: number, ts: number): void {
    pLive[side] = 1;
    pPx[side] = px;
    pTk[side] = tk;
    pSize[side] = px > 0 ? orderSize(p, px) : 0;
    pQuoteTs[side] = ts;
    pLiveTs[side] = ts + p.latencyMs;
    if (p.latencyMs <= 0) activate(side, ts);
  }

  /** Whether the live order on `side` has expired by time t. */
  function expiredBy(side: number, t: number): boolean {
    return p.validityMs > 0 && t >= oQuoteTs[side]! + p.validityMs;
  }

  /** End of the live order's time in the market up to ts: its expiry if that comes first. */
  function liveUntil(side: number, ts: number): number {
    if (p.validityMs > 0) {
      const e = oQuoteTs[side]! + p.validityMs;
      if (e < ts) return e;
    }
    return ts;
  }

  function preEvent(ts: number): void {
    if (!started) {
      started = true;
      firstTs = ts;
      prevTs = ts;
      nextSample = ts;
    }
    while (nextSample <= ts && nSamples < out.sampleCap) {
      const c = out.sampleCap, q = out.samples, i = nSamples++;
      q[Q.ts * c + i] = nextSample;
      q[Q.cash * c + i] = cash;
      q[Q.inventory * c + i] = inv;
      q[Q.mid * c + i] = lastMid;
      q[Q.bid * c + i] = oLive[BID] && !expiredBy(BID, nextSample) ? oPx[BID]! : NaN;
      q[Q.ask * c + i] = oLive[ASK] && !expiredBy(ASK, nextSample) ? oPx[ASK]! : NaN;
      nextSample += p.sampleMs;
    }
    const dt = ts - prevTs;
    if (dt > 0) {
      absInvTime += Math.abs(inv) * dt;
      if (Math.abs(inv) >= maxInv * (1 - 1e-9)) limitTime += dt;
      // a live quote counts until it expires, also when no event falls in between (an outage):
      // expiry is only acted on at the next event, but the quote was not in the market after it
      const eb = oLive[BID] ? liveUntil(BID, ts) : prevTs;
      const ea = oLive[ASK] ? liveUntil(ASK, ts) : prevTs;
      bidTime += eb - prevTs;
      askTime += ea - prevTs;
      bothTime += (eb < ea ? eb : ea) - prevTs;
      anyTime += (eb > ea ? eb : ea) - prevTs;
      prevTs = ts;
    }
    for (let side = 0; side < 2; side++) {
      if (pLive[side] && pLiveTs[side]! <= ts) activate(side, ts);
      if (oLive[side] && expiredBy(side, ts)) {
        oLive[side] = 0;
        expired++;
      }
    }
  }

  function onTrade(j: number): void {
    const ts = d.tradeTs[j]!, px = d.tradePx[j]!, q = d.tradeQty[j]!, side = d.tradeSide[j]!;
    if (!queue) {
      if (oLive[ASK] && (cross ? px >= oPx[ASK]! : px > oPx[ASK]!)) fill(ASK, oSize[ASK]!, ts, px, j);
      else if (oLive[BID] && (cross ? px <= oPx[BID]! : px < oPx[BID]!)) fill(BID, oSize[BID]!, ts, px, j);
      return;
    }
    if (oLive[ASK]) {
      const a = oPx[ASK]!;
      if (px > a) fill(ASK, oSize[ASK]!, ts, px, j);
      else if (px === a && side >= 0) {
        oTraded[ASK] = oTraded[ASK]! + q;
        const front = oFront[ASK]!;
        if (front >= q) oFront[ASK] = front - q;
        else {
          oFront[ASK] = 0;
          fill(ASK, Math.min(q - front, oSize[ASK]!), ts, px, j);
        }
      }
    }
    if (oLive[BID]) {
      const b = oPx[BID]!;
      if (px < b) fill(BID, oSize[BID]!, ts, px, j);
      else if (px === b && side <= 0) {
        oTraded[BID] = oTraded[BID]! + q;
        const front = oFront[BID]!;
        if (front >= q) oFront[BID] = front - q;
        else {
          oFront[BID] = 0;
          fill(BID, Math.min(q - front, oSize[BID]!), ts, px, j);
        }
      }
    }
  }

  /** hftbacktest's queue update on a level change: risk-averse caps; power also credits cancels ahead. */
  function updateQueue(side: number, row: number): void {
    const nq = levelQty(side, oTk[side]!, row);
    if (nq < 0) return;
    const prev = oPrev[side]!;
    const chg = prev - nq - oTraded[side]!;
    oTraded[side] = 0;
    oPrev[side] = nq;
    let front = oFront[side]!;
    if (power && chg > 0) {
      const back = prev - front;
      const fb = powQ(back > 0 ? back : 0, p.queuePower);
      const ff = powQ(front > 0 ? front : 0, p.queuePower);
      let prob = fb / (fb + ff);
      if (!Number.isFinite(prob)) prob = 1;
      const x = back - prob * chg;
      front = front - (1 - prob) * chg + (x < 0 ? x : 0); // not Math.min: the core picks by compare (same bits for finite x)
    }
    if (front > nq) front = nq;
    if (front < 0) front = 0;
    oFront[side] = front;
  }

  function onBook(i: number): void {
    const ts = d.bookTs[i]!;
    if (haveBook && ts - lastBookTs > p.gapMs) {
      warmupEnd = ts + p.warmupMs;
      oLive[BID] = oLive[ASK] = pLive[BID] = pLive[ASK] = 0;
    } else if (!haveBook) {
      warmupEnd = ts + p.warmupMs;
    }
    haveBook = true;
    lastBookTs = ts;
    const bb = d.bestBid[i]!, ba = d.bestAsk[i]!;
    const mid = bb > 0 && ba > 0 ? (bb + ba) / 2 : lastMid;
    lastMid = mid;
    lastBB = bb;
    lastBA = ba;
    lastRow = i;
    if (queue) {
      if (oLive[BID]) updateQueue(BID, i);
      if (oLive[ASK]) updateQueue(ASK, i);
      if (oLive[BID] && ba > 0 && ba <= oPx[BID]!) fill(BID, oSize[BID]!, ts, oPx[BID]!, FILL_BY_BOOK);
      if (oLive[ASK] && bb > 0 && bb >= oPx[ASK]!) fill(ASK, oSize[ASK]!, ts, oPx[ASK]!, FILL_BY_BOOK);
    }
    let isRecal = false;
    if (sp < s.n && s.bookIndex[sp] === i) {
      sigma = s.sigma[sp]!;
      kb = s.kappaBid[sp]!;
      ka = s.kappaAsk[sp]!;
      haveCal = true;
      isRecal = true;
      sp++;
    }
    if (!haveCal || !(everyUpdate || isRecal)) return;
    let qb = 0, qa = 0, qg = 0, qs = 0;
    if (mid > 0) {
      quotes++;
      const q = computeOptimalQuote(mid, inv, sigma, kb, ka, qp);
      qb = q.bid;
      qa = q.ask;
      qg = q.gamma;
      qs = q.optimalSpread;
      requoteSide(BID, qb, q.bidTicks, ts);
      requoteSide(ASK, qa, q.askTicks, ts);
    }
    if (isRecal && nRows < out.rowCap) {
      const c = out.rowCap, r = out.rows, k = nRows++;
      r[R.mid * c + k] = mid;
      r[R.inventory * c + k] = inv;
      r[R.cash * c + k] = cash;
      r[R.bid * c + k] = qb;
      r[R.ask * c + k] = qa;
      r[R.gamma * c + k] = qg;
      r[R.spread * c + k] = qs;
      r[R.bidFills * c + k] = bidFills;
      r[R.askFills * c + k] = askFills;
    }
  }

  function requoteSide(side: number, px: number, tk: number, ts: number): void {
    if (everyUpdate && px > 0) {
      // Same price as the order we already have (or are placing): keep it and its queue position.
      if (pLive[side] ? pPx[side]! > 0 && pTk[side] === tk : oLive[side] && oTk[side] === tk) {
        if (pLive[side]) pQuoteTs[side] = ts;
        if (oLive[side] && oTk[side] === tk) oQuoteTs[side] = ts;
        return;
      }
    }
    place(side, px, tk, ts);
  }

  function onFunding(k: number): void {
    const pay = -d.fundingRate[k]! * inv * lastMid;
    cash += pay;
    funding += pay;
  }

  // ---- merged event loop ----
  let ib = 0, it = 0, ifd = 0;
  const nB = d.nBooks, nT = d.nTrades, nF = d.nFunding;
  while (ib < nB || it < nT || ifd < nF) {
    const tb = ib < nB ? d.bookTs[ib]! : Infinity;
    const tt = it < nT ? d.tradeTs[it]! : Infinity;
    const tf = ifd < nF ? d.fundingTs[ifd]! : Infinity;
    if (tf <= tt && tf <= tb) {
      preEvent(tf);
      onFunding(ifd++);
    } else if (tt <= tb) {
      preEvent(tt);
      onTrade(it++);
    } else {
      preEvent(tb);
      onBook(ib++);
    }
  }

  // ---- end of run: close at the last mid with the taker fee ----
  const invBefore = inv;
  let closeFee = 0, closeNotional = 0;
  if (inv !== 0 && lastMid > 0) {
    const qty = Math.abs(inv);
    closeNotional = lastMid * qty;
    closeFee = closeNotional * taker;
    if (inv > 0) cash += closeNotional - closeFee;
    else cash -= closeNotional + closeFee;
    const side = inv > 0 ? -1 : 1;
    inv = 0;
    record(prevTs, side, lastMid, qty, closeFee, FILL_CLOSE);
  }
  if (started && nSamples < out.sampleCap) {
    const c = out.sampleCap, q = out.samples, i = nSamples++;
    q[Q.ts * c + i] = prevTs;
    q[Q.cash * c + i] = cash;
    q[Q.inventory * c + i] = inv;
    q[Q.mid * c + i] = lastMid;
    q[Q.bid * c + i] = NaN;
    q[Q.ask * c + i] = NaN;
  }

  sc[S.cash] = cash;
  sc[S.inventory] = inv;
  sc[S.bidFills] = bidFills;
  sc[S.askFills] = askFills;
  sc[S.volume] = volume;
  sc[S.notional] = notional;
  sc[S.makerFees] = fees;
  sc[S.funding] = funding;
  sc[S.closeFee] = closeFee;
  sc[S.closeQty] = -invBefore;
  sc[S.closeNotional] = closeNotional;
  sc[S.lastMid] = lastMid;
  sc[S.spreadCapture] = spreadCapture;
  sc[S.absInvTime] = absInvTime;
  sc[S.maxAbsInv] = maxAbsInv;
  sc[S.limitTime] = limitTime;
  sc[S.bidLiveTime] = bidTime;
  sc[S.askLiveTime] = askTime;
  sc[S.bothLiveTime] = bothTime;
  sc[S.anyLiveTime] = anyTime;
  sc[S.totalTime] = prevTs - firstTs;
  sc[S.ordersPlaced] = ordersPlaced;
  sc[S.postOnlyRejects] = rejects;
  sc[S.nFills] = nFills;
  sc[S.nSamples] = nSamples;
  sc[S.firstTs] = firstTs;
  sc[S.lastTs] = prevTs;
  sc[S.overflow] = overflow;
  sc[S.quotesComputed] = quotes;
  sc[S.nRows] = nRows;
  sc[S.finalEquity] = cash + inv * lastMid;
  sc[S.invBeforeClose] = invBefore;
  sc[S.expired] = expired;
  sc[S.closePrice] = lastMid;
}
