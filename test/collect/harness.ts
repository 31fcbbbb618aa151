/**
 * The scripted-server collector tests' common pieces: a config pointed at the test server (one
 * market, fast flushes, short idle/backoff, no health lines), a run-until helper that stops the
 * collector as SIGTERM would, and numbered trade fixtures with ids above 2^53.
 */
import type { MarketCollector } from "../../src/collect/market_collector.ts";
import { runCollector } from "../../src/collect/run.ts";
import { defaultConfig } from "../../src/config/load.ts";
import { encodeTradesMessage } from "../../src/exchange/encode.ts";
import type { PublicTrade } from "../../src/exchange/messages.ts";

export const M = "BTC-USD";

export function testConfig(srv: { wsBase: string; restBase: string }, extra: Record<string, unknown> = {}) {
  return defaultConfig({
    ws_base: srv.wsBase,
    rest_base: srv.restBase,
    markets: [M],
    collect_funding: false,
    idle_timeout_seconds: 2,
    reconnect_max_backoff_seconds: 1,
    journal_flush_ms: 50,
    health_log_seconds: 3600,
    user_agent: "emm-test/1",
    ...extra,
  });
}

/** Runs the collector until `until()` holds (or `timeoutMs`), then stops it like SIGTERM would. */
export async function collectUntil(cfg: ReturnType<typeof testConfig>, dataDir: string, until: (c: MarketCollector) => boolean, timeoutMs: number) {
  const ac = new AbortController();
  let col: MarketCollector | null = null;
  const run = runCollector({ config: cfg, dataDir, markets: [M], signal: ac.signal, onStarted: (cs) => (col = cs[0]) });
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && !(col && until(col))) await Bun.sleep(20);
  ac.abort();
  return { code: await run, col: col! };
}

/** Trade k: id BIG + k, one second apart from T0, alternating sides. */
export const BIG = 1992214670521405446n;
export const T0 = 1_700_000_000_000;
export const trade = (k: number): PublicTrade => ({ market: M, side: k % 2 ? "BUY" : "SELL", type: "TRADE", T: T0 + 1000 * k, p: `${90000 + k}.5`, q: "0.001", id: BIG + BigInt(k) });
export const tradesFrame = (ks: number[], seq: number) => encodeTradesMessage({ ts: T0 + 1000 * ks[0]!, seq, trades: ks.map(trade) });
