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
  [kernel: string]: unknown;
}

let instance: CoreExports | undefined;

/** The core, instantiated once per process (about a millisecond). */
export function core(): CoreExports {
  if (!instance) {
    const mod = new WebAssembly.Module(readFileSync(corePath));
    const abort = (_msg: number, _file: number, line: number, col: number) => {
      throw new Error(`wasm core aborted at ${line}:${col}`);
    };
    instance = new WebAssembly.Instance(mod, { env: { abort, seed: () => 0 } }).exports as unknown as CoreExports;
  }
  return instance;
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
