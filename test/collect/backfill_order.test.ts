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
import { encodeRestTrades } from "../../src/exchange/encode.ts";
import { setLogLevel } from "../../src/log.ts";
import { listParquet, verifyMarket } from "../../src/verify/files.ts";
import { readParts, STORED_ORDER } from "./duck.ts";
import { BIG, collectUntil, M, testConfig, trade, tradesFrame as frame } from "./harness.ts";
import { startScriptServer } from "./script_server.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-backfill-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const config = (srv: { wsBase: string; restBase: string }) => testConfig(srv, { collect_orderbook: false });
const collect = (cfg: ReturnType<typeof config>, dataDir: string, until: (c: MarketCollector) => boolean, timeoutMs = 8000) => collectUntil(cfg, dataDir, until, timeoutMs);

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
