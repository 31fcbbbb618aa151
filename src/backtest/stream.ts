/**
 * Streamed backtest: the book, trade and funding sources are cut at times T₁ < T₂ < … into chunks
 * holding every event before Tₖ₊₁ and none after, so processing the chunks in order is exactly the
 * one-pass merge. Each chunk is validated (EventDataBuilder, checks carry across chunks),
 * calibrated (ScheduleBuilder, engine carries across chunks) and simulated (BacktestStream, loop
 * state carries across chunks). Memory is bounded by the chunk size, not by the span of the data.
 */
import { ConfigError, DataError } from "../errors.ts";
import type { EngineOptions } from "../model/engine.ts";
import { BacktestStream } from "../sim/core.ts";
import { sliceBook, sliceFunding, sliceTrades } from "../storage/batch.ts";
import { openBookSource, openFundingSource, openTradeSource, type SourceSpec } from "../storage/sources.ts";
import { GC_CELLS, hasFunding } from "./load.ts";
import { concatSchedules, ScheduleBuilder, type CalibratedSchedule } from "./calibrate.ts";
import { chartGrid, SampleSplitter, type SampleCols } from "./chart_grid.ts";
import { EventDataBuilder, eventSpan, type BuildStats, type EventData } from "../sim/data.ts";
import type { RunResult } from "../sim/layout.ts";
import type { RunParams } from "../sim/params.ts";

interface Rows {
  length: number;
  timestampMs: Float64Array;
}

/** Pulls batches from a source and hands out row ranges by time, slicing batches (zero-copy). */
class TimeCursor<B extends Rows> {
  private buf: B[] = [];
  private head = 0;
  private done = false;
  private readonly it: AsyncIterator<B>;

  constructor(src: AsyncIterable<B>, private readonly slice: (b: B, start: number, end: number) => B) {
    this.it = src[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        this.buf.push(r.value);
        return true;
      }
    }
    return false;
  }

  /** Timestamp of the k-th row not yet taken (Infinity past the end). */
  async tsAt(k: number): Promise<number> {
    let idx = k + this.head;
    let bi = 0;
    for (;;) {
      while (bi < this.buf.length && idx >= this.buf[bi]!.length) {
        idx -= this.buf[bi]!.length;
        bi++;
      }
      if (bi < this.buf.length) return this.buf[bi]!.timestampMs[idx]!;
      if (!(await this.more())) return Infinity;
    }
  }

  /** The leading rows with timestamp < T (stops at the first row ≥ T). */
  async takeBefore(T: number): Promise<B[]> {
    const out: B[] = [];
    for (;;) {
      if (this.buf.length === 0 && !(await this.more())) return out;
      const b = this.buf[0]!;
      let r = this.head;
      while (r < b.length && b.timestampMs[r]! < T) r++;
      if (r === b.length) {
        out.push(this.head === 0 ? b : this.slice(b, this.head, b.length));
        this.buf.shift();
        this.head = 0;
        continue;
      }
      if (r > this.head) out.push(this.slice(b, this.head, r));
      this.head = r;
      return out;
    }
  }
}

export interface StreamSpec {
  books: SourceSpec;
  trades: SourceSpec;
  funding: SourceSpec | null;
  fromMs?: number;
  toMs?: number;
  levels: number;
  tickSize: number;
  engine: EngineOptions;
  params: RunParams;
  /** Book rows per chunk (default 100,000: ~2.8 h at 10 rows/s). */
  chunkRows?: number;
  onFirstChunk?: (d: EventData) => void;
  onProgress?: (books: number, ts: number) => void;
  /**
   * Also sample equity on a finer grid for the report's charts (StreamedRun.chart). The result's
   * samples, hence every metric, stay exactly those of the `params.sampleMs` grid.
   */
  chart?: boolean;
}

export interface StreamedRun {
  result: RunResult & { coreMs: number };
  schedule: CalibratedSchedule;
  stats: BuildStats;
  events: { books: number; trades: number; funding: number };
  /** Trades and funding prints before the first book row, dropped (EventDataBuilder.beforeFirstBook). */
  beforeFirstBook: { trades: number; funding: number; firstTs: number; bookTs: number };
  /** Calibrations in which neither side's κ/A had ever been fitted (ScheduleBuilder.unfitted). */
  unfittedCalibrations: number;
  /** Calibrations with a fitted κ at its search bound (ScheduleBuilder.atBound). */
  kappaAtBoundCalibrations: number;
  /** Market names found in the book and trade data. */
  markets: Set<string>;
  /** Book-to-book gaps longer than params.gapMs: each cancels every order and starts a warm-up. */
  bookGaps: number;
  /** Time of the last book row. */
  lastBookTs: number;
  chunks: number;
  calibrateMs: number;
  /** Largest chunk copied into core memory (bytes). */
  maxChunkBytes: number;
  /** With `chart`: at most CHART_MAX_POINTS + 1 evenly spaced samples (the last after the close), and their spacing. */
  chart: { samples: SampleCols; stepMs: number } | null;
}

/**
 * Equity samples a run may take on the metrics grid. Every sample is kept (Sharpe, drawdown), and
 * the core sizes its sample buffer by span / interval: a sub-second equity_sample_seconds over
 * a long span used to exhaust the WASM memory ("wasm core aborted", exit 1). 5 M samples is about
 * 1 GiB at run time: 1 ms over 83 minutes, 1 s over 58 days, 60 s over 9.5 years.
 */
