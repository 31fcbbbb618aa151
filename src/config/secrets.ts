import { existsSync, readFileSync } from "node:fs";

/**
 * A value that must never reach a log line, a JSON dump or a file: every way of turning it into
 * text yields a mask. Only `reveal()` gives the value, at the one place that sends it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "***";
  }
  toJSON(): string {
    return "***";
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "Secret(***)";
  }
}

/** Parses `KEY=value` lines (optional `export`, quotes, `#` comments) without touching process.env. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2];
    else value = value.replace(/\s+#.*$/, "");
    out[m[1]] = value;
  }
  return out;
}

/** `API_KEY` from the environment, else from `.env` in `dir`; undefined when neither has it. */
export function loadApiKey(env: Record<string, string | undefined> = process.env, dir = "."): Secret | undefined {
  const fromEnv = env.API_KEY;
  if (fromEnv) return new Secret(fromEnv);
  const file = `${dir}/.env`;
  if (!existsSync(file)) return undefined;
  const value = parseDotEnv(readFileSync(file, "utf8")).API_KEY;
  return value ? new Secret(value) : undefined;
}
