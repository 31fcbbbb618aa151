import { DataError } from "../errors.ts";

/**
 * Exact decimal ↔ integer conversion for prices and sizes. The exchange sends decimal strings
 * ("91234.5", "0.00120"); parsing them as doubles and adding signed deltas leaves residues
 * (0.3 - 0.1 - 0.2 ≠ 0) that become ghost levels. Instead each value is held as an integer count
 * of a step (tick size for prices, size step for sizes), parsed digit by digit from the text, so
 * adding and removing the same size always lands on exactly 0.
 *
 * Counts are plain numbers (safe integers, |n| ≤ 2^53 − 1): typed arrays can hold them and no
 * BigInt is allocated per level. Values beyond that range are rejected, never rounded.
 */

const MAX = Number.MAX_SAFE_INTEGER;
/** 10^k as exact doubles for k ≤ 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** A grid of `step` = `stepUnits` · 10^−`decimals`, e.g. tick "0.5" = 5 · 10^−1. */
export class DecimalScale {
  private constructor(
    /** Digits after the decimal point of one unit (the step's own decimals). */
    readonly decimals: number,
    /** The step in units of 10^−decimals (a positive integer). */
    readonly stepUnits: number,
  ) {}

  /** The step as exact text, e.g. "0.1". */
  get stepText(): string {
    return unitsToText(this.stepUnits, this.decimals);
  }

  /** The step as the nearest double. */
  get step(): number {
    return this.stepUnits / POW10[this.decimals];
  }

  /**
   * Grid of a tick size / size step given as the exchange's decimal text (`minPriceChange`,
   * `minOrderSizeChange`): "0.1", "0.001", "1", "5", "0.25". Throws DataError if it is not a
   * positive decimal with at most 22 decimals.
   */
  static fromStep(step: string): DecimalScale {
    const p = parseDecimalText(step);
    if (p === null || p.neg || p.units === 0 || p.decimals > 22) {
      throw new DataError(`step ${JSON.stringify(truncate(step))}: expected a positive decimal string such as "0.1"`);
    }
    // Normalize "0.10" → 1·10^-1 so equal steps compare equal.
    let { units, decimals } = p;
    while (decimals > 0 && units % 10 === 0) {
      units /= 10;
      decimals--;
    }
    return new DecimalScale(decimals, units);
  }

  /** Grid of a step given as a double (config `tick_size`), through its shortest decimal text. */
  static fromNumber(step: number): DecimalScale {
    if (!(Number.isFinite(step) && step > 0)) throw new DataError(`step ${step}: expected a positive finite number`);
    return DecimalScale.fromStep(formatNumber(step));
  }

  /** Grid of 10^−k, for data whose step is unknown but whose decimals are (k = 0..22). */
  static ofDecimals(k: number): DecimalScale {
    if (!(Number.isInteger(k) && k >= 0 && k <= 22)) throw new DataError(`decimals ${k}: expected an integer 0..22`);
    return new DecimalScale(k, 1);
  }

