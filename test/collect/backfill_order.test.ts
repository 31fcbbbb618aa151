/**
 * REST backfill after a reconnect or restart fills the outage only, and in time order: the
 * exchange's "latest trades" also reach back before anything this collector ever stored, and the
 * new stream's first (newer) trades usually arrive before the REST answer. Storing either as they
 * come leaves trades out of time order, which `verify_orderbook` reports as an error and the
 * backtest's merge replays after later book rows.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MarketCollector } from "../../src/collect/market_collector.ts";
import { runCollector } from "../../src/collect/run.ts";
import { defaultConfig } from "../../src/config/load.ts";
import { encodeRestTrades, encodeTradesMessage } from "../../src/exchange/encode.ts";
import type { PublicTrade } from "../../src/exchange/messages.ts";
import { setLogLevel } from "../../src/log.ts";
import { listParquet, verifyMarket } from "../../src/verify/files.ts";
import { readParts, STORED_ORDER } from "./duck.ts";
import { startScriptServer } from "./script_server.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-backfill-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const M = "BTC-USD";
const BIG = 1992214670521405446n;
const T0 = 1_700_000_000_000;
const trade = (k: number): PublicTrade => ({ market: M, side: k % 2 ? "BUY" : "SELL", type: "TRADE", T: T0 + 1000 * k, p: `${90000 + k}.5`, q: "0.001", id: BIG + BigInt(k) });
const frame = (ks: number[], seq: number) => encodeTradesMessage({ ts: T0 + 1000 * ks[0], seq, trades: ks.map(trade) });

function config(srv: { wsBase: string; restBase: string }) {
  return defaultConfig({
    ws_base: srv.wsBase,
    rest_base: srv.restBase,
    markets: [M],
    collect_funding: false,
    collect_orderbook: false,
    idle_timeout_seconds: 2,
    reconnect_max_backoff_seconds: 1,
    journal_flush_ms: 50,
    health_log_seconds: 3600,
    user_agent: "emm-test/1",
  });
}

async function collect(cfg: ReturnType<typeof config>, dataDir: string, until: (c: MarketCollector) => boolean, timeoutMs = 8000) {
  const ac = new AbortController();
  let col: MarketCollector | null = null;
  const run = runCollector({ config: cfg, dataDir, markets: [M], signal: ac.signal, onStarted: (cs) => (col = cs[0]) });
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && !(col && until(col))) await Bun.sleep(20);
  ac.abort();
  return { code: await run, col: col! };
}

const storedIds = async (dir: string) => (await readParts(join(dir, "btc_usd/trades_parts"), STORED_ORDER)).map((r) => Number((r.trade_id as bigint) - BIG));

test("a reconnect backfills the outage in time order, before the new stream's trades, and nothing older than what was stored", async () => {
  setLogLevel("silent");
  const srv = startScriptServer({
    market: M,
    scripts: {
      publicTrades: async ({ conn, send, ws }) => {
        if (conn === 0) {
          await send([frame([1, 2], 1), frame([3], 2)]);
          await Bun.sleep(50);
          ws.close(1011, "going away");
        } else {
          await send([frame([9], 1), frame([10], 2)]);
        }
      },
    },
    // The exchange's latest trades: from before the collector started (-3..0), the stored 2..3,
    // the outage 4..8 and the live 9.
    restTrades: () => encodeRestTrades([-3, -2, -1, 0, 2, 3, 4, 5, 6, 7, 8, 9].map(trade)),
    restTradesDelayMs: 300,
  });
  const dir = join(tmp, "reconnect");
  try {
    const { code } = await collect(config(srv), dir, (c) => (c.trades?.stored ?? 0) >= 10);
    expect(code).toBe(0);
    expect(await storedIds(dir)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const report = await verifyMarket(
      { market: M, bookFiles: [], tradeFiles: listParquet(join(dir, "btc_usd/trades_parts")), source: dir },
      { gapMs: 5000, toleranceBps: 50, maxExamples: 5 },
    );
    expect(report.counts.trade_ts_regression).toBe(0);
    expect(report.errors).toBe(0);
  } finally {
    srv.stop();
  }
});

test("a restart backfills only what came after the last stored trade", async () => {
  setLogLevel("silent");
  const dir = join(tmp, "restart");
  const first = startScriptServer({ market: M, scripts: { publicTrades: ({ send }) => send([frame([5, 6], 1)]) } });
  try {
    expect((await collect(config(first), dir, (c) => (c.trades?.stored ?? 0) >= 2)).code).toBe(0);
  } finally {
    first.stop();
  }
  const second = startScriptServer({
    market: M,
    scripts: { publicTrades: ({ send }) => send([frame([9], 1)]) },
    restTrades: () => encodeRestTrades([1, 2, 3, 4, 5, 6, 7, 8].map(trade)),
    restTradesDelayMs: 200,
  });
  try {
    expect((await collect(config(second), dir, (c) => (c.trades?.stored ?? 0) >= 3)).code).toBe(0);
    expect(await storedIds(dir)).toEqual([5, 6, 7, 8, 9]);
  } finally {
    second.stop();
  }
});

test("a stop while a backfill is still running stores the frames held meanwhile", async () => {
  setLogLevel("silent");
  const dir = join(tmp, "stop-during-backfill");
  const first = startScriptServer({ market: M, scripts: { publicTrades: ({ send }) => send([frame([1], 1)]) } });
  try {
    expect((await collect(config(first), dir, (c) => (c.trades?.stored ?? 0) >= 1)).code).toBe(0);
  } finally {
    first.stop();
  }
  let sent = false;
  const second = startScriptServer({
    market: M,
    scripts: {
      publicTrades: async ({ send }) => {
        await send([frame([2], 1), frame([3], 2)]);
        sent = true;
      },
    },
    restTrades: () => encodeRestTrades([1].map(trade)),
    restTradesDelayMs: 5000, // still pending when the run stops
  });
  try {
    const t0 = Date.now();
    const r = await collect(config(second), dir, () => sent && Date.now() - t0 > 500);
    expect(r.code).toBe(0);
    expect(await storedIds(dir)).toEqual([1, 2, 3]);
  } finally {
    second.stop();
  }
});

test("a lost or damaged state.json: the stored trades are not stored again (the id window is rebuilt from the newest part)", async () => {
  setLogLevel("silent");
  for (const damage of ["delete", "corrupt"] as const) {
    const dir = join(tmp, `state-${damage}`);
    const first = startScriptServer({ market: M, scripts: { publicTrades: ({ send }) => send([frame([1, 2, 3], 1)]) } });
    try {
      expect((await collect(config(first), dir, (c) => (c.trades?.stored ?? 0) >= 3)).code).toBe(0);
    } finally {
      first.stop();
    }
    const state = join(dir, "btc_usd/state.json");
    if (damage === "delete") rmSync(state);
    else await Bun.write(state, "{ this is not json");
    // the exchange's stream (and its latest trades) overlap what is already stored
    const second = startScriptServer({
      market: M,
      scripts: { publicTrades: ({ send }) => send([frame([2, 3, 4], 1), frame([5], 2)]) },
      restTrades: () => encodeRestTrades([1, 2, 3, 4].map(trade)),
    });
    try {
      expect((await collect(config(second), dir, (c) => (c.trades?.stored ?? 0) >= 2)).code).toBe(0);
      expect(await storedIds(dir)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      second.stop();
    }
  }
});
