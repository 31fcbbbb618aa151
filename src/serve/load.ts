import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { DataError, describeError } from "../errors.ts";
import { log } from "../log.ts";
import { openBookSource, openFundingSource, openTradeSource, type SourceSpec } from "../storage/sources.ts";
import type { BookBatch, FundingBatch, TradeBatch } from "../storage/types.ts";
import type { MemoryMarket } from "./timeline.ts";

/**
 * Finds and reads recorded data for `serve`, through the storage readers. Accepted layouts:
 *   - a data dir: every `{market_dir}/` below it holding `orderbook_parts/`, `trades_parts/`,
 *     `funding_parts/` (what `collect_data` writes) or the legacy CSVs;
 *   - one market dir of that kind;
 *   - a flat dir with `orderbook.parquet` / `trades.parquet` / `funding.parquet` (the test fixtures).
 * Everything is loaded into memory (a 2 h BTC book is ~15 MB); use fromMs/toMs for long recordings.
 */

export interface LoadOptions {
  /** Only these markets (names as stored in the data, e.g. `BTC-USD`). */
  markets?: string[];
  fromMs?: number;
  toMs?: number;
}

const STREAM_DIRS = ["orderbook_parts", "trades_parts", "funding_parts"];
const FLAT = { book: "orderbook.parquet", trades: "trades.parquet", funding: "funding.parquet" };

function isMarketDir(dir: string): boolean {
  const names = new Set(readdirSync(dir));
  return (
    STREAM_DIRS.some((d) => names.has(d)) ||
    Object.values(FLAT).some((f) => names.has(f)) ||
    names.has("orderbook_depth.csv") ||
    names.has("trades.csv")
  );
}

async function collect<T>(src: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of src) out.push(b);
  return out;
}

async function loadMarketDir(dir: string, opts: LoadOptions): Promise<MemoryMarket | null> {
  const names = new Set(readdirSync(dir));
  const range = { fromMs: opts.fromMs, toMs: opts.toMs };
  const spec = (stream: "orderbook" | "trades" | "funding", flat: string): SourceSpec | null => {
    if (names.has(`${stream}_parts`)) return join(dir, `${stream}_parts`);
    if (names.has(flat)) return join(dir, flat);
    if (stream === "orderbook" && names.has("orderbook_depth.csv")) return join(dir, "orderbook_depth.csv");
    if (stream === "trades" && names.has("trades.csv")) return join(dir, "trades.csv");
    return null;
  };
  const bookSpec = spec("orderbook", FLAT.book);
  const tradeSpec = spec("trades", FLAT.trades);
  const fundingSpec = spec("funding", FLAT.funding);
  const book: BookBatch[] = bookSpec ? await collect(openBookSource(bookSpec, range)) : [];
  const trades: TradeBatch[] = tradeSpec ? await collect(openTradeSource(tradeSpec, range)) : [];
  const funding: FundingBatch[] = fundingSpec ? await collect(openFundingSource(fundingSpec, range)) : [];
  const market = book[0]?.market || trades[0]?.market || funding[0]?.market;
  if (!market) return null;
  if (opts.markets && !opts.markets.includes(market)) return null;
  const mm: MemoryMarket = { market, book, trades, funding };
  // market.json written by the collector: keep the exchange's tick/step for REST answers
  const info = join(dir, "market.json");
  if (existsSync(info)) {
    try {
      const j = JSON.parse(readFileSync(info, "utf8")) as Record<string, unknown>;
      if (typeof j.tick_size_text === "string") mm.tickSize = j.tick_size_text;
      if (typeof j.size_step_text === "string") mm.sizeStep = j.size_step_text;
    } catch (e) {
      // an unreadable market.json only costs the REST tick/step; derived values are used instead
      log.warn(`${info}: not readable (${describeError(e)}); REST tick and step come from the data`);
    }
  }
  return mm;
}

/** Reads every market found under `path` (see module comment). DataError when there is none. */
export async function loadMarkets(path: string, opts: LoadOptions = {}): Promise<MemoryMarket[]> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new DataError(`${path} does not exist`);
  }
  if (!st.isDirectory()) throw new DataError(`${path}: expected a directory of recorded data`);
  const dirs = isMarketDir(path)
    ? [path]
    : readdirSync(path)
        .map((n) => join(path, n))
        .filter((d) => statSync(d).isDirectory() && isMarketDir(d))
        .sort();
  const out: MemoryMarket[] = [];
  for (const d of dirs) {
    const m = await loadMarketDir(d, opts);
    if (m) {
      if (out.some((x) => x.market === m.market)) throw new DataError(`${basename(d)}: market ${m.market} found twice under ${path}`);
      out.push(m);
    }
  }
  if (out.length === 0) {
    const which = opts.markets ? ` for ${opts.markets.join(", ")}` : "";
    if (dirs.length > 0 && (opts.fromMs !== undefined || opts.toMs !== undefined)) {
      const at = (ms: number | undefined) => (ms === undefined ? "…" : new Date(ms).toISOString());
      throw new DataError(`${path}: no data in the window ${at(opts.fromMs)} – ${at(opts.toMs)}${which} (check --from/--to)`);
    }
    throw new DataError(`${path}: no recorded market data${which} (expected {market}/orderbook_parts, trades_parts or orderbook.parquet/trades.parquet)`);
  }
  if (opts.markets) {
    const missing = opts.markets.filter((m) => !out.some((x) => x.market === m));
    if (missing.length) throw new DataError(`${path}: no data for ${missing.join(", ")} (found ${out.map((x) => x.market).join(", ")})`);
  }
  return out;
}
