/**
 * Trades that arrive out of sequence on the stream ("clients can skip trades that arrive out of
 * sequence", extended-api.md) are kept — but a part must hold them in time order: parts are read
 * in stored order, `verify_orderbook` reports a timestamp regression as an error, and the
 * backtest's merge would replay the late trade after later book rows.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MarketCollector } from "../../src/collect/market_collector.ts";
import { runCollector } from "../../src/collect/run.ts";
import { defaultConfig } from "../../src/config/load.ts";
import { encodeTradesMessage } from "../../src/exchange/encode.ts";
import type { PublicTrade } from "../../src/exchange/messages.ts";
import { setLogLevel } from "../../src/log.ts";
import { listParquet, verifyMarket } from "../../src/verify/files.ts";
import { readParts, STORED_ORDER } from "./duck.ts";
import { startScriptServer } from "./script_server.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-order-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const M = "BTC-USD";
const BIG = 1992214670521405446n;
const T0 = 1_700_000_000_000;
const trade = (k: number): PublicTrade => ({ market: M, side: k % 2 ? "BUY" : "SELL", type: "TRADE", T: T0 + 1000 * k, p: `${90000 + k}.5`, q: "0.001", id: BIG + BigInt(k) });
const frame = (ks: number[], seq: number) => encodeTradesMessage({ ts: T0 + 1000 * ks[0], seq, trades: ks.map(trade) });

test("trades that arrive out of order are stored once each and in time order within the part", async () => {
  setLogLevel("silent");
  // frame 3 (trade 4) overtakes frame 2 (trades 2, 3); the first frame itself is late too
  const srv = startScriptServer({ market: M, scripts: { publicTrades: ({ send }) => send([frame([1], 2), frame([0], 1), frame([4], 4), frame([2, 3], 3), frame([5], 5)]) } });
  const dir = join(tmp, "reorder");
  try {
    const cfg = defaultConfig({
      ws_base: srv.wsBase,
      rest_base: srv.restBase,
      markets: [M],
      collect_funding: false,
      collect_orderbook: false,
      journal_flush_ms: 50,
      health_log_seconds: 3600,
    });
    const ac = new AbortController();
    let col: MarketCollector | null = null;
    const run = runCollector({ config: cfg, dataDir: dir, markets: [M], signal: ac.signal, onStarted: (cs) => (col = cs[0]) });
    const t0 = Date.now();
    while (Date.now() - t0 < 8000 && !(col && (col as MarketCollector).trades!.stored >= 6)) await Bun.sleep(20);
    ac.abort();
    expect(await run).toBe(0);
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
