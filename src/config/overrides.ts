/**
 * `--set key=value`: one-run overrides of any config key, validated by the config file's own rules
 * (every command takes it; src/cli/common.ts reads the flags, the demo writes them into its config).
 */
import { UsageError } from "../errors.ts";
import { parseConfig } from "./load.ts";
import { CONFIG_KEYS, type Config } from "./schema.ts";

/**
 * A copy of a raw config object with `--set key=value` overrides assigned (dotted paths reach
 * nested keys). A value is JSON when it parses as JSON (numbers, true/false, arrays, objects),
 * else a string. An unknown top-level key is a usage error naming it; values are checked by the
 * caller's validation (applySets, or loading the file the demo writes).
 */
export function withSets(raw: object, sets: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(raw) as Record<string, unknown>;
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set ${JSON.stringify(s)}: expected key=value`);
    const path = s.slice(0, eq).trim().split(".");
    const text = s.slice(eq + 1);
    if (!CONFIG_KEYS.has(path[0]!)) throw new UsageError(`--set ${path[0]}: unknown config key (see config.json keys in the README)`);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // not JSON: the string itself (fill_model=queue)
    }
    let obj = out;
    for (const k of path.slice(0, -1)) {
      const next = obj[k];
      obj = (obj[k] = next !== null && typeof next === "object" && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
    }
    obj[path[path.length - 1]!] = value;
  }
  return out;
}

/**
 * Applies `--set` overrides to a validated config and validates the result with the config
 * file's own rules: an unknown key or a bad value is a usage error (exit 2) naming the key.
 */
export function applySets(config: Config, sets: string[]): Config {
  if (sets.length === 0) return config;
  const parsed = parseConfig(withSets(config, sets), "--set");
  if (parsed.unknownKeys.length > 0) throw new UsageError(`--set ${parsed.unknownKeys[0]}: unknown config key`);
  return parsed.config;
}
