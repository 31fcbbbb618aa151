import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBooks, concatTrades } from "../../src/storage/batch.ts";
import { orderbookPartName, partName } from "../../src/storage/layout.ts";
import { openBookSource, openTradeSource } from "../../src/storage/sources.ts";
import { Side } from "../../src/storage/types.ts";
import { writeBookPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { collect, randomBook, randomTrades, rng, FIXTURES } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "emm-duck-"));
let con: DuckDBConnection;
beforeAll(async () => {
  con = await (await DuckDBInstance.create(":memory:")).connect();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rows(sql: string): Promise<unknown[][]> {
  return (await con.runAndReadAll(sql)).getRowsJS() as unknown[][];
}
async function types(file: string): Promise<Record<string, string>> {
  const r = await rows(`DESCRIBE SELECT * FROM '${file}'`);
  return Object.fromEntries(r.map((x) => [x[0] as string, x[1] as string]));
}

describe("DuckDB reads our parts", () => {
  test("orderbook parts: row count, min/max, types, null levels", async () => {
    const d = join(dir, "ob");
    const r = rng(21);
    const a = randomBook(r, 1500, 20, "ETH-USD", 1_767_000_000_000);
    const b = randomBook(r, 1200, 20, "ETH-USD", a.timestampMs[a.length - 1] + 1);
    await writeBookPart(join(d, orderbookPartName(a.timestampMs[0], a.seq[0], 0)), a);
    await writeBookPart(join(d, orderbookPartName(b.timestampMs[0], b.seq[0], 1)), b);
    const glob = join(d, "*.parquet");
    const t = await types(glob);
    expect(t.timestamp_ms).toBe("TIMESTAMP");
    expect(t.market).toBe("VARCHAR");
    expect(t.seq).toBe("BIGINT");
    expect(t.bid_price_0).toBe("DOUBLE");
    expect(t.ask_qty_19).toBe("DOUBLE");
    expect(Object.keys(t).length).toBe(3 + 80);
    const [[n, lo, hi, markets, bidPx0, nonNull]] = await rows(
      `SELECT count(*), min(epoch_ms(timestamp_ms)), max(epoch_ms(timestamp_ms)), count(DISTINCT market), sum(bid_price_0), count(ask_price_7) FROM '${glob}'`,
    );
    const all = concatBooks([a, b]);
    expect(Number(n)).toBe(2700);
    expect(Number(lo)).toBe(all.timestampMs[0]);
    expect(Number(hi)).toBe(all.timestampMs[all.length - 1]);
    expect(Number(markets)).toBe(1);
    // written: NaN and exact 0 are null
    let sum = 0;
    let cnt = 0;
    for (let k = 0; k < all.length; k++) {
      if (all.bidPx[0][k] === all.bidPx[0][k] && all.bidPx[0][k] !== 0) sum += all.bidPx[0][k];
      if (all.askPx[7][k] === all.askPx[7][k] && all.askPx[7][k] !== 0) cnt++;
    }
    expect(bidPx0 as number).toBeCloseTo(sum, 3);
    expect(Number(nonNull)).toBe(cnt);
    const rep = Object.fromEntries((await rows(`SELECT name, repetition_type FROM parquet_schema('${join(d, orderbookPartName(a.timestampMs[0], a.seq[0], 0))}')`)).map((x) => [x[0], x[1]]));
    expect([rep.timestamp_ms, rep.market, rep.seq, rep.bid_price_0]).toEqual(["REQUIRED", "REQUIRED", "REQUIRED", "OPTIONAL"]);
    const [[mkt]] = await rows(`SELECT value FROM parquet_kv_metadata('${join(d, orderbookPartName(a.timestampMs[0], a.seq[0], 0))}') WHERE key = 'market'`);
    expect(new TextDecoder().decode(mkt as Uint8Array)).toBe("ETH-USD");
  });

  test("trades parts: types and BIGINT trade ids above 2^53 exact", async () => {
    const d = join(dir, "tr");
    const t = randomTrades(rng(22), 800, "BTC-USD");
    await writeTradePart(join(d, partName(t.timestampMs[0], 0)), t);
    const glob = join(d, "*.parquet");
    const ty = await types(glob);
    expect(ty).toEqual({
      timestamp_ms: "TIMESTAMP",
      price: "DOUBLE",
      quantity: "DOUBLE",
      is_buyer_maker: "BOOLEAN",
      trade_id: "BIGINT",
      side: "VARCHAR",
      trade_type: "VARCHAR",
      market: "VARCHAR",
    });
    const ids = (await rows(`SELECT trade_id FROM '${glob}'`)).map((x) => x[0] as bigint);
    expect(ids).toEqual(Array.from(t.tradeId!));
    const [[sells, makers, nulls]] = await rows(`SELECT count(*) FILTER (side = 'sell'), count(*) FILTER (is_buyer_maker), count(*) FILTER (side IS NULL) FROM '${glob}'`);
    const want = (s: number) => Array.from(t.side).filter((x) => x === s).length;
    expect(Number(sells)).toBe(want(Side.sell));
    expect(Number(makers)).toBe(want(Side.sell));
    expect(Number(nulls)).toBe(want(Side.unknown));
  });
});

describe("we read DuckDB-written files", () => {
  test("Int64 ms timestamps and TIMESTAMP (µs) columns, ZSTD, nullable levels", async () => {
    const d = join(dir, "duck");
    mkdirSync(d, { recursive: true });
    const src = `SELECT 1700000000000 + i * 250 AS timestamp_ms, 'SOL-USD' AS market, i AS seq,
        CASE WHEN i % 10 = 3 THEN NULL ELSE 150 + i / 100 END::DOUBLE AS bid_price_0, (1.5 + i)::DOUBLE AS bid_qty_0,
        (151 + i / 100)::DOUBLE AS ask_price_0, CASE WHEN i % 7 = 0 THEN 0.0 ELSE 2.5 END::DOUBLE AS ask_qty_0
      FROM range(5000) t(i)`;
    await con.run(`COPY (${src}) TO '${d}/a.parquet' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2048)`);
    await con.run(`COPY (SELECT make_timestamp(timestamp_ms * 1000) AS timestamp_ms, * EXCLUDE (timestamp_ms) FROM (${src})) TO '${d}/b.parquet' (FORMAT parquet, COMPRESSION zstd)`);
    for (const f of ["a.parquet", "b.parquet"]) {
      const b = concatBooks(await collect(openBookSource(join(d, f))));
      expect(b.length).toBe(5000);
      expect(b.levels).toBe(1);
      expect(b.market).toBe("SOL-USD");
      expect(b.timestampMs[4999]).toBe(1700000000000 + 4999 * 250);
      expect(b.seq[4999]).toBe(4999n);
      expect(Number.isNaN(b.bidPx[0][3])).toBe(true);
      expect(Number.isNaN(b.bidQty[0][3])).toBe(true);
      expect(b.bidPx[0][4]).toBe(150 + 4 / 100);
      expect(b.askQty[0][7]).toBe(0); // a zero quantity with a valid price is kept (as the original loader did)
    }
  });

  test("DuckDB trades with BIGINT ids beyond 2^53 and string sides", async () => {
    const d = join(dir, "duck-trades");
    mkdirSync(d, { recursive: true });
    await con.run(`COPY (SELECT 1700000000000 + i AS timestamp_ms, 'BTC-USD' AS market, (9007199254740993 + i * 1000003)::BIGINT AS trade_id,
        (90000.5 + i)::DOUBLE AS price, (0.001 * (i + 1))::DOUBLE AS quantity, CASE WHEN i = 5 THEN NULL WHEN i % 2 = 0 THEN 'buy' ELSE 'SELL' END AS side
      FROM range(1000) t(i)) TO '${d}/t.parquet' (FORMAT parquet, COMPRESSION zstd)`);
    const t = concatTrades(await collect(openTradeSource(join(d, "t.parquet"))));
    const ids = (await rows(`SELECT trade_id FROM '${d}/t.parquet'`)).map((x) => x[0] as bigint);
    expect(Array.from(t.tradeId!)).toEqual(ids);
    expect(t.tradeId![1]).toBe(9007199254740993n + 1000003n);
    expect(t.side[0]).toBe(Side.buy);
    expect(t.side[1]).toBe(Side.sell);
    expect(t.side[5]).toBe(Side.unknown);
  });

  test("DECIMAL columns (DuckDB numeric literals) are read as doubles", async () => {
    const d = join(dir, "duck-decimal");
    mkdirSync(d, { recursive: true });
    await con.run(`COPY (SELECT 1700000000000 + i AS timestamp_ms, 94125.23 + i / 100 AS price, (-0.001 * i)::DECIMAL(18,3) AS quantity,
        (i * 1.5)::DECIMAL(38,4) AS wide FROM range(300) t(i)) TO '${d}/t.parquet' (FORMAT parquet)`);
    const t = concatTrades(await collect(openTradeSource(join(d, "t.parquet"))));
    const want = (await rows(`SELECT price::DOUBLE, quantity::DOUBLE FROM '${d}/t.parquet'`)) as number[][];
    expect(Array.from(t.price)).toEqual(want.map((x) => x[0]));
    expect(Array.from(t.quantity)).toEqual(want.map((x) => x[1]));
    expect(t.quantity[7]).toBe(-0.007);
  });

  test("real StandX 2-hour fixture files match DuckDB's view of them", async () => {
    const base = join(FIXTURES, "standx-btc-usd-2h");
    const ob = join(base, "orderbook.parquet");
    const tr = join(base, "trades.parquet");
    const b = concatBooks(await collect(openBookSource(ob)));
    const [[n, lo, hi, s0, s19]] = await rows(`SELECT count(*), min(timestamp_ms), max(timestamp_ms), sum(bid_price_0), sum(ask_qty_19) FROM '${ob}'`);
    expect(b.length).toBe(Number(n));
    expect(b.length).toBe(22_293);
    expect(b.levels).toBe(20);
    expect(b.market).toBe("BTC-USD");
    expect(b.timestampMs[0]).toBe(Number(lo));
    expect(b.timestampMs[b.length - 1]).toBe(Number(hi));
    expect(b.bidPx[0].reduce((a, x) => a + x, 0)).toBeCloseTo(s0 as number, 2);
    expect(b.askQty[19].reduce((a, x) => a + x, 0)).toBeCloseTo(s19 as number, 6);

    const t = concatTrades(await collect(openTradeSource(tr)));
    const [[tn, buys, sells, idSum]] = await rows(`SELECT count(*), count(*) FILTER (side='buy'), count(*) FILTER (side='sell'), sum(trade_id) FROM '${tr}'`);
    expect(t.length).toBe(Number(tn));
    expect(t.length).toBe(6_184);
    const count = (s: number) => t.side.reduce((a, x) => a + (x === s ? 1 : 0), 0);
    expect(count(Side.buy)).toBe(Number(buys));
    expect(count(Side.sell)).toBe(Number(sells));
    expect(count(Side.unknown)).toBe(1);
    expect(t.tradeId!.reduce((a, x) => a + x, 0n)).toBe(BigInt(idSum as bigint));
  });
});
