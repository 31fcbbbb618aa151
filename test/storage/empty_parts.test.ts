import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataError } from "../../src/errors.ts";
import { openTradeSource, resolveSource } from "../../src/storage/sources.ts";

test("a market whose collector has published no trades part yet is an empty stream, not an error", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "emm-empty-"));
  mkdirSync(join(dataDir, "btc_usd", "trades_parts"), { recursive: true });
  expect(resolveSource({ dataDir, market: "BTC-USD" }, "trades")).toEqual({ kind: "parquet", files: [] });
  let rows = 0;
  for await (const b of openTradeSource({ dataDir, market: "BTC-USD" })) rows += b.length;
  expect(rows).toBe(0);
  // No parts directory at all is still an error naming it.
  expect(() => resolveSource({ dataDir, market: "ETH-USD" }, "trades")).toThrow(DataError);
  expect(() => resolveSource({ dataDir, market: "ETH-USD" }, "trades")).toThrow(/eth_usd\/trades_parts does not exist/);
});
