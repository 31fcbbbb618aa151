/**
 * Host side of the WASM backtest loop. `prepare(data)` copies the event data into a private core
 * instance once; `run(schedule, params)` then simulates as often as needed (a sweep pays the copy
 * once). Results are copied out, so they stay valid when the core's memory grows.
 */
import { eventSpan, type EventData, type PreallocatedArrays } from "./data.ts";
import {
  F, Q, R, S, S_COUNT, F_COLS, Q_COLS, R_COLS, collectResult, fillCapacity, sampleCapacity, type RunResult,
} from "./layout.ts";
import { encodeParams, FillModel, PARAM_KEYS, type RunParams } from "./params.ts";
import type { Schedule } from "./schedule.ts";
import { privateCore, type CoreExports } from "../core/wasm.ts";

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
    const { firstTs, lastTs } = eventSpan(d);
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

type Cols = Record<string, Float64Array>;

/**
 * A streamed run: the data arrive in time-cut chunks (every event before T in one chunk, none
 * after), each copied into a reused region of core memory, simulated, and its outputs collected.
 * Memory is bounded by the largest chunk, not the data span. Same results as `BacktestCore.run`
 * on the whole data (test/backtest/stream.test.ts).
 */
export class BacktestStream {
  private readonly c: CoreExports = privateCore();
  private arena = { ptr: 0, cap: 0 };
  private out = { ptr: 0, cap: 0 };
  private readonly params: number;
  private readonly scalars: number;
  private readonly fills: Cols[] = [];
  private readonly samples: Cols[] = [];
  private readonly rows: Cols[] = [];
  private lastTs = NaN;
  coreMs = 0;
  chunks = 0;
  maxChunkBytes = 0;

  /**
   * @param filterSamples receives each chunk's equity samples (and, with `final`, the sample after
   *   the close) and returns the ones the result keeps — e.g. the metrics grid out of a finer
   *   grid sampled for charts (src/backtest/chart_grid.ts). Default: keep all.
   */
  constructor(private readonly p: RunParams, private readonly filterSamples?: (s: RunResult["samples"], final: boolean) => RunResult["samples"]) {
    this.c.reset();
    this.params = this.c.alloc(PARAM_KEYS.length * 8);
    this.scalars = this.c.alloc(S_COUNT * 8);
    encodeParams(p, new Float64Array(this.c.memory.buffer, this.params, PARAM_KEYS.length));
    this.c.btBegin(this.params);
  }

  private region(r: { ptr: number; cap: number }, bytes: number): number {
    if (bytes > r.cap) {
      r.cap = Math.ceil(Math.max(bytes, r.cap * 1.5) / 8) * 8 + 64;
      r.ptr = this.c.alloc(r.cap);
    }
    return r.ptr;
  }

