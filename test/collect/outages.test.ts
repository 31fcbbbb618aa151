/**
 * Outage bookkeeping (issue 11 item 2): after a crash the outage starts at the last message the
 * lost process received (kept with its journal), not at its last periodic state.json save; a
 * refused handshake is logged with its HTTP status, and the same refusal again (a stream the
 * server does not offer) at most once per window.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MarketCollector } from "../../src/collect/market_collector.ts";
import { WsStream } from "../../src/collect/ws_stream.ts";
import { createRestClient } from "../../src/exchange/rest.ts";
import { encodeOrderbookMessage } from "../../src/exchange/encode.ts";
import { setLogLevel } from "../../src/log.ts";
import { withLogLines } from "../support/log_capture.ts";
import { M, testConfig } from "./harness.ts";
import { startScriptServer } from "./script_server.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-outages-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const snap = (seq: number, ts: number, bid: string) =>
  encodeOrderbookMessage({ ts, type: "SNAPSHOT", market: M, seq, bids: [{ p: bid, q: "1" }], asks: [{ p: "200", q: "1" }] });

test("after a crash, the restart outage in gaps.csv starts at the last message received, from the journal", async () => {
  setLogLevel("silent");
  const dir = join(tmp, "crash");
  const first = startScriptServer({
    market: M,
    // frames over ~1 s: the last one comes long after the start-up state.json save
    scripts: { orderbooks: ({ send }) => send(Array.from({ length: 12 }, (_, k) => snap(k + 1, 1000 + k, `${100 + k}`)), 90) },
  });
  const cfg = (srv: { wsBase: string; restBase: string }) => testConfig(srv, { collect_trades: false, gap_log_threshold_ms: 0, idle_timeout_seconds: 30 });
  const open = (srv: { wsBase: string; restBase: string }) =>
    new MarketCollector({ config: cfg(srv), dataDir: dir, market: M, wsBase: srv.wsBase, rest: createRestClient({ restBase: srv.restBase, userAgent: "t" }), onFatal: (e) => { throw e; } });
  let lastMessage = 0;
  try {
    const a = open(first);
    await a.prepare();
    a.start();
    while ((a.book?.rows ?? 0) < 12) await Bun.sleep(10);
    await Bun.sleep(100);
    lastMessage = a.streams[0]!.ws.lastLifeMs; // the 12th frame (client pings come every 10 s only)
    a.flush(); // the journal_flush_ms tick that makes the rows durable
    await Bun.sleep(1500); // the process lives on (idle) before it dies: state.json is older, "now" is later
    a.abandon(); // kill -9: no close, journals stay
  } finally {
    first.stop();
  }
  expect(readdirSync(join(dir, "btc_usd/journal")).length).toBeGreaterThan(0);
  const second = startScriptServer({ market: M, scripts: { orderbooks: ({ send }) => send([snap(1, 5000, "150")]) } });
  try {
    const b = open(second);
    await b.prepare();
    b.start();
    while ((b.book?.rows ?? 0) < 1) await Bun.sleep(10);
    await b.close();
  } finally {
    second.stop();
  }
  const lines = readFileSync(join(dir, "btc_usd/gaps.csv"), "utf8").trim().split("\n").slice(1);
  expect(lines.length).toBe(1);
  const [start, end, , , , stream] = lines[0]!.split(",");
  expect(stream).toBe("orderbook");
  expect(Math.abs(Number(start) - lastMessage)).toBeLessThanOrEqual(2); // the stamp is the message's local time (to the ms of the file system)
  expect(Number(end) - Number(start)).toBeGreaterThanOrEqual(1500);
});

test("a refused handshake is logged with its status; the same refusal again at most once per window", async () => {
  const srv = startScriptServer({ market: M, scripts: {} }); // no stream offered: every handshake is a 404
  setLogLevel("warn");
  const ws = new WsStream(
    { name: `${M} funding`, url: `${srv.wsBase}/funding/${M}`, userAgent: "t", idleMs: 5000, maxBackoffMs: 40, baseBackoffMs: 20, repeatLogMs: 500 },
    { onOpen: () => {}, onMessage: () => true, onLost: () => {} },
  );
  try {
    const t0 = Date.now();
    const { lines: all } = await withLogLines(async () => {
      ws.start();
      await Bun.sleep(1300);
      ws.stop();
    });
    const elapsed = Date.now() - t0;
    const lines = all.filter((l) => l.includes(`${M} funding`));
    expect(ws.reconnects).toBeGreaterThan(15);
    expect(lines[0]).toContain("handshake refused: HTTP 404 (the server does not offer this stream)");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 500));
    expect(lines[1]).toMatch(/HTTP 404 .*\(refused \d+ times in 0 min\)/);
  } finally {
    ws.stop();
    setLogLevel("silent");
    srv.stop();
  }
});
