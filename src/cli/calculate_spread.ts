import { defineCommand } from "citty";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { resolveMarket } from "../config/market.ts";
import { AppError, DataError, UsageError, describeError } from "../errors.ts";
import { bookFeatures } from "../core/book_features.ts";
import { decimalsOf, formatNumber } from "../exchange/decimal.ts";
import { log } from "../log.ts";
import { engineOptionsFromConfig } from "../model/engine.ts";
import { kappaAtSearchBound } from "../model/intensity.ts";
import { computeOptimalQuote, quoteParamsFromConfig, type QuoteParams } from "../model/quote.ts";
import { SpreadSeries, spreadQuoteParams, type SpreadRow } from "../model/spread_series.ts";
import { topOfBook } from "../model/top_of_book.ts";
import { summarize, type Summary } from "../model/stats.ts";
import { marketPath } from "../storage/layout.ts";
import { readMarketInfo } from "../storage/market_json.ts";
import { forEachEvent, openEvents } from "../storage/events.ts";
import { openBookSource, partStartMs, resolveSource, type SourceSpec } from "../storage/sources.ts";
import { progressBar, sourceRows } from "../report/progress.ts";
import { KEPT, TradeCleaner } from "../storage/trade_clean.ts";
import { commonArgs, jsonArg, marketAndPaths, marketSourceArgs, numberArg, printJson, progressArg, setup, skipBadPartsArg, stageInputs, skippedPartsLine } from "./common.ts";
import { wasmGarchScreen } from "../core/garch_screen.ts";

/**
 * calculate_spread (docs/original.md §1.3): rolling calibration over a market's recorded book
 * and trades, one constant-γ Avellaneda–Stoikov quote per calibration → as_results.csv plus the
 * statistics summary. `--now` prints only the current quote from the latest window.
 */
