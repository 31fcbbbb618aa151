import { describe, expect, test } from "bun:test";
import { pruneByWindow } from "../../src/storage/stage.ts";

const part = (dir: string, ts: number, n: number) => ({ key: `d/${dir}/part_${String(ts).padStart(13, "0")}_${String(n).padStart(6, "0")}.parquet`, size: 1 });

describe("pruneByWindow: only parts that can hold rows in [from, to) are fetched", () => {
  const books = [part("orderbook_parts", 1000, 0), part("orderbook_parts", 2000, 1), part("orderbook_parts", 3000, 2), part("orderbook_parts", 4000, 3)];
  const trades = [part("trades_parts", 500, 0), part("trades_parts", 3500, 1)];
  const other = { key: "d/market.json", size: 1 };
  const all = [other, ...books, ...trades];

  test("no window: everything", () => {
    expect(pruneByWindow(all)).toEqual(all);
  });

  test("a part ends where the next one of its folder starts; files without a part name are kept", () => {
    const keys = pruneByWindow(all, 2500, 3500).map((o) => o.key);
    // book part 2000 may hold rows up to 3000, part 3000 starts inside; 1000 ends at 2000 (< 2500), 4000 starts after
    expect(keys).toEqual([other.key, books[1]!.key, books[2]!.key, trades[0]!.key]);
    // the last part of a folder has no known end: kept unless it starts at or after `to`
    expect(pruneByWindow(all, 5000).map((o) => o.key)).toEqual([other.key, books[3]!.key, trades[1]!.key]);
    expect(pruneByWindow(all, undefined, 1000).map((o) => o.key)).toEqual([other.key, trades[0]!.key]);
  });
});
