/**
 * The reconnect policy (src/collect/backoff.ts, docs/collect.md "Reconnect policy"): useful
 * connections reconnect at once and reset the failures, only failures grow the backoff, a tight
 * loop falls back to a delay, Retry-After is a floor. The timeline of the docs is replayed here.
 */
import { expect, test } from "bun:test";
import { ReconnectPolicy } from "../../src/collect/backoff.ts";

const policy = (rnd = 0.5) => new ReconnectPolicy({ baseMs: 500, maxMs: 60_000, random: () => rnd });

/** One connection: opened at `at`, delivered (or not), ended `lived` ms later; returns the delay. */
function conn(p: ReconnectPolicy, at: number, lived: number, delivered: boolean, notBefore = 0) {
  p.opened(at);
  if (delivered) p.delivered();
  return p.ended(at + lived, notBefore);
}

test("a connection that delivered reconnects at once, whether the server cut it or the collector asked", () => {
  const p = policy();
  let t = 0;
  for (let i = 0; i < 50; i++) {
    expect(conn(p, t, 20_000, true)).toEqual({ delayMs: 0, kind: "immediate" }); // a drop every 20 s, for ever
    t += 20_000;
  }
  expect(p.failures).toBe(0);
});

test("only connections that fail to open or deliver nothing grow the backoff; one useful connection resets it", () => {
  for (const rnd of [0, 0.999999]) {
    const p = policy(rnd);
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) delays.push(p.ended(i * 1000).delayMs); // never opened
    const ceilings = [500, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(ceilings[i] / 2);
      expect(d).toBeLessThanOrEqual(ceilings[i]);
    });
    // opened but nothing valid came: still a failure
    expect(conn(p, 100_000, 5000, false).delayMs).toBeGreaterThanOrEqual(30_000);
    expect(p.failures).toBe(10);
    expect(conn(p, 200_000, 5000, true)).toEqual({ delayMs: 0, kind: "immediate" });
    expect(p.failures).toBe(0);
    expect(p.ended(300_000).delayMs).toBeLessThanOrEqual(500); // the next failure starts from the base again
  }
});

test("a quiet stream that stayed open a minute counts as useful", () => {
  const p = policy();
  p.ended(0);
  expect(conn(p, 1000, 60_000, false)).toEqual({ delayMs: 0, kind: "immediate" });
});

test("the timeline of docs/collect.md, step by step", () => {
  const p = policy(1); // the top of each jitter range, as in the table
  // [opened at (null: the handshake failed), ended at, delivered] → [delay, kind]
  const steps: [number | null, number, boolean, number, string][] = [
    [0, 20_000, true, 0, "immediate"], // cut by the server
    [20_000, 31_000, true, 0, "immediate"], // seq gap: the collector asked
    [null, 31_000, false, 500, "backoff"], // the exchange is down
    [null, 31_500, false, 1000, "backoff"],
    [null, 32_500, false, 2000, "backoff"],
    [34_500, 40_000, true, 0, "immediate"], // back; failures reset
    [40_000, 40_010, true, 0, "immediate"], // one SNAPSHOT, then the server hangs up
    [40_010, 40_020, true, 0, "immediate"],
    [40_020, 40_030, true, 500, "tight loop"], // the 4th reconnect within 2 s
    [40_530, 40_540, true, 1000, "tight loop"],
    [41_540, 41_550, true, 2000, "tight loop"],
    [43_550, 43_560, true, 0, "immediate"], // the window is empty again
    [43_560, 46_000, true, 0, "immediate"], // lived 2.4 s: the loop level resets
    [46_000, 46_010, true, 0, "immediate"],
    [46_010, 46_020, true, 0, "immediate"],
    [46_020, 46_030, true, 500, "tight loop"], // from 0.5 s again
  ];
  for (const [opened, end, delivered, delay, kind] of steps) {
    if (opened !== null) p.opened(opened);
    if (delivered) p.delivered();
    expect({ at: end, ...p.ended(end) }).toEqual({ at: end, delayMs: delay, kind: kind as never });
  }
});

test("Retry-After is a floor for every delay, immediate ones included", () => {
  const p = policy();
  expect(conn(p, 0, 1000, true, 7000).delayMs).toBe(7000);
  expect(p.ended(10_000, 250).delayMs).toBeGreaterThanOrEqual(250);
  expect(p.ended(20_000, 9000).delayMs).toBe(9000);
});

test("a backoff cap beyond a JS timer's range never yields a delay a timer cannot hold", () => {
  const p = new ReconnectPolicy({ baseMs: 500, maxMs: 1e12, random: () => 0.999 });
  for (let i = 0; i < 40; i++) {
    const d = p.ended(i, i === 39 ? 1e13 : 0).delayMs;
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThanOrEqual(2 ** 31 - 1);
  }
});