export default defineCommand({
  meta: { name: "calculate_spread", description: "Calibrate sigma, kappa and A and compute AS quotes", alias: "spread" },
  args: {
    ...commonArgs,
    ...jsonArg,
    ...progressArg,
    ...marketSourceArgs,
    ...skipBadPartsArg,
    output: { type: "string", description: "CSV output (default {data}/{market_dir}/as_results.csv)", valueHint: "path" },
    now: { type: "boolean", description: "Print the current optimal quote from the latest window only (no CSV)" },
    inventory: { type: "string", description: "Inventory (base units) for the --now quote (default 0)", valueHint: "q" },
  },
  async run({ args, rawArgs }) {
    const ctx = setup(args, rawArgs);
    const { config } = ctx;
    const market = marketAndPaths(args, config);
    if (args.output !== undefined && !args.now) {
      for (const k of ["trades", "orderbook"] as const) {
        if (args[k] !== undefined && resolve(args[k]) === resolve(args.output)) throw new UsageError(`--output ${args.output} is the --${k} input: it would be overwritten`);
      }
    }
    const inventory = numberArg("inventory", args.inventory) ?? 0;
    if (args.inventory !== undefined && !args.now) throw new UsageError("--inventory only applies with --now");
    if (args.output !== undefined && args.now) throw new UsageError("--output does not apply with --now (it writes no CSV)");

    // --now still needs the whole history listed (the latest part decides the window): no pruning
    await stageInputs(ctx, market, args, {}, args.now ? "" : "output");
    const info = readMarketInfo(ctx.dataDir, market);
    const params = resolveMarket(config, market, info);
    const quoteParams = spreadQuoteParams(quoteParamsFromConfig(config, params));
    const engineOpts = engineOptionsFromConfig(config);
    const bookSpec: SourceSpec = args.orderbook ?? { dataDir: ctx.dataDir, market };
    const tradeSpec: SourceSpec = args.trades ?? { dataDir: ctx.dataDir, market };

    // --now reads only what the latest window needs: from (start of the last book part − window);
    // the compatibility GARCH runs over the whole history, so then everything is read.
    let fromMs: number | undefined;
    if (args.now && !engineOpts.garchFullHistory) {
      const files = resolveSource(bookSpec, "orderbook").files;
      if (files.length === 0) throw new DataError(`no order-book parts for ${market}${typeof bookSpec === "string" ? ` in ${bookSpec}` : ` in ${bookSpec.dataDir}`}: nothing to quote from`);
      const start = partStartMs(files[files.length - 1]!);
      if (start !== null) fromMs = start - engineOpts.windowMs;
    }
    const series = new SpreadSeries(engineOpts, quoteParams, config.effective_volume_threshold, !args.now, { garchScreen: wasmGarchScreen() });
    const skipBadParts = args["skip-bad-parts"];
    const events = openEvents({ books: bookSpec, trades: tradeSpec, funding: null, fromMs, skipBadParts });
    const otherMarkets = new Set<string>();
    const bar = progressBar(true, args.progress);
    const totalBooks = bar.active ? await sourceRows(bookSpec, "orderbook") : null;
    let booksRead = 0;
    const cleaner = new TradeCleaner(); // the backtest's rule: bad and duplicate trades dropped and counted
    for await (const c of events) {
      for (const b of [...c.books, ...c.trades]) if (b.market && b.market !== market) otherMarkets.add(b.market);
      forEachEvent(c, (b, i) => series.onBook(b, i), (t, j) => {
        if (cleaner.judge(t, j) === KEPT) series.onTrade(t, j);
      });
      if (bar.active) {
        for (const b of c.books) booksRead += b.length;
        bar.update("spread", totalBooks ? booksRead / totalBooks : null, `${booksRead.toLocaleString("en-US")} book rows`);
      }
    }
    bar.done();
    const quality = {
      bad_trades: cleaner.bad, duplicate_trades: cleaner.duplicates,
      skipped_parts: events.skipped().map((x) => ({ file: x.path, reason: x.reason })),
    };
    if (cleaner.bad + cleaner.duplicates > 0) log.info(`dropped ${cleaner.bad} bad trade(s) (missing, zero or negative price or quantity) and ${cleaner.duplicates} duplicate(s) of the previous trade`);
    const skippedLine = skippedPartsLine(quality.skipped_parts);
    if (series.books === 0) throw new DataError(`no order-book rows in ${events.labels.books}`);
    if (otherMarkets.size > 0) log.warn(`the data names market ${[...otherMarkets].join(", ")}, not ${market}: quoting it with ${market}'s tick and settings`);
    if (series.bookRegressions + series.tradeRegressions > 0) {
      log.warn(`input not in time order: ${series.bookRegressions} book row(s) and ${series.tradeRegressions} trade(s) go back in time (processed in stored order; sort the data for meaningful windows)`);
    }
    if (series.skippedBooks > 0) log.info(`${series.skippedBooks} snapshot(s) skipped: a side had no valid level`);
    if (series.trades === 0) {
      log.warn(`no trades in ${events.labels.trades}: κ and A are the defaults (κ 100, A 10), not fitted`);
    } else if (series.tradesUsed === 0) {
      log.warn(`none of the ${series.trades} trades in ${events.labels.trades} could be placed against an earlier book (other period or market? no side? all on the wrong side of the mid?): κ and A are not fitted`);
    } else if (series.tradesUsed < series.trades) {
      log.info(`${series.trades - series.tradesUsed} of ${series.trades} trades not used (no side, before the first book, inside a gap or at the mid)`);
    }

    if (args.now) {
      const row = series.finish();
      if (!row) throw new DataError(`no snapshot with both sides in ${events.labels.books}: cannot quote`);
      const q = nowQuote(row, inventory, quoteParams);
      const touch = await latestTouch(bookSpec, fromMs === undefined ? undefined : fromMs + engineOpts.windowMs, skipBadParts);
      if (args.json) printJson({ market, tickSize: params.tickSize, ...q, touch, data_quality: quality });
      else {
        printNow(market, q, params.tickSize, touch);
        if (skippedLine) console.log(skippedLine);
      }
      return;
    }

    series.finish();
    const rows = series.rows;
    const atBound = rows.filter((r) => (r.cal.bidSource === "fitted" && kappaAtSearchBound(r.cal.kappaBid)) || (r.cal.askSource === "fitted" && kappaAtSearchBound(r.cal.kappaAsk))).length;
    if (atBound > 0) log.warn(`κ sits at its search bound (1 or 1e6) in ${atBound} of ${rows.length} rows: there the trades do not identify κ (the fit is reported, not trustworthy)`);
    for (const r of rows) {
      log.debug(`${datetime(r.ts)} mid ${r.mid} σ ${r.cal.sigmaRaw.toExponential(3)} κ ${r.cal.kappaBid.toFixed(0)}/${r.cal.kappaAsk.toFixed(0)} bid ${r.quote.bid} ask ${r.quote.ask} (${r.optimalSpreadBps.toFixed(2)} bps)`);
    }
    const output = args.output ?? join(marketPath(ctx.dataDir, market), "as_results.csv");
    try {
      mkdirSync(dirname(output), { recursive: true });
      writeFileSync(output, toCsv(rows, params.tickSize));
    } catch (e) {
      throw new AppError(`--output ${output}: cannot write (${describeError(e)})`);
    }
    log.info(`wrote ${rows.length} row(s) to ${output} (${series.books} snapshots, ${series.trades} trades)`);
    const summary = summaries(rows);
    if (args.json) {
      printJson({ market, output, rows: rows.length, books: series.books, trades: series.trades, tradesUsed: series.tradesUsed, kappaAtBoundRows: atBound, timestampRegressions: { books: series.bookRegressions, trades: series.tradeRegressions }, skippedBooks: series.skippedBooks, data_quality: quality, summary, last: rows.length ? rowJson(rows[rows.length - 1]) : null });
    } else {
      printSummary(summary, rows.length);
      if (skippedLine) console.log(skippedLine);
    }
  },
});

