/**
 * The collector against `serve` with real network faults, at real time and faster (issue 11):
 * coverage is measured against the server's own count of what its replay clock passed during the
 * run, every stored row is compared with the source on all 80 level columns, trades by id.
 * The three tests run concurrently (about 100 s in all, most of it the 1× replay waiting for the
 * clock); each bounds itself and stops its server and collector in `finally`.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../../src/log.ts";
import { startServer } from "../../src/serve/server.ts";
import { measureCoverage } from "./coverage.ts";
import { deepBook } from "./deep_book.ts";
import { readParts } from "./duck.ts";
import { collectUntil, M, testConfig } from "./harness.ts";

setLogLevel("silent");
const tmp = mkdtempSync(join(tmpdir(), "emm-realtime-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test.concurrent(
  "1× for 92 s with a drop every 20 s: ≥ 97 % of the served book rows stored, each equal to the source; no trade lost or twice",
  async () => {
    const r = await measureCoverage({ speed: 1, seconds: 92, faults: { dropEverySeconds: 20 } });
    expect(r.exitCode).toBe(0);
    expect(r.sourceRows).toBe(r.served.rows); // the server's count is the data's
    expect(r.served.rows).toBeGreaterThan(200); // ≥ 90 s of the recording (~3 rows/s)
    expect(r.faults.drops).toBeGreaterThanOrEqual(6); // both streams, at 20, 40, 60 and 80 s
    expect(r.book.n).toBeGreaterThanOrEqual(0.97 * r.served.rows);
    expect(r.book).toEqual({ n: r.book.n, distinct: r.book.n, matched: r.book.n, bad: 0 });
    expect(r.trades.checked).toBeGreaterThan(30);
    expect(r.trades).toMatchObject({ distinct: r.trades.n, bad: 0, lost: 0 });
    // every reconnect after a drop was immediate: nothing to back off from
    expect(r.bookDelays.length).toBeGreaterThanOrEqual(3);
    expect(r.bookDelays.every((d) => d === 0)).toBe(true);
  },
  180_000,
);

test.concurrent(
  "25× with drops every 4 s, seq gaps every 150 messages, c deltas, malformed frames, duplicated and reordered trades: ≥ 70 % of the rows, no trade lost or twice",
  async () => {
    const r = await measureCoverage({
      speed: 25,
      seconds: 30,
      // drops every 4 s of wall time (100 s of replay at 25×); the server's DELTAs carry `c` (absolute size) next to `q`
      faults: { dropEverySeconds: 100, skipSeqEvery: 150, malformedEvery: 40, duplicateTradesEvery: 5, reorderTradesEvery: 7 },
      // every outage here lasts milliseconds, far less than 100 trades (≥ 4 s of wall time at 25×)
      restTradesLimit: 100,
    });
    expect(r.exitCode).toBe(0);
    expect(r.sourceRows).toBe(r.served.rows);
    expect(r.served.rows).toBeGreaterThan(1500);
    expect(r.faults.drops + r.faults.seqSkips).toBeGreaterThanOrEqual(8);
    expect(r.faults.seqSkips).toBeGreaterThan(3);
    expect(r.faults.malformed).toBeGreaterThan(20);
    expect(r.faults.duplicates).toBeGreaterThan(10);
    expect(r.book.n).toBeGreaterThanOrEqual(0.7 * r.served.rows);
    expect(r.book).toEqual({ n: r.book.n, distinct: r.book.n, matched: r.book.n, bad: 0 });
    expect(r.trades.checked).toBeGreaterThan(300);
    expect(r.trades).toMatchObject({ distinct: r.trades.n, bad: 0, lost: 0 });
  },
  120_000,
);

test.concurrent(
  "a 2,500-level book whose deeper levels move into the top 20 as the top is consumed: every stored top 20 equals the source's",
  async () => {
    const rows = 300;
    const t0 = 1_767_000_000_000;
    const deep = deepBook(M, rows, 2500, 11, t0, 100);
    expect(deep.book.levels).toBeGreaterThanOrEqual(2500);
    expect(deep.promotedRows).toBeGreaterThan(rows / 2); // the test is about levels coming up from below
    // speed 0: every row is sent once; drops make the collector take 2,500-level SNAPSHOTs mid-run
    const srv = await startServer({ source: { memory: [{ market: M, book: deep.book, tickSize: "0.5", sizeStep: "0.001" }] }, speed: 0, faults: { dropEverySeconds: 8 } });
    try {
      const dir = join(tmp, "deep");
      const { code } = await collectUntil(testConfig(srv, { collect_trades: false }), dir, (c) => (c.book?.rows ?? 0) >= rows, 60_000);
      expect(code).toBe(0);
      expect(srv.stats.faults.drops).toBeGreaterThanOrEqual(2);
      const stored = await readParts(join(dir, "btc_usd/orderbook_parts"), "timestamp_ms");
      expect(stored.length).toBe(rows);
      let mismatches = 0;
      for (const row of stored) {
        const r = Math.round((Number(row.timestamp_ms as bigint) - t0) / 100);
        const want = deep.top(r, 20).flat();
        const got = Array.from({ length: 20 }, (_, i) => [row[`bid_price_${i}`], row[`bid_qty_${i}`], row[`ask_price_${i}`], row[`ask_qty_${i}`]]).flat();
        if (got.some((v, k) => (v ?? NaN) !== want[k] && !(Number.isNaN(want[k]) && v === null))) mismatches++;
      }
      expect(mismatches).toBe(0);
    } finally {
      await srv.stop();
    }
  },
  90_000,
);
