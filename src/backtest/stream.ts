/**
 * Streamed backtest over the event stream's time chunks (storage/events.ts: processing the chunks
 * in order is exactly the one-pass merge). Each chunk is validated (EventDataBuilder, checks carry across chunks),
 * calibrated (ScheduleBuilder, engine carries across chunks) and simulated (BacktestStream, loop
 * state carries across chunks). Memory is bounded by the chunk size, not by the span of the data.
 */
import { ConfigError, DataError } from "../errors.ts";
import type { EngineOptions } from "../model/engine.ts";
import { BacktestStream } from "../sim/core.ts";
import { openEvents, type EventSpec } from "../storage/events.ts";
import type { SkippedPart } from "../storage/sources.ts";
import { addChunk } from "./load.ts";
import { concatSchedules, ScheduleBuilder, type CalibratedSchedule } from "./calibrate.ts";
import { chartGrid, SampleSplitter, type SampleCols } from "./chart_grid.ts";
import { EventDataBuilder, eventSpan, type BuildStats, type EventData } from "../sim/data.ts";
import type { RunResult } from "../sim/layout.ts";
import type { RunParams } from "../sim/params.ts";

export interface StreamSpec extends Omit<EventSpec, "levels"> {
  /** Levels per side kept for the queue model (0 = none; every level is read for the far prices). */
  levels: number;
  tickSize: number;
  engine: EngineOptions;
  params: RunParams;
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
  /** Unreadable parts read past (spec.skipBadParts). */
  skippedParts: SkippedPart[];
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
  const builder = new EventDataBuilder(spec.levels, spec.tickSize);
  // the GARCH fits run on a worker while this thread ingests and fits intensities
  const sb = new ScheduleBuilder(spec.engine, { parallel: true });
  try {
    return await stream_(spec, builder, sb);
  } finally {
    sb.close();
  }
}

async function stream_(spec: StreamSpec, builder: EventDataBuilder, sb: ScheduleBuilder): Promise<StreamedRun> {
  // created with the first chunk: the chart grid depends on when the data start (and, when the
  // first chunk is all of it, end)
  let core: BacktestStream | null = null;
  let splitter: SampleSplitter | null = null;
  const parts: { s: CalibratedSchedule; bookOffset: number }[] = [];
  const events = { books: 0, trades: 0, funding: 0 };
  let calibrateMs = 0;
  let first = true;
  const gc = { cells: 0 };
  let startTs = NaN;
  let bookGaps = 0, prevBookTs = NaN;
  const stream = openEvents({ ...spec, levels: undefined });
  for await (const chunk of stream) {
    addChunk(builder, chunk, gc);
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
      const s = await sb.feedAsync(d);
      calibrateMs += performance.now() - c0;
      parts.push({ s, bookOffset: events.books });
      if (!core) {
        if (spec.chart) {
          const k = chartGrid(spec.params.sampleMs, chunkFirst, chunkLast, chunk.last);
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
    skippedParts: stream.skipped(),
  };
}
