import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeFundingMessage, decodeMarketsResponse, decodeTradesMessage } from "../../src/exchange/messages.ts";
import { fundingStreamUrl, marketsUrl, publicTradesStreamUrl } from "../../src/exchange/urls.ts";
import { loadMarkets } from "../../src/serve/load.ts";
import { startServer } from "../../src/serve/server.ts";
import { allocBook, allocFunding, allocTrades } from "../../src/storage/batch.ts";
import { marketPath, orderbookPartName, partName, partsDir } from "../../src/storage/layout.ts";
import { Side } from "../../src/storage/types.ts";
import { writeBookPart, writeFundingPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { receive } from "./helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-serve-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const T0 = 1_767_000_000_000;

/** A collector-style data dir: ETH-USD with book, trade and funding parts (two parts each) and market.json. */
async function writeDataDir(): Promise<string> {
  const dir = join(tmp, "data");
  for (const s of ["orderbook", "trades", "funding"] as const) mkdirSync(partsDir(dir, "ETH-USD", s), { recursive: true });
  for (let part = 0; part < 2; part++) {
    const book = allocBook("ETH-USD", 3, 10);
    const trades = allocTrades("ETH-USD", 5, true);
    const funding = allocFunding("ETH-USD", 2);
    for (let i = 0; i < 10; i++) {
      const r = part * 10 + i;
      book.timestampMs[i] = T0 + r * 100;
      book.seq[i] = BigInt(r + 1);
      for (let l = 0; l < 3; l++) {
        book.bidPx[l][i] = 3000 - 0.01 * (l + 1) - 0.01 * (r % 3);
        book.askPx[l][i] = 3000 + 0.01 * l;
        book.bidQty[l][i] = 0.1 * (l + 1);
        book.askQty[l][i] = 0.2 + 0.001 * r;
      }
    }
    for (let i = 0; i < 5; i++) {
      const r = part * 5 + i;
      trades.timestampMs[i] = T0 + r * 200;
      trades.price[i] = 3000.05;
      trades.quantity[i] = 0.01;
      trades.side[i] = r % 2 ? Side.buy : Side.sell;
      trades.tradeId![i] = 1844000421446684673n + BigInt(r);
    }
    for (let i = 0; i < 2; i++) {
      funding.timestampMs[i] = T0 + (part * 2 + i) * 500;
      funding.fundingRate[i] = i % 2 ? -0.0000125 : 0.00001;
    }
    await writeBookPart(join(partsDir(dir, "ETH-USD", "orderbook"), orderbookPartName(book.timestampMs[0], book.seq[0], part)), book);
    await writeTradePart(join(partsDir(dir, "ETH-USD", "trades"), partName(trades.timestampMs[0], part)), trades);
    await writeFundingPart(join(partsDir(dir, "ETH-USD", "funding"), partName(funding.timestampMs[0], part)), funding);
  }
  writeFileSync(join(marketPath(dir, "ETH-USD"), "market.json"), JSON.stringify({ name: "ETH-USD", tick_size: 0.01, tick_size_text: "0.01", size_step_text: "0.001" }));
  return dir;
}

test("a collector data dir is served: parts in order, funding frames, market.json tick and step", async () => {
  const dir = await writeDataDir();
  const mm = await loadMarkets(dir);
  expect(mm.map((m) => m.market)).toEqual(["ETH-USD"]);
  const srv = await startServer({ source: { path: dir }, speed: 0, closeAtEnd: true });
  try {
    const f = await receive(fundingStreamUrl(srv.wsBase, "ETH-USD"), () => false);
    const prints = f.frames.map((x) => {
      const d = decodeFundingMessage(x);
      if (!d.ok) throw new Error(d.error);
      return d.value;
    });
    expect(prints.map((p) => p.rate)).toEqual(["0.00001", "-0.0000125", "0.00001", "-0.0000125"]);
    expect(prints.map((p) => p.T)).toEqual([0, 500, 1000, 1500].map((d) => T0 + d));
    expect(prints.map((p) => p.seq)).toEqual([1, 2, 3, 4]);
    const t = await receive(publicTradesStreamUrl(srv.wsBase, "ETH-USD"), () => false);
    const ids = t.frames.flatMap((x) => (decodeTradesMessage(x) as { value: { trades: { id: bigint }[] } }).value.trades.map((tr) => tr.id));
    expect(ids).toEqual(Array.from({ length: 10 }, (_, r) => 1844000421446684673n + BigInt(r)));
    const res = await fetch(marketsUrl(srv.restBase, "ETH-USD"), { headers: { "User-Agent": "serve-test/1.0" } });
    const m = decodeMarketsResponse(await res.text());
    expect(m.ok && m.value[0]).toMatchObject({ name: "ETH-USD", tickSize: "0.01", sizeStep: "0.001", maxLeverage: "50.00" });
    expect(m.ok && (m.value[0].raw.marketStats as Record<string, string>).fundingRate).toBe("-0.0000125"); // the last print replayed
    expect(m.ok && (m.value[0].raw.marketStats as Record<string, string>).lastPrice).toBe("3000.05");
    expect(srv.stats.fundingFrames).toBe(4);
    // the book values carry float noise (3000 - 0.01 - 0.01 = 2999.9799999999996): rounded to market.json's grid
    const ob = await fetch(`${srv.restBase}/info/markets/ETH-USD/orderbook`, { headers: { "User-Agent": "serve-test/1.0" } }).then((r) => r.json() as Promise<{ data: { market: string; bid: { price: string }[]; ask: { qty: string; price: string }[] } }>);
    expect(ob.data.market).toBe("ETH-USD");
    expect(ob.data.bid.map((l: { price: string }) => l.price)).toEqual(["2999.99", "2999.98", "2999.97"]); // row 0: no book stream consumed yet
    expect(ob.data.ask[0]).toEqual({ qty: "0.2", price: "3000" });
  } finally {
    await srv.stop();
  }
});

test("loader errors are one clear line", async () => {
  await expect(loadMarkets(join(tmp, "missing"))).rejects.toThrow(/does not exist/);
  mkdirSync(join(tmp, "empty"));
  await expect(loadMarkets(join(tmp, "empty"))).rejects.toThrow(/no recorded market data/);
  const dir = await writeDataDir().catch(() => join(tmp, "data"));
  await expect(loadMarkets(dir, { markets: ["BTC-USD"] })).rejects.toThrow(/no recorded market data for BTC-USD/);
});

test("a time window outside the data says so, naming the window (not 'no recorded market data')", async () => {
  const dir = join(tmp, "data");
  const fromMs = T0 + 10 * 86_400_000;
  const e: unknown = await loadMarkets(dir, { fromMs }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(Error);
  expect((e as Error).message).toContain("no data in the window");
  expect((e as Error).message).toContain(new Date(fromMs).toISOString());
});

test("a trades-only data dir (what migrate makes of trades.csv): REST tick and step come from the trades' decimals", async () => {
  const csv = join(import.meta.dir, "../fixtures/extended-eth-usd-trades-62min/trades.csv");
  const dir = join(tmp, "trades_only");
  const { readTradeCsv } = await import("../../src/storage/read_csv.ts");
  mkdirSync(partsDir(dir, "ETH-USD", "trades"), { recursive: true });
  for await (const b of readTradeCsv(csv)) await writeTradePart(join(partsDir(dir, "ETH-USD", "trades"), partName(b.timestampMs[0], 0)), b);
  // the decimals of the CSV text, counted independently of the server
  const rows = (await Bun.file(csv).text()).trim().split("\n").slice(1).map((l) => l.split(","));
  const dec = (col: number) => Math.max(...rows.map((r) => (r[col].split(".")[1] ?? "").replace(/0+$/, "").length));
  const step = (d: number) => (d === 0 ? "1" : `0.${"0".repeat(d - 1)}1`);
  const srv = await startServer({ source: { path: dir }, speed: 0 });
  try {
    const res = await fetch(marketsUrl(srv.restBase, "ETH-USD"), { headers: { "User-Agent": "serve-test/1.0" } });
    const m = decodeMarketsResponse(await res.text());
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    expect(m.value[0].tickSize).toBe(step(dec(4)));
    expect(m.value[0].sizeStep).toBe(step(dec(5)));
    expect(dec(4)).toBeGreaterThan(0); // real ETH prices carry decimals: "1" would be wrong
  } finally {
    await srv.stop();
  }
});
