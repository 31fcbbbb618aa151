import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { Secret, loadApiKey, parseDotEnv } from "../../src/config/secrets.ts";

test("a Secret never turns into its value", () => {
  const s = new Secret("sk-live-123");
  expect(String(s)).toBe("***");
  expect(JSON.stringify({ s })).toBe('{"s":"***"}');
  expect(inspect(s)).not.toContain("sk-live");
  expect(`${s}`).toBe("***");
  expect(s.reveal()).toBe("sk-live-123");
});

test("API_KEY comes from the environment first, then .env", () => {
  const dir = mkdtempSync(join(tmpdir(), "emm-env-"));
  writeFileSync(join(dir, ".env"), "# comment\nexport API_KEY='from-file' \nOTHER=1\n");
  expect(loadApiKey({ API_KEY: "from-env" }, dir)?.reveal()).toBe("from-env");
  expect(loadApiKey({}, dir)?.reveal()).toBe("from-file");
  expect(loadApiKey({}, join(dir, "nowhere"))).toBeUndefined();
});

test("parseDotEnv handles quotes and trailing comments", () => {
  expect(parseDotEnv('A="x y"\nB=z # note\nC=\'q\'\nbad line')).toEqual({ A: "x y", B: "z", C: "q" });
});