  /**
   * Integer count of steps of a decimal string (signed), or null when the text is not a plain
   * decimal, is not a whole number of steps, or the count exceeds 2^53 − 1. Hot path: no
   * allocation on success.
   */
  toSteps(text: string): number | null {
    const k = this.decimals;
    const n = text.length;
    let i = 0;
    let neg = false;
    if (n === 0) return null;
    if (text.charCodeAt(0) === 45 /* - */) {
      neg = true;
      i = 1;
    }
    let units = 0;
    let intDigits = 0;
    for (; i < n; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      units = units * 10 + d;
      intDigits++;
    }
    if (intDigits === 0) return null;
    let frac = 0;
    if (i < n) {
      if (text.charCodeAt(i) !== 46 /* . */ || i === n - 1) return null;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return null;
        if (frac < k) {
          units = units * 10 + d;
          frac++;
        } else if (d !== 0) {
          return null; // finer than the grid
        }
      }
    }
    for (; frac < k; frac++) units *= 10;
    if (units > MAX) return null;
    const step = this.stepUnits;
    if (step !== 1) {
      if (units % step !== 0) return null;
      units /= step;
    }
    return units === 0 ? 0 : neg ? -units : units;
  }

  /** Like toSteps but throws a one-line DataError naming `what` and the reason. */
  toStepsOrThrow(text: string, what = "value"): number {
    const n = this.toSteps(text);
    if (n === null) throw new DataError(`${what}: ${this.explain(text)}`);
    return n;
  }

  /** Why `toSteps(text)` is null (for a log line); "ok" when it is not. */
  explain(text: string): string {
    const shown = JSON.stringify(truncate(text));
    const p = parseDecimalText(text);
    if (p === null) return `${shown} is not a decimal number`;
    if (this.toSteps(text) !== null) return "ok";
    if (p.decimals > this.decimals) {
      const extra = p.units % POW10[Math.min(22, p.decimals - this.decimals)];
      if (extra !== 0) return `${shown} is finer than the step ${this.stepText}`;
    }
    const x = Number(text);
    if (Math.abs(x) / this.step > MAX) return `${shown} exceeds 2^53 steps of ${this.stepText}`;
    return `${shown} is not a multiple of the step ${this.stepText}`;
  }

  /** Exact decimal text of `n` steps, without exponent or trailing zeros ("91234.5", "-0.002"). */
  format(n: number): string {
    return unitsToText(n * this.stepUnits, this.decimals);
  }

  /** The double nearest to `n` steps — the same double `Number(format(n))` gives. */
  toNumber(n: number): number {
    // n·stepUnits is an exact integer (< 2^53) and 10^k an exact double, so one correctly rounded
    // division yields the double nearest to the decimal value.
    return this.decimals === 0 ? n * this.stepUnits : (n * this.stepUnits) / POW10[this.decimals];
  }

  /**
   * Steps of a double read from storage (e.g. a Float64 price), or null when it is not within
   * float error of a grid point. Goes through the shortest decimal text, which is exact for every
   * double that came from a decimal with ≤ 15 significant digits.
   */
  stepsOfNumber(x: number): number | null {
    if (!Number.isFinite(x)) return null;
    return this.toSteps(formatNumber(x));
  }
}

interface ParsedDecimal {
  neg: boolean;
  /** All digits as one integer (may be inexact beyond 2^53; only used for diagnostics/steps). */
  units: number;
  decimals: number;
}

/** Strict decimal syntax the exchange uses: `-?digits(.digits)?`. */
const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?$/;

function parseDecimalText(text: string): ParsedDecimal | null {
  const m = DECIMAL_RE.exec(text);
  if (!m) return null;
  const frac = m[3] ?? "";
  return { neg: m[1] === "-", units: Number(m[2] + frac), decimals: frac.length };
}

/** True when `text` is a plain decimal (`-?digits(.digits)?`). */
export function isDecimalText(text: unknown): text is string {
  return typeof text === "string" && text.length <= 64 && DECIMAL_RE.test(text);
}

/** Sign of a plain decimal text: -1, 0 or 1 (text must satisfy isDecimalText). */
export function decimalSign(text: string): -1 | 0 | 1 {
  const zero = /^-?0*(?:\.0*)?$/.test(text);
  if (zero) return 0;
  return text.charCodeAt(0) === 45 ? -1 : 1;
}

/** Digits after the point in a plain decimal text ("1.50" → 2, "7" → 0). */
export function decimalsOfText(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Fewest decimals that represent the double `x` exactly in its shortest text (1e-7 → 7). */
export function decimalsOf(x: number): number {
  const s = formatNumber(x);
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

/**
 * Shortest decimal text that reads back as `x`, never in exponent form (JavaScript's
 * `String(1e-7)` is "1e-7", which the exchange never sends). Throws for NaN/Infinity.
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) throw new DataError(`cannot format ${x} as a decimal`);
  const s = String(x);
  const e = s.indexOf("e");
  if (e < 0) return s;
  const neg = s[0] === "-";
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf(".");
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const pointAt = (dot < 0 ? mant.length : dot) + exp; // position of the point in `digits`
  let out: string;
  if (pointAt <= 0) out = `0.${"0".repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + "0".repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return neg ? `-${out}` : out;
}

function unitsToText(units: number, decimals: number): string {
  const neg = units < 0;
  let s = String(neg ? -units : units);
  if (decimals > 0) {
    if (s.length <= decimals) s = "0".repeat(decimals - s.length + 1) + s;
    const cut = s.length - decimals;
    let frac = s.slice(cut);
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
    frac = frac.slice(0, end);
    s = frac ? `${s.slice(0, cut)}.${frac}` : s.slice(0, cut);
  }
  return neg && s !== "0" ? `-${s}` : s;
}

/** First 40 characters, for error messages that must stay one short line. */
export function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
