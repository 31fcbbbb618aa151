import { decimalSign, formatNumber, isDecimalText, truncate } from "./decimal.ts";

/**
 * Decoders for the Extended public streams and REST answers (docs/exchange.md; docs/original.md
 * §3.2, §3.14). Input is never trusted: each decoder returns either a typed value or a one-line
 * reason naming the field and the offending value, so a consumer can log it and skip the frame.
 *
 * Prices and sizes stay decimal strings here (exact); turn them into integer steps with
 * `DecimalScale`. Trade ids are BigInt taken from the raw JSON text: `JSON.parse` alone would round
 * ids above 2^53 (e.g. 1992214670521405446).
 */

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/** One price level of a stream message. */
export interface Level {
  /** Price, positive decimal string. */
  p: string;
  /** SNAPSHOT: absolute size (≥ 0). DELTA: signed change of the size. */
  q: string;
  /** DELTA (newer API versions): the new absolute size (≥ 0); authoritative when present. */
  c?: string;
}

export type BookMessageType = "SNAPSHOT" | "DELTA";

/** `/orderbooks/{m}` frame. */
export interface OrderbookMessage {
  /** Epoch ms when the exchange generated the message. */
  ts: number;
  type: BookMessageType;
  market: string;
  /** Per connection: 1 = first SNAPSHOT, +1 per message. */
  seq: number;
  /** As sent (a SNAPSHOT lists bids price-descending). The level objects are those of the parse. */
  bids: Level[];
  asks: Level[];
}

export type TakerSide = "BUY" | "SELL";
export type PublicTradeType = "TRADE" | "LIQUIDATION" | "DELEVERAGE";

/** One public trade, from the stream or from `GET /info/markets/{m}/trades`. */
export interface PublicTrade {
  market: string;
  /** Taker side; SELL means the buyer was the maker (is_buyer_maker = true). */
  side: TakerSide;
  type: PublicTradeType;
  /** Trade time, epoch ms. */
  T: number;
  p: string;
  q: string;
  /** Exchange trade id, exact (ids exceed 2^53). */
  id: bigint;
}

/** `/publicTrades/{m}` frame. */
export interface TradesMessage {
  ts: number;
  seq: number;
  trades: PublicTrade[];
}

/** `/funding/{m}` frame. */
export interface FundingMessage {
  ts: number;
  seq: number;
  market: string;
  /** Funding time, epoch ms. */
  T: number;
  /** Funding rate as decimal text (may be negative). */
  rate: string;
}

/** One market of `GET /info/markets`, reduced to what this project uses (plus the raw object). */
export interface MarketDescription {
  name: string;
  /** ACTIVE | REDUCE_ONLY | DELISTED | PRELISTED | DISABLED (passed through as sent). */
  status: string;
  active: boolean;
  /** `tradingConfig.minPriceChange`: the tick size, decimal text. */
  tickSize: string;
  /** `tradingConfig.minOrderSizeChange`: the size step, decimal text. */
  sizeStep: string;
  /** `tradingConfig.minOrderSize`, decimal text. */
  minOrderSize: string;
  /** `tradingConfig.maxLeverage`, decimal text; absent when the exchange does not send it. */
  maxLeverage?: string;
  raw: Record<string, unknown>;
}

/** `GET /info/markets/{m}/orderbook`. */
export interface RestOrderbook {
  market: string;
  bids: { price: string; qty: string }[];
  asks: { price: string; qty: string }[];
}

// ---------------------------------------------------------------------------------------------

class Bad extends Error {}
const fail = (msg: string): never => {
  throw new Bad(msg);
};

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(truncate(v));
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (typeof v === "object") return Array.isArray(v) ? "an array" : "an object";
  return truncate(String(v));
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(`${what}: expected an object, got ${show(v)}`);
  return v as Record<string, unknown>;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) fail(`${what}: expected an array, got ${show(v)}`);
  return v as unknown[];
}

function str(v: unknown, what: string): string {
  if (typeof v !== "string" || v.length === 0) fail(`${what}: expected a non-empty string, got ${show(v)}`);
  return v as string;
}

/** Non-negative safe integer (timestamps, seq). */
function uint(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) fail(`${what}: expected a non-negative integer, got ${show(v)}`);
  return v as number;
}

type SignRule = "positive" | "nonNegative" | "any";

function dec(v: unknown, what: string, rule: SignRule): string {
  if (!isDecimalText(v)) fail(`${what}: expected a decimal string, got ${show(v)}`);
  const s = decimalSign(v as string);
  if (rule === "positive" && s <= 0) fail(`${what}: expected a positive decimal, got ${show(v)}`);
  if (rule === "nonNegative" && s < 0) fail(`${what}: negative size ${show(v)}`);
  return v as string;
}

