/**
 * Host side of the WASM backtest loop. `prepare(data)` copies the event data into a private core
 * instance once; `run(schedule, params)` then simulates as often as needed (a sweep pays the copy
 * once). Results are copied out, so they stay valid when the core's memory grows.
 */
import type { EventData, PreallocatedArrays } from "../backtest/data.ts";
import {
  S, S_COUNT, F_COLS, Q_COLS, R_COLS, collectResult, fillCapacity, sampleCapacity, type RunResult,
} from "../backtest/layout.ts";
import { encodeParams, FillModel, PARAM_KEYS, type RunParams } from "../backtest/params.ts";
import type { Schedule } from "../backtest/schedule.ts";
import { privateCore, type CoreExports } from "./wasm.ts";

interface Ptrs {
  bookTs: number; bestBid: number; bestAsk: number; bidTk: number; bidQ: number; askTk: number; askQ: number;
  trTs: number; trPx: number; trQty: number; trSide: number; fTs: number; fRate: number;
}

export class BacktestCore {
  private readonly c: CoreExports = privateCore();
  private data: EventData | null = null;
  private ptrs: Ptrs | null = null;
  // run scratch, reused while big enough
  private scratch = { params: 0, sched: 0, schedCap: -1, fills: 0, fillCap: -1, samples: 0, sampleCap: -1, rows: 0, rowCap: -1, scalars: 0 };
  /** Bytes of core memory holding the data set. */
  dataBytes = 0;

