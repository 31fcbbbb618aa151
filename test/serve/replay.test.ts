import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DecimalScale } from "../../src/exchange/decimal.ts";
import { decodeMarketsResponse, decodeOrderbookMessage, decodeTradesMessage, type OrderbookMessage, type PublicTrade } from "../../src/exchange/messages.ts";
import { createRestClient } from "../../src/exchange/rest.ts";
import { orderbookStreamUrl, publicTradesStreamUrl } from "../../src/exchange/urls.ts";
import { startServer, type ReplayServer } from "../../src/serve/server.ts";
import { concatBooks, concatTrades } from "../../src/storage/batch.ts";
import { openBookSource, openTradeSource } from "../../src/storage/sources.ts";
import { Side, type BookBatch, type TradeBatch } from "../../src/storage/types.ts";
import { ClientBook, receive, STANDX } from "./helpers.ts";

/** Real StandX BTC book and trades, first 4 minutes (≈ 800 rows: several 60 s snapshots). */
let book: BookBatch;
let trades: TradeBatch;
let server: ReplayServer;

beforeAll(async () => {
  const from = 1767653640000; // 2026-01-05T22:54:00Z, the start of the recording
  const range = { fromMs: from, toMs: from + 4 * 60_000 };
  const bs: BookBatch[] = [];
  for await (const b of openBookSource(`${STANDX}/orderbook.parquet`, range)) bs.push(b);
  const ts: TradeBatch[] = [];
  for await (const t of openTradeSource(`${STANDX}/trades.parquet`, range)) ts.push(t);
  book = concatBooks(bs);
  trades = concatTrades(ts);
  server = await startServer({ source: { memory: [{ market: "BTC-USD", book, trades }] }, speed: 0, closeAtEnd: true });
});
afterAll(() => server?.stop());

