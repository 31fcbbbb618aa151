import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultConfig } from "../src/config/load.ts";
import { CONFIG_KEYS } from "../src/config/schema.ts";

const readme = readFileSync(join(import.meta.dir, "../README.md"), "utf8");

test("the README's configuration table lists every key with its real default", () => {
  const defaults = defaultConfig() as Record<string, unknown>;
  const rows = new Map<string, string>();
  const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Data layout"));
  for (const line of section.split("\n")) {
    const m = /^\| ((?:`[a-z_]+`(?:, )?)+) \| ([^|]+) \|/.exec(line);
    if (!m) continue;
    const keys = [...m[1].matchAll(/`([a-z_]+)`/g)].map((k) => k[1]);
    const values = m[2].trim() === "—" ? [] : [...m[2].matchAll(/`([^`]+)`/g)].map((v) => v[1]);
    keys.forEach((k, i) => rows.set(k, values[i] ?? "—"));
  }
  for (const key of CONFIG_KEYS) {
    expect(rows.has(key)).toBe(true);
    const expected = defaults[key] === undefined ? "—" : JSON.stringify(defaults[key]);
    expect(`${key} = ${rows.get(key)}`).toBe(`${key} = ${expected}`);
  }
});

test("the README's first screen gives the demo and test commands", () => {
  const firstScreen = readme.split("\n").slice(0, 25).join("\n");
  expect(firstScreen).toContain("npm run demo");
  expect(firstScreen).toContain("npm test");
});
