/**
 * The replay clock starts at the first connection by default; with startAfterConnections it waits
 * for a client's streams, so one that opens them a little apart (the demo at 300×, on a loaded
 * machine) misses nothing at the start.
 */
import { expect, test } from "bun:test";
import { decodeOrderbookMessage, decodeTradesMessage } from "../../src/exchange/messages.ts";
import { orderbookStreamUrl, publicTradesStreamUrl } from "../../src/exchange/urls.ts";
import { startServer } from "../../src/serve/server.ts";
import { concatBooks, concatTrades } from "../../src/storage/batch.ts";
import { openBookSource, openTradeSource } from "../../src/storage/sources.ts";
import type { BookBatch, TradeBatch } from "../../src/storage/types.ts";
import { receive, STANDX } from "./helpers.ts";

async function sample(): Promise<{ book: BookBatch; trades: TradeBatch }> {
  const range = { fromMs: 1767653640000, toMs: 1767653640000 + 10 * 60_000 };
  const bs: BookBatch[] = [];
  for await (const b of openBookSource(`${STANDX}/orderbook.parquet`, range)) bs.push(b);
  const ts: TradeBatch[] = [];
  for await (const t of openTradeSource(`${STANDX}/trades.parquet`, range)) ts.push(t);
  return { book: concatBooks(bs), trades: concatTrades(ts) };
}

/** Opens the book stream, waits `gapMs`, opens the trades stream; returns the first ts each got. */
async function firstTimes(startAfterConnections: number | undefined, gapMs: number) {
  const { book, trades } = await sample();
  const server = await startServer({ source: { memory: [{ market: "BTC-USD", book, trades }] }, speed: 300, startAfterConnections });
  try {
    const bookRx = receive(orderbookStreamUrl(server.wsBase, "BTC-USD"), (f) => f.length >= 1, 10_000);
    await Bun.sleep(gapMs);
    const tradesRx = receive(publicTradesStreamUrl(server.wsBase, "BTC-USD"), (f) => f.length >= 1, 10_000);
    const [b, t] = await Promise.all([bookRx, tradesRx]);
    const bm = decodeOrderbookMessage(b.frames[0]!);
    const tm = decodeTradesMessage(t.frames[0]!);
    if (!bm.ok || !tm.ok) throw new Error("undecodable first frame");
    return { book: bm.value.ts, trade: tm.value.trades[0]!.T, firstBook: book.timestampMs[0]!, firstTrade: trades.timestampMs[0]! };
  } finally {
    await server.stop();
  }
}

test("startAfterConnections: 2 — both streams start at the first row although the second opens 300 ms (90 s of replay) later", async () => {
  const r = await firstTimes(2, 300);
  expect(r.book).toBe(r.firstBook);
  expect(r.trade).toBe(r.firstTrade);
});

test("default: the clock runs from the first connection, so the late stream starts later in the replay", async () => {
  const r = await firstTimes(undefined, 300);
  expect(r.book).toBe(r.firstBook);
  expect(r.trade).toBeGreaterThan(r.firstTrade + 60_000);
});
