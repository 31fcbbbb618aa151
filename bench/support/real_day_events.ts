/**
 * A real-shaped day in memory for calibration benchmarks: the 2 h StandX BTC-USD sample's books
 * and trades tiled 12 times to 24 h with their real timing (262k books). `tradeRate` 1 keeps the
 * sample's trades (74k a day); 2.5 adds time-shifted copies of them (+137 ms: all, +271 ms: every
 * other one), ≈ 185k trades — the rate of a busy real day (the day had 165,781).
 * No file is written: the calibration is timed on the event columns the loader would produce.
 */
import { join } from "node:path";
import { loadEventData } from "../../src/backtest/load.ts";
import type { EventData } from "../../src/sim/data.ts";

const SAMPLE = join(import.meta.dir, "../../test/fixtures/standx-btc-usd-2h");

export async function realShapedDay(tradeRate: 1 | 2.5, copies = 12): Promise<EventData> {
  const { data: s } = await loadEventData({ books: join(SAMPLE, "orderbook.parquet"), trades: join(SAMPLE, "trades.parquet"), funding: null, levels: 0, tickSize: 0.1 });
  const span = s.bookTs[s.nBooks - 1]! - s.bookTs[0]! + 300;
  const nB = s.nBooks * copies;
  const books = { bookTs: new Float64Array(nB), bestBid: new Float64Array(nB), bestAsk: new Float64Array(nB), farBid: new Float64Array(nB), farAsk: new Float64Array(nB) };
  for (let k = 0; k < copies; k++) {
    for (const c of ["bestBid", "bestAsk", "farBid", "farAsk"] as const) books[c].set(s[c].subarray(0, s.nBooks), k * s.nBooks);
    for (let i = 0; i < s.nBooks; i++) books.bookTs[k * s.nBooks + i] = s.bookTs[i]! + k * span;
  }
  // trades of one tile (with the shifted copies), sorted by time, then tiled
  const ts: number[] = [], px: number[] = [], side: number[] = [];
  const add = (shift: number, every: number) => {
    for (let j = 0; j < s.nTrades; j += every) { ts.push(s.tradeTs[j]! + shift); px.push(s.tradePx[j]!); side.push(s.tradeSide[j]!); }
  };
  add(0, 1);
  if (tradeRate === 2.5) { add(137, 1); add(271, 2); }
  const order = ts.map((_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
  const nT1 = order.length, nT = nT1 * copies;
  const tradeTs = new Float64Array(nT), tradePx = new Float64Array(nT), tradeSide = new Int8Array(nT);
  for (let k = 0; k < copies; k++) {
    for (let r = 0; r < nT1; r++) {
      const o = order[r]!;
      tradeTs[k * nT1 + r] = ts[o]! + k * span;
      tradePx[k * nT1 + r] = px[o]!;
      tradeSide[k * nT1 + r] = side[o]!;
    }
  }
  return {
    ...s, nBooks: nB, ...books, levels: 0,
    bidTk: new Int32Array(0), bidQ: new Float32Array(0), askTk: new Int32Array(0), askQ: new Float32Array(0),
    nTrades: nT, tradeTs, tradePx, tradeQty: new Float64Array(nT), tradeSide,
    nFunding: 0, fundingTs: new Float64Array(0), fundingRate: new Float64Array(0),
  };
}
