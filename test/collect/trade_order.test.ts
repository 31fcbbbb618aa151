/**
 * Trades that arrive out of sequence on the stream ("clients can skip trades that arrive out of
 * sequence", docs/exchange.md) are kept — but a part must hold them in time order: parts are read
 * in stored order, `verify_orderbook` reports a timestamp regression as an error, and the
 * backtest's merge would replay the late trade after later book rows.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../../src/log.ts";
import { listParquet, verifyMarket } from "../../src/verify/files.ts";
import { readParts, STORED_ORDER } from "./duck.ts";
import { BIG, collectUntil, M, T0, testConfig, tradesFrame as frame } from "./harness.ts";
import { startScriptServer } from "./script_server.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-order-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("trades that arrive out of order are stored once each and in time order within the part", async () => {
  setLogLevel("silent");
  // frame 3 (trade 4) overtakes frame 2 (trades 2, 3); the first frame itself is late too
  const srv = startScriptServer({ market: M, scripts: { publicTrades: ({ send }) => send([frame([1], 2), frame([0], 1), frame([4], 4), frame([2, 3], 3), frame([5], 5)]) } });
  const dir = join(tmp, "reorder");
  try {
    const { code } = await collectUntil(testConfig(srv, { collect_orderbook: false }), dir, (c) => c.trades!.stored >= 6, 8000);
    expect(code).toBe(0);
    const rows = await readParts(join(dir, "btc_usd/trades_parts"), STORED_ORDER);
    expect(rows.map((r) => Number((r.trade_id as bigint) - BIG))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rows.map((r) => r.price)).toEqual([0, 1, 2, 3, 4, 5].map((k) => 90000 + k + 0.5));
    // the part is named after its first (earliest) trade
    expect(readdirSync(join(dir, "btc_usd/trades_parts"))).toEqual([`part_${T0}_000000.parquet`]);
    const report = await verifyMarket(
      { market: M, bookFiles: [], tradeFiles: listParquet(join(dir, "btc_usd/trades_parts")), source: dir },
      { gapMs: 5000, toleranceBps: 50, maxExamples: 5 },
    );
    expect(report.counts.trade_ts_regression).toBe(0);
  } finally {
    srv.stop();
  }
});
