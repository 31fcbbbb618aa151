import type { ArgsDef } from "citty";
import { loadApiKey, type Secret } from "../config/secrets.ts";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import { setLogLevel } from "../log.ts";

/** Flags every command accepts. */
export const commonArgs = {
  config: { type: "string", description: "Config file (JSON)", default: "config.json", valueHint: "path" },
  "data-dir": { type: "string", description: "Data directory (overrides data_directory)", valueHint: "dir" },
  "log-level": {
    type: "string",
    description: "silent|error|warn|info|debug|trace (also LOG_LEVEL)",
    valueHint: "level",
  },
} as const satisfies ArgsDef;

export const jsonArg = {
  json: { type: "boolean", description: "Print machine-readable JSON on stdout" },
} as const satisfies ArgsDef;

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
  const config = loaded.config;
  if (args["data-dir"] !== undefined) {
    if (!args["data-dir"]) throw new UsageError("--data-dir: expected a directory, got an empty value");
    config.data_directory = args["data-dir"];
  }
  return { config, configPath: loaded.path, dataDir: config.data_directory, apiKey: loadApiKey() };
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parses a number flag strictly (the original silently fell back to defaults). */
export function numberArg(name: string, value: string | undefined, opts: { min?: number; integer?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  // Plain decimal notation only: Number() would also take "0x10", "0b1" and "" as numbers.
  const n = DECIMAL.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    const kind = opts.integer ? "an integer" : "a number";
    const bound = opts.min !== undefined ? ` ≥ ${opts.min}` : "";
    throw new UsageError(`--${name}: expected ${kind}${bound}, got ${JSON.stringify(value)}`);
  }
  return n;
}
