/**
 * Protocol and long-run checks found in QA: a SNAPSHOT is self-contained and must be applied
 * whatever its seq (the original let every SNAPSHOT pass the seq check, docs/original.md §3.6;
 * `?depth=1` sends nothing but SNAPSHOTs), and timer-driven config values larger than a JS timer
 * can hold must not turn into 1 ms busy loops.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MarketCollector } from "../../src/collect/market_collector.ts";
import { encodeOrderbookMessage } from "../../src/exchange/encode.ts";
import { log, setLogLevel } from "../../src/log.ts";
import { readParts, STORED_ORDER } from "./duck.ts";
import { collectUntil, M, testConfig } from "./harness.ts";
import { startScriptServer } from "./script_server.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-seq-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const config = (srv: { wsBase: string; restBase: string }, extra: Record<string, unknown> = {}) => testConfig(srv, { collect_trades: false, ...extra });
const collect = (cfg: ReturnType<typeof config>, dataDir: string, until: (c: MarketCollector) => boolean, timeoutMs = 10_000) => collectUntil(cfg, dataDir, until, timeoutMs);
const book = (type: "SNAPSHOT" | "DELTA", seq: number, ts: number, bids: [string, string][], asks: [string, string][]) =>
  encodeOrderbookMessage({ ts, type, market: M, seq, bids: bids.map(([p, q]) => ({ p, q })), asks: asks.map(([p, q]) => ({ p, q })) });


test("a SNAPSHOT whose seq does not exceed the last one still replaces the book, and the DELTAs after it apply", async () => {
  setLogLevel("silent");
  const srv = startScriptServer({
    market: M,
    scripts: {
      orderbooks: ({ send }) =>
        send([
          book("SNAPSHOT", 1, 1000, [["100", "1"]], [["101", "1"]]),
          book("DELTA", 2, 1100, [["100", "1"]], []),
          // the book is re-sent from seq 1 (a fresh snapshot): it replaces everything
          book("SNAPSHOT", 1, 1200, [["99", "3"]], [["102", "1"]]),
          book("DELTA", 2, 1300, [["99", "1"]], []),
        ]),
    },
  });
  try {
    const dir = join(tmp, "resnap");
    const { code, col } = await collect(config(srv), dir, (c) => (c.book?.rows ?? 0) >= 4, 3000);
    expect(code).toBe(0);
    const rows = await readParts(join(dir, "btc_usd/orderbook_parts"), STORED_ORDER);
    expect(rows.map((r) => [r.bid_price_0, r.bid_qty_0, r.ask_price_0])).toEqual([
      [100, 1, 101],
      [100, 2, 101],
      [99, 3, 102],
      [99, 4, 102],
    ]);
    expect(srv.connections.orderbooks).toBe(1);
    expect(col.book!.resubscribes).toBe(0);
  } finally {
    srv.stop();
  }
});

test("?depth=1 (always SNAPSHOTs): every snapshot is stored even when seq repeats", async () => {
  setLogLevel("silent");
  const srv = startScriptServer({
    market: M,
    scripts: {
      orderbooks: ({ send }) => send([1, 2, 3, 4, 5].map((k) => book("SNAPSHOT", 1, 1000 + k, [[`${100 + k}`, "1"]], [[`${200 + k}`, "1"]]))),
    },
  });
  try {
    const dir = join(tmp, "depth1");
    const { code } = await collect(config(srv, { collect_full_orderbook: false }), dir, (c) => (c.book?.rows ?? 0) >= 5, 3000);
    expect(code).toBe(0);
    const rows = await readParts(join(dir, "btc_usd/orderbook_parts"), STORED_ORDER);
    expect(rows.map((r) => r.bid_price_0)).toEqual([101, 102, 103, 104, 105]);
  } finally {
    srv.stop();
  }
});

test("health_log_seconds beyond a JS timer's range does not log a health line every millisecond", async () => {
  const lines: string[] = [];
  const reporter = { log: (o: { args: unknown[] }) => void lines.push(o.args.map(String).join(" ")) };
  log.addReporter(reporter);
  setLogLevel("info");
  const srv = startScriptServer({ market: M, scripts: { orderbooks: ({ send }) => send([book("SNAPSHOT", 1, 1000, [["100", "1"]], [["101", "1"]])]) } });
  try {
    const dir = join(tmp, "health-huge");
    const t0 = Date.now();
    const { code } = await collect(config(srv, { health_log_seconds: 3_000_000 }), dir, () => Date.now() - t0 > 400, 3000);
    expect(code).toBe(0);
    expect(lines.filter((l) => l.startsWith("BTC-USD: orderbook")).length).toBe(0);
  } finally {
    setLogLevel("silent");
    log.removeReporter(reporter);
    srv.stop();
  }
});

test("the first health line's rates are over the time since start, not over one second", async () => {
  setLogLevel("silent");
  const srv = startScriptServer({
    market: M,
    scripts: {
      orderbooks: ({ send }) =>
        send([book("SNAPSHOT", 1, 1000, [["100", "1"]], [["101", "1"]]), ...Array.from({ length: 19 }, (_, k) => book("DELTA", k + 2, 1001 + k, [["100", "1"]], []))]),
    },
  });
  try {
    const dir = join(tmp, "health-rate");
    const t0 = Date.now();
    let line = "";
    const { code } = await collect(config(srv), dir, (c) => {
      if ((c.book?.rows ?? 0) < 20 || Date.now() - t0 < 3000) return false;
      line = c.healthLine(Date.now());
      return true;
    });
    expect(code).toBe(0);
    const rate = Number(/orderbook ([\d.]+) msg\/s/.exec(line)![1]);
    // 20 messages over ~3 s since start (less the start-up): well under 20 msg/s, which is
    // what a one-second window says
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThan(12);
  } finally {
    srv.stop();
  }
});
