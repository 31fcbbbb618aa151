import { expect } from "bun:test";
import { F, S, type RunResult } from "../../src/sim/layout.ts";

/** Same fills (count, time, side, price, size) and equity to 1e-12; every output column compared. */
export function expectSame(a: RunResult, b: RunResult): void {
  expect(a.fills.ts.length).toBe(b.fills.ts.length);
  expect(Array.from(a.fills.ts)).toEqual(Array.from(b.fills.ts));
  expect(Array.from(a.fills.side)).toEqual(Array.from(b.fills.side));
  expect(Array.from(a.fills.price)).toEqual(Array.from(b.fills.price));
  expect(Array.from(a.fills.trade)).toEqual(Array.from(b.fills.trade));
  expect(Array.from(a.fills.size)).toEqual(Array.from(b.fills.size)); // in practice bit-identical
  for (const k of Object.keys(F) as (keyof typeof F)[]) {
    const x = a.fills[k], y = b.fills[k];
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(x[i]!)));
  }
  expect(Math.abs(a.scalars[S.finalEquity]! - b.scalars[S.finalEquity]!)).toBeLessThanOrEqual(1e-12 * a.scalars[S.finalEquity]!);
  for (let i = 0; i < a.scalars.length; i++) expect(Math.abs(a.scalars[i]! - b.scalars[i]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a.scalars[i]!)));
  expect(a.samples.ts.length).toBe(b.samples.ts.length);
  for (const k of ["cash", "inventory", "mid"] as const) {
    for (let i = 0; i < a.samples[k].length; i++) expect(Math.abs(a.samples[k][i]! - b.samples[k][i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a.samples[k][i]!)));
  }
  expect(Array.from(a.rows.bid)).toEqual(Array.from(b.rows.bid));
  expect(Array.from(a.rows.ask)).toEqual(Array.from(b.rows.ask));
}

