/**
 * In-process collector runs against the scripted server: bad input survived, seq gaps and drops
 * resubscribed, trades exactly once across a reconnect with REST backfill, and a restart that
 * resumes without duplicates.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MarketCollector } from "../../src/collect/market_collector.ts";
import { runCollector } from "../../src/collect/run.ts";
import { encodeFundingMessage, encodeOrderbookMessage, encodeRestTrades, encodeTradesMessage } from "../../src/exchange/encode.ts";
import type { PublicTrade } from "../../src/exchange/messages.ts";
import { log, setLogLevel } from "../../src/log.ts";
import { readParts, STORED_ORDER } from "./duck.ts";
import { collectUntil, M, testConfig } from "./harness.ts";
import { startScriptServer } from "./script_server.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-collect-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BIG = 1992214670521405446n;
const trade = (k: number): PublicTrade => ({ market: M, side: k % 2 ? "BUY" : "SELL", type: "TRADE", T: 1_700_000_000_000 + k, p: `${90000 + k}.5`, q: "0.001", id: BIG + BigInt(k) });
const tradesFrame = (ks: number[], seq: number) => encodeTradesMessage({ ts: 1_700_000_000_000, seq, trades: ks.map(trade) });
const book = (type: "SNAPSHOT" | "DELTA", seq: number, bids: [string, string][], asks: [string, string][]) =>
  encodeOrderbookMessage({ ts: 1_700_000_000_000 + seq, type, market: M, seq, bids: bids.map(([p, q]) => ({ p, q })), asks: asks.map(([p, q]) => ({ p, q })) });

const config = testConfig;
const collect = (cfg: ReturnType<typeof config>, dataDir: string, until: (c: MarketCollector) => boolean, timeoutMs = 15_000) => collectUntil(cfg, dataDir, until, timeoutMs);

function captureLog() {
  const lines: string[] = [];
  const reporter = { log: (o: { args: unknown[] }) => void lines.push(o.args.map(String).join(" ")) };
  log.addReporter(reporter);
  return { lines, stop: () => log.removeReporter(reporter) };
}

describe("collect_data against a scripted server", () => {
  test("bad input frames are each logged and survived; good frames around them are stored", async () => {
    const badBook = [
      "{not json",
      '{"ts":1,"type":"DELTA","data":{"m":"BTC-USD","b":[{"p":"100","q":"1"}]},"seq":"3"}',
      '{"ts":1,"type":"DELTA","data":{"m":"BTC-USD"}}',
      '{"ts":1,"type":"SNAPSHOT","data":{"m":"BTC-USD","b":[{"p":"100","q":"-1"}],"a":[]},"seq":3}',
      '{"ts":1,"type":"SURPRISE","data":{"m":"BTC-USD"},"seq":3}',
    ];
    const badTrades = [
      "{]",
      '{"ts":1,"data":[{"i":1,"m":"BTC-USD","S":"BUY","tT":"TRADE","T":5,"p":"1","q":"-2"}],"seq":1}',
      '{"ts":1,"data":[{"m":"BTC-USD","S":"BUY","tT":"TRADE","T":5,"p":"1","q":"2"}],"seq":1}',
      '{"ts":1,"data":"nope","seq":1}',
      '{"ts":1,"type":"HELLO"}',
    ];
    const srv = startScriptServer({
      market: M,
      scripts: {
        orderbooks: async ({ send }) => {
          await send([book("DELTA", 1, [["100", "1"]], []), book("SNAPSHOT", 2, [["100", "1"]], [["101", "2"]]), ...badBook, book("DELTA", 3, [["100", "1"]], [])]);
        },
        publicTrades: async ({ send }) => {
          await send([tradesFrame([1], 1), ...badTrades, tradesFrame([2, 3], 2)]);
        },
      },
    });
    const cap = captureLog();
    setLogLevel("warn");
    const dir = join(tmp, "bad");
    try {
      const { code, col } = await collect(config(srv), dir, (c) => (c.book?.rows ?? 0) >= 2 && (c.trades?.stored ?? 0) >= 3 && c.book!.bad.total + c.trades!.bad.total >= 11);
      expect(code).toBe(0);
      expect(col.book!.bad.total).toBe(badBook.length + 1); // + the DELTA before any SNAPSHOT
      expect(col.trades!.bad.total).toBe(badTrades.length);
      const skipped = cap.lines.filter((l) => l.includes("skipped frame"));
      expect(skipped.length).toBe(badBook.length + 1 + badTrades.length);
      expect(skipped.some((l) => l.includes("before any SNAPSHOT"))).toBe(true);
      expect(skipped.some((l) => l.includes("negative size"))).toBe(true);
      expect(srv.connections.orderbooks).toBe(1); // survived without reconnecting
      const rows = await readParts(join(dir, "btc_usd/orderbook_parts"), "seq");
      expect(rows.map((r) => [r.seq, r.bid_qty_0])).toEqual([[2n, 1], [3n, 2]]);
      const trades = await readParts(join(dir, "btc_usd/trades_parts"), "trade_id");
      expect(trades.map((r) => r.trade_id)).toEqual([BIG + 1n, BIG + 2n, BIG + 3n]);
      expect(srv.userAgents.every((u) => u === "emm-test/1")).toBe(true);
      const market = JSON.parse(readFileSync(join(dir, "btc_usd/market.json"), "utf8"));
      expect(market).toMatchObject({ name: M, tick_size: 0.1, lot_size: 0.0001, status: "ACTIVE" });
    } finally {
      cap.stop();
      srv.stop();
    }
  });

  test("seq gap and crossed book resubscribe; a dropped trades stream is backfilled; every trade once", async () => {
    const srv = startScriptServer({
      market: M,
      scripts: {
        orderbooks: async ({ conn, send, ws }) => {
          // the collector reconnects at once: keep each outage measurable (gap_log_threshold_ms 0)
          if (conn > 0) await Bun.sleep(5);
          if (conn === 0) await send([book("SNAPSHOT", 1, [["100", "1"]], [["101", "1"]]), book("DELTA", 2, [["100", "1"]], []), book("DELTA", 4, [["100", "1"]], [])]);
          else if (conn === 1) await send([book("SNAPSHOT", 1, [["100", "5"]], [["101", "1"]]), book("DELTA", 2, [["102", "1"]], [])]);
          else await send([book("SNAPSHOT", 1, [["100", "9"]], [["101", "1"]])]);
          void ws;
        },
        publicTrades: async ({ conn, send, ws }) => {
          if (conn === 0) {
            await send([tradesFrame([1, 2, 3], 1), tradesFrame([5, 4], 2), tradesFrame([5], 3)]);
            await Bun.sleep(50);
            ws.close(1011, "going away");
          } else {
            await send([tradesFrame([9, 10], 1), tradesFrame([3, 10], 2)]);
          }
        },
        funding: async ({ send }) => {
          const f = (T: number, rate: string, seq: number) => encodeFundingMessage({ ts: T, seq, market: M, T, rate });
          await send([f(1_700_000_000_000, "0.0001", 1), f(1_700_000_000_000, "0.0001", 2), f(1_700_000_060_000, "-0.00002", 3)]);
        },
      },
      // REST has the outage: 4..8 (4, 5 already stored).
      restTrades: () => encodeRestTrades([4, 5, 6, 7, 8].map(trade)),
    });
    const dir = join(tmp, "reconnect");
    setLogLevel("silent");
    try {
      const cfg = config(srv, { collect_funding: true, max_depth_levels: 3, gap_log_threshold_ms: 0, collect_full_orderbook: false });
      const { code, col } = await collect(cfg, dir, (c) => (c.trades?.stored ?? 0) >= 10 && (c.book?.rows ?? 0) >= 4 && (c.funding?.stored ?? 0) >= 2);
      expect(code).toBe(0);
      expect(srv.connections.orderbooks).toBe(3);
      expect(col.book!.resubscribes).toBe(2);
      const rows = await readParts(join(dir, "btc_usd/orderbook_parts"), STORED_ORDER);
      expect(rows.map((r) => r.bid_qty_0)).toEqual([1, 2, 5, 9]);
      expect(Object.keys(rows[0]).filter((k) => k.startsWith("bid_price_"))).toEqual(["bid_price_0", "bid_price_1", "bid_price_2"]); // max_depth_levels
      expect(srv.requests.filter((r) => r.includes("/orderbooks/")).every((r) => r.endsWith("?depth=1"))).toBe(true); // collect_full_orderbook=false
      const funding = await readParts(join(dir, "btc_usd/funding_parts"), "timestamp_ms");
      expect(funding.map((r) => [Number(r.timestamp_ms as bigint), r.funding_rate, r.market])).toEqual([
        [1_700_000_000_000, 0.0001, M],
        [1_700_000_060_000, -0.00002, M],
      ]);
      const gaps = readFileSync(join(dir, "btc_usd/gaps.csv"), "utf8").trim().split("\n");
      expect(gaps[0]).toBe("start_ts,end_ts,duration_ms,start_fmt,end_fmt,stream");
      expect(gaps.slice(1).map((l) => l.split(",")[5]).sort()).toEqual(["orderbook", "orderbook", "trades"]);
      for (const l of gaps.slice(1)) {
        const [a, b, d] = l.split(",").map(Number);
        expect(d).toBe(b - a);
        expect(d).toBeGreaterThanOrEqual(0);
      }
      const trades = await readParts(join(dir, "btc_usd/trades_parts"), "trade_id");
      expect(trades.map((r) => Number(r.trade_id! as bigint - BIG))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(trades[0].is_buyer_maker).toBe(false); // k=1 BUY taker
      expect(trades[1].is_buyer_maker).toBe(true);
      expect(col.backfilled).toBe(3);
      const health = col.healthLine(Date.now());
      expect(health).toMatch(/^BTC-USD: orderbook [\d.]+ msg\/s.*, trades [\d.]+ msg\/s.* \| rows book 4 trades 10 funding 2 \| reconnects orderbook 2 trades 1 funding 0 \| last seq 1 \| journal lag \d+ rows/);
      const state = readFileSync(join(dir, "btc_usd/state.json"), "utf8");
      expect(state).toContain(`"last_trade_id": ${BIG + 10n}`);

      // Restart: the same trades replayed (WS and REST) are not stored again.
      const srv2 = startScriptServer({
        market: M,
        scripts: {
          orderbooks: async ({ send }) => send([book("SNAPSHOT", 1, [["100", "1"]], [["101", "1"]])]),
          publicTrades: async ({ send }) => send([tradesFrame([1, 2, 3, 10, 11], 1)]),
        },
        restTrades: () => encodeRestTrades([7, 8, 9, 10].map(trade)),
      });
      try {
        const r2 = await collect(config(srv2), dir, (c) => (c.trades?.stored ?? 0) >= 1 && (c.book?.rows ?? 0) >= 1);
        expect(r2.code).toBe(0);
        await Bun.sleep(0);
        const all = await readParts(join(dir, "btc_usd/trades_parts"), "trade_id");
        expect(all.map((r) => Number(r.trade_id! as bigint - BIG))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        const parts = readdirSync(join(dir, "btc_usd/trades_parts"));
        expect(new Set(parts).size).toBe(parts.length);
        expect(existsSync(join(dir, "btc_usd/journal"))).toBe(true);
        expect(readdirSync(join(dir, "btc_usd/journal"))).toEqual([]);
      } finally {
        srv2.stop();
      }
    } finally {
      srv.stop();
    }
  });
});

test("SIGTERM stops, flushes and exits 0; a second signal during the flush is ignored", async () => {
  const srv = startScriptServer({
    market: M,
    scripts: {
      orderbooks: async ({ send }) => send([book("SNAPSHOT", 1, [["100", "1"]], [["101", "1"]])]),
      publicTrades: async ({ send }) => send([tradesFrame([1], 1)]),
    },
  });
  const cap = captureLog();
  setLogLevel("info");
  const dir = join(tmp, "signals");
  try {
    let col: MarketCollector | null = null;
    const run = runCollector({ config: config(srv), dataDir: dir, markets: [M], handleSignals: true, onStarted: (cs) => (col = cs[0]) });
    while (!(col && (col as MarketCollector).trades!.stored >= 1 && (col as MarketCollector).book!.rows >= 1)) await Bun.sleep(10);
    process.emit("SIGTERM" as never);
    process.emit("SIGINT" as never);
    expect(await run).toBe(0);
    expect(cap.lines.some((l) => l.includes("SIGTERM received: stopping"))).toBe(true);
    expect(cap.lines.some((l) => l.includes("SIGINT received again while flushing; ignored"))).toBe(true);
    expect((await readParts(join(dir, "btc_usd/trades_parts"), "trade_id")).length).toBe(1);
    expect((await readParts(join(dir, "btc_usd/orderbook_parts"), "seq")).length).toBe(1);
  } finally {
    setLogLevel("silent");
    cap.stop();
    srv.stop();
  }
});
