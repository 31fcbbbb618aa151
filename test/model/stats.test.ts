import { expect, test } from "bun:test";
import { summarize } from "../../src/model/stats.ts";

test("a constant series has exactly its value as mean/median and std 0 (no float noise such as 2.2e-16)", () => {
  const s = summarize(new Array(121).fill(0.1))!;
  expect(s.mean).toBe(0.1);
  expect(s.median).toBe(0.1);
  expect(s.std).toBe(0);
});

test("mean, median (even n: mean of the middle two), sample std (n − 1), min, max; non-finite values ignored", () => {
  const s = summarize([4, NaN, 1, 3, 2, Infinity])!;
  expect(s).toEqual({ n: 4, mean: 2.5, median: 2.5, std: Math.sqrt(5 / 3), min: 1, max: 4 });
  expect(summarize([NaN])).toBeNull();
  expect(summarize([7])).toEqual({ n: 1, mean: 7, median: 7, std: 0, min: 7, max: 7 });
});
