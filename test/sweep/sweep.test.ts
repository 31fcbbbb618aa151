import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { ConfigSchema } from "../../src/config/schema.ts";
import { main } from "../../src/main.ts";
import { combinations, parseParam } from "../../src/sweep/grid.ts";
import { resultsCsv } from "../../src/sweep/output.ts";
import { runPool } from "../../src/sweep/pool.ts";
import { rank } from "../../src/sweep/rank.ts";

const SAMPLE = join(import.meta.dir, "../../src/demo/sample");
const source = { dataDir: "unused", market: "BTC-USD", orderbook: join(SAMPLE, "orderbook.parquet"), trades: join(SAMPLE, "trades.parquet") };
const config = v.parse(ConfigSchema, { warmup_period_seconds: 120, calibration_window_seconds: 300, recalibration_interval_seconds: 30 });
const params = [parseParam("risk_aversion_gamma=0.01:10:3:log"), parseParam("inventory_horizon_seconds=60,600")];
const combos = combinations(params);

describe("sweep on workers", () => {
  test("the same table whatever the thread count", async () => {
    const tables: string[] = [];
    for (const threads of [1, 2, 4]) {
      const r = await runPool({ source, config, keys: params.map((p) => p.key), combos, threads });
      expect(r.rows.every((x) => x.metrics !== null)).toBe(true);
      tables.push(resultsCsv(r.rows, params, rank(r.rows, "sharpe", 1)));
    }
    expect(tables[1]).toBe(tables[0]);
    expect(tables[2]).toBe(tables[0]);
    // the parameters matter: not every run has the same PnL
    const r = await runPool({ source, config, keys: params.map((p) => p.key), combos, threads: 2 });
    expect(new Set(r.rows.map((x) => x.metrics!.pnl)).size).toBeGreaterThan(1);
    expect(r.rows.every((x) => x.metrics!.fills > 0)).toBe(true);
  });

  test("a calibration key varies the schedule (one calibration per value)", async () => {
    const ps = [parseParam("calibration_window_seconds=120,600")];
    const r = await runPool({ source, config, keys: ["calibration_window_seconds"], combos: combinations(ps), threads: 1 });
    expect(r.rows[0].metrics!.pnl).not.toBe(r.rows[1].metrics!.pnl);
  });

  test("command: CSV and HTML written, --json, bad data is a one-line error", async () => {
    const out = mkdtempSync(join(tmpdir(), "emm-sweep-"));
    const cfg = join(out, "config.json");
    await Bun.write(cfg, JSON.stringify({ warmup_period_seconds: 120, calibration_window_seconds: 300, recalibration_interval_seconds: 30 }));
    const lines: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => lines.push(a.join(" "));
    let code: number;
    try {
      code = await main(["sweep", "--config", cfg, "--log-level", "silent", "--market", "BTC-USD", "--orderbook", source.orderbook, "--trades", source.trades,
        "--param", "risk_aversion_gamma=0.1,1", "--param=inventory_horizon_seconds=60,300,600", "--threads", "2", "--rank", "pnl", "--min-fills", "1", "--out", out, "--json"]);
    } finally {
      console.log = orig;
    }
    expect(code).toBe(0);
    const j = JSON.parse(lines.join("\n"));
    expect(j.rows.length).toBe(6);
    const csv = readFileSync(join(out, "sweep_results.csv"), "utf8").trim().split("\n");
    expect(csv.length).toBe(7);
    expect(csv[0].startsWith("index,rank,risk_aversion_gamma,inventory_horizon_seconds,pnl,")).toBe(true);
    const pnl = csv.slice(1).map((l) => Number(l.split(",")[4]));
    const best = csv.slice(1).find((l) => l.split(",")[1] === "1")!;
    expect(Number(best.split(",")[4])).toBe(Math.max(...pnl));
    const html = readFileSync(join(out, "sweep_report.html"), "utf8");
    expect(html.match(/<g class="cell"/g)!.length).toBe(6);

    const bad = await main(["sweep", "--log-level", "silent", "--market", "BTC-USD", "--orderbook", join(out, "nope.parquet"), "--trades", source.trades, "--param", "risk_aversion_gamma=0.1,1", "--out", out]).catch((e) => e);
    expect(bad.exitCode).toBe(3);
    expect(bad.message).toContain("nope.parquet");
    const usage = await main(["sweep", "--param", "gamma_mode=1,2"]).catch((e) => e);
    expect(usage.exitCode).toBe(2);
  });
});
