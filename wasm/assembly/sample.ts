// What the run reports over time: equity samples on a fixed grid, time-weighted exposure and
// quote uptime, and one row per recalibration. TS twin: src/sim/reference/sample.ts.
import { cash, inv, limitInv } from "./account";
import { ASK, BID, lastMid, ld, st } from "./market";
import { O_PX, expiredBy, g, live, liveUntil, nextCheck } from "./orders";
import {
  P_SAMPLE_MS, Q_ASK, Q_BID, Q_CASH, Q_INVENTORY, Q_MID, Q_TS, R_ASK, R_ASK_FILLS, R_BID, R_BID_FILLS, R_CASH,
  R_GAMMA, R_INVENTORY, R_MID, R_SPREAD, S_ABS_INV_TIME, S_ANY_LIVE_TIME, S_ASK_LIVE_TIME, S_BID_LIVE_TIME,
  S_BOTH_LIVE_TIME, S_FIRST_TS, S_LAST_TS, S_LIMIT_TIME, S_N_ROWS, S_N_SAMPLES, S_TOTAL_TIME,
} from "./generated/layout";

let sampleMs: f64 = 0;
export let started: bool = false, prevTs: f64 = 0;
let firstTs: f64 = 0, nextSample: f64 = 0;
let absInvTime: f64 = 0, limitTime: f64 = 0, bidTime: f64 = 0, askTime: f64 = 0, bothTime: f64 = 0, anyTime: f64 = 0;

// outputs
let outSamples: usize = 0, sampleCap: i32 = 0, outRows: usize = 0, rowCap: i32 = 0;
export let nSamples: i32 = 0, nRows: i32 = 0;

export function sampleBegin(pb: usize): void {
  sampleMs = ld(pb, P_SAMPLE_MS);
  started = false; firstTs = 0; prevTs = 0; nextSample = 0; nSamples = 0; nRows = 0;
  absInvTime = 0; limitTime = 0; bidTime = 0; askTime = 0; bothTime = 0; anyTime = 0;
}

/** Output tables for the next step; their counts restart at 0 (the host collects after each step). */
export function sampleSetOutputs(pSamples: usize, sCap: i32, pRows: usize, rCap: i32): void {
  outSamples = pSamples; sampleCap = sCap; outRows = pRows; rowCap = rCap;
  nSamples = 0; nRows = 0;
}

@inline function writeSample(t: f64, bid: f64, ask: f64): void {
  const c = sampleCap, i = nSamples++;
  st(outSamples, Q_TS * c + i, t);
  st(outSamples, Q_CASH * c + i, cash);
  st(outSamples, Q_INVENTORY * c + i, inv);
  st(outSamples, Q_MID * c + i, lastMid);
  st(outSamples, Q_BID * c + i, bid);
  st(outSamples, Q_ASK * c + i, ask);
}

/** Time moves on to the event at ts: the grid samples due, then the time-weighted accumulators. */
@inline export function sampleUntil(ts: f64): void {
  if (!started) {
    started = true;
    firstTs = ts;
    prevTs = ts;
    nextSample = ts;
  }
  while (nextSample <= ts && nSamples < sampleCap) {
    writeSample(
      nextSample,
      live(BID) && !expiredBy(BID, nextSample) ? g(O_PX, BID) : NaN,
      live(ASK) && !expiredBy(ASK, nextSample) ? g(O_PX, ASK) : NaN,
    );
    nextSample += sampleMs;
  }
  const dt = ts - prevTs;
  if (dt > 0) {
    const a = Math.abs(inv);
    absInvTime += a * dt;
    if (a >= limitInv) limitTime += dt;
    const lb = live(BID), la = live(ASK);
    if (ts < nextCheck) {
      // no order expires before ts (nextCheck bounds every expiry from below): whole interval
      if (lb) bidTime += dt;
      if (la) askTime += dt;
      if (lb && la) bothTime += dt;
      if (lb || la) anyTime += dt;
    } else {
      // as the reference: a live quote counts until it expires, also across an event-free outage
      const eb = lb ? liveUntil(BID, ts) : prevTs;
      const ea = la ? liveUntil(ASK, ts) : prevTs;
      bidTime += eb - prevTs;
      askTime += ea - prevTs;
      bothTime += (eb < ea ? eb : ea) - prevTs;
      anyTime += (eb > ea ? eb : ea) - prevTs;
    }
    prevTs = ts;
  }
}

/** The row of a recalibration: the quote it produced and the account at that moment. */
export function recordRow(mid: f64, bid: f64, ask: f64, gamma: f64, spread: f64, bidFills: f64, askFills: f64): void {
  if (nRows >= rowCap) return;
  const c = rowCap, k = nRows++;
  st(outRows, R_MID * c + k, mid);
  st(outRows, R_INVENTORY * c + k, inv);
  st(outRows, R_CASH * c + k, cash);
  st(outRows, R_BID * c + k, bid);
  st(outRows, R_ASK * c + k, ask);
  st(outRows, R_GAMMA * c + k, gamma);
  st(outRows, R_SPREAD * c + k, spread);
  st(outRows, R_BID_FILLS * c + k, bidFills);
  st(outRows, R_ASK_FILLS * c + k, askFills);
}

/** The sample after the closing trade, at the last event's time. */
export function finalSample(): void {
  if (started && nSamples < sampleCap) writeSample(prevTs, NaN, NaN);
}

export function sampleScalars(o: usize): void {
  st(o, S_ABS_INV_TIME, absInvTime); st(o, S_LIMIT_TIME, limitTime); st(o, S_BID_LIVE_TIME, bidTime);
  st(o, S_ASK_LIVE_TIME, askTime); st(o, S_BOTH_LIVE_TIME, bothTime); st(o, S_ANY_LIVE_TIME, anyTime);
  st(o, S_TOTAL_TIME, prevTs - firstTs); st(o, S_FIRST_TS, firstTs); st(o, S_LAST_TS, prevTs);
  st(o, S_N_SAMPLES, <f64>nSamples); st(o, S_N_ROWS, <f64>nRows);
}
