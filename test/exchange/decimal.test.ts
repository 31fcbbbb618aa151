import { describe, expect, test } from "bun:test";
import { DecimalScale, decimalsOf, formatNumber } from "../../src/exchange/decimal.ts";
import { rng } from "../storage/helpers.ts"; // deterministic PRNG so failures reproduce


describe("DecimalScale", () => {
  test("random decimals round-trip exactly through steps, for many grids", () => {
    const r = rng(7);
    const steps = ["0.1", "0.01", "0.001", "1", "5", "0.5", "0.25", "0.00001", "0.000001", "10"];
    for (const stepText of steps) {
      const s = DecimalScale.fromStep(stepText);
      for (let i = 0; i < 2000; i++) {
        const n = Math.floor(r() * 1e12) * (r() < 0.2 ? -1 : 1);
        const text = s.format(n);
        expect(s.toSteps(text)).toBe(n);
        // the double is the one the decimal text denotes
        expect(s.toNumber(n)).toBe(Number(text));
        expect(s.stepsOfNumber(Number(text))).toBe(n);
        // trailing zeros and leading zeros do not matter
        const padded = text.includes(".") ? `${text}000` : `${text}.000`;
        expect(s.toSteps(padded)).toBe(n);
      }
    }
  });

  test("sums of deltas land exactly on zero (no float residue)", () => {
    const s = DecimalScale.fromStep("0.001");
    const r = rng(3);
    let total = 0;
    const parts: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const n = Math.floor(r() * 1e6);
      parts.push(s.format(n));
      total += s.toSteps(s.format(n))!;
    }
    for (const p of parts) total -= s.toSteps(p)!;
    expect(total).toBe(0);
    // the float way does not
    expect(0.1 + 0.2 - 0.3).not.toBe(0);
    const c = DecimalScale.fromStep("0.1");
    expect(c.toSteps("0.1")! + c.toSteps("0.2")! - c.toSteps("0.3")!).toBe(0);
  });

  test("parses the exchange's typical values", () => {
    const px = DecimalScale.fromStep("0.1");
    expect(px.toSteps("91234.5")).toBe(912345);
    expect(px.format(912345)).toBe("91234.5");
    expect(px.format(912340)).toBe("91234");
    expect(px.toNumber(912345)).toBe(91234.5);
    const half = DecimalScale.fromStep("0.50");
    expect(half.decimals).toBe(1);
    expect(half.stepUnits).toBe(5);
    expect(half.toSteps("3.5")).toBe(7);
    expect(half.toSteps("3.6")).toBeNull();
    expect(half.format(7)).toBe("3.5");
    const five = DecimalScale.fromStep("5");
    expect(five.toSteps("25")).toBe(5);
    expect(five.toSteps("26")).toBeNull();
    expect(DecimalScale.fromNumber(0.01).stepText).toBe("0.01");
    expect(DecimalScale.ofDecimals(3).toSteps("-0.002")).toBe(-2);
    expect(DecimalScale.ofDecimals(3).format(-2)).toBe("-0.002");
    expect(DecimalScale.ofDecimals(3).toSteps("-0")).toBe(0);
    expect(Object.is(DecimalScale.ofDecimals(3).toSteps("-0.000"), 0)).toBe(true);
  });

  test("rejects malformed, off-grid and oversized values with a reason", () => {
    const s = DecimalScale.fromStep("0.01");
    for (const bad of ["", "-", "1.", ".5", "1e5", "+1", " 1", "1 ", "0x10", "1,5", "NaN", "Infinity", "1.2.3", "--1"]) {
      expect(s.toSteps(bad)).toBeNull();
      expect(s.explain(bad)).toContain("not a decimal");
    }
    expect(s.toSteps("1.234")).toBeNull();
    expect(s.explain("1.234")).toContain("finer than the step 0.01");
    expect(s.toSteps("99999999999999999")).toBeNull();
    expect(s.explain("99999999999999999")).toContain("2^53");
    expect(DecimalScale.fromStep("0.5").explain("0.3")).toContain("not a multiple of the step 0.5");
    expect(() => s.toStepsOrThrow("abc", "bid price")).toThrow(/bid price: "abc" is not a decimal/);
    for (const bad of ["0", "-1", "abc", "", "0.000"]) expect(() => DecimalScale.fromStep(bad)).toThrow(/step/);
    expect(() => DecimalScale.fromNumber(Number.NaN)).toThrow(/positive finite/);
  });
});

describe("formatNumber / decimalsOf", () => {
  test("never uses exponent form and reads back to the same double", () => {
    const r = rng(11);
    for (let i = 0; i < 5000; i++) {
      const x = (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
      const s = formatNumber(x);
      expect(s).not.toMatch(/e/i);
      expect(Number(s)).toBe(x);
    }
    expect(formatNumber(1e-7)).toBe("0.0000001");
    expect(formatNumber(1.5e-7)).toBe("0.00000015");
    expect(formatNumber(1e21)).toBe("1000000000000000000000");
    expect(formatNumber(-2.5e-8)).toBe("-0.000000025");
    expect(decimalsOf(1e-7)).toBe(7);
    expect(decimalsOf(91234.5)).toBe(1);
    expect(decimalsOf(3)).toBe(0);
    expect(() => formatNumber(Number.NaN)).toThrow();
  });
});
