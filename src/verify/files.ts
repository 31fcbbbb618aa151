/**
 * Files mode of verify_orderbook: every part of a market, file checks first (footer, schema, row
 * count, name), then the content checks of book_checks.ts and trade_checks.ts, in file-name order
 * (chronological thanks to the zero-padded timestamp prefix).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { PartError, readTradeFile } from "../storage/parquet/index.ts";
import { BookChecker, type Outage } from "./book_checks.ts";
import { openRawBookPart, RawPartError } from "./read_raw.ts";
import { CHECK_IDS, Tally, type CheckId, type Example } from "./tally.ts";
import { TradeChecker } from "./trade_checks.ts";

export interface MarketInput {
  market: string;
  /** Order-book part files, any order (sorted here by name). */
  bookFiles: string[];
  tradeFiles: string[];
  /** Shown in reports: the market directory or the paths given. */
  source: string;
}

export interface VerifyOptions {
  /** Outage threshold (config `gap_threshold_seconds` × 1000). */
  gapMs: number;
  /** Allowed distance of a trade price outside the book, in bps. */
  toleranceBps: number;
  maxExamples: number;
}

export interface StreamStats {
  files: number;
  rows: number;
  firstMs: number | null;
  lastMs: number | null;
}

export interface MarketReport {
  market: string;
  source: string;
  orderbook: StreamStats & { levels: number | null };
  /** bookChecked: false when no order-book file was given (coverage and price checks skipped). */
  trades: StreamStats & { idsChecked: boolean; bookChecked: boolean };
  outages: Outage[];
  counts: Record<CheckId, number>;
  examples: Partial<Record<CheckId, Example[]>>;
  errors: number;
  warnings: number;
  /** Parts that could not be read at all (footer or pages). */
  unreadable: number;
}

const ORDERBOOK_NAME = /^part_(\d{13})_(\d{10})_\d+\.parquet$/;
const TRADES_NAME = /^part_(\d{13})_\d+\.parquet$/;

/** `*.parquet` files of a directory, or the file itself; missing → []. Hidden temp files are skipped. */
export function listParquet(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith(".parquet") && !f.startsWith("."))
    .sort()
    .map((f) => join(path, f));
}

export async function verifyMarket(input: MarketInput, opts: VerifyOptions): Promise<MarketReport> {
  const tally = new Tally(opts.maxExamples);
  let unreadable = 0;
  const fail = (file: string, err: unknown) => {
    const kind = err instanceof RawPartError ? err.kind : err instanceof PartError && !/^(unreadable|read failed)/.test(err.reason) ? "schema" : "unreadable";
    const reason = err instanceof PartError ? err.reason : err instanceof Error ? err.message : String(err);
    if (kind === "unreadable") unreadable++;
    tally.add(kind === "unreadable" ? "part_unreadable" : "part_schema", file, 0, () => reason);
  };

  // ---- order book ----
  const books = new BookChecker(tally, opts.gapMs);
  const bookFiles = [...input.bookFiles].sort((a, b) => basename(a).localeCompare(basename(b)));
  let levels: number | null = null;
  for (const file of bookFiles) {
    let rows = 0;
    try {
      const part = await openRawBookPart(file, input.market, levels);
      levels ??= part.levels;
      for await (const b of part.batches) {
        if (rows === 0 && b.length > 0) checkPartName(tally, file, ORDERBOOK_NAME, b.timestampMs[0], Number(b.seq[0]));
        books.push(b, file, rows);
        rows += b.length;
      }
      checkRowCount(tally, file, rows, part.footerRows);
    } catch (err) {
      fail(file, err);
    }
  }
  const book = books.finish();

  // ---- trades ----
  const bookChecked = bookFiles.length > 0;
  const trades = new TradeChecker(tally, book.timeline, opts.toleranceBps, bookChecked);
  const tradeFiles = [...input.tradeFiles].sort((a, b) => basename(a).localeCompare(basename(b)));
  let tradeFirst = Infinity;
  let tradeLast = -Infinity;
  for (const file of tradeFiles) {
    let rows = 0;
    try {
      for await (const t of readTradeFile(file, { market: input.market })) {
        if (rows === 0 && t.length > 0) checkPartName(tally, file, TRADES_NAME, t.timestampMs[0], null);
        trades.push(t, file, rows);
        for (let i = 0; i < t.length; i++) {
          const x = t.timestampMs[i];
          if (x < tradeFirst) tradeFirst = x;
          if (x > tradeLast) tradeLast = x;
        }
        rows += t.length;
      }
      if (rows === 0) tally.add("part_empty", file, 0, () => "no rows");
    } catch (err) {
      fail(file, err);
    }
  }
  const tr = trades.finish();

  const counts = {} as Record<CheckId, number>;
  const examples: Partial<Record<CheckId, Example[]>> = {};
  for (const id of CHECK_IDS) {
    counts[id] = tally.count(id);
    if (counts[id] > 0) examples[id] = tally.examples.get(id);
  }
  return {
    market: input.market,
    source: input.source,
    orderbook: { files: bookFiles.length, rows: book.rows, levels, firstMs: finite(book.firstMs), lastMs: finite(book.lastMs) },
    trades: { files: tradeFiles.length, rows: tr.rows, idsChecked: tr.idsChecked, bookChecked, firstMs: finite(tradeFirst), lastMs: finite(tradeLast) },
    outages: book.outages,
    counts,
    examples,
    errors: tally.errors(),
    warnings: tally.warnings(),
    unreadable,
  };
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

function checkRowCount(tally: Tally, file: string, rows: number, footerRows: number): void {
  if (rows !== footerRows) tally.add("part_row_count", file, rows, () => `read ${rows} rows, footer says ${footerRows}`);
  if (rows === 0) tally.add("part_empty", file, 0, () => "no rows");
}

/** Our part names carry the first row's timestamp (and seq for the book); a mismatch means a renamed or rewritten part. */
function checkPartName(tally: Tally, file: string, pattern: RegExp, ts: number, seq: number | null): void {
  const m = pattern.exec(basename(file));
  if (!m) return;
  const nameTs = Number(m[1]);
  const nameSeq = m[2] !== undefined ? Number(m[2]) : null;
  if (nameTs !== ts || (seq !== null && nameSeq !== null && nameSeq !== seq)) {
    tally.add("part_name", file, 0, () => `name says ts ${nameTs}${nameSeq !== null ? ` seq ${nameSeq}` : ""}, first row has ts ${ts}${seq !== null ? ` seq ${seq}` : ""}`);
  }
}
