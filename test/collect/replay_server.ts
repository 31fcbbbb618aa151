/**
 * A live-like replay of the StandX recording for the kill -9 test: one global clock advancing
 * `rowsPerSecond` book rows per second whether or not anybody listens (like an exchange), each new
 * connection starting with a SNAPSHOT of the next row, trades emitted as the book time passes, and
 * REST returning the latest `restWindow` trades. It records when each row/trade was sent, so the
 * test can bound exactly what a crash may lose.
 */
import type { ServerWebSocket } from "bun";
import { encodeRestTrades } from "../../src/exchange/encode.ts";
import { MARKET, type Source } from "./replay_source.ts";

export interface ReplayServer {
  wsBase: string;
  restBase: string;
  /** Local ms when row r was sent to an open connection (NaN = never sent). */
  rowSentAt: Float64Array;
  tradeSentAt: Float64Array;
  /** Next row to emit. */
  cursor(): number;
  bookConnections: number;
  stop(): void;
}

export function startReplayServer(src: Source, rowsPerSecond: number, restWindow = 1000): ReplayServer {
  const rowSentAt = new Float64Array(src.book.length).fill(NaN);
  const tradeSentAt = new Float64Array(src.trades.length).fill(NaN);
  const books = new Set<ServerWebSocket<{ kind: string }>>();
  const trades = new Set<ServerWebSocket<{ kind: string }>>();
  let cursor = 0;
  let nextTrade = 0;
  let emittedTrades = 0;
  const t0 = performance.now();
  const out = { bookConnections: 0 } as ReplayServer;

  const emitTradesUpTo = (ts: number, now: number) => {
    while (nextTrade < src.trades.length && src.trades.timestampMs[nextTrade] <= ts) {
      if (trades.size > 0) {
        const f = src.trade(nextTrade);
        for (const ws of trades) ws.send(f);
        tradeSentAt[nextTrade] = now;
      }
      nextTrade++;
      emittedTrades = nextTrade;
    }
  };
  const timer = setInterval(() => {
    const now = Date.now();
    const target = Math.min(src.book.length, Math.floor(((performance.now() - t0) / 1000) * rowsPerSecond));
    for (; cursor < target; cursor++) {
      if (cursor > 0 && books.size > 0) {
        const f = src.delta(cursor);
        for (const ws of books) ws.send(f);
        rowSentAt[cursor] = now;
      }
      emitTradesUpTo(src.book.timestampMs[cursor], now);
    }
  }, 5);

  const server = Bun.serve<{ kind: string }>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      const u = new URL(req.url);
      const m = /\/stream\.extended\.exchange\/v1\/(orderbooks|publicTrades|funding)\//.exec(u.pathname);
      if (m) {
        if (m[1] === "funding") return new Response("no funding here", { status: 404 });
        return srv.upgrade(req, { data: { kind: m[1] } }) ? undefined : new Response("bad upgrade", { status: 400 });
      }
      if (u.pathname === "/api/v1/info/markets") {
        return Response.json({ status: "OK", data: [{ name: MARKET, status: "ACTIVE", active: true, tradingConfig: { minPriceChange: "0.1", minOrderSizeChange: "0.0001" } }] });
      }
      if (u.pathname === `/api/v1/info/markets/${MARKET}/trades`) {
        const from = Math.max(0, emittedTrades - restWindow);
        const list = [];
        for (let i = emittedTrades - 1; i >= from; i--) list.push(src.tradeObj(i)); // newest first, like the exchange
        return new Response(encodeRestTrades(list));
      }
      return new Response("not found", { status: 404 });
    },
    websocket: {
      open(ws) {
        if (ws.data.kind === "orderbooks") {
          if (cursor >= src.book.length) return;
          out.bookConnections++;
          // A new subscription starts with a SNAPSHOT of the next row; deltas follow from there.
          const now = Date.now();
          ws.send(src.snapshot(cursor));
          rowSentAt[cursor] = now;
          emitTradesUpTo(src.book.timestampMs[cursor], now);
          cursor++;
          books.add(ws);
        } else {
          trades.add(ws);
        }
      },
      close(ws) {
        books.delete(ws);
        trades.delete(ws);
      },
      message() {},
    },
  });
  return Object.assign(out, {
    wsBase: `ws://127.0.0.1:${server.port}/stream.extended.exchange/v1`,
    restBase: `http://127.0.0.1:${server.port}/api/v1`,
    rowSentAt,
    tradeSentAt,
    cursor: () => cursor,
    stop: () => {
      clearInterval(timer);
      server.stop(true);
    },
  });
}