describe("replay of the real StandX book", () => {
  test("a client rebuilds every source row exactly (all 20 levels) at every seq", async () => {
    expect(book.length).toBeGreaterThan(500);
    const markets = await createRestClient({ restBase: server.restBase, userAgent: "serve-test/1.0" }).markets("BTC-USD");
    const px = DecimalScale.fromStep(markets[0].tickSize);
    const qty = DecimalScale.fromStep(markets[0].sizeStep);
    const r = await receive(orderbookStreamUrl(server.wsBase, "BTC-USD"), () => false, 30_000);
    expect(r.closeCode).toBe(1000); // closeAtEnd
    expect(r.frames.length).toBe(book.length);
    const client = new ClientBook(px, qty);
    let snapshots = 0;
    let lastSnapTs = -Infinity;
    for (let i = 0; i < r.frames.length; i++) {
      const d = decodeOrderbookMessage(r.frames[i]);
      if (!d.ok) throw new Error(d.error);
      const m: OrderbookMessage = d.value;
      expect(m.seq).toBe(i + 1);
      expect(m.ts).toBe(book.timestampMs[i]);
      expect(m.market).toBe("BTC-USD");
      if (i === 0) expect(m.type).toBe("SNAPSHOT");
      if (m.type === "SNAPSHOT") {
        snapshots++;
        if (i > 0) expect(m.ts - lastSnapTs).toBeGreaterThanOrEqual(60_000);
        lastSnapTs = m.ts;
      } else {
        expect(m.ts - lastSnapTs).toBeLessThan(60_000);
      }
      client.apply(m);
      const top = client.top(20);
      for (let l = 0; l < 20; l++) {
        const want = (p: number, q: number): [number, number] | undefined => (p === p ? [p, q] : undefined);
        expect(top.bids[l] as unknown).toEqual(want(book.bidPx[l][i], book.bidQty[l][i]));
        expect(top.asks[l] as unknown).toEqual(want(book.askPx[l][i], book.askQty[l][i]));
      }
    }
    expect(snapshots).toBeGreaterThanOrEqual(4);
  });

  test("resync mode: every periodic SNAPSHOT equals the delta-built book, and every DELTA still lands on its row", async () => {
    const srv = await startServer({ source: { memory: [{ market: "BTC-USD", book }] }, speed: 0, closeAtEnd: true, snapshotMode: "resync", snapshotIntervalMs: 20_000 });
    try {
      const r = await receive(orderbookStreamUrl(srv.wsBase, "BTC-USD"), () => false, 30_000);
      const client = new ClientBook(DecimalScale.ofDecimals(1), DecimalScale.ofDecimals(8));
      const rowOf = new Map<number, number>();
      for (let i = 0; i < book.length; i++) rowOf.set(book.timestampMs[i], i);
      let resyncs = 0;
      for (let k = 0; k < r.frames.length; k++) {
        const d = decodeOrderbookMessage(r.frames[k]);
        if (!d.ok) throw new Error(d.error);
        expect(d.value.seq).toBe(k + 1);
        if (d.value.type === "SNAPSHOT" && k > 0) {
          const before = client.top(1000);
          const fresh = new ClientBook(client.px, client.qty);
          fresh.apply(d.value);
          expect(fresh.top(1000)).toEqual(before);
          resyncs++;
        }
        client.apply(d.value);
        const i = rowOf.get(d.value.ts)!;
        expect(client.top(20).bids[19]).toEqual([book.bidPx[19][i], book.bidQty[19][i]]);
        expect(client.top(20).asks[0]).toEqual([book.askPx[0][i], book.askQty[0][i]]);
      }
      expect(resyncs).toBeGreaterThanOrEqual(8);
      expect(r.frames.length).toBe(book.length + resyncs);
    } finally {
      await srv.stop();
    }
  });

  test("trades arrive exactly once, in order, with ids and values intact", async () => {
    const want: { T: number; p: number; q: number; side: "BUY" | "SELL"; id: bigint }[] = [];
    for (let i = 0; i < trades.length; i++) {
      if (trades.side[i] === Side.unknown) continue;
      want.push({ T: trades.timestampMs[i], p: trades.price[i], q: trades.quantity[i], side: trades.side[i] === Side.buy ? "BUY" : "SELL", id: trades.tradeId![i] });
    }
    expect(want.length).toBeGreaterThan(50);
    const r = await receive(publicTradesStreamUrl(server.wsBase, "BTC-USD"), () => false, 30_000);
    const got: PublicTrade[] = [];
    let seq = 0;
    for (const f of r.frames) {
      const d = decodeTradesMessage(f);
      if (!d.ok) throw new Error(d.error);
      expect(d.value.seq).toBe(++seq);
      for (const t of d.value.trades) expect(t.T).toBe(d.value.ts);
      got.push(...d.value.trades);
    }
    expect(got.map((t) => ({ T: t.T, p: Number(t.p), q: Number(t.q), side: t.side, id: t.id }))).toEqual(want);
  });

  test("REST answers in the exchange's shapes and follows the replay position", async () => {
    const c = createRestClient({ restBase: server.restBase, userAgent: "serve-test/1.0" });
    const m = await c.markets();
    expect(m.map((x) => x.name)).toEqual(["BTC-USD"]);
    expect(m[0]).toMatchObject({ status: "ACTIVE", active: true, tickSize: "0.1" });
    const raw = m[0].raw as { marketStats: Record<string, string>; tradingConfig: Record<string, string> };
    for (const k of ["lastPrice", "bidPrice", "askPrice", "markPrice", "indexPrice"]) expect(raw.marketStats[k]).toMatch(/^\d+(\.\d+)?$/);
    // both streams were replayed to the end above, so "now" is the last row / trade
    const ob = await c.orderbook("BTC-USD");
    const last = book.length - 1;
    expect(ob.bids.length).toBe(20);
    expect(Number(ob.bids[0].price)).toBe(book.bidPx[0][last]);
    expect(Number(ob.asks[19].qty)).toBe(book.askQty[19][last]);
    const rt = await c.trades("BTC-USD");
    expect(rt.at(-1)!.id).toBe(trades.tradeId![trades.length - 1]);
    for (let i = 1; i < rt.length; i++) expect(rt[i].id > rt[i - 1].id).toBe(true);
    // unknown market / endpoint: the exchange's error envelope and 404
    const e = (await c.trades("ETH-USD").catch((x) => x)) as Error & { status?: number };
    expect(e.status).toBe(404);
    expect(e.message).toContain("Market not found");
    const res = await fetch(`${server.restBase}/info/markets?market=NOPE`, { headers: { "User-Agent": "x" } });
    const d = decodeMarketsResponse(await res.text());
    expect(d.ok && d.value.length).toBe(0);
    expect(server.stats.userAgents).toContain("serve-test/1.0");
  });

  test("REST trades ?limit: honoured when a positive integer, a 400 in the exchange's envelope otherwise (no silent default)", async () => {
    const get = (q: string) => fetch(`${server.restBase}/info/markets/BTC-USD/trades${q}`, { headers: { "User-Agent": "x" } });
    const two = await get("?limit=2");
    expect(two.status).toBe(200);
    expect(((await two.json()) as { data: unknown[] }).data).toHaveLength(2);
    for (const bad of ["abc", "-3", "0", "1.5", ""]) {
      const r = await get(`?limit=${bad}`);
      expect([bad, r.status]).toEqual([bad, 400]);
      const body = (await r.json()) as { status: string; error: { code: number; message: string } };
      expect(body.status).toBe("ERROR");
      expect(body.error.message).toContain("limit");
    }
  });
});
