/**
 * The GARCH screening pass in the WASM core (wasm/assembly/garch.ts): eight candidates per pass
 * in f64x2 lanes instead of the TypeScript pass's four scalar ones, with the same contract
 * (model/garch_batch.ts `GarchScreen`). The calibration engine sits below the core, so callers
 * hand this to it (`CalibrationEngine` options).
 *
 * Uses a private core instance: the returns stay resident across the passes of a fit while other
 * kernels reset their arenas.
 */
import { finishScreen, screenLaneParams, type GarchBatch, type GarchScreen } from "../model/garch_batch.ts";
import { privateCore, type CoreExports } from "./wasm.ts";

const LANES = 8;

export function wasmGarchScreen(): GarchScreen {
  let c: CoreExports | null = null;
  let cap = 0, rPtr = 0, parPtr = 0, outPtr = 0, n = 0;
  const out = new Float64Array(3 * LANES);
  return {
    lanes: LANES,
    load(r, from, to) {
      c ??= privateCore();
      n = to - from;
      if (n > cap) {
        c.reset();
        cap = Math.max(n, 2 * cap, 4096);
        parPtr = c.alloc(3 * LANES * 8);
        outPtr = c.alloc(3 * LANES * 8);
        rPtr = c.alloc(cap * 8);
      }
      const view = new Float64Array(c.memory.buffer, rPtr, n);
      if (r instanceof Float64Array) view.set(r.subarray(from, to));
      else for (let i = 0; i < n; i++) view[i] = r[from + i]!;
    },
    run(vbar: number, g: GarchBatch, xmax: number) {
      const p = screenLaneParams(vbar, g);
      if (!p || !c) return;
      new Float64Array(c.memory.buffer, parPtr, 3 * LANES).set(p);
      c.garchScreen8(rPtr, n, 1 / vbar, Math.max(vbar, 1e-12), parPtr, outPtr);
      out.set(new Float64Array(c.memory.buffer, outPtr, 3 * LANES));
      finishScreen(g, n, vbar, xmax, out.subarray(0, LANES), out.subarray(LANES, 2 * LANES), out.subarray(2 * LANES));
    },
  };
}
