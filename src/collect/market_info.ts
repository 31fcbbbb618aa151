/**
 * `data/{market}/market.json`: tick size, size step, maximum leverage and status from `GET /info/markets?market=`,
 * refreshed at every start. If the exchange cannot be reached, the last saved file (or the config)
 * is used and the collector carries on: collection must not depend on REST being up.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MarketInfo } from "../config/market.ts";
import { describeError } from "../errors.ts";
import type { RestClient } from "../exchange/rest.ts";
import { log } from "../log.ts";
import { publishFile } from "../storage/atomic.ts";
import { storageError } from "./journal.ts";

/** What market.json holds: `MarketInfo` (read by the analysis commands) plus exact texts. */
export interface SavedMarketInfo extends MarketInfo {
  tick_size_text?: string;
  size_step_text?: string;
  min_order_size?: string;
  active?: boolean;
  fetched_ms?: number;
}

const marketInfoPath = (marketDirPath: string): string => join(marketDirPath, "market.json");

function readSavedMarketInfo(marketDirPath: string): SavedMarketInfo | null {
  const p = marketInfoPath(marketDirPath);
  if (!existsSync(p)) return null;
  try {
    const v = JSON.parse(readFileSync(p, "utf8")) as SavedMarketInfo;
    return v && typeof v === "object" && typeof v.name === "string" ? v : null;
  } catch {
    return null;
  }
}

/** Fetches, saves and returns the market's description; null (with a warning) when unavailable. */
export async function refreshMarketInfo(rest: RestClient, market: string, marketDirPath: string): Promise<SavedMarketInfo | null> {
  let info: SavedMarketInfo;
  try {
    const list = await rest.markets(market);
    const m = list.find((x) => x.name === market);
    if (!m) {
      log.warn(`${market}: the exchange does not list this market (GET /info/markets?market=${market}); continuing with config values`);
      return readSavedMarketInfo(marketDirPath);
    }
    info = {
      name: m.name,
      tick_size: Number(m.tickSize),
      lot_size: Number(m.sizeStep),
      max_leverage: m.maxLeverage === undefined ? undefined : Number(m.maxLeverage),
      status: m.status,
      tick_size_text: m.tickSize,
      size_step_text: m.sizeStep,
      min_order_size: m.minOrderSize,
      active: m.active,
      fetched_ms: Date.now(),
    };
    if (m.status !== "ACTIVE") log.warn(`${market}: market status is ${m.status}`);
  } catch (err) {
    const saved = readSavedMarketInfo(marketDirPath);
    log.warn(`${market}: market info unavailable (${describeError(err)}); continuing with ${saved ? "the saved market.json" : "config values"}`);
    return saved;
  }
  const p = marketInfoPath(marketDirPath);
  try {
    publishFile(p, new TextEncoder().encode(`${JSON.stringify(info, null, 2)}\n`), { overwrite: true });
  } catch (err) {
    throw storageError(err, `cannot write ${p}`);
  }
  return info;
}
