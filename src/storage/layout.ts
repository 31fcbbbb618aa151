import { join } from "node:path";
import { assertMarketName } from "../config/market.ts";
import { marketKey } from "../config/schema.ts";

/**
 * On-disk layout, identical to the original collector's:
 *   {data}/{market_dir}/orderbook_parts/part_{ts:013}_{seq:010}_{part:06}.parquet
 *   {data}/{market_dir}/trades_parts/part_{ts:013}_{part:06}.parquet
 *   {data}/{market_dir}/funding_parts/part_{ts:013}_{part:06}.parquet
 *   {data}/{market_dir}/state.json, market.json, gaps.csv
 * The zero-padded timestamp prefix makes lexicographic order chronological.
 */
export type Stream = "orderbook" | "trades" | "funding";

/** `ETH-USD` → `eth_usd`. */
export function marketDir(market: string): string {
  assertMarketName(market);
  return marketKey(market);
}

export function marketPath(dataDir: string, market: string): string {
  return join(dataDir, marketDir(market));
}

export function partsDir(dataDir: string, market: string, stream: Stream): string {
  return join(marketPath(dataDir, market), `${stream}_parts`);
}

const pad = (n: number | bigint, width: number) => n.toString().padStart(width, "0");

export function orderbookPartName(firstTs: number, firstSeq: number | bigint, part: number): string {
  return `part_${pad(firstTs, 13)}_${pad(firstSeq, 10)}_${pad(part, 6)}.parquet`;
}

/** Trades and funding parts share one naming scheme. */
export function partName(firstTs: number, part: number): string {
  return `part_${pad(firstTs, 13)}_${pad(part, 6)}.parquet`;
}

/** The part counter is the last `_`-separated field of a part file name; null if it is not one. */
export function partNumber(fileName: string): number | null {
  const m = /^part_\d+(?:_\d+)*_(\d+)\.parquet$/.exec(fileName);
  return m ? Number(m[1]) : null;
}

/** Next free part number in a directory listing (max + 1, or 0). */
export function nextPartNumber(fileNames: Iterable<string>): number {
  let max = -1;
  for (const f of fileNames) {
    const n = partNumber(f);
    if (n !== null && n > max) max = n;
  }
  return max + 1;
}