function parseJson(text: string, reviver?: (this: unknown, k: string, v: unknown, ctx?: { source?: string }) => unknown): unknown {
  if (typeof text !== "string") fail(`expected a text frame, got ${typeof text}`);
  try {
    return JSON.parse(text, reviver as never);
  } catch {
    return fail(`malformed JSON: ${JSON.stringify(truncate(text, 60))}`);
  }
}

function run<T>(f: () => T): Decoded<T> {
  try {
    return { ok: true, value: f() };
  } catch (err) {
    if (err instanceof Bad) return { ok: false, error: err.message };
    throw err;
  }
}

// ---- trade ids: exact integers from the JSON source text -------------------------------------

/** Whether this runtime passes `{source}` to JSON.parse revivers (Bun/JSC and V8 ≥ 11.4 do). */
const HAS_SOURCE_TEXT: boolean = (() => {
  try {
    let seen: unknown;
    JSON.parse("[18446744073709551615]", (_k, v, ctx?: { source?: string }) => {
      if (typeof v === "number") seen = ctx?.source;
      return v;
    });
    return seen === "18446744073709551615";
  } catch {
    return false;
  }
})();

/** Keeps every number under a key `"i"` as its source text so BigInt sees all its digits. */
function idReviver(this: unknown, key: string, value: unknown, ctx?: { source?: string }): unknown {
  if (key === "i" && typeof value === "number" && ctx?.source !== undefined) return { rawId: ctx.source };
  return value;
}

/**
 * Fallback for runtimes without source text: quote integer literals that follow `"i":`. Inside a
 * JSON string a quote is escaped (`\"`), so `"i":` can only be a key here.
 */
export function quoteIds(text: string): string {
  return text.replace(/("i"\s*:\s*)(-?\d+)(?=\s*[,}\]])/g, '$1{"rawId":"$2"}');
}

function parseWithIds(text: string): unknown {
  if (typeof text !== "string") fail(`expected a text frame, got ${typeof text}`);
  return HAS_SOURCE_TEXT ? parseJson(text, idReviver) : parseJson(quoteIds(text));
}

const MAX_I64 = (1n << 63n) - 1n;

function tradeId(v: unknown, what: string): bigint {
  let text: unknown = v;
  if (typeof v === "object" && v !== null && "rawId" in v) text = (v as { rawId: unknown }).rawId;
  else if (typeof v === "number") fail(`${what}: expected an integer trade id, got ${show(v)}`);
  if (typeof text !== "string" || !/^\d{1,20}$/.test(text)) fail(`${what}: expected a non-negative integer trade id, got ${show(text)}`);
  const id = BigInt(text as string);
  if (id > MAX_I64) fail(`${what}: trade id ${text} exceeds 2^63-1`);
  return id;
}

const SIDES: ReadonlySet<string> = new Set(["BUY", "SELL"]);
const TRADE_TYPES: ReadonlySet<string> = new Set(["TRADE", "LIQUIDATION", "DELEVERAGE"]);

function trade(v: unknown, what: string): PublicTrade {
  const t = obj(v, what);
  const side = str(t.S, `${what}.S`);
  if (!SIDES.has(side)) fail(`${what}.S: expected BUY or SELL, got ${show(side)}`);
  const type = str(t.tT, `${what}.tT`);
  if (!TRADE_TYPES.has(type)) fail(`${what}.tT: expected TRADE, LIQUIDATION or DELEVERAGE, got ${show(type)}`);
  return {
    market: str(t.m, `${what}.m`),
    side: side as TakerSide,
    type: type as PublicTradeType,
    T: uint(t.T, `${what}.T`),
    p: dec(t.p, `${what}.p`, "positive"),
    q: dec(t.q, `${what}.q`, "positive"),
    id: tradeId(t.i, `${what}.i`),
  };
}

// ---- streams ---------------------------------------------------------------------------------

function levels(v: unknown, what: string, type: BookMessageType): Level[] {
  if (v === undefined || v === null) return []; // absent side = no change / empty, as the original
  const list = arr(v, what);
  for (let i = 0; i < list.length; i++) {
    const w = `${what}[${i}]`;
    const l = obj(list[i], w);
    dec(l.p, `${w}.p`, "positive");
    dec(l.q, `${w}.q`, type === "SNAPSHOT" ? "nonNegative" : "any");
    if (l.c !== undefined) dec(l.c, `${w}.c`, "nonNegative");
  }
  return list as Level[];
}

