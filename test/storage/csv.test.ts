import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataError } from "../../src/errors.ts";
import { concatBooks, concatTrades } from "../../src/storage/batch.ts";
import { openBookSource, openTradeSource } from "../../src/storage/sources.ts";
import { Side, TradeType } from "../../src/storage/types.ts";
import { collect, FIXTURES, errorOf } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "emm-csv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURE = join(FIXTURES, "extended-eth-usd-trades-62min/trades.csv");

describe("legacy trades.csv", () => {
  test("real Extended fixture: 682 trades, ids above 2^53 exact, streamed in chunks", async () => {
    const batches = await collect(openTradeSource(FIXTURE, { batchRows: 100 }));
    expect(batches.map((b) => b.length)).toEqual([100, 100, 100, 100, 100, 100, 82]);
    const t = concatTrades(batches);
    // independent parse of the same text
    const rows = readFileSync(FIXTURE, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    expect(t.length).toBe(rows.length);
    expect(t.market).toBe("ETH-USD");
    for (let i = 0; i < rows.length; i++) {
      expect(t.tradeId![i]).toBe(BigInt(rows[i][6]));
      expect(t.timestampMs[i]).toBe(Number(rows[i][0]));
      expect(t.price[i]).toBe(Number(rows[i][4]));
      expect(t.side[i]).toBe(rows[i][3] === "buy" ? Side.buy : Side.sell);
    }
    expect(t.tradeId!.some((id) => id > 2n ** 53n)).toBe(true);
    expect(t.tradeType.every((x) => x === TradeType.trade)).toBe(true);
  });

  test("a header-only CSV is an empty stream, not an error", async () => {
    const p = join(dir, "headeronly.csv");
    writeFileSync(p, "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type\n");
    expect(await collect(openTradeSource(p))).toEqual([]);
  });

  test("bad header, bad number and wrong field count name the file and line", async () => {
    const head = "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type";
    const ok = "1763815965668,2025-11-22 12:52:45.668 UTC,ETH-USD,buy,2723.4,1.018,1992214670521405446,TRADE";
    const cases: [string, string, string][] = [
      ["badheader.csv", "timestamp,datetime,market,side,px,quantity\n" + ok, "badheader.csv:1: bad header"],
      ["badnum.csv", [head, ok, ok.replace("2723.4", "27x3.4")].join("\n"), "badnum.csv:3: bad price"],
      ["badid.csv", [head, ok.replace("1992214670521405446", "1.5e18")].join("\n"), "badid.csv:2: bad trade_id"],
      ["fields.csv", [head, ok, "1,2,3"].join("\n"), "fields.csv:3: expected 8 fields"],
      ["empty.csv", "", "empty CSV"],
    ];
    for (const [name, text, msg] of cases) {
      const p = join(dir, name);
      writeFileSync(p, text);
      const e = await errorOf(collect(openTradeSource(p)));
      expect(e).toBeInstanceOf(DataError);
      expect(e.message).toContain(msg);
    }
  });
});

/** Each case [name, rows, message] written under `header` must be a DataError containing `{file}{message}`. */
async function expectRefused(prefix: string, header: string, cases: [string, string, string][], read: (path: string) => Promise<unknown>) {
  for (const [name, body, msg] of cases) {
    const p = join(dir, `${prefix}${name}.csv`);
    writeFileSync(p, `${header}\n${body}\n`);
    const e = await errorOf(read(p));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toContain(`${prefix}${name}.csv${msg}`);
  }
}

describe("legacy CSV values that cannot be market data are refused (file:line)", () => {
  const head = "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type";
  const row = (o: Partial<Record<"ts" | "market" | "side" | "price" | "qty" | "id", string>>) =>
    [o.ts ?? "1000", "x", o.market ?? "ETH-USD", o.side ?? "buy", o.price ?? "5", o.qty ?? "1", o.id ?? "7", "TRADE"].join(",");
  test("trades: negative price or size, unknown side word, bad timestamps, non-decimal numbers, mixed markets", async () => {
    const cases: [string, string, string][] = [
      ["negprice", row({ price: "-5" }), ":2: bad price \"-5\""],
      ["negqty", row({ qty: "-1" }), ":2: bad quantity \"-1\""],
      ["side", row({ side: "foo" }), ":2: bad side \"foo\""],
      ["fracts", row({ ts: "1000.5" }), ":2: bad timestamp_ms \"1000.5\""],
      ["negts", row({ ts: "-1000" }), ":2: bad timestamp_ms \"-1000\""],
      ["hugets", row({ ts: "1e20" }), ":2: bad timestamp_ms \"1e20\""],
      ["hex", row({ price: "0x10" }), ":2: bad price \"0x10\""],
      ["mixed", [row({}), row({ market: "BTC-USD" })].join("\n"), ":3: market \"BTC-USD\" differs from \"ETH-USD\""],
    ];
    await expectRefused("hostile_", head, cases, (p) => collect(openTradeSource(p)));
    // still accepted: an empty side (unknown), any case, exponent notation, a row without market,
    // a 0 price (what the original wrote for unparsable values; consumers drop it, as for Parquet)
    const p = join(dir, "hostile_ok.csv");
    writeFileSync(p, `${head}\n${row({ side: "" })}\n${row({ side: "SELL", price: "2.5e3", market: "" })}\n${row({ price: "0" })}\n`);
    const t = concatTrades(await collect(openTradeSource(p)));
    expect(Array.from(t.side)).toEqual([Side.unknown, Side.sell, Side.buy]);
    expect(Array.from(t.price)).toEqual([5, 2500, 0]);
  });

  test("order book: negative sizes or prices, negative seq and bad timestamps", async () => {
    const h = "timestamp_ms,datetime,market,seq,bid_price0,bid_qty0,ask_price0,ask_qty0";
    const cases: [string, string, string][] = [
      ["negqty", "1000,x,E,1,100,-1,101,1", ":2: bad bid_qty0 \"-1\""],
      ["negprice", "1000,x,E,1,100,1,-101,1", ":2: bad ask_price0 \"-101\""],
      ["negseq", "1000,x,E,-3,100,1,101,1", ":2: bad seq \"-3\""],
      ["fracts", "1000.5,x,E,1,100,1,101,1", ":2: bad timestamp_ms \"1000.5\""],
    ];
    await expectRefused("hostile_book_", h, cases, (p) => collect(openBookSource(p)));
  });
});

describe("legacy orderbook_depth.csv", () => {
  test("levels detected from header, zeros and empty cells are missing levels", async () => {
    const head = ["timestamp_ms", "datetime", "market", "seq", "bid_price0", "bid_qty0", "ask_price0", "ask_qty0", "bid_price1", "bid_qty1", "ask_price1", "ask_qty1"];
    const lines = [head.join(","), "1000,x,ETH-USD,5,100.5,2,101,3,0,0,0,0", "1100,x,ETH-USD,6,100.4,1,101.1,4,100.3,7,,", ""];
    const p = join(dir, "orderbook_depth.csv");
    writeFileSync(p, lines.join("\r\n"));
    const b = concatBooks(await collect(openBookSource(p)));
    expect(b.levels).toBe(2);
    expect(b.market).toBe("ETH-USD");
    expect(Array.from(b.timestampMs)).toEqual([1000, 1100]);
    expect(Array.from(b.seq)).toEqual([5n, 6n]);
    expect(Array.from(b.bidPx[0])).toEqual([100.5, 100.4]);
    expect(Array.from(b.bidPx[1])).toEqual([NaN, 100.3]);
    expect(Array.from(b.bidQty[1])).toEqual([NaN, 7]);
    expect(Array.from(b.askPx[1])).toEqual([NaN, NaN]);
    // a market dir holding only the legacy CSV is found as well
    const viaDir = concatBooks(await collect(openBookSource(dir)));
    expect(viaDir.length).toBe(2);
  });

  test("bad number names file and line; header without levels is refused", async () => {
    const p = join(dir, "bad_depth.csv");
    writeFileSync(p, "timestamp_ms,datetime,market,seq,bid_price0,bid_qty0,ask_price0,ask_qty0\n1,x,E,1,1,1,1,1\n2,x,E,2,abc,1,1,1\n");
    const e = await errorOf(collect(openBookSource(p)));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toContain("bad_depth.csv:3: bad bid_price0");
    const q = join(dir, "nolevels.csv");
    writeFileSync(q, "timestamp_ms,datetime,market,seq\n1,x,E,1\n");
    expect((await errorOf(collect(openBookSource(q)))).message).toContain("nolevels.csv:1: bad header");
  });
});
