/**
 * `migrate`: legacy CSV (trades.csv, orderbook_depth.csv) → standard Parquet parts under
 * {data}/{market_dir}/{trades,orderbook}_parts/, like the original's migrate_* binaries but
 * additive: it never deletes existing data (the original deleted trades_parts/) and never overwrites
 * a part (part numbers continue after the highest existing one; publication refuses existing names).
 * Re-running on the same CSV is refused before anything is written (a part with the CSV's first
 * timestamp already exists). Every written part is read back and its timestamps compared, so a
 * successful migrate is also a Parquet write + read round trip (used by the compiled-binary test).
 */
import { defineCommand } from "citty";
import { rmSync } from "node:fs";
import { basename } from "node:path";
import { AppError, DataError, UsageError, describeError } from "../errors.ts";
import { log } from "../log.ts";
import { concatBooks, concatTrades, sliceBook, sliceTrades } from "../storage/batch.ts";
import { assertMarketName } from "../config/market.ts";
import { orderbookPartName, partName, partsDir } from "../storage/layout.ts";
import { readBookCsv, readTradeCsv } from "../storage/read_csv.ts";
import { readBookFile, readTradeFile, writeBookPart, writeTradePart } from "../storage/parquet/index.ts";
import type { BookBatch, TradeBatch } from "../storage/types.ts";
import { writeParts, type PartsSummary } from "../storage/write_parts.ts";
import { commonArgs, jsonArg, printJson, setup, type CommandContext, requireLocalDataDir } from "./common.ts";

/** The market named in a CSV's first data row (`market` column), or null; a CSV without rows is a DataError. */
async function csvMarket(path: string, kind: "trades" | "orderbook"): Promise<string | null> {
  const it = kind === "trades" ? readTradeCsv(path, { batchRows: 1 }) : readBookCsv(path, { batchRows: 1 });
  for await (const b of it) return b.market || null;
  throw new DataError(`${path}: no data rows`);
}

export default defineCommand({
  meta: { name: "migrate", description: "Convert legacy CSV (trades.csv, orderbook_depth.csv) into Parquet parts" },
  args: {
    ...commonArgs,
    ...jsonArg,
    trades: { type: "string", description: "Legacy trades.csv to convert", valueHint: "csv" },
    orderbook: { type: "string", description: "Legacy orderbook_depth.csv to convert", valueHint: "csv" },
    market: { type: "string", description: "Market name (default: the CSV's market column)", valueHint: "name" },
  },
  async run({ args, rawArgs }) {
    const ctx = setup(args, rawArgs);
    requireLocalDataDir(ctx, "migrate", "migrate writes parts locally; upload them afterwards");
    if (!args.trades && !args.orderbook) throw new UsageError("migrate: give --trades <csv> and/or --orderbook <csv>");
    // the markets the CSVs name (first row): both files must be one market, and --market wins with a warning
    const named: [string, string][] = [];
    for (const [path, kind] of [[args.trades, "trades"], [args.orderbook, "orderbook"]] as const) {
      const m = path ? await csvMarket(path, kind) : null;
      if (path && m) named.push([path, m]);
    }
    if (named.length === 2 && named[0][1] !== named[1][1]) {
      throw new UsageError(`migrate: the CSVs name different markets (${named.map(([p, m]) => `${m} in ${p}`).join(", ")}); migrate one market at a time`);
    }
    let market = args.market;
    if (market === undefined) {
      if (named.length === 0) throw new UsageError("migrate: the CSV has no market column; pass --market");
      market = named[0][1];
    }
    for (const [p, m] of named) if (m !== market) log.warn(`${p}: its rows name ${m}; writing them as ${market} (--market)`);
    assertMarketName(market);
    const out: { market: string; trades?: PartsSummary; orderbook?: PartsSummary } = { market };
    // all or nothing: a failure (bad row, read-back mismatch, disk full) removes the parts this run
    // published, so that the fixed input can be migrated again (a re-run refuses existing parts)
    const written: string[] = [];
    try {
      await migrateStreams(args, ctx, market, out, written);
    } catch (e) {
      for (const p of written) rmSync(p, { force: true });
      if (written.length) log.warn(`removed the ${written.length} part(s) this run had written`);
      // a file-system refusal (not a directory, read-only, disk full) is an I/O failure of this run
      const code = (e as { code?: unknown })?.code;
      if (!(e instanceof AppError) && typeof code === "string" && /^E[A-Z]+$/.test(code)) {
        throw new AppError(`--data-dir ${ctx.dataDir}: cannot write the parts (${describeError(e)})`);
      }
      throw e;
    }
    for (const s of [out.trades, out.orderbook]) {
      if (s?.timestampRegressions) log.warn(`${s.source}: ${s.timestampRegressions} rows go back in time (kept in stored order)`);
    }
    if (args.json) printJson(out);
    else {
      for (const [k, s] of Object.entries(out)) {
        if (typeof s === "object") console.log(`${k}: ${s.rows} rows from ${basename(s.source)} → ${s.parts.length} part(s) in ${s.dir}`);
      }
    }
    return 0;
  },
});

/** Converts the CSVs named by --trades / --orderbook into parts, filling `out` and `written`. */
async function migrateStreams(
  args: { trades?: string; orderbook?: string },
  ctx: CommandContext,
  market: string,
  out: { trades?: PartsSummary; orderbook?: PartsSummary },
  written: string[],
): Promise<void> {
  if (args.trades) {
    out.trades = await writeParts<TradeBatch>(readTradeCsv(args.trades, { market }), {
      dir: partsDir(ctx.dataDir, market, "trades"),
      rowsPerPart: ctx.config.trades_rows_per_part,
      source: args.trades,
      concat: concatTrades,
      slice: sliceTrades,
      name: (b, part) => partName(b.timestampMs[0], part),
      write: writeTradePart,
      readBack: (path) => readTradeFile(path),
      written,
    });
  }
  if (args.orderbook) {
    out.orderbook = await writeParts<BookBatch>(readBookCsv(args.orderbook, { market }), {
      dir: partsDir(ctx.dataDir, market, "orderbook"),
      rowsPerPart: ctx.config.orderbook_rows_per_part,
      source: args.orderbook,
      concat: concatBooks,
      slice: sliceBook,
      name: (b, part) => orderbookPartName(b.timestampMs[0], b.seq[0], part),
      write: writeBookPart,
      readBack: (path) => readBookFile(path, { levels: 0, seq: false }),
      written,
    });
  }
}
