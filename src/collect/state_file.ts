/**
 * `data/{market}/state.json`: the original's fields (docs/original.md §3.10) plus what an exact
 * resume needs. One writer per market (the market collector) replaces the whole file atomically
 * (temp + fsync + rename), always right after the journals are flushed, so the file never claims
 * more than is durable. (The original had two writers clobbering each other, bug §9.1-2.)
 *
 * `last_trade_id` is written as an exact JSON integer like the original's i64, even above 2^53;
 * it is read back from the text, never through a JavaScript number.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { log } from "../log.ts";
import { publishFile } from "../storage/atomic.ts";
import { storageError } from "./journal.ts";
import type { DedupSnapshot } from "./trade_dedup.ts";

export interface CollectorState {
  market: string;
  last_trade_id: bigint | null;
  last_trade_timestamp: number | null;
  last_orderbook_seq: number | null;
  last_orderbook_timestamp: number | null;
  trades_count: number;
  orderbook_updates_count: number;
  /** Next part number to use (as in the original). */
  orderbook_part_counter: number;
  trades_part_counter: number;
  // ---- added ----
  funding_part_counter: number;
  funding_count: number;
  last_funding_timestamp: number | null;
  /** Exactly-once window of stored trade ids (see trade_dedup.ts). */
  trade_dedup: DedupSnapshot;
  updated_ms: number;
}

export function freshState(market: string): CollectorState {
  return {
    market,
    last_trade_id: null,
    last_trade_timestamp: null,
    last_orderbook_seq: null,
    last_orderbook_timestamp: null,
    trades_count: 0,
    orderbook_updates_count: 0,
    orderbook_part_counter: 0,
    trades_part_counter: 0,
    funding_part_counter: 0,
    funding_count: 0,
    last_funding_timestamp: null,
    trade_dedup: { floor: "-1", ids: [] },
    updated_ms: 0,
  };
}

const statePath = (marketDirPath: string): string => join(marketDirPath, "state.json");

const BIG = "__bigint__";

export function serializeState(s: CollectorState): string {
  const text = JSON.stringify(s, (_k, v) => (typeof v === "bigint" ? `${BIG}${v}` : v), 2);
  return `${text.replace(new RegExp(`"${BIG}(-?\\d+)"`, "g"), "$1")}\n`;
}

const nonNegInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0;
const optNum = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);

/**
 * Parses state.json text; throws on anything that is not a state of this market. Unknown fields
 * are ignored and missing added fields take fresh defaults (files written by the original load).
 */
export function parseState(text: string, market: string): CollectorState {
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (!raw || typeof raw !== "object") throw new Error("not a JSON object");
  if (raw.market !== market) throw new Error(`market is ${JSON.stringify(raw.market)}, expected ${JSON.stringify(market)}`);
  const s = freshState(market);
  const idText = /"last_trade_id"\s*:\s*(-?\d+)\s*[,}\n]/.exec(text);
  s.last_trade_id = idText ? BigInt(idText[1]) : null;
  s.last_trade_timestamp = optNum(raw.last_trade_timestamp);
  s.last_orderbook_seq = optNum(raw.last_orderbook_seq);
  s.last_orderbook_timestamp = optNum(raw.last_orderbook_timestamp);
  s.last_funding_timestamp = optNum(raw.last_funding_timestamp);
  for (const k of ["trades_count", "orderbook_updates_count", "orderbook_part_counter", "trades_part_counter", "funding_part_counter", "funding_count"] as const) {
    if (raw[k] !== undefined && !nonNegInt(raw[k])) throw new Error(`${k}: expected a non-negative integer, got ${JSON.stringify(raw[k])}`);
    if (raw[k] !== undefined) s[k] = raw[k] as number;
  }
  const d = raw.trade_dedup as { floor?: unknown; ids?: unknown } | undefined;
  if (d !== undefined) {
    const isInt = (x: unknown): x is string => typeof x === "string" && /^-?\d+$/.test(x);
    if (!isInt(d.floor) || !Array.isArray(d.ids) || !d.ids.every(isInt)) throw new Error("trade_dedup: expected {floor, ids} of integer strings");
    s.trade_dedup = { floor: d.floor, ids: d.ids as string[] };
  } else if (s.last_trade_id !== null) {
    // A state from the original (or an older version): everything up to its last id is stored.
    s.trade_dedup = { floor: s.last_trade_id.toString(), ids: [] };
  }
  s.updated_ms = optNum(raw.updated_ms) ?? 0;
  return s;
}

/** Loads the state; a missing file is a fresh state, an invalid one is warned about and replaced. */
export function loadState(marketDirPath: string, market: string): CollectorState {
  const p = statePath(marketDirPath);
  if (!existsSync(p)) return freshState(market);
  try {
    return parseState(readFileSync(p, "utf8"), market);
  } catch (err) {
    log.warn(`${p}: unreadable state (${(err as Error).message.split("\n")[0]}); starting from a fresh state`);
    return freshState(market);
  }
}

export function saveState(marketDirPath: string, s: CollectorState): void {
  const p = statePath(marketDirPath);
  try {
    publishFile(p, new TextEncoder().encode(serializeState(s)), { overwrite: true });
  } catch (err) {
    throw storageError(err, `cannot write ${p}`);
  }
}
