import type { ArgsDef } from "citty";
import { loadApiKey, type Secret } from "../config/secrets.ts";
import { loadConfig } from "../config/load.ts";
import { applySets } from "../config/overrides.ts";
import type { Config } from "../config/schema.ts";
import { MAX_TIMER_MS } from "../collect/backoff.ts";
import { UsageError } from "../errors.ts";
import { assertMarketName } from "../config/market.ts";
import { log, setLogLevel } from "../log.ts";
import { dirname } from "node:path";
import { marketDir } from "../storage/layout.ts";
import { isObjectUrl, parseObjectUrl } from "../storage/object_store.ts";
import { stageObjects } from "../storage/stage.ts";

/** Flags every command accepts. */
export const commonArgs = {
  config: { type: "string", description: "Config file (JSON)", default: "config.json", valueHint: "path" },
  "data-dir": { type: "string", description: "Data directory or s3://bucket/prefix (overrides data_directory)", valueHint: "dir" },
  "log-level": {
    type: "string",
    description: "silent|error|warn|info|debug|trace (also LOG_LEVEL)",
    valueHint: "level",
  },
  set: {
    type: "string",
    description: "Override a config key, validated like the file: --set key=value (repeatable; dotted paths reach nested keys; JSON values: 0.5, true, [\"BTC-USD\"])",
    valueHint: "key=value",
  },
} as const satisfies ArgsDef;

/** `--progress` for the long commands (backtest, sweep, calculate_spread). */
export const progressArg = {
  progress: { type: "boolean", description: "Progress with percentage and ETA on stderr even when it is not a terminal (default: only on a terminal)" },
} as const satisfies ArgsDef;

/** Every value of a repeatable flag, in order (citty keeps only the last of a repeated flag). */
export function repeatedFlag(rawArgs: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") break;
    if (a === `--${name}`) {
      const v = rawArgs[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      out.push(v);
    } else if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
  }
  return out;
}


/** The original analysis tools' input flags (backtest, calculate_spread). */
export const marketSourceArgs = {
  market: { type: "string", description: "Market, e.g. BTC-USD (default: first market in the config)", valueHint: "name" },
  trades: { type: "string", description: "Trades: parts dir, .parquet or legacy .csv (default {data}/{market_dir}/trades_parts)", valueHint: "path" },
  orderbook: { type: "string", description: "Order book: parts dir, .parquet or legacy .csv (default {data}/{market_dir}/orderbook_parts)", valueHint: "path" },
} as const satisfies ArgsDef;

export const timeRangeArgs = {
  from: { type: "string", description: "Start (inclusive): epoch ms or ISO date/time, UTC unless a zone is given", valueHint: "time" },
  to: { type: "string", description: "End (exclusive): epoch ms or ISO date/time, UTC unless a zone is given", valueHint: "time" },
} as const satisfies ArgsDef;

export const skipBadPartsArg = {
  "skip-bad-parts": { type: "boolean", description: "Read on past unreadable Parquet parts, listing them (default: stop, exit 3, naming the file)" },
} as const satisfies ArgsDef;

/** One line for the exit summary naming the parts read past with --skip-bad-parts, or null. */
export function skippedPartsLine(skipped: readonly { file: string; reason: string }[]): string | null {
  if (skipped.length === 0) return null;
  return `Skipped ${skipped.length} unreadable part(s) (--skip-bad-parts): ${skipped.map((x) => `${x.file} (${x.reason})`).join("; ")}`;
}

export const jsonArg = {
  json: { type: "boolean", description: "Print machine-readable JSON on stdout" },
} as const satisfies ArgsDef;

/** camelCase → snake_case (tradesUsed → trades_used, readMs → read_ms). */
export const snakeKey = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/**
 * A value with every object key in snake_case, deeply: the one naming rule of all --json output.
 * Only keys with a camel boundary change, so data keys (BTC-USD, bid_fills) pass through.
 */
export function snakeKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(snakeKeys);
  if (x === null || typeof x !== "object" || x instanceof Date) return x;
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [/[a-z][A-Z]/.test(k) ? snakeKey(k) : k, snakeKeys(v)]));
}

/** --json output on stdout: snake_case keys everywhere (docs: README "JSON output"). */
export function printJson(x: unknown, indent = 2): void {
  console.log(JSON.stringify(snakeKeys(x), null, indent));
}

export interface CommandContext {
  config: Config;
  configPath: string | null;
  dataDir: string;
  apiKey: Secret | undefined;
}

/**
 * The command boundary: log level, config file, CLI overrides. Everything below receives the
 * typed config; no layer reads files or the environment on its own.
 */
export function setup(args: { config?: string; "data-dir"?: string; "log-level"?: string }, rawArgs: string[]): CommandContext {
  const level = args["log-level"] ?? process.env.LOG_LEVEL;
  if (level && !setLogLevel(level)) {
    throw new UsageError(`--log-level: expected silent|error|warn|info|debug|trace, got ${JSON.stringify(level)}`);
  }
  const explicit = rawArgs.some((a) => a === "--config" || a.startsWith("--config="));
  const loaded = loadConfig(args.config ?? "config.json", { required: explicit });
  const config = applySets(loaded.config, repeatedFlag(rawArgs, "set"));
  if (args["data-dir"] !== undefined) {
    if (!args["data-dir"]) throw new UsageError("--data-dir: expected a directory, got an empty value");
    config.data_directory = args["data-dir"];
  }
  return { config, configPath: loaded.path, dataDir: config.data_directory, apiKey: loadApiKey() };
}

