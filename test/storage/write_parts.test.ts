import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allocBook, allocTrades } from "../../src/storage/batch.ts";
import { parquet, writeBookPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { Side } from "../../src/storage/types.ts";
import { DataError } from "../../src/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "emm-write-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("part writers", () => {
  test("book part: schema, metadata, no temp file left, never overwritten", async () => {
    const b = allocBook("ETH-USD", 2, 3);
    b.timestampMs.set([1000, 2000, 3000]);
    b.seq.set([1n, 2n, 3n]);
    b.bidPx[0].set([10, 0, NaN]);
    const path = join(dir, "ob", "part_0000000001000_0000000001_000000.parquet");
    const w = await writeBookPart(path, b);
    expect(w.rows).toBe(3);
    expect(readdirSync(join(dir, "ob"))).toEqual(["part_0000000001000_0000000001_000000.parquet"]);
    const pw = parquet();
    const pf = await pw.ParquetFile.fromFile(Bun.file(path));
    const kv = pf.metadata().fileMetadata().keyValueMetadata();
    expect(kv.get("schema_version")).toBe("1.0");
    expect(kv.get("market")).toBe("ETH-USD");
    expect(kv.get("max_levels")).toBe("2");
    const before = readFileSync(path);
    await expect(writeBookPart(path, b)).rejects.toBeInstanceOf(DataError);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(join(dir, "ob")).length).toBe(1);
  });

  test("empty batch is refused, nothing written", async () => {
    const path = join(dir, "empty", "part_0000000000000_000000.parquet");
    await expect(writeTradePart(path, allocTrades("ETH-USD", 0))).rejects.toBeInstanceOf(DataError);
    expect(existsSync(path)).toBe(false);
  });

  test("inconsistent batches are refused before anything is written", async () => {
    const b = allocBook("ETH-USD", 2, 3);
    b.bidPx[1] = new Float64Array(2);
    const path = join(dir, "bad", "part_0000000000001_0000000001_000000.parquet");
    await expect(writeBookPart(path, b)).rejects.toThrow(/holds 2 values/);
    const c = allocBook("ETH-USD", 2, 3);
    c.askQty.pop();
    await expect(writeBookPart(path, c)).rejects.toThrow(/1 level arrays/);
    const t = allocTrades("ETH-USD", 3);
    t.timestampMs = new Float64Array([1, NaN, 3]);
    await expect(writeTradePart(path, t)).rejects.toThrow(/not finite/);
    expect(existsSync(join(dir, "bad"))).toBe(false);
  });

  test("trades part: side and is_buyer_maker columns", async () => {
    const t = allocTrades("ETH-USD", 3);
    t.timestampMs.set([1, 2, 3]);
    t.side.set([Side.buy, Side.sell, Side.unknown]);
    const path = join(dir, "tr", "part_0000000000001_000000.parquet");
    await writeTradePart(path, t);
    const pw = parquet();
    const schema = pw.readSchema(new Uint8Array(readFileSync(path)));
    for (const c of ["timestamp_ms", "price", "quantity", "is_buyer_maker", "trade_id", "side", "trade_type", "market"]) {
      expect(schema.indexOf(c)).toBeGreaterThanOrEqual(0);
    }
    expect(schema.indexOf("is_buyer_maker")).toBe(3);
  });
});
