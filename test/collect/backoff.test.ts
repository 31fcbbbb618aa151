import { expect, test } from "bun:test";
import { Backoff } from "../../src/collect/backoff.ts";

test("delays grow exponentially within [ceiling/2, ceiling], are capped, and reset after a healthy minute", () => {
  for (const rnd of [0, 0.999999]) {
    const b = new Backoff({ baseMs: 500, maxMs: 8000, random: () => rnd });
    const seen: number[] = [];
    let t = 0;
    for (let i = 0; i < 8; i++) {
      b.connected(t);
      t += 1000; // short-lived connection: no reset
      seen.push(b.nextDelay(t));
    }
    const ceilings = [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000];
    seen.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(ceilings[i] / 2);
      expect(d).toBeLessThanOrEqual(ceilings[i]);
    });
    b.connected(t);
    expect(b.nextDelay(t + 60_000)).toBeLessThanOrEqual(500);
  }
});

test("a failed connect (never opened) does not reset the backoff", () => {
  const b = new Backoff({ baseMs: 100, maxMs: 10_000, random: () => 0.5 });
  b.nextDelay(0);
  b.nextDelay(100_000);
  expect(b.failures).toBe(2);
  expect(b.nextDelay(200_000)).toBeGreaterThanOrEqual(200);
});