  private allocCopy(src: Float64Array | Float32Array | Int32Array | Int8Array): number {
    const ptr = this.c.alloc(Math.max(src.byteLength, 8));
    new Uint8Array(this.c.memory.buffer, ptr, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    this.dataBytes += src.byteLength;
    return ptr;
  }

  /** Copies the data set into core memory (replacing any previous one). */
  prepare(d: EventData): void {
    this.c.reset();
    this.dataBytes = 0;
    this.scratch = { params: 0, sched: 0, schedCap: -1, fills: 0, fillCap: -1, samples: 0, sampleCap: -1, rows: 0, rowCap: -1, scalars: 0 };
    const p: Ptrs = {
      bookTs: this.allocCopy(d.bookTs), bestBid: this.allocCopy(d.bestBid), bestAsk: this.allocCopy(d.bestAsk),
      bidTk: this.allocCopy(d.bidTk), bidQ: this.allocCopy(d.bidQ), askTk: this.allocCopy(d.askTk), askQ: this.allocCopy(d.askQ),
      trTs: this.allocCopy(d.tradeTs), trPx: this.allocCopy(d.tradePx), trQty: this.allocCopy(d.tradeQty),
      trSide: this.allocCopy(d.tradeSide), fTs: this.allocCopy(d.fundingTs), fRate: this.allocCopy(d.fundingRate),
    };
    this.c.btSetData(
      d.nBooks, d.levels, p.bookTs, p.bestBid, p.bestAsk, p.bidTk, p.bidQ, p.askTk, p.askQ,
      d.nTrades, p.trTs, p.trPx, p.trQty, p.trSide, d.nFunding, p.fTs, p.fRate,
    );
    this.data = d;
    this.ptrs = p;
    this.farPtrs = null;
    this.scratch.params = this.c.alloc(PARAM_KEYS.length * 8);
    this.scratch.scalars = this.c.alloc(S_COUNT * 8);
  }

  /**
   * Allocates the book and trade arrays of a data set directly in core memory, for an
   * EventDataBuilder to fill in place; then `adopt(builder.build())` makes it the prepared data
   * without a copy (peak memory holds the data once). Funding rows are copied at adopt time.
   */
  allocate(nBooks: number, levels: number, nTrades: number): PreallocatedArrays {
    this.c.reset();
    this.dataBytes = 0;
    const m = nBooks * levels;
    const a = (bytes: number) => {
      this.dataBytes += bytes;
      return this.c.alloc(Math.max(bytes, 8));
    };
    const p = {
      bookTs: a(8 * nBooks), bestBid: a(8 * nBooks), bestAsk: a(8 * nBooks), farBid: a(8 * nBooks), farAsk: a(8 * nBooks),
      bidTk: a(4 * m), bidQ: a(4 * m), askTk: a(4 * m), askQ: a(4 * m),
      trTs: a(8 * nTrades), trPx: a(8 * nTrades), trQty: a(8 * nTrades), trSide: a(nTrades),
    };
    this.pending = p;
    const buf = this.c.memory.buffer;
    return {
      bookTs: new Float64Array(buf, p.bookTs, nBooks), bestBid: new Float64Array(buf, p.bestBid, nBooks), bestAsk: new Float64Array(buf, p.bestAsk, nBooks),
      farBid: new Float64Array(buf, p.farBid, nBooks), farAsk: new Float64Array(buf, p.farAsk, nBooks),
      bidTk: new Int32Array(buf, p.bidTk, m), bidQ: new Float32Array(buf, p.bidQ, m), askTk: new Int32Array(buf, p.askTk, m), askQ: new Float32Array(buf, p.askQ, m),
      tradeTs: new Float64Array(buf, p.trTs, nTrades), tradePx: new Float64Array(buf, p.trPx, nTrades), tradeQty: new Float64Array(buf, p.trQty, nTrades), tradeSide: new Int8Array(buf, p.trSide, nTrades),
    };
  }

  private pending: Omit<Ptrs, "fTs" | "fRate"> & { farBid: number; farAsk: number } | null = null;

  /** Makes data built into `allocate()`d arrays the prepared data set (no copy of books/trades). */
  adopt(d: EventData): void {
    const q = this.pending;
    if (!q) throw new Error("BacktestCore: allocate() first");
    this.pending = null;
    const fTs = this.allocCopy(d.fundingTs), fRate = this.allocCopy(d.fundingRate);
    const p: Ptrs = { ...q, fTs, fRate };
    this.c.btSetData(d.nBooks, d.levels, p.bookTs, p.bestBid, p.bestAsk, p.bidTk, p.bidQ, p.askTk, p.askQ, d.nTrades, p.trTs, p.trPx, p.trQty, p.trSide, d.nFunding, p.fTs, p.fRate);
    this.ptrs = p;
    this.farPtrs = { farBid: q.farBid, farAsk: q.farAsk };
    this.data = { ...d };
    this.scratch = { params: this.c.alloc(PARAM_KEYS.length * 8), sched: 0, schedCap: -1, fills: 0, fillCap: -1, samples: 0, sampleCap: -1, rows: 0, rowCap: -1, scalars: this.c.alloc(S_COUNT * 8) };
    this.data = this.dataViews();
  }

  private farPtrs: { farBid: number; farAsk: number } | null = null;

  /**
   * The prepared data as views into core memory (no copy), e.g. for the TS reference after the
   * caller dropped its own arrays. Views detach if the memory grows: take them right before use.
   */
  dataViews(): EventData {
    const d = this.data, p = this.ptrs;
    if (!d || !p) throw new Error("BacktestCore: prepare() first");
    const buf = this.c.memory.buffer;
    const m = d.nBooks * d.levels;
    const far = this.farPtrs;
    return {
      ...d,
      ...(far ? { farBid: new Float64Array(buf, far.farBid, d.nBooks), farAsk: new Float64Array(buf, far.farAsk, d.nBooks) } : {}),
      bookTs: new Float64Array(buf, p.bookTs, d.nBooks), bestBid: new Float64Array(buf, p.bestBid, d.nBooks),
      bestAsk: new Float64Array(buf, p.bestAsk, d.nBooks), bidTk: new Int32Array(buf, p.bidTk, m), bidQ: new Float32Array(buf, p.bidQ, m),
      askTk: new Int32Array(buf, p.askTk, m), askQ: new Float32Array(buf, p.askQ, m),
      tradeTs: new Float64Array(buf, p.trTs, d.nTrades), tradePx: new Float64Array(buf, p.trPx, d.nTrades),
      tradeQty: new Float64Array(buf, p.trQty, d.nTrades), tradeSide: new Int8Array(buf, p.trSide, d.nTrades),
      fundingTs: new Float64Array(buf, p.fTs, d.nFunding), fundingRate: new Float64Array(buf, p.fRate, d.nFunding),
    };
  }

  private ensure(kind: "sched" | "fills" | "samples" | "rows", cap: number, bytesPer: number): number {
    const s = this.scratch;
    const capKey = (kind === "sched" ? "schedCap" : kind === "fills" ? "fillCap" : kind === "samples" ? "sampleCap" : "rowCap") as "schedCap";
    if (s[capKey] < cap) {
      s[kind] = this.c.alloc(Math.max(cap, 1) * bytesPer);
      s[capKey] = cap;
    }
    return s[kind];
  }

  /** One simulation. Core time only (no copies) is reported in `coreMs`. */
  run(schedule: Schedule, params: RunParams): RunResult & { coreMs: number } {
    const d = this.data;
    if (!d) throw new Error("BacktestCore: prepare() first");
    const queue = params.fillModel === FillModel.queue;
    let out = this.runWith(schedule, params, fillCapacity(d.nTrades, d.nBooks, queue));
    if (out.scalars[S.overflow]) out = this.runWith(schedule, params, fillCapacity(d.nTrades, d.nBooks, queue, true));
    return out;
  }

  private runWith(schedule: Schedule, params: RunParams, fillCap: number): RunResult & { coreMs: number } {
    const d = this.data!;
    const c = this.c;
    const views = this.dataViews();
    const firstTs = Math.min(d.nBooks ? views.bookTs[0]! : Infinity, d.nTrades ? views.tradeTs[0]! : Infinity, d.nFunding ? views.fundingTs[0]! : Infinity);
    const lastTs = Math.max(d.nBooks ? views.bookTs[d.nBooks - 1]! : -Infinity, d.nTrades ? views.tradeTs[d.nTrades - 1]! : -Infinity, d.nFunding ? views.fundingTs[d.nFunding - 1]! : -Infinity);
    const sampleCap = sampleCapacity(firstTs, lastTs, params.sampleMs);
    const rowCap = schedule.n;
    // allocate everything first (alloc may grow memory and detach views), then write
    const sched = this.ensure("sched", schedule.n + 1, 32);
    const fills = this.ensure("fills", fillCap, F_COLS * 8);
    const samples = this.ensure("samples", sampleCap, Q_COLS * 8);
    const rows = this.ensure("rows", rowCap, R_COLS * 8);
    const buf = c.memory.buffer;
    const n = schedule.n;
    const sBook = sched, sSigma = sched + 4 * n + ((4 * n) % 8), sKb = sSigma + 8 * n, sKa = sKb + 8 * n;
    new Int32Array(buf, sBook, n).set(schedule.bookIndex);
    new Float64Array(buf, sSigma, n).set(schedule.sigma);
    new Float64Array(buf, sKb, n).set(schedule.kappaBid);
    new Float64Array(buf, sKa, n).set(schedule.kappaAsk);
    encodeParams(params, new Float64Array(buf, this.scratch.params, PARAM_KEYS.length));
    const t0 = performance.now();
    c.btRun(this.scratch.params, n, sBook, sSigma, sKb, sKa, fills, fillCap, samples, sampleCap, rows, rowCap, this.scratch.scalars);
    const coreMs = performance.now() - t0;
    const b2 = c.memory.buffer;
    const res = collectResult({
      scalars: new Float64Array(b2, this.scratch.scalars, S_COUNT),
      fills: new Float64Array(b2, fills, F_COLS * Math.max(fillCap, 1)), fillCap,
      samples: new Float64Array(b2, samples, Q_COLS * Math.max(sampleCap, 1)), sampleCap,
      rows: new Float64Array(b2, rows, R_COLS * Math.max(rowCap, 1)), rowCap,
    });
    return { ...res, coreMs };
  }
}
