/**
 * Exact integer units for decimal strings whose precision may exceed what market.json announced
 * (or when market.json is unavailable): units of 10^-k, with k raised on the fly when a finer
 * value arrives. Raising k multiplies every held integer by 10^Δ (the caller rescales its book),
 * so values stay exact instead of being rejected or rounded.
 */
import { DecimalScale, decimalsOfText, isDecimalText } from "../exchange/decimal.ts";

const MAX_DECIMALS = 9;

export class ExactScale {
  private scale: DecimalScale;

  constructor(
    public decimals: number,
    /** Called with the factor 10^Δ when the scale becomes finer. */
    private readonly onRescale: (factor: number) => void,
  ) {
    this.scale = DecimalScale.ofDecimals(decimals);
  }

  /** Integer units of `text`, or null when it is not a decimal within range. */
  units(text: unknown): number | null {
    if (typeof text !== "string") return null;
    const n = this.scale.toSteps(text);
    if (n !== null) return n;
    if (!isDecimalText(text)) return null;
    const need = decimalsOfText(text);
    if (need <= this.decimals || need > MAX_DECIMALS) return null; // out of range, not a precision issue
    const factor = 10 ** (need - this.decimals);
    this.decimals = need;
    this.scale = DecimalScale.ofDecimals(need);
    this.onRescale(factor);
    return this.scale.toSteps(text);
  }

  /** The double nearest to `units` (exact decimal → correctly rounded division). */
  toNumber(units: number): number {
    return this.scale.toNumber(units);
  }
}

/** Decimals of a step such as 0.01 or "0.5" (power-of-ten units that hold it exactly). */
export function decimalsOfStep(step: number | string | undefined, fallback: number): number {
  if (step === undefined) return fallback;
  try {
    const s = typeof step === "string" ? DecimalScale.fromStep(step) : DecimalScale.fromNumber(step);
    return s.decimals;
  } catch {
    return fallback;
  }
}