const HEADER = "timestamp,datetime,mid_price,volatility,bid_kappa,ask_kappa,bid_a,ask_a,gamma,optimal_spread_bps,bid_spread_bps,ask_spread_bps,bid_price,ask_price,reservation_price";

const datetime = (ts: number) => new Date(ts).toISOString().slice(0, 19).replace("T", " ");

/**
 * Decimals of the tick (0.01 → 2, 1e-9 → 9) from its shortest text, at least 2 as the original's
 * format (an absolute tolerance would call 1e-9 a whole number); at most 12 for a noisy tick.
 */
function priceDecimals(tick: number): number {
  return Math.max(2, tick > 0 && Number.isFinite(tick) ? Math.min(12, decimalsOf(tick)) : 2);
}

/** The original's CSV: same columns; σ 6 decimals, prices to the tick (≥ 2), the rest 2. */
export function toCsv(rows: SpreadRow[], tick: number): string {
  const pd = priceDecimals(tick);
  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "");
  const lines = [HEADER];
  for (const r of rows) {
    lines.push([
      r.ts, datetime(r.ts), formatNumber(Number(r.mid.toFixed(pd + 1))), r.cal.sigmaRaw.toFixed(6), f2(r.cal.kappaBid), f2(r.cal.kappaAsk), f2(r.cal.aBid), f2(r.cal.aAsk),
      f2(r.quote.gamma), f2(r.optimalSpreadBps), f2(r.bidSpreadBps), f2(r.askSpreadBps),
      r.quote.bid.toFixed(pd), r.quote.ask.toFixed(pd), r.quote.reservation.toFixed(pd),
    ].join(","));
  }
  return lines.join("\n") + "\n";
}

const METRICS: [string, string, (r: SpreadRow) => number][] = [
  ["total_spread_bps", "Total Spread (bps)", (r) => r.optimalSpreadBps],
  ["bid_spread_bps", "Bid Spread (bps)", (r) => r.bidSpreadBps],
  ["ask_spread_bps", "Ask Spread (bps)", (r) => r.askSpreadBps],
  ["volatility", "Volatility", (r) => r.cal.sigmaRaw],
  ["bid_kappa", "Bid Kappa", (r) => r.cal.kappaBid],
  ["ask_kappa", "Ask Kappa", (r) => r.cal.kappaAsk],
  ["bid_a", "Bid A Parameter", (r) => r.cal.aBid],
  ["ask_a", "Ask A Parameter", (r) => r.cal.aAsk],
  ["gamma", "Gamma", (r) => r.quote.gamma],
];

function summaries(rows: SpreadRow[]): Record<string, Summary | null> {
  return Object.fromEntries(METRICS.map(([key, , get]) => [key, summarize(rows.map(get))]));
}

function printSummary(s: Record<string, Summary | null>, n: number): void {
  if (n === 0) {
    console.log("No data collected for statistics.");
    return;
  }
  // the original's 4 fixed decimals, except for small values (σ per √s is ~1e-5): 4 significant digits
  const f = (x: number) => (x === 0 || Math.abs(x) >= 0.01 ? x.toFixed(4) : x.toExponential(3)).padStart(14);
  console.log(`STATISTICS SUMMARY (n = ${n})`);
  console.log(`${"Metric".padEnd(20)}${["Mean", "Median", "Std Dev", "Min", "Max"].map((h) => h.padStart(14)).join("")}`);
  for (const [key, label] of METRICS) {
    const m = s[key];
    if (m) console.log(`${label.padEnd(20)}${f(m.mean)}${f(m.median)}${f(m.std)}${f(m.min)}${f(m.max)}`);
  }
}