export const MAX_EQUITY_SAMPLES = 5_000_000;

/** Throws a ConfigError when sampling `spanMs` every `sampleMs` would exceed MAX_EQUITY_SAMPLES. */
export function checkEquitySamples(spanMs: number, sampleMs: number): void {
  const n = Math.floor(spanMs / sampleMs) + 1;
  if (!(n <= MAX_EQUITY_SAMPLES)) {
    throw new ConfigError(`equity_sample_seconds: ${sampleMs / 1000} s gives ${n > 1e12 ? n.toExponential(2) : n.toLocaleString("en-US")} equity samples over the data's ${(spanMs / 1000).toLocaleString("en-US")} s, more than ${MAX_EQUITY_SAMPLES.toLocaleString("en-US")}: use a larger interval or a shorter --from/--to window`);
  }
}

export async function runStreamed(spec: StreamSpec): Promise<StreamedRun> {
  const window = { fromMs: spec.fromMs, toMs: spec.toMs };
  const chunkRows = Math.max(1, spec.chunkRows ?? 100_000);
  const books = new TimeCursor(openBookSource(spec.books, { ...window, seq: false }), sliceBook);
  const trades = new TimeCursor(openTradeSource(spec.trades, window), sliceTrades);
  const funding = spec.funding !== null && hasFunding(spec.funding) ? new TimeCursor(openFundingSource(spec.funding, window), sliceFunding) : null;
  const builder = new EventDataBuilder(spec.levels, spec.tickSize);
  const sb = new ScheduleBuilder(spec.engine);
  // created with the first chunk: the chart grid depends on when the data start (and, when the
  // first chunk is all of it, end)
  let core: BacktestStream | null = null;
  let splitter: SampleSplitter | null = null;
  const parts: { s: CalibratedSchedule; bookOffset: number }[] = [];
  const events = { books: 0, trades: 0, funding: 0 };
  let calibrateMs = 0;
  let first = true;
  let cells = 0;
  let startTs = NaN;
  let bookGaps = 0, prevBookTs = NaN;
  for (;;) {
    const t0 = await books.tsAt(0);
    let T = Infinity;
    if (t0 !== Infinity) {
      T = await books.tsAt(chunkRows);
      // more than a chunk of rows on one millisecond: take that whole millisecond
      if (T <= t0) T = t0 + 0.001;
    }
    for (const b of await books.takeBefore(T)) {
      builder.addBooks(b, "orderbook");
      // decoded batches are garbage once copied; a full collection every ~4M cells keeps the peak
      // RSS from depending on when the collector happens to run
      cells += b.length * b.levels;
      if (cells > GC_CELLS) {
        Bun.gc(true);
        cells = 0;
      }
    }
    for (const t of await trades.takeBefore(T)) builder.addTrades(t, "trades");
    if (funding) for (const f of await funding.takeBefore(T)) builder.addFunding(f, "funding");
    const d = builder.takeChunk();
    if (d.nBooks + d.nTrades + d.nFunding > 0) {
      if (first && d.nBooks > 0) {
        spec.onFirstChunk?.(d);
        first = false;
      }
      for (let i = 0; i < d.nBooks; i++) {
        const t = d.bookTs[i]!;
        if (t - prevBookTs > spec.params.gapMs) bookGaps++; // the loop's rule (strict), NaN at the first row
        prevBookTs = t;
      }
      const { firstTs: chunkFirst, lastTs: chunkLast } = eventSpan(d);
      if (Number.isNaN(startTs)) startTs = chunkFirst;
      checkEquitySamples(chunkLast - startTs, spec.params.sampleMs);
      const c0 = performance.now();
      const s = sb.feed(d);
      calibrateMs += performance.now() - c0;
      parts.push({ s, bookOffset: events.books });
      if (!core) {
        if (spec.chart) {
          const k = chartGrid(spec.params.sampleMs, chunkFirst, chunkLast, T === Infinity);
          const split = new SampleSplitter(k, spec.params.sampleMs, chunkFirst);
          splitter = split;
          core = new BacktestStream({ ...spec.params, sampleMs: spec.params.sampleMs / k }, (q, final) => split.take(q, final));
        } else {
          core = new BacktestStream(spec.params);
        }
      }
      core.step(d, s);
      events.books += d.nBooks;
      events.trades += d.nTrades;
      events.funding += d.nFunding;
      spec.onProgress?.(events.books, d.nBooks ? d.bookTs[d.nBooks - 1]! : NaN);
    }
    if (T === Infinity) break;
  }
  if (events.books === 0 || !core) {
    const nTrades = events.trades + builder.beforeFirstBook.trades;
    throw new DataError(nTrades > 0 ? `no order-book rows (found ${nTrades} trades): a mid price is needed to quote` : "no order-book rows and no trades in the selected data");
  }
  const result = core.finish();
  return {
    result,
    schedule: concatSchedules(parts),
    stats: builder.stats,
    events,
    beforeFirstBook: builder.beforeFirstBook,
    markets: builder.markets,
    bookGaps,
    lastBookTs: prevBookTs,
    unfittedCalibrations: sb.unfitted,
    kappaAtBoundCalibrations: sb.atBound,
    chunks: core.chunks,
    calibrateMs,
    maxChunkBytes: core.maxChunkBytes,
    chart: splitter ? { samples: splitter.chart(), stepMs: splitter.chartStepMs } : null,
  };
}
