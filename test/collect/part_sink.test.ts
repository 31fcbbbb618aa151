import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readJournal } from "../../src/collect/journal.ts";
import { PartSink, recoverJournals } from "../../src/collect/part_sink.ts";
import { bookCodec, tradeCodec } from "../../src/collect/row_codecs.ts";
import { Side, TradeType, type TradeBatch } from "../../src/storage/types.ts";
import { readParts } from "./duck.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-sink-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BIG = 1992214670521405446n;

function fillTrade(b: TradeBatch, row: number, i: number): void {
  b.timestampMs[row] = 1_700_000_000_000 + i;
  b.price[row] = 100 + i / 100;
  b.quantity[row] = 0.001 * (i + 1);
  b.tradeId![row] = BIG + BigInt(i);
  b.side[row] = i % 3 === 0 ? Side.sell : i % 3 === 1 ? Side.buy : Side.unknown;
  b.tradeType[row] = i % 5 === 0 ? TradeType.liquidation : TradeType.trade;
}

describe("PartSink + journal", () => {
  test("rolls at the row limit; parts hold every row once, readable by DuckDB", async () => {
    const paths = { journalDir: join(tmp, "a/journal"), partsDir: join(tmp, "a/trades_parts") };
    const published: string[] = [];
    const sink = new PartSink(tradeCodec, "BTC-USD", paths, 7, 0, (_s, p) => published.push(p.path));
    for (let i = 0; i < 20; i++) {
      fillTrade(sink.batch, sink.n, i);
      if (sink.commit(Date.now())) await sink.roll();
    }
    await sink.close();
    expect(published.length).toBe(3);
    expect(readdirSync(paths.journalDir)).toEqual([]);
    const rows = await readParts(paths.partsDir, "trade_id");
    expect(rows.length).toBe(20);
    rows.forEach((r, i) => {
      expect(r.trade_id).toBe(BIG + BigInt(i));
      expect(r.price).toBe(100 + i / 100);
      expect(r.is_buyer_maker).toBe(i % 3 === 0 ? true : i % 3 === 1 ? false : null);
      expect(r.trade_type).toBe(i % 5 === 0 ? "LIQUIDATION" : "TRADE");
    });
  });

  test("a crash leaves a journal; recovery publishes it once and drops a torn tail", async () => {
    const paths = { journalDir: join(tmp, "b/journal"), partsDir: join(tmp, "b/orderbook_parts") };
    const codec = bookCodec(3);
    const sink = new PartSink(codec, "ETH-USD", paths, 1000, 5, () => {});
    for (let i = 0; i < 10; i++) {
      const b = sink.batch;
      const r = sink.n;
      b.timestampMs[r] = 1_700_000_000_000 + i * 100;
      b.seq[r] = BigInt(i + 1);
      for (let l = 0; l < 3; l++) {
        b.bidPx[l][r] = 2000 - l - i / 10;
        b.bidQty[l][r] = l === 2 ? NaN : 1 + l;
        b.askPx[l][r] = 2001 + l + i / 10;
        b.askQty[l][r] = 2 + l;
      }
      sink.commit(Date.now());
      if (i === 7) sink.flush(); // rows 8 and 9 never reach the disk: "kill -9" below
    }
    // Simulate kill -9: the process dies without close(); a half-written record follows.
    const [jf] = readdirSync(paths.journalDir);
    expect(jf).toBe("orderbook-000005.journal");
    appendFileSync(join(paths.journalDir, jf), new Uint8Array(37).fill(7));
    const before = readJournal(join(paths.journalDir, jf))!;
    expect(before.count).toBe(8);
    expect(before.droppedBytes).toBe(37);

    const seen: number[] = [];
    const rec = await recoverJournals((lv) => bookCodec(lv!), "orderbook", "ETH-USD", paths, (b) => seen.push(b.length));
    expect(rec).toMatchObject({ published: 1, alreadyPublished: 0, rows: 8, droppedBytes: 37, maxPart: 5 });
    expect(seen).toEqual([8]);
    expect(readdirSync(paths.journalDir)).toEqual([]);
    const parts = readdirSync(paths.partsDir);
    expect(parts).toEqual(["part_1700000000000_0000000001_000005.parquet"]);
    const rows = await readParts(paths.partsDir, "seq");
    expect(rows.map((r) => r.seq)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    expect(rows[3].bid_price_0).toBe(2000 - 0.3);
    expect(rows[3].bid_qty_2).toBe(null);
  });

  test("a journal whose part already exists is not published twice", async () => {
    const paths = { journalDir: join(tmp, "c/journal"), partsDir: join(tmp, "c/trades_parts") };
    const sink = new PartSink(tradeCodec, "BTC-USD", paths, 100, 0, () => {});
    for (let i = 0; i < 4; i++) {
      fillTrade(sink.batch, sink.n, i);
      sink.commit(Date.now());
    }
    sink.flush();
    // Publish a copy of the journal's rows as part 0 by hand, as if the crash came after publication.
    const copy = new PartSink(tradeCodec, "BTC-USD", { ...paths, journalDir: join(tmp, "c/j2") }, 100, 0, () => {});
    for (let i = 0; i < 4; i++) {
      fillTrade(copy.batch, copy.n, i);
      copy.commit(Date.now());
    }
    await copy.close();
    const ids: bigint[] = [];
    const rec = await recoverJournals(() => tradeCodec, "trades", "BTC-USD", paths, (b) => ids.push(...b.tradeId!));
    expect(rec.alreadyPublished).toBe(1);
    expect(rec.published).toBe(0);
    expect(ids.length).toBe(4); // ids still fed back for dedup
    expect((await readParts(paths.partsDir, "trade_id")).length).toBe(4);
  });

  test("a journal truncated inside its header is discarded", async () => {
    const paths = { journalDir: join(tmp, "d/journal"), partsDir: join(tmp, "d/trades_parts") };
    const sink = new PartSink(tradeCodec, "BTC-USD", paths, 100, 0, () => {});
    sink.flush();
    const jp = join(paths.journalDir, readdirSync(paths.journalDir)[0]);
    truncateSync(jp, 10);
    expect(statSync(jp).size).toBe(10);
    const rec = await recoverJournals(() => tradeCodec, "trades", "BTC-USD", paths, () => {});
    expect(rec.published).toBe(0);
    expect(readdirSync(paths.journalDir)).toEqual([]);
  });
});

test("temp files left by a dead writer are removed at recovery; a live writer's are kept", async () => {
  const paths = { journalDir: join(tmp, "e/journal"), partsDir: join(tmp, "e/trades_parts") };
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(paths.partsDir, { recursive: true });
  const dead = Bun.spawn(["true"]);
  await dead.exited;
  writeFileSync(join(paths.partsDir, `.part_1_000001.parquet.tmp-${dead.pid}-abc123`), "x");
  writeFileSync(join(paths.partsDir, `.part_1_000002.parquet.tmp-${process.pid}-abc123`), "x");
  await recoverJournals(() => tradeCodec, "trades", "BTC-USD", paths, () => {});
  expect(readdirSync(paths.partsDir)).toEqual([`.part_1_000002.parquet.tmp-${process.pid}-abc123`]);
});
