/**
 * `--duration` is a deadline from the start of the run (cron: `--duration 3590` every hour). A
 * slow start-up (an unreachable REST endpoint costs its timeout, a big journal recovery) must not
 * push the end of the run into the next cron window, where the next run would find the lock held
 * and exit without recording anything for an hour.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCollector } from "../../src/collect/run.ts";
import { defaultConfig } from "../../src/config/load.ts";
import type { RestClient } from "../../src/exchange/rest.ts";
import { setLogLevel } from "../../src/log.ts";
import { startScriptServer } from "./script_server.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-deadline-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("a --duration that runs out during start-up stops right after it, without connecting", async () => {
  setLogLevel("silent");
  const srv = startScriptServer({ market: "BTC-USD", scripts: { orderbooks: () => {}, publicTrades: () => {} } });
  const slowRest: RestClient = {
    markets: async () => {
      await Bun.sleep(1500); // longer than the whole --duration
      return [];
    },
    trades: async () => [],
    orderbook: async () => {
      throw new Error("not used");
    },
  };
  try {
    const cfg = defaultConfig({ ws_base: srv.wsBase, rest_base: srv.restBase, markets: ["BTC-USD"], collect_funding: false, health_log_seconds: 3600 });
    const code = await runCollector({ config: cfg, dataDir: join(tmp, "d"), markets: ["BTC-USD"], durationSeconds: 0.5, rest: slowRest });
    expect(code).toBe(0);
    expect(srv.connections).toEqual({});
  } finally {
    srv.stop();
  }
});
