import type { BookMessageType, Level, PublicTrade } from "./messages.ts";

/**
 * Encoders producing the exchange's exact frame shapes (what `serve` sends, what tests feed to
 * decoders). Built as strings so trade ids are written as bare integer literals with all their
 * digits (`JSON.stringify` cannot write a BigInt).
 */

const q = JSON.stringify;

function levelsJson(levels: readonly Level[]): string {
  let s = "[";
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (i > 0) s += ",";
    s += `{"p":${q(l.p)},"q":${q(l.q)}`;
    if (l.c !== undefined) s += `,"c":${q(l.c)}`;
    s += "}";
  }
  return `${s}]`;
}

/** `{"ts","type","data":{"t","m","b","a"},"seq"}` */
export function encodeOrderbookMessage(m: {
  ts: number;
  type: BookMessageType;
  market: string;
  seq: number;
  bids: readonly Level[];
  asks: readonly Level[];
}): string {
  return `{"ts":${m.ts},"type":"${m.type}","data":{"t":"${m.type}","m":${q(m.market)},"b":${levelsJson(m.bids)},"a":${levelsJson(m.asks)}},"seq":${m.seq}}`;
}

/** One compact trade object `{"i","m","S","tT","T","p","q"}` (REST and stream share it). */
export function encodeTrade(t: PublicTrade): string {
  return `{"i":${t.id.toString()},"m":${q(t.market)},"S":"${t.side}","tT":"${t.type}","T":${t.T},"p":${q(t.p)},"q":${q(t.q)}}`;
}

/** `{"ts","data":[trades],"seq"}` */
export function encodeTradesMessage(m: { ts: number; seq: number; trades: readonly PublicTrade[] }): string {
  return `{"ts":${m.ts},"data":[${m.trades.map(encodeTrade).join(",")}],"seq":${m.seq}}`;
}

/** `{"ts","data":{"m","T","f"},"seq"}` */
export function encodeFundingMessage(m: { ts: number; seq: number; market: string; T: number; rate: string }): string {
  return `{"ts":${m.ts},"data":{"m":${q(m.market)},"T":${m.T},"f":${q(m.rate)}},"seq":${m.seq}}`;
}

/** REST `{"status":"OK","data":[trades]}`. */
export function encodeRestTrades(trades: readonly PublicTrade[]): string {
  return `{"status":"OK","data":[${trades.map(encodeTrade).join(",")}]}`;
}

/** REST error envelope as the exchange sends it. */
export function encodeRestError(code: number, message: string): string {
  return q({ status: "ERROR", error: { code, message } });
}
