import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/main.ts";
import { resolveInputs } from "../../src/cli/verify_orderbook.ts";
import { orderbookPartName, partName, partsDir } from "../../src/storage/layout.ts";
import { writeBookPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import type { BookBatch, TradeBatch } from "../../src/storage/types.ts";
import { verifyMarket } from "../../src/verify/files.ts";
import { CHECK_IDS, type CheckId } from "../../src/verify/tally.ts";
import { cleanBook, cleanTrades, cloneBook, cloneTrades, pickBook, pickTrades, range } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "emm-verify-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const MARKET = "TEST-USD";
const N = 900;
const book = cleanBook(N, 5, MARKET);
const trades = cleanTrades(book);
let dirCount = 0;

/** Writes the book in parts of 300 rows and the trades in two parts, under a fresh data dir. */
async function writeMarket(b: BookBatch = book, t: TradeBatch = trades, bookCuts = [0, 300, 600, b.length]): Promise<string> {
  const dataDir = join(root, `d${dirCount++}`);
  for (let k = 0; k + 1 < bookCuts.length; k++) {
    const part = pickBook(b, range(bookCuts[k], bookCuts[k + 1]));
    await writeBookPart(join(partsDir(dataDir, MARKET, "orderbook"), orderbookPartName(part.timestampMs[0], part.seq[0], k)), part);
  }
  const half = Math.floor(t.length / 2);
  for (const [k, idx] of [range(0, half), range(half, t.length)].entries()) {
    const part = pickTrades(t, idx);
    await writeTradePart(join(partsDir(dataDir, MARKET, "trades"), partName(part.timestampMs[0], k)), part);
  }
  return dataDir;
}

async function verify(dataDir: string) {
  const [input] = resolveInputs(dataDir, [], { market: MARKET });
  return verifyMarket(input, { gapMs: 5_000, toleranceBps: 50, maxExamples: 3 });
}

function expectCounts(counts: Record<CheckId, number>, expected: Partial<Record<CheckId, number>>) {
  const want = Object.fromEntries(CHECK_IDS.map((id) => [id, expected[id] ?? 0]));
  expect(counts).toEqual(want as Record<CheckId, number>);
}

describe("verify files mode on parts written by the storage writers", () => {
  test("clean data: nothing found, rows and files counted", async () => {
    const r = await verify(await writeMarket());
    expectCounts(r.counts, {});
    expect(r.orderbook).toMatchObject({ files: 3, rows: N, levels: 5 });
    expect(r.trades).toMatchObject({ files: 2, rows: trades.length, idsChecked: true });
  });

  test("each stored defect is found and counted exactly, with file and row", async () => {
    const b = cloneBook(book);
    b.bidPx[0][10] = b.askPx[0][10] + 0.1; // crossed
    b.bidPx[0][11] = b.askPx[0][11]; // locked
    b.bidPx[2][12] = b.bidPx[1][12]; // bid order
    b.askPx[3][13] = b.askPx[2][13] - 0.05; // ask order
    b.bidQty[1][14] = -1; // negative size
    b.askPx[2][15] = 0; // zero price: stored as null next to a size
    b.bidPx[1][16] = b.bidQty[1][16] = NaN; // hole
    b.timestampMs[320] = b.timestampMs[319] - 10; // ts regression, in part 1 row 20
    const idx = [...range(0, 400), 399, ...range(400, 700), ...range(703, N)]; // duplicate + seq gap
    const t = cloneTrades(trades);
    t.price[7] = t.price[7] * 1.02; // off book
    t.quantity[8] = -0.5; // bad trade value
    const tIdx = [...range(0, 20), 19, ...range(20, t.length)]; // duplicate trade id
    const r = await verify(await writeMarket(pickBook(b, idx), pickTrades(t, tIdx), [0, 300, 600, idx.length]));
    expectCounts(r.counts, {
      crossed: 1,
      locked: 1,
      bid_order: 1,
      ask_order: 1,
      book_bad_value: 2,
      book_hole: 1,
      book_ts_regression: 1,
      book_duplicate: 1,
      seq_gap: 1,
      trade_off_book: 1,
      trade_bad_value: 1,
      trade_duplicate_id: 1,
    });
    const at = (id: CheckId) => r.examples[id]!.map((e) => [e.file.split("/").slice(-2).join("/"), e.row]);
    expect(at("book_ts_regression")).toEqual([[`orderbook_parts/${orderbookPartName(b.timestampMs[300], 301, 1)}`, 20]]);
    expect(at("book_duplicate")[0][1]).toBe(100); // row 400 of the stream = part 1, row 100
    expect(r.errors).toBe(10);
    expect(r.warnings).toBe(3); // locked, seq gap, off book
  });

  test("an outage and the trades inside it", async () => {
    const b = cloneBook(book);
    for (let r = 450; r < N; r++) b.timestampMs[r] += 30_000;
    const t = cloneTrades(trades);
    for (let k = 0; k < t.length; k++) if (t.timestampMs[k] >= b.timestampMs[449]) t.timestampMs[k] += 30_000;
    t.timestampMs[180] = b.timestampMs[449] + 100; // inside the outage
    const r = await verify(await writeMarket(b, t));
    expectCounts(r.counts, { outage: 1, trade_uncovered: 1 });
    expect(r.outages.map((o) => o.durationS)).toEqual([30.1]);
  });

  test("a corrupt data page is an unreadable part, not a crash", async () => {
    const dataDir = await writeMarket();
    const last = join(partsDir(dataDir, MARKET, "orderbook"), orderbookPartName(book.timestampMs[600], 601, 2));
    const bytes = new Uint8Array(readFileSync(last));
    for (let i = 64; i < 4000; i++) bytes[i] = (i * 7919) & 255;
    writeFileSync(last, bytes);
    const r = await verify(dataDir);
    expect(r.counts.part_unreadable).toBe(1);
    expect(r.unreadable).toBe(1);
    expect(r.orderbook.rows).toBe(600);
  });

  test("unreadable part (no footer), part with another schema, renamed part", async () => {
    const dataDir = await writeMarket();
    const dir = partsDir(dataDir, MARKET, "orderbook");
    const first = join(dir, orderbookPartName(book.timestampMs[0], 1, 0));
    const bytes = readFileSync(first);
    writeFileSync(first, bytes.subarray(0, bytes.length - 100)); // a crash before the footer
    const second = join(dir, orderbookPartName(book.timestampMs[300], 301, 1));
    renameSync(second, join(dir, orderbookPartName(book.timestampMs[300], 999, 1)));
    const three = cleanBook(10, 3, MARKET, book.timestampMs[N - 1] + 100, N + 1);
    await writeBookPart(join(dir, orderbookPartName(three.timestampMs[0], three.seq[0], 3)), three);
    const r = await verify(dataDir);
    // part 0 unreadable → the stream starts at seq 301; its trades have no book before them
    const uncovered = trades.timestampMs.filter((x) => x < book.timestampMs[300]).length;
    expectCounts(r.counts, { part_unreadable: 1, part_name: 1, part_schema: 1, trade_uncovered: uncovered });
    expect(r.unreadable).toBe(1);
  });
});

describe("verify_orderbook command: report, --json, exit codes", () => {
  const run = async (args: string[]) => {
    const lines: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => lines.push(a.join(" "));
    try {
      return { code: await main(["verify_orderbook", "--log-level", "silent", ...args]), out: lines.join("\n") };
    } finally {
      console.log = orig;
    }
  };

  test("clean → 0; problems → 3 unless --max-errors allows them; unreadable → 1", async () => {
    const clean = await writeMarket();
    const ok = await run(["--data-dir", clean, "--market", MARKET]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("all 22 checks passed");

    const b = cloneBook(book);
    b.bidPx[0][5] = b.askPx[0][5] + 1;
    b.bidPx[0][6] = b.askPx[0][6] + 1;
    const bad = await writeMarket(b);
    const r3 = await run(["--data-dir", bad, "--market", MARKET, "--json"]);
    expect(r3.code).toBe(3);
    const j = JSON.parse(r3.out);
    expect(j.markets[0].counts.crossed).toBe(2);
    expect(j.exit_code).toBe(3);
    expect((await run(["--data-dir", bad, "--market", MARKET, "--max-errors", "2"])).code).toBe(0);
    expect((await run(["--data-dir", bad, "--market", MARKET, "--max-errors", "1"])).code).toBe(3);

    const all = await run(["--data-dir", bad, "--all"]);
    expect(all.code).toBe(3);
    expect(all.out).toContain("crossed book");

    const missing = await run(["--data-dir", join(root, "nowhere"), "--market", MARKET]).catch((e) => e);
    expect(missing.exitCode).toBe(1);
  });
});

describe("explicit --orderbook/--trades paths", () => {
  test("a legacy CSV is refused up front with a pointer to migrate, not reported as a corrupt Parquet part", () => {
    const csv = join(root, "trades.csv");
    writeFileSync(csv, "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type\n");
    expect(() => resolveInputs(root, [], { trades: csv, market: MARKET })).toThrow(/--trades: .*trades\.csv is a CSV file.*migrate/);
  });
});

describe("trades checked without any order book", () => {
  test("coverage and price checks are skipped and said so, instead of one warning per trade", async () => {
    const dataDir = await writeMarket();
    const [input] = resolveInputs(dataDir, [], { market: MARKET });
    const r = await verifyMarket({ ...input, bookFiles: [] }, { gapMs: 5_000, toleranceBps: 50, maxExamples: 3 });
    expectCounts(r.counts, {});
    expect(r.trades).toMatchObject({ rows: trades.length, bookChecked: false });
    const full = await verifyMarket(input, { gapMs: 5_000, toleranceBps: 50, maxExamples: 3 });
    expect(full.trades.bookChecked).toBe(true);
  });
});