/** Decodes one `/orderbooks/{m}` text frame. */
export function decodeOrderbookMessage(text: string): Decoded<OrderbookMessage> {
  return run(() => {
    const m = obj(parseJson(text), "message");
    const type = str(m.type, "type");
    if (type !== "SNAPSHOT" && type !== "DELTA") fail(`type: unknown message type ${show(type)}`);
    const data = obj(m.data, "data");
    if (data.t !== undefined && data.t !== type) fail(`data.t ${show(data.t)} disagrees with type ${show(type)}`);
    const t = type as BookMessageType;
    const seq = uint(m.seq, "seq");
    if (seq < 1) fail(`seq: expected ≥ 1, got ${seq}`);
    return {
      ts: uint(m.ts, "ts"),
      type: t,
      market: str(data.m, "data.m"),
      seq,
      bids: levels(data.b, "data.b", t),
      asks: levels(data.a, "data.a", t),
    };
  });
}

/** Decodes one `/publicTrades/{m}` text frame (ids exact). */
export function decodeTradesMessage(text: string): Decoded<TradesMessage> {
  return run(() => {
    const m = obj(parseWithIds(text), "message");
    const list = arr(m.data, "data");
    const trades = new Array<PublicTrade>(list.length);
    for (let i = 0; i < list.length; i++) trades[i] = trade(list[i], `data[${i}]`);
    return { ts: uint(m.ts, "ts"), seq: uint(m.seq, "seq"), trades };
  });
}

/** Decodes one `/funding/{m}` text frame. `f` may be a decimal string or a JSON number. */
export function decodeFundingMessage(text: string): Decoded<FundingMessage> {
  return run(() => {
    const m = obj(parseJson(text), "message");
    const data = obj(m.data, "data");
    let f = data.f;
    if (typeof f === "number" && Number.isFinite(f)) f = formatNumber(f);
    return {
      ts: uint(m.ts, "ts"),
      seq: uint(m.seq, "seq"),
      market: str(data.m, "data.m"),
      T: uint(data.T, "data.T"),
      rate: dec(f, "data.f", "any"),
    };
  });
}

// ---- REST ------------------------------------------------------------------------------------

/** `{status: "OK", data}` envelope; anything else is an error naming the exchange's message. */
function envelope(m: Record<string, unknown>): unknown {
  if (m.status !== undefined && m.status !== "OK") {
    const e = typeof m.error === "object" && m.error !== null ? (m.error as Record<string, unknown>) : {};
    const msg = typeof e.message === "string" ? `: ${truncate(e.message, 80)}` : "";
    fail(`status ${show(m.status)}${msg}`);
  }
  return m.data;
}

/** Decodes `GET /info/markets[?market=]`. */
export function decodeMarketsResponse(text: string): Decoded<MarketDescription[]> {
  return run(() => {
    const list = arr(envelope(obj(parseJson(text), "response")), "data");
    return list.map((v, i) => {
      const w = `data[${i}]`;
      const m = obj(v, w);
      const tc = obj(m.tradingConfig, `${w}.tradingConfig`);
      return {
        name: str(m.name, `${w}.name`),
        status: typeof m.status === "string" ? m.status : "UNKNOWN",
        active: m.active === true,
        tickSize: dec(tc.minPriceChange, `${w}.tradingConfig.minPriceChange`, "positive"),
        sizeStep: dec(tc.minOrderSizeChange, `${w}.tradingConfig.minOrderSizeChange`, "positive"),
        minOrderSize: tc.minOrderSize === undefined ? "0" : dec(tc.minOrderSize, `${w}.tradingConfig.minOrderSize`, "nonNegative"),
        maxLeverage: tc.maxLeverage === undefined ? undefined : dec(tc.maxLeverage, `${w}.tradingConfig.maxLeverage`, "positive"),
        raw: m,
      };
    });
  });
}

/** Decodes `GET /info/markets/{m}/trades` (ids exact). */
export function decodeRestTrades(text: string): Decoded<PublicTrade[]> {
  return run(() => {
    const list = arr(envelope(obj(parseWithIds(text), "response")), "data");
    return list.map((v, i) => trade(v, `data[${i}]`));
  });
}

/** Decodes `GET /info/markets/{m}/orderbook` (with or without the `{status, data}` envelope). */
export function decodeRestOrderbook(text: string): Decoded<RestOrderbook> {
  return run(() => {
    const top = obj(parseJson(text), "response");
    const d = obj("status" in top ? envelope(top) : top, "data");
    const side = (v: unknown, what: string) =>
      arr(v ?? [], what).map((l, i) => {
        const o = obj(l, `${what}[${i}]`);
        return { price: dec(o.price, `${what}[${i}].price`, "positive"), qty: dec(o.qty, `${what}[${i}].qty`, "nonNegative") };
      });
    return { market: str(d.market, "data.market"), bids: side(d.bid, "data.bid"), asks: side(d.ask, "data.ask") };
  });
}
