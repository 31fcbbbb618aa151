import { existsSync, readFileSync } from "node:fs";

/**
 * A value that must never reach a log line, a JSON dump or a file: every way of turning it into
 * text yields a mask. Only `reveal()` gives the value, at the one place that sends it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    known.add(value);
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

/** Every secret value of the process, for `redactSecrets`. */
const known = new Set<string>();

/** Shortest piece of a secret that still counts as "looks like the key" when found in text. */
const MIN_PIECE = 8;

/**
 * `text` with anything that looks like a known secret masked: the value itself, its URL-encoded
 * form, any token that contains ≥ 8 consecutive characters of it (a server may echo it truncated
 * or glued to other text), and whatever follows an `x-api-key` header name. Applied to every
 * server-supplied text before it reaches a log line or an error (response bodies, bad frames,
 * close reasons).
 */
export function redactSecrets(text: string): string {
  let out = text.replace(/(x-api-key["']?\s*[:=]\s*["']?)[^\s"',;}]+/gi, "$1***");
  for (const value of known) {
    if (!value) continue;
    for (const form of new Set([value, encodeURIComponent(value)])) out = out.split(form).join("***");
    if (value.length < MIN_PIECE) continue;
    out = out.replace(/[^\s"',;:{}[\]()<>]{8,}/g, (token) => {
      for (let i = 0; i + MIN_PIECE <= value.length; i++) if (token.includes(value.slice(i, i + MIN_PIECE))) return "***";
      return token;
    });
  }
  return out;
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