function rowJson(r: SpreadRow) {
  return {
    ts: r.ts, datetime: datetime(r.ts), mid: r.mid,
    sigma: r.cal.sigma, sigmaRaw: r.cal.sigmaRaw, sigmaSource: r.cal.sigmaSource,
    kappaBid: r.cal.kappaBid, aBid: r.cal.aBid, kappaAsk: r.cal.kappaAsk, aAsk: r.cal.aAsk,
    bidSource: r.cal.bidSource, askSource: r.cal.askSource,
    kappaBidAtBound: r.cal.bidSource === "fitted" && kappaAtSearchBound(r.cal.kappaBid),
    kappaAskAtBound: r.cal.askSource === "fitted" && kappaAtSearchBound(r.cal.kappaAsk),
    nTradesBid: r.cal.nTradesBid, nTradesAsk: r.cal.nTradesAsk,
    gamma: r.quote.gamma, reservation: r.quote.reservation, bid: r.quote.bid, ask: r.quote.ask,
    optimalSpreadBps: r.optimalSpreadBps, bidSpreadBps: r.bidSpreadBps, askSpreadBps: r.askSpreadBps, quoteStatus: r.quote.status,
  };
}

/** The latest row, re-quoted at `inventory` when it is not 0. */
function nowQuote(row: SpreadRow, inventory: number, qp: QuoteParams) {
  if (inventory === 0) return { ...rowJson(row), inventory };
  const q = computeOptimalQuote(row.mid, inventory, row.cal.sigma, row.cal.kappaBid, row.cal.kappaAsk, qp);
  const r = q.reservation;
  const bidBps = q.bid > 0 ? ((r - q.bid) / r) * 1e4 : (q.deltaBid / 2 / r) * 1e4;
  return {
    ...rowJson({ ...row, quote: q, optimalSpreadBps: (q.optimalSpread / r) * 1e4, bidSpreadBps: bidBps, askSpreadBps: ((q.ask - r) / r) * 1e4 }),
    inventory,
  };
}

/**
 * The last stored top of book (level 0 only, via the WASM core's bookFeatures kernel): where the
 * market is quoted now, next to the model's quote. `fromMs` limits the read to the last part.
 */
async function latestTouch(spec: SourceSpec, fromMs: number | undefined, skipBadParts = false) {
  const top = await topOfBook(openBookSource(spec, { fromMs, levels: 1, seq: false, badParts: skipBadParts ? "skip" : "stop" }), bookFeatures);
  for (let i = top.length - 1; i >= 0; i--) {
    if (!Number.isFinite(top.mid[i])) continue;
    const half = top.spread[i] / 2;
    return { timestampMs: top.timestampMs[i], bestBid: top.mid[i] - half, bestAsk: top.mid[i] + half, mid: top.mid[i], spread: top.spread[i], microprice: top.micro[i] };
  }
  return null;
}

function printNow(market: string, q: ReturnType<typeof nowQuote>, tick: number, touch: Awaited<ReturnType<typeof latestTouch>>): void {
  const pd = priceDecimals(tick);
  console.log(`${market} at ${q.datetime} UTC (effective mid ${q.mid})`);
  if (touch) {
    console.log(`  touch: bid ${touch.bestBid.toFixed(pd)}  ask ${touch.bestAsk.toFixed(pd)}  mid ${touch.mid.toFixed(pd + 1)}  microprice ${touch.microprice.toFixed(pd + 1)}`);
  }
  const src = (s: string, bound: boolean) => (bound ? `${s}, at the search bound: not identified` : s);
  console.log(`  sigma ${q.sigma.toExponential(4)} /√s (${q.sigmaSource}), kappa bid ${q.kappaBid.toFixed(2)} (${src(q.bidSource, q.kappaBidAtBound)}) ask ${q.kappaAsk.toFixed(2)} (${src(q.askSource, q.kappaAskAtBound)}), A bid ${q.aBid.toFixed(2)} ask ${q.aAsk.toFixed(2)}, gamma ${q.gamma}`);
  console.log(`  inventory ${q.inventory}: reservation ${q.reservation.toFixed(pd)}  bid ${q.bid.toFixed(pd)}  ask ${q.ask.toFixed(pd)}  spread ${q.optimalSpreadBps.toFixed(2)} bps (bid ${q.bidSpreadBps.toFixed(2)}, ask ${q.askSpreadBps.toFixed(2)})`);
}