/**
 * `--market` or the config's first market, validated; and the path flags given, none empty.
 */
export function marketAndPaths(
  args: { market?: string; trades?: string; orderbook?: string; output?: string },
  config: Config,
): string {
  const market = args.market ?? config.markets[0];
  if (!market) throw new UsageError("--market: no market given and none in the config");
  assertMarketName(market);
  for (const k of ["trades", "orderbook", "output"] as const) {
    if (args[k] !== undefined && args[k] === "") throw new UsageError(`--${k}: expected a path, got an empty value`);
  }
  return market;
}

/**
 * `--from/--to`: epoch milliseconds (12+ digits) or an ISO-8601 date (time optional). A time without a zone is
 * UTC, never the machine's local time; loose forms Date.parse would take ("-5" = year −5) are refused.
 */
export function timeArg(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ]([\d:.]+)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  // Epoch ms has 12+ digits for any date after 1973; a short number ("2026") is a typo, not 1970.
  const n = /^\d{12,}$/.test(s) ? Number(s) : iso ? Date.parse(iso[2] === undefined ? iso[1] : `${iso[1]}T${iso[2]}${iso[3] ?? "Z"}`) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`--${name}: expected epoch ms or an ISO date/time, got ${JSON.stringify(v)}`);
  return n;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parses a number flag strictly (the original silently fell back to defaults). */
export function numberArg(
  name: string,
  value: string | undefined,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  // Plain decimal notation only: Number() would also take "0x10", "0b1" and "" as numbers.
  const n = DECIMAL.test(value.trim()) ? Number(value) : NaN;
  const { min, max, integer } = opts;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || (min !== undefined && n < min) || (max !== undefined && n > max)) {
    const kind = integer ? "an integer" : "a number";
    const bounds = [min !== undefined ? `≥ ${min}` : "", max !== undefined ? `≤ ${max}` : ""].filter(Boolean).join(" and ");
    throw new UsageError(`--${name}: expected ${kind}${bounds ? ` ${bounds}` : ""}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Longest delay a timer honours, in whole seconds (flags given in seconds). */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

const stagedCleanups: (() => void)[] = [];

/**
 * Local copies go when the process ends: at exit, and on SIGINT/SIGTERM too (a listener replaces
 * the default of dying without exit handlers, which would leave gigabytes of a shard's copy in /tmp).
 */
function removeAtEnd(cleanup: () => void): void {
  if (stagedCleanups.length === 0) {
    const all = () => stagedCleanups.splice(0).forEach((f) => f());
    process.once("exit", all);
    for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      process.once(sig, () => {
        all();
        process.exit(code);
      });
    }
  }
  stagedCleanups.push(cleanup);
}

/** A local copy of what an `s3://` URL names (removed when the process ends); its local path. */
export async function stagePath(url: string, window: { fromMs?: number; toMs?: number } = {}, base?: string): Promise<string> {
  const s = await stageObjects(url, { ...window, base });
  removeAtEnd(s.cleanup);
  log.info(`${url}: fetched ${s.files} object(s), ${(s.bytes / 1e6).toFixed(1)} MB`);
  return s.path;
}

/**
 * `s3://` inputs → local copies for the readers (removed when the process exits): the market's
 * folder of an `s3://` data directory and `s3://` --trades/--orderbook paths, fetching only the
 * parts that overlap --from/--to. Rewrites ctx.dataDir and the path flags in place. Outputs that
 * would default into an `s3://` data directory need an explicit local path.
 */
export async function stageInputs(
  ctx: CommandContext,
  market: string,
  paths: { trades?: string; orderbook?: string; output?: string },
  window: { fromMs?: number; toMs?: number } = {},
  /** The flag naming the outputs ("" = the command writes none). */
  outputFlag = "output",
): Promise<void> {
  const stage = (url: string, base?: string) => stagePath(url, window, base);
  for (const k of ["trades", "orderbook"] as const) {
    const v = paths[k];
    if (isObjectUrl(v)) paths[k] = await stage(v);
  }
  if (isObjectUrl(ctx.dataDir)) {
    if (outputFlag !== "" && paths.output === undefined) throw new UsageError(`--${outputFlag}: required when the data directory is ${ctx.dataDir} (outputs go to a local path)`);
    const root = ctx.dataDir.replace(/\/+$/, "");
    const local = await stage(`${root}/${marketDir(market)}`, parseObjectUrl(root).prefix);
    ctx.dataDir = ctx.config.data_directory = dirname(local);
  }
}

/** Commands that write into or serve from a data directory need a local one. */
export function requireLocalDataDir(ctx: CommandContext, command: string, hint: string): void {
  if (isObjectUrl(ctx.dataDir)) throw new UsageError(`${command}: the data directory must be local, got ${ctx.dataDir} (${hint})`);
}
