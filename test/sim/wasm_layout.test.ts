// The core's P_*, S_*, F_*, Q_*, R_* offsets come from the TypeScript definition: the built
// generated/layout.ts is exactly what the generator makes of it now, and every index is used once.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { F, Q, R, S, S_COUNT } from "../../src/sim/layout.ts";
import { PARAM_KEYS } from "../../src/sim/params.ts";
import { wasmLayoutSource } from "../../src/sim/wasm_layout.ts";

const GENERATED = join(import.meta.dir, "../../wasm/assembly/generated/layout.ts");

describe("WASM layout generated from src/sim", () => {
  test("the core was built from the current definition", () => {
    expect(readFileSync(GENERATED, "utf8")).toBe(wasmLayoutSource());
  });

  test("each block's indices are 0…n−1, each once", () => {
    for (const keys of [S, F, Q, R]) {
      const idx: number[] = Object.values(keys as Record<string, number>).sort((a, b) => a - b);
      expect(idx).toEqual(idx.map((_, i) => i));
    }
    expect(S_COUNT).toBe(Object.keys(S).length);
    expect(new Set(PARAM_KEYS).size).toBe(PARAM_KEYS.length);
  });

  test("names: camelCase keys become prefixed SCREAMING_SNAKE constants", () => {
    const src = wasmLayoutSource();
    expect(src).toContain("export const P_ORDER_NOTIONAL: i32 = 1;");
    expect(src).toContain(`export const S_ANY_LIVE_TIME: i32 = ${S.anyLiveTime};`);
    expect(src).toContain(`export const F_TRADE: i32 = ${F.trade};`);
    expect(src.match(/^export const P_[A-Z_]+: i32/gm)!.length).toBe(PARAM_KEYS.length + 1); // + P_COUNT
  });
});
