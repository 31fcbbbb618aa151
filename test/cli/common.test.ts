import { expect, test } from "bun:test";
import { marketAndPaths, numberArg, timeArg } from "../../src/cli/common.ts";
import { defaultConfig } from "../../src/config/load.ts";
import { UsageError } from "../../src/errors.ts";

test("timeArg: epoch ms, ISO dates and times, UTC unless a zone is given", () => {
  expect(timeArg("from", "1767657000000")).toBe(1_767_657_000_000);
  expect(timeArg("from", "2026-01-06")).toBe(Date.UTC(2026, 0, 6));
  expect(timeArg("from", "2026-01-06T00:30:00")).toBe(Date.UTC(2026, 0, 6, 0, 30));
  expect(timeArg("from", "2026-01-06 00:30:00")).toBe(Date.UTC(2026, 0, 6, 0, 30));
  expect(timeArg("from", "2026-01-06T02:30:00+02:00")).toBe(Date.UTC(2026, 0, 6, 0, 30));
  expect(timeArg("from", undefined)).toBeUndefined();
});

test("timeArg refuses loose forms Date.parse would accept", () => {
  for (const bad of ["-5", "5", "2026", "yesterday", "Jan 6 2026", "2026-13-01", "", "1.5e12"]) {
    expect(() => timeArg("from", bad)).toThrow(UsageError);
  }
});

test("numberArg bounds and integers", () => {
  expect(numberArg("n", "3", { integer: true, min: 1 })).toBe(3);
  expect(() => numberArg("n", "2.5", { integer: true })).toThrow(/--n: expected an integer/);
  expect(() => numberArg("n", "-1", { min: 0 })).toThrow(/≥ 0/);
});

test("marketAndPaths: the config's first market, names validated, no empty paths", () => {
  const config = defaultConfig({ markets: ["ETH-USD"] });
  expect(marketAndPaths({}, config)).toBe("ETH-USD");
  expect(marketAndPaths({ market: "BTC-USD" }, config)).toBe("BTC-USD");
  expect(() => marketAndPaths({ market: "../x" }, config)).toThrow(UsageError);
  expect(() => marketAndPaths({ trades: "" }, config)).toThrow(/--trades: expected a path/);
  expect(() => marketAndPaths({}, defaultConfig({ markets: [] }))).toThrow(/no market given/);
});

test("numberArg: an upper bound, e.g. the longest timer a duration can use", async () => {
  const { MAX_TIMER_SECONDS } = await import("../../src/cli/common.ts");
  expect(numberArg("duration", "60", { min: 0, max: MAX_TIMER_SECONDS })).toBe(60);
  expect(() => numberArg("duration", "1e20", { min: 0, max: MAX_TIMER_SECONDS })).toThrow(/--duration: expected a number ≥ 0 and ≤ 2147483/);
});
