import { readFileSync } from "node:fs";
// Built from wasm/assembly by `bun run build:wasm` (tests build it in test/preload.ts) and
// embedded into the compiled binary.
import corePath from "../../wasm/build/core.wasm" with { type: "file" };

/** Exports of the AssemblyScript core (wasm/assembly/index.ts). Pointers are byte offsets. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  reset(): void;
  bookFeatures(
    n: number,
    bidPx: number,
    bidQty: number,
    askPx: number,
    askQty: number,
    outMid: number,
    outSpread: number,
    outMicro: number,
  ): void;
  // backtest loop (wasm/assembly/loop.ts and market.ts; host side in src/sim/core.ts)
  btSetData(
    nBooks: number, levels: number, bookTs: number, bestBid: number, bestAsk: number,
    bidTk: number, bidQ: number, askTk: number, askQ: number,
    nTrades: number, trTs: number, trPx: number, trQty: number, trSide: number,
    nFunding: number, fTs: number, fRate: number,
  ): void;
  btRun(
    params: number, nSched: number, sBook: number, sSigma: number, sKb: number, sKa: number,
    fills: number, fillCap: number, samples: number, sampleCap: number, rows: number, rowCap: number, scalars: number,
  ): void;
  // streamed runs: btBegin, then per chunk btSetData + btSetSchedule + btSetOutputs + btStep, then btEnd
  btBegin(params: number): void;
  btSetSchedule(nSched: number, sBook: number, sSigma: number, sKb: number, sKa: number): void;
  btSetOutputs(fills: number, fillCap: number, samples: number, sampleCap: number, rows: number, rowCap: number): void;
  btStep(): void;
  btEnd(scalars: number): void;
  /** Writes the current step's output counts (nFills, nSamples, nRows, overflow) into a scalar block. */
  btCounts(scalars: number): void;
  // AS quote (wasm/assembly/quote.ts); results in the q* globals
  setQuoteParams(
    mode: number, rag: number, gmin: number, gmax: number, T: number, maxInv: number, tick: number, shiftTicks: number,
    minBps: number, maxBps: number, makerBps: number, vmin: number, vmax: number,
  ): void;
  computeQuote(mid: number, inventory: number, sigma: number, kappaBid: number, kappaAsk: number): number;
  qBid: WebAssembly.Global;
  qAsk: WebAssembly.Global;
  qBidTk: WebAssembly.Global;
  qAskTk: WebAssembly.Global;
  qGamma: WebAssembly.Global;
  qSpread: WebAssembly.Global;
  qReservation: WebAssembly.Global;
  /** GARCH screening pass, eight lanes (wasm/assembly/garch.ts; host src/core/garch_screen.ts). */
  garchScreen8(r: number, n: number, iv: number, init: number, par: number, out: number): void;
  [kernel: string]: unknown;
}

let instance: CoreExports | undefined;
let compiled: WebAssembly.Module | undefined;

function instantiate(): CoreExports {
  compiled ??= new WebAssembly.Module(readFileSync(corePath));
  const abort = (_msg: number, _file: number, line: number, col: number) => {
    throw new Error(`wasm core aborted at ${line}:${col}`);
  };
  return new WebAssembly.Instance(compiled, { env: { abort, seed: () => 0 } }).exports as unknown as CoreExports;
}

/** The core, instantiated once per process (about a millisecond). */
export function core(): CoreExports {
  instance ??= instantiate();
  return instance;
}

/**
 * A private instance of the core with its own memory, for data that must outlive other kernels'
 * Arena resets (the backtest keeps a whole data set resident across the runs of a sweep).
 */
export function privateCore(): CoreExports {
  return instantiate();
}

/**
 * A scratch arena in core memory for one kernel call: copies inputs in, allocates outputs, and
 * hands back fresh views (memory.grow detaches old views, so views are taken after all allocs).
 */
export class Arena {
  readonly c = core();
  constructor() {
    this.c.reset();
  }
  f64(n: number): number {
    return this.c.alloc(Math.max(n, 1) * 8);
  }
  copyF64(src: Float64Array): number {
    const ptr = this.f64(src.length);
    new Float64Array(this.c.memory.buffer, ptr, src.length).set(src);
    return ptr;
  }
  viewF64(ptr: number, n: number): Float64Array {
    return new Float64Array(this.c.memory.buffer, ptr, n);
  }
}
