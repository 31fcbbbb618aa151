/**
 * Sweep parameters: `key=a:b:n[:log]` (n points from a to b inclusive, linear or geometric) or
 * `key=v1,v2,...`, for any numeric config key. Every value is validated against the config schema
 * before any run starts, so a bad grid fails in one line instead of after an hour.
 */
import * as v from "valibot";
import { CONFIG_KEYS, ConfigSchema, type Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";

export interface SweepParam {
  key: string;
  values: number[];
  /** The text as given, for reports. */
  spec: string;
}

const MAX_POINTS = 10_000;

function num(text: string, spec: string): number {
  const x = Number(text);
  if (text.trim() === "" || !Number.isFinite(x)) throw new UsageError(`--param ${spec}: ${JSON.stringify(text)} is not a number`);
  return x;
}

/** Parses one `--param` value into its key and the list of values (pure; no schema check). */
export function parseParam(spec: string): SweepParam {
  const eq = spec.indexOf("=");
  if (eq <= 0) throw new UsageError(`--param ${JSON.stringify(spec)}: expected key=a:b:n[:log] or key=v1,v2,...`);
  const key = spec.slice(0, eq).trim();
  const body = spec.slice(eq + 1).trim();
  let values: number[];
  if (body.includes(":")) {
    const parts = body.split(":");
    const log = parts.length === 4 && parts[3] === "log";
    if (parts.length !== 3 && !log) throw new UsageError(`--param ${spec}: a range is a:b:n or a:b:n:log`);
    const a = num(parts[0], spec);
    const b = num(parts[1], spec);
    const n = num(parts[2], spec);
    if (!Number.isInteger(n) || n < 1 || n > MAX_POINTS) throw new UsageError(`--param ${spec}: the point count must be an integer 1..${MAX_POINTS}, got ${parts[2]}`);
    if (n === 1 && a !== b) throw new UsageError(`--param ${spec}: one point needs a = b`);
    if (log && !(a > 0 && b > 0)) throw new UsageError(`--param ${spec}: a log range needs a > 0 and b > 0`);
    values = rangeValues(a, b, n, log);
  } else {
    values = body.split(",").map((t) => num(t, spec));
  }
  if (new Set(values).size !== values.length) throw new UsageError(`--param ${spec}: repeated value`);
  return { key, values, spec };
}

/**
 * n points from a to b inclusive; the end points are exact, interior points are rounded to 12
 * significant digits so that exp/log and division noise (0.10000000000000002) does not reach the
 * CSV, the reports and the config the run is made with.
 */
export function rangeValues(a: number, b: number, n: number, log: boolean): number[] {
  if (n === 1) return [a];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === 0) out.push(a);
    else if (i === n - 1) out.push(b);
    else if (log) out.push(round12(Math.exp(Math.log(a) + (i * (Math.log(b) - Math.log(a))) / (n - 1))));
    else out.push(round12(a + (i * (b - a)) / (n - 1)));
  }
  return out;
}

const round12 = (x: number) => Number(x.toPrecision(12));

/**
 * Keys a sweep never changes: they say how the process runs, (tick_size, max_depth_levels) they
 * shape the data each worker loads once, or (equity_sample_seconds) they say how Sharpe/Sortino
 * are measured — runs ranked on different sampling grids would not be comparable.
 */
const NOT_SWEEPABLE = new Set(["num_threads", "serve_port", "max_depth_levels", "tick_size", "equity_sample_seconds"]);

/** Checks each key is a numeric config key and each value passes the schema (ranges, integers). */
export function validateParams(base: Config, params: SweepParam[]): void {
  const seen = new Set<string>();
  for (const p of params) {
    if (!CONFIG_KEYS.has(p.key)) throw new UsageError(`--param ${p.spec}: unknown config key ${JSON.stringify(p.key)}`);
    if (seen.has(p.key)) throw new UsageError(`--param ${p.spec}: ${p.key} is given twice`);
    seen.add(p.key);
    const current = (base as Record<string, unknown>)[p.key];
    if (NOT_SWEEPABLE.has(p.key) || (current !== undefined && typeof current !== "number")) {
      throw new UsageError(`--param ${p.spec}: ${p.key} is not a numeric strategy key`);
    }
    for (const x of p.values) {
      const r = v.safeParse(ConfigSchema, { ...base, [p.key]: x });
      if (!r.success) {
        const issue = r.issues.find((i) => v.getDotPath(i) === p.key) ?? r.issues[0];
        throw new UsageError(`--param ${p.spec}: ${p.key}=${x} is invalid (${issue.message})`);
      }
    }
  }
}

/** Every combination, first parameter outermost; combination k is always the same run. */
export function combinations(params: SweepParam[]): number[][] {
  let out: number[][] = [[]];
  for (const p of params) out = out.flatMap((c) => p.values.map((x) => [...c, x]));
  return out;
}

export function applyCombo(base: Config, params: SweepParam[], combo: number[]): Config {
  const c: Config = { ...base };
  params.forEach((p, i) => ((c as Record<string, unknown>)[p.key] = combo[i]));
  return c;
}

/** Keys that `markets_config[market]` can also set (src/config/market.ts resolves those first). */
const PER_MARKET_KEYS = ["max_inventory", "order_notional", "maker_fee_bps", "taker_fee_bps"] as const;

/**
 * The config a sweep starts from: a swept key that markets_config also sets for this market is
 * removed from that market's overrides, so the swept global value is the one resolved. Otherwise
 * the override would win in every run and the sweep would silently change nothing.
 */
export function sweepBaseConfig(base: Config, market: string, params: SweepParam[]): Config {
  const o = base.markets_config[market];
  if (!o) return base;
  const swept = PER_MARKET_KEYS.filter((k) => o[k] !== undefined && params.some((p) => p.key === k));
  if (swept.length === 0) return base;
  const copy = { ...o };
  for (const k of swept) delete copy[k];
  return { ...base, markets_config: { ...base.markets_config, [market]: copy } };
}
