import { existsSync, readFileSync } from "node:fs";
import * as v from "valibot";
import { ConfigError } from "../errors.ts";
import { log } from "../log.ts";
import { CONFIG_KEYS, ConfigSchema, MarketOverrides, duplicateMarket, marketKey, type Config } from "./schema.ts";

export interface LoadedConfig {
  config: Config;
  /** Where it came from, or null when no file existed and defaults were used. */
  path: string | null;
  /** Keys present in the file that the schema does not know. */
  unknownKeys: string[];
}

/** Render one valibot issue as `key.path: expected X, got Y`. */
export function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = issue.path?.map((p) => String(p.key)).join(".") || "(root)";
  const got = issue.input === undefined ? "nothing" : truncate(JSON.stringify(issue.input) ?? String(issue.input));
  const what =
    issue.type === "check" || issue.type === "regex" ? issue.message : (issue.expected ?? issue.type);
  return `${path}: expected ${what}, got ${got}`;
}

function truncate(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Validates an already-parsed JSON value; `source` names the file in messages. */
export function parseConfig(raw: unknown, source: string): { config: Config; unknownKeys: string[] } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(`${source}: expected a JSON object at the top level`);
  }
  const unknownKeys = Object.keys(raw).filter((k) => !CONFIG_KEYS.has(k) && !k.startsWith("_"));
  const overrides = (raw as Record<string, unknown>).markets_config;
  if (overrides && typeof overrides === "object") {
    const known = new Set(Object.keys(MarketOverrides.entries));
    for (const [m, o] of Object.entries(overrides)) {
      if (o && typeof o === "object") {
        for (const k of Object.keys(o)) if (!known.has(k)) unknownKeys.push(`markets_config.${m}.${k}`);
      }
    }
  }
  const result = v.safeParse(ConfigSchema, raw);
  if (!result.success) {
    const [first, ...rest] = result.issues;
    const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
    throw new ConfigError(`${source}: ${describeIssue(first)}${more}`);
  }
  const config = result.output;
  const dup = duplicateMarket(config.markets);
  if (dup) throw new ConfigError(`${source}: markets: ${describeDuplicate(dup)}`);
  if (config.gamma_max > 0 && config.gamma_min > config.gamma_max) {
    throw new ConfigError(`${source}: gamma_min: expected a value ≤ gamma_max (${config.gamma_max}), got ${config.gamma_min}`);
  }
  if (config.max_volatility > 0 && config.min_volatility > config.max_volatility) {
    throw new ConfigError(
      `${source}: min_volatility: expected a value ≤ max_volatility (${config.max_volatility}), got ${config.min_volatility}`,
    );
  }
  const mmrBound = (where: string, lev: number, mmr: number | undefined) => {
    if (mmr !== undefined && !(mmr * lev < 1)) {
      throw new ConfigError(`${source}: ${where}maintenance_margin_ratio: expected a value < 1 / leverage (${1 / lev}), got ${mmr}`);
    }
  };
  mmrBound("", config.leverage, config.maintenance_margin_ratio);
  for (const [m, o] of Object.entries(config.markets_config)) {
    mmrBound(`markets_config.${m}.`, o.leverage ?? config.leverage, o.maintenance_margin_ratio ?? config.maintenance_margin_ratio);
  }
  return { config, unknownKeys };
}

/** `"BTC-USD" and "btc-usd" name the same market (directory btc_usd); list each market once`. */
export function describeDuplicate([a, b]: [string, string]): string {
  const what = a === b ? `${JSON.stringify(a)} is listed twice` : `${JSON.stringify(a)} and ${JSON.stringify(b)} name the same market (directory ${marketKey(a)})`;
  return `${what}; list each market once`;
}

/**
 * Loads and validates a config file. A missing file means defaults (with a notice); an unreadable,
 * non-JSON or invalid file is a ConfigError (exit 2) — never silent defaults.
 */
export function loadConfig(path: string, opts: { required?: boolean } = {}): LoadedConfig {
  if (!existsSync(path)) {
    if (opts.required) throw new ConfigError(`${path}: config file not found`);
    log.info(`${path} not found; using built-in defaults`);
    return { ...parseConfig({}, "defaults"), path: null };
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`${path}: cannot read config file (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: invalid JSON (${(err as Error).message.split("\n")[0]})`);
  }
  const parsed = parseConfig(raw, path);
  for (const k of parsed.unknownKeys) log.warn(`${path}: unknown key "${k}" ignored`);
  return { ...parsed, path };
}

/** Defaults only, for tests and the embedded demo. */
export function defaultConfig(overrides: Record<string, unknown> = {}): Config {
  return parseConfig(overrides, "defaults").config;
}