  /** Simulates one chunk. `sched` indices are relative to the chunk's book rows. */
  step(d: EventData, sched: Schedule): void {
    const nB = d.nBooks, m = nB * d.levels, nT = d.nTrades, nF = d.nFunding, nS = sched.n;
    const sizes = [8 * nB, 8 * nB, 8 * nB, 4 * m, 4 * m, 4 * m, 4 * m, 8 * nT, 8 * nT, 8 * nT, nT, 8 * nF, 8 * nF, 4 * nS, 8 * nS, 8 * nS, 8 * nS];
    const al = (x: number) => Math.ceil(x / 8) * 8;
    const bytes = sizes.reduce((a, x) => a + al(x), 0);
    this.maxChunkBytes = Math.max(this.maxChunkBytes, bytes);
    const queue = this.p.fillModel === FillModel.queue;
    const fillCap = fillCapacity(nT, nB, queue, true);
    const { firstTs: first, lastTs: last } = eventSpan(d);
    if (!Number.isFinite(first)) return; // empty chunk
    const from = Number.isNaN(this.lastTs) ? first : this.lastTs;
    const sampleCap = sampleCapacity(from, last, this.p.sampleMs);
    this.lastTs = last;
    const outBytes = (F_COLS * fillCap + Q_COLS * sampleCap + R_COLS * Math.max(nS, 1)) * 8 + 64;
    // allocate both regions before taking any view (alloc may grow memory and detach views)
    let base = this.region(this.arena, bytes);
    const outBase = this.region(this.out, outBytes);
    const buf = this.c.memory.buffer;
    const ptr: number[] = [];
    for (const x of sizes) {
      ptr.push(base);
      base += al(x);
    }
    const put = (i: number, a: Float64Array | Float32Array | Int32Array | Int8Array) =>
      new Uint8Array(buf, ptr[i]!, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    put(0, d.bookTs); put(1, d.bestBid); put(2, d.bestAsk);
    put(3, d.bidTk); put(4, d.bidQ); put(5, d.askTk); put(6, d.askQ);
    put(7, d.tradeTs); put(8, d.tradePx); put(9, d.tradeQty); put(10, d.tradeSide);
    put(11, d.fundingTs); put(12, d.fundingRate);
    new Int32Array(buf, ptr[13]!, nS).set(sched.bookIndex.subarray(0, nS));
    new Float64Array(buf, ptr[14]!, nS).set(sched.sigma.subarray(0, nS));
    new Float64Array(buf, ptr[15]!, nS).set(sched.kappaBid.subarray(0, nS));
    new Float64Array(buf, ptr[16]!, nS).set(sched.kappaAsk.subarray(0, nS));
    const c = this.c;
    c.btSetData(nB, d.levels, ptr[0]!, ptr[1]!, ptr[2]!, ptr[3]!, ptr[4]!, ptr[5]!, ptr[6]!, nT, ptr[7]!, ptr[8]!, ptr[9]!, ptr[10]!, nF, ptr[11]!, ptr[12]!);
    c.btSetSchedule(nS, ptr[13]!, ptr[14]!, ptr[15]!, ptr[16]!);
    const pF = outBase, pQ = pF + F_COLS * fillCap * 8, pR = pQ + Q_COLS * sampleCap * 8;
    c.btSetOutputs(pF, fillCap, pQ, sampleCap, pR, Math.max(nS, 1));
    const t0 = performance.now();
    c.btStep();
    this.coreMs += performance.now() - t0;
    this.chunks++;
    this.collect(pF, fillCap, pQ, sampleCap, pR, Math.max(nS, 1));
    this.tradeOffset += nT;
  }

  /** Trades of earlier chunks: fills.trade holds global trade indices, as in a one-pass run. */
  private tradeOffset = 0;

  private collect(pF: number, fillCap: number, pQ: number, sampleCap: number, pR: number, rowCap: number): void {
    this.c.btCounts(this.scalars); // this step's nFills / nSamples / nRows / overflow
    const buf = this.c.memory.buffer;
    const res = collectResult({
      scalars: new Float64Array(buf, this.scalars, S_COUNT),
      fills: new Float64Array(buf, pF, F_COLS * fillCap), fillCap,
      samples: new Float64Array(buf, pQ, Q_COLS * sampleCap), sampleCap,
      rows: new Float64Array(buf, pR, R_COLS * rowCap), rowCap,
    });
    if (res.scalars[S.overflow]) throw new Error("internal: output overflow in a streamed chunk");
    const tr = res.fills.trade;
    for (let i = 0; i < tr.length; i++) if (tr[i]! >= 0) tr[i] = tr[i]! + this.tradeOffset;
    this.fills.push(res.fills as unknown as Cols);
    this.samples.push((this.filterSamples ? this.filterSamples(res.samples, false) : res.samples) as unknown as Cols);
    this.rows.push(res.rows as unknown as Cols);
  }

  /** Closes the run (closing trade, final sample) and returns all outputs, like `BacktestCore.run`. */
  finish(): RunResult & { coreMs: number } {
    const pF = this.region(this.out, (F_COLS + Q_COLS) * 8 + 64);
    const pQ = pF + F_COLS * 8;
    this.c.btSetOutputs(pF, 1, pQ, 1, pQ, 0);
    this.c.btEnd(this.scalars);
    const buf = this.c.memory.buffer;
    const sc = new Float64Array(buf, this.scalars, S_COUNT).slice();
    const tail = collectResult({
      scalars: sc,
      fills: new Float64Array(buf, pF, F_COLS), fillCap: 1,
      samples: new Float64Array(buf, pQ, Q_COLS), sampleCap: 1,
      rows: new Float64Array(0), rowCap: 0,
    });
    this.fills.push(tail.fills as unknown as Cols);
    this.samples.push((this.filterSamples ? this.filterSamples(tail.samples, true) : tail.samples) as unknown as Cols);
    const cat = (parts: Cols[], keys: Record<string, number>) => {
      const o: Cols = {};
      for (const k of Object.keys(keys)) {
        const n = parts.reduce((a, p) => a + p[k]!.length, 0);
        const arr = new Float64Array(n);
        let off = 0;
        for (const p of parts) {
          arr.set(p[k]!, off);
          off += p[k]!.length;
        }
        o[k] = arr;
      }
      return o;
    };
    const fills = cat(this.fills, F) as RunResult["fills"];
    const samples = cat(this.samples, Q) as RunResult["samples"];
    const rows = cat(this.rows, R) as RunResult["rows"];
    sc[S.nFills] = fills.ts.length;
    sc[S.nSamples] = samples.ts.length;
    sc[S.nRows] = rows.mid.length;
    return { scalars: sc, fills, samples, rows, coreMs: this.coreMs };
  }
}
