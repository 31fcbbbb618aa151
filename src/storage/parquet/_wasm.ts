import { readFileSync } from "node:fs";
import * as pw from "parquet-wasm/esm";
// Embedded into the compiled binary by Bun; the only loading pattern that works without
// node_modules (docs/platform.md §2.1).
import wasmPath from "parquet-wasm/esm/parquet_wasm_bg.wasm" with { type: "file" };

let ready = false;

/** parquet-wasm, initialised on first use (100–200 ms), so commands without Parquet skip it. */
export function parquet(): typeof pw {
  if (!ready) {
    pw.initSync({ module: readFileSync(wasmPath) });
    ready = true;
  }
  return pw;
}
