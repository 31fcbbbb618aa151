/**
 * `{data}/{market_dir}/market.json` (written by the collector from `GET /info/markets`) as the
 * analysis commands need it: tick and lot size, maximum leverage. A key that is present but not a positive number
 * is a DataError naming the file and key — silently falling back to the config's tick would quote
 * on the wrong grid.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MarketInfo } from "../config/market.ts";
import { DataError } from "../errors.ts";
import { marketPath } from "./layout.ts";

export function readMarketInfo(dataDir: string, market: string): MarketInfo | undefined {
  const path = join(marketPath(dataDir, market), "market.json");
  if (!existsSync(path)) return undefined;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new DataError(`${path}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (typeof j !== "object" || j === null || Array.isArray(j)) throw new DataError(`${path}: expected a JSON object`);
  const num = (key: string): number | undefined => {
    const x = j[key];
    if (x === undefined || x === null) return undefined;
    const n = typeof x === "number" ? x : typeof x === "string" && x.trim() !== "" ? Number(x) : NaN;
    if (!(n > 0) || !Number.isFinite(n)) throw new DataError(`${path}: ${key}: expected a positive number, got ${JSON.stringify(x)}`);
    return n;
  };
  return {
    name: String(j.name ?? market), tick_size: num("tick_size"), lot_size: num("lot_size"), max_leverage: num("max_leverage"),
    status: typeof j.status === "string" ? j.status : undefined,
  };
}
