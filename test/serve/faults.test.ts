import { afterEach, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { DecimalScale } from "../../src/exchange/decimal.ts";
import { decodeOrderbookMessage, decodeTradesMessage, type PublicTrade } from "../../src/exchange/messages.ts";
import { orderbookStreamUrl, publicTradesStreamUrl, wsOptions } from "../../src/exchange/urls.ts";
import { MALFORMED_KINDS, type FaultOptions } from "../../src/serve/faults.ts";
import { startServer, type ReplayServer, type ServeOptions } from "../../src/serve/server.ts";
import { SNOWFLAKE_EPOCH_MS } from "../../src/serve/timeline.ts";
import { allocBook, allocTrades } from "../../src/storage/batch.ts";
import { Side, type BookBatch, type TradeBatch } from "../../src/storage/types.ts";
import { ClientBook, receive } from "./helpers.ts";

const T0 = 1_767_000_000_000;

/** Seeded synthetic market: `rows` book rows 100 ms apart (5 levels, 0.5 tick), a trade every 200 ms. */
function synthetic(rows = 200, seed = 1): { book: BookBatch; trades: TradeBatch } {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const book = allocBook("TEST-USD", 5, rows);
  let mid = 2000;
  for (let i = 0; i < rows; i++) {
    book.timestampMs[i] = T0 + i * 100;
    book.seq[i] = BigInt(i);
    mid += r() < 0.5 ? -0.5 : 0.5;
    for (let l = 0; l < 5; l++) {
      book.bidPx[l][i] = mid - 0.5 * (l + 1);
      book.askPx[l][i] = mid + 0.5 * l;
      book.bidQty[l][i] = Math.round(r() * 5000 + 1) / 1000;
      book.askQty[l][i] = Math.round(r() * 5000 + 1) / 1000;
    }
  }
  const n = rows / 2;
  const trades = allocTrades("TEST-USD", n, false);
  for (let i = 0; i < n; i++) {
    trades.timestampMs[i] = T0 + i * 200 + 50;
    trades.price[i] = 2000 + Math.round(r() * 100) / 10;
    trades.quantity[i] = Math.round(r() * 1000 + 1) / 1000;
    trades.side[i] = r() < 0.5 ? Side.buy : Side.sell;
  }
  return { book, trades };
}

let server: ReplayServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

async function serve(opts: Partial<ServeOptions> & { faults?: FaultOptions } = {}, rows = 200) {
  const { book, trades } = synthetic(rows);
  server = await startServer({ source: { memory: [{ market: "TEST-USD", book, trades }] }, speed: 0, closeAtEnd: true, ...opts });
  return { server, book, trades };
}

const bookUrl = () => orderbookStreamUrl(server!.wsBase, "TEST-USD");
const tradesUrl = () => publicTradesStreamUrl(server!.wsBase, "TEST-USD");

function tradesOf(frames: string[]): PublicTrade[] {
  const out: PublicTrade[] = [];
  for (const f of frames) {
    const d = decodeTradesMessage(f);
    if (d.ok) out.push(...d.value.trades);
  }
  return out;
}

describe("trade ids", () => {
  test("synthesized snowflake ids exceed 2^53 and arrive exact", async () => {
    const { trades } = await serve();
    const r = await receive(tradesUrl(), () => false);
    const got = tradesOf(r.frames);
    expect(got.length).toBe(trades.length);
    for (let i = 0; i < got.length; i++) {
      expect(got[i].id > 2n ** 53n).toBe(true);
      expect(Number(got[i].id >> 22n) + SNOWFLAKE_EPOCH_MS).toBe(trades.timestampMs[i]);
      if (i > 0) expect(got[i].id > got[i - 1].id).toBe(true);
    }
  });

  test("source ids near 2^63 are kept exactly", async () => {
    const { book } = synthetic(10);
    const trades = allocTrades("TEST-USD", 3, true);
    const ids = [9223372036854775805n, 9223372036854775806n, 9223372036854775807n];
    for (let i = 0; i < 3; i++) {
      trades.timestampMs[i] = T0 + i;
      trades.price[i] = 1.5;
      trades.quantity[i] = 0.001;
      trades.side[i] = Side.sell;
      trades.tradeId![i] = ids[i];
    }
    server = await startServer({ source: { memory: [{ market: "TEST-USD", book, trades }] }, speed: 0, closeAtEnd: true });
    const got = tradesOf((await receive(tradesUrl(), () => false)).frames);
    expect(got.map((t) => t.id)).toEqual(ids);
    expect(got.every((t) => t.side === "SELL" && t.p === "1.5" && t.q === "0.001")).toBe(true);
  });
});

describe("faults", () => {
  test("skip a seq: the client sees seq jump and the stats count it", async () => {
    await serve({ faults: { skipSeqEvery: 10 } });
    const r = await receive(bookUrl(), () => false);
    const seqs = r.frames.map((f) => (decodeOrderbookMessage(f) as { value: { seq: number } }).value.seq);
    let gaps = 0;
    for (let i = 1; i < seqs.length; i++) {
      expect(seqs[i] - seqs[i - 1]).toBeOneOf([1, 2]);
      if (seqs[i] - seqs[i - 1] === 2) gaps++;
    }
    expect(gaps).toBeGreaterThanOrEqual(15);
    expect(server!.stats.faults.seqSkips).toBe(gaps + (seqs.at(-1)! < 200 ? 1 : 0));
    expect(seqs.length + server!.stats.faults.seqSkips).toBe(200);
  });

  test("duplicate and reorder trades: exact repeats and ids going backwards, nothing lost", async () => {
    const { trades } = await serve({ faults: { duplicateTradesEvery: 5, reorderTradesEvery: 7 } });
    const r = await receive(tradesUrl(), () => false);
    let repeats = 0;
    for (let i = 1; i < r.frames.length; i++) if (r.frames[i] === r.frames[i - 1]) repeats++;
    expect(repeats).toBeGreaterThan(5);
    const got = tradesOf(r.frames);
    let backwards = 0;
    for (let i = 1; i < got.length; i++) if (got[i].id < got[i - 1].id) backwards++;
    expect(backwards).toBeGreaterThan(5);
    expect(server!.stats.faults.duplicates).toBe(repeats);
    expect(server!.stats.faults.reorders).toBe(backwards);
    // every trade is there, exactly once after dedup by id
    expect(new Set(got.map((t) => t.id)).size).toBe(trades.length);
    expect(got.length).toBe(trades.length + repeats);
  });

  test("malformed frames of every kind are sent in between, and the book is still exact", async () => {
    const { book } = await serve({ faults: { malformedEvery: 3 } });
    const r = await receive(bookUrl(), () => false);
    const errors: string[] = [];
    const client = new ClientBook(DecimalScale.fromStep("0.5"), DecimalScale.ofDecimals(3));
    let seq = 0;
    for (const f of r.frames) {
      const d = decodeOrderbookMessage(f);
      if (!d.ok) {
        errors.push(d.error);
        continue;
      }
      expect(d.value.seq).toBe(++seq);
      client.apply(d.value);
      const i = seq - 1;
      expect(client.top(5).bids[4]).toEqual([book.bidPx[4][i], book.bidQty[4][i]]);
    }
    expect(seq).toBe(200);
    expect(errors.length).toBe(server!.stats.faults.malformed);
    expect(errors.length).toBe(Math.floor(200 / 3));
    const text = errors.join("\n");
    for (const re of [/malformed JSON/, /(ts|seq): expected a non-negative integer, got "/, /seq: .*missing|type: .*missing/, /negative size/, /unknown message type "HEARTBEAT"/]) {
      expect(text).toMatch(re);
    }
    expect(MALFORMED_KINDS.length).toBe(6);
  });

  test("drop: the connection is cut without a close frame; a new one continues with a fresh SNAPSHOT", async () => {
    await serve({ faults: { dropEverySeconds: 5 } });
    const first = await receive(bookUrl(), () => false);
    expect(first.closeCode).toBe(1006);
    expect(server!.stats.faults.drops).toBe(1);
    const a = first.frames.map((f) => (decodeOrderbookMessage(f) as { value: { ts: number } }).value.ts);
    expect(a.at(-1)! - a[0]).toBeLessThan(5000);
    expect(a.length).toBeGreaterThan(30);
    const second = await receive(bookUrl(), (f) => f.length >= 1);
    const d = decodeOrderbookMessage(second.frames[0]);
    expect(d.ok && d.value.type).toBe("SNAPSHOT");
    expect(d.ok && d.value.seq).toBe(1);
    expect(d.ok && d.value.ts).toBeGreaterThan(a.at(-1)!);
  });

  test("dropAll() cuts every open connection now", async () => {
    await serve({ speed: 1, closeAtEnd: false });
    const p = receive(bookUrl(), () => false);
    await Bun.sleep(100);
    expect(server!.dropAll()).toBe(1);
    expect((await p).closeCode).toBe(1006);
  });

  test("stall: data and pings stop, client pings go unanswered", async () => {
    await serve({ faults: { stallAfterSeconds: 3 }, pingIntervalMs: 20, closeAtEnd: false });
    const ws = new WebSocket(bookUrl(), wsOptions("serve-test/1.0") as never);
    let frames = 0;
    let pings = 0;
    let pongs = 0;
    const ev = ws as unknown as { addEventListener(t: string, f: () => void): void; ping(): void };
    ws.onmessage = () => frames++;
    ev.addEventListener("ping", () => pings++);
    ev.addEventListener("pong", () => pongs++);
    await new Promise((r) => (ws.onopen = r));
    for (let i = 0; i < 100 && frames < 30; i++) await Bun.sleep(20);
    await Bun.sleep(100);
    expect(server!.stats.faults.stalls).toBe(1);
    expect(frames).toBe(30); // 3 s of rows 100 ms apart, then silence
    const pingsAtStall = pings;
    ev.ping();
    await Bun.sleep(200);
    expect(frames).toBe(30);
    expect(pongs).toBe(0);
    expect(pings).toBe(pingsAtStall);
    ws.close();
  });

  test("faults can be switched on at run time through the live `faults` object", async () => {
    await serve();
    server!.faults.skipSeqEvery = 2;
    const r = await receive(bookUrl(), () => false);
    expect(r.frames.length).toBeLessThan(120);
  });
});

describe("protocol details", () => {
  test("server pings arrive and the client's pongs are seen", async () => {
    await serve({ pingIntervalMs: 20, closeAtEnd: false });
    const r = await receive(bookUrl(), () => false, 400);
    expect(r.frames.length).toBe(200);
    expect(r.pings).toBeGreaterThan(2);
    expect(server!.stats.pongsReceived).toBeGreaterThan(2);
  });

  test("a missing pong ends the connection (pong deadline)", async () => {
    await serve({ pingIntervalMs: 20, pongTimeoutMs: 50, closeAtEnd: false, faults: {} });
    // a raw socket that upgrades but never answers pings
    const port = server!.port;
    const sock = connect(port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    sock.write(
      `GET /stream.extended.exchange/v1/orderbooks/TEST-USD HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: raw/1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    sock.on("data", () => {});
    await new Promise((r) => sock.once("close", r));
    expect(server!.stats.pongTimeouts).toBe(1);
  });

  test("requests without a User-Agent are refused with 403, as by the exchange's firewall", async () => {
    await serve();
    const port = server!.port;
    const answer = await new Promise<string>((resolve) => {
      const sock = connect(port, "127.0.0.1", () => sock.write("GET /api/v1/info/markets HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
      let buf = "";
      sock.on("data", (d) => (buf += d));
      sock.on("close", () => resolve(buf));
    });
    expect(answer).toStartWith("HTTP/1.1 403");
    expect(answer).toContain("User-Agent header required");
    expect(server!.stats.rejectedNoUserAgent).toBe(1);
    // the same for a WebSocket handshake
    const ws = await new Promise<string>((resolve) => {
      const sock = connect(port, "127.0.0.1", () =>
        sock.write(
          "GET /stream.extended.exchange/v1/orderbooks/TEST-USD HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        ),
      );
      let buf = "";
      sock.on("data", (d) => {
        buf += d;
        if (buf.includes("\r\n\r\n")) sock.destroy();
      });
      sock.on("close", () => resolve(buf));
    });
    expect(ws).toStartWith("HTTP/1.1 403");
    expect(server!.stats.rejectedNoUserAgent).toBe(2);
    expect(server!.stats.connections.orderbooks).toBe(0);
  });

  test("depth=1 sends best bid/ask SNAPSHOTs only", async () => {
    const { book } = await serve();
    const r = await receive(`${bookUrl()}?depth=1`, () => false);
    expect(r.frames.length).toBe(200);
    r.frames.forEach((f, i) => {
      const d = decodeOrderbookMessage(f);
      if (!d.ok) throw new Error(d.error);
      expect(d.value.type).toBe("SNAPSHOT");
      expect(d.value.bids).toEqual([{ p: String(book.bidPx[0][i]), q: String(book.bidQty[0][i]) }]);
      expect(d.value.asks.length).toBe(1);
    });
  });

  test("loop: timestamps and trade ids keep increasing past the end of the data", async () => {
    await serve({ loop: true, closeAtEnd: false }, 20);
    const r = await receive(tradesUrl(), (f) => f.length >= 35);
    const got = tradesOf(r.frames);
    expect(got.length).toBe(35);
    for (let i = 1; i < got.length; i++) {
      expect(got[i].id > got[i - 1].id).toBe(true);
      expect(got[i].T).toBeGreaterThan(got[i - 1].T);
    }
  });

  test("speed > 0: a later connection joins the shared clock mid-replay", async () => {
    await serve({ speed: 50, closeAtEnd: false });
    const first = receive(bookUrl(), (f) => f.length >= 1);
    await first;
    await Bun.sleep(250); // ≥ 12.5 s of replay time at 50×
    const late = await receive(bookUrl(), (f) => f.length >= 1);
    const d = decodeOrderbookMessage(late.frames[0]);
    expect(d.ok && d.value.type).toBe("SNAPSHOT");
    expect(d.ok && d.value.ts).toBeGreaterThanOrEqual(T0 + 12_000);
  });
});
