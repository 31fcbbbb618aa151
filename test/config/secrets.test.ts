import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { Secret, loadApiKey, parseDotEnv, redactSecrets } from "../../src/config/secrets.ts";

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

test("redactSecrets masks the key, its URL form, tokens sharing 8 characters with it, and x-api-key header values", () => {
  new Secret("Zq8/vT3+kLm9wXy2");
  expect(redactSecrets("key Zq8/vT3+kLm9wXy2 here")).toBe("key *** here");
  expect(redactSecrets(`url ${encodeURIComponent("Zq8/vT3+kLm9wXy2")}`)).toBe("url ***");
  expect(redactSecrets("cut: vT3+kLm9w… and glued abcZq8/vT3+kL")).toBe("cut: *** and glued ***");
  expect(redactSecrets(`{"x-api-key":"other-value","X-Api-Key: some"}`)).toBe(`{"x-api-key":"***","X-Api-Key: ***"}`);
  expect(redactSecrets("nothing secret here, kLm9 is too short")).toBe("nothing secret here, kLm9 is too short");
});
