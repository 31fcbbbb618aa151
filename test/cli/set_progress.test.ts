import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { snakeKeys } from "../../src/cli/common.ts";
import { applySets } from "../../src/config/overrides.ts";
import { defaultConfig } from "../../src/config/load.ts";
import { fmtEta, progressBar, progressLine } from "../../src/report/progress.ts";
import { runCli } from "../support/cli.ts";

const SAMPLE = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");
const run = runCli;

describe("--set key=value", () => {
  test("sets any key, nested ones by a dotted path, validated like the config file", () => {
    const c = applySets(defaultConfig(), ["fill_model=queue", "max_inventory=0.5", "markets=[\"ETH-USD\"]", "markets_config.ETH-USD.tick_size=0.01", "fill_model=strict"]);
    expect(c.fill_model).toBe("strict"); // the last one wins
    expect(c.max_inventory).toBe(0.5);
    expect(c.markets).toEqual(["ETH-USD"]);
    expect(c.markets_config["ETH-USD"]!.tick_size).toBe(0.01);
    const err = (sets: string[]) => {
      try {
        applySets(defaultConfig(), sets);
      } catch (e) {
        return { code: (e as { exitCode: number }).exitCode, msg: (e as Error).message };
      }
      return null;
    };
    expect(err(["nope=1"])).toEqual({ code: 2, msg: "--set nope: unknown config key (see config.json keys in the README)" });
    expect(err(["max_inventory=-1"])).toEqual({ code: 2, msg: "--set: max_inventory: expected >0, got -1" });
    expect(err(["fill_model=fast"])?.msg).toStartWith("--set: fill_model: expected");
    expect(err(["markets_config.ETH-USD.bogus=1"])).toEqual({ code: 2, msg: "--set markets_config.ETH-USD.bogus: unknown config key" });
    expect(err(["max_inventory"])).toEqual({ code: 2, msg: '--set "max_inventory": expected key=value' });
  });

  test("on the command line: repeatable, reaches the run, and a bad one is exit 2 naming the key", () => {
    const dir = mkdtempSync(join(tmpdir(), "set-cli-"));
    try {
      const src = ["--orderbook", join(SAMPLE, "orderbook.parquet"), "--trades", join(SAMPLE, "trades.parquet"), "--market", "BTC-USD", "--output", join(dir, "r.csv"), "--quiet", "--json"];
      const ok = run(["backtest", ...src, "--set", "fill_model=queue", "--set=order_latency_ms=250", "--intensity-at", "2026-01-06T00:00Z"], dir);
      expect(ok.code).toBe(0);
      const j = JSON.parse(ok.out);
      expect(j.fill_model).toBe("queue");
      expect(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")).order_latency_ms).toBe(250);
      // --intensity-at picks the calibration window the report's intensity chart shows
      expect(readFileSync(join(dir, "report.html"), "utf8")).toMatch(/Calibration window [^<]* → 2026-01-05T23:5\d:\d\d\.\d+Z \(the recalibration at or before --intensity-at, #\d+ of \d+\)/);
      // snake_case all the way down (timings were camelCase)
      expect(Object.keys(j.timings_ms)).toContain("read_ms");
      expect(j.markouts).toHaveLength(10);
      // `bt` is backtest (README)
      const bt = run(["bt", ...src, "--set", "fill_model=cross"], dir);
      expect(bt.code).toBe(0);
      expect(JSON.parse(bt.out).fill_model).toBe("cross");
      const bad = run(["backtest", ...src, "--set", "order_latency_ms=soon"], dir);
      expect(bad.code).toBe(2);
      expect(bad.err.trim()).toBe('[error] --set: order_latency_ms: expected number, got "soon"');
      for (const cmd of ["calculate_spread", "verify_orderbook", "sweep", "serve", "collect_data", "simulate", "migrate", "demo"]) {
        const r = run([cmd, "--set", "no_such_key=1", "--log-level", "warn", ...(cmd === "sweep" ? ["--param", "risk_aversion_gamma=1"] : [])], dir);
        expect({ cmd, code: r.code, err: r.err.trim() }).toEqual({ cmd, code: 2, err: "[error] --set no_such_key: unknown config key (see config.json keys in the README)" });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("progress", () => {
  test("percentage and ETA from the elapsed time and the fraction done", () => {
    expect(progressLine("backtest", 0.25, 30, "1,000 book rows")).toBe("backtest   [######..................]  25% ETA 1 min 30 s · 1,000 book rows");
    expect(progressLine("sweep", 0.005, 3)).toBe("sweep      [........................]   1%"); // no ETA before 1 %
    expect(progressLine("spread", null, 3, "12 rows")).toBe("spread     12 rows");
    expect([fmtEta(4.2), fmtEta(185), fmtEta(4000), fmtEta(NaN)]).toEqual(["5 s", "3 min 05 s", "1 h 06 min", "?"]);
  });

  test("only on a terminal, or with --progress as plain lines; never with --quiet", () => {
    const sink = (isTTY: boolean) => {
      const out: string[] = [];
      return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
    };
    const a = sink(false);
    progressBar(true, false, a.stream).update("x", 0.5);
    expect(a.out).toEqual([]);
    const b = sink(false);
    const bar = progressBar(true, true, b.stream);
    expect(bar.active).toBe(true);
    bar.update("x", 0.5);
    bar.update("x", 0.6); // within 2 s of the last line: skipped
    bar.done();
    expect(b.out).toHaveLength(1);
    expect(b.out[0]).toMatch(/^x +\[#{12}\.{12}\]  50% ETA \d+ s\n$/);
    expect(progressBar(false, true, sink(true).stream).active).toBe(false);
  });

  test("--progress never touches the --json on stdout", () => {
    const dir = mkdtempSync(join(tmpdir(), "progress-cli-"));
    try {
      const r = run(["backtest", "--orderbook", join(SAMPLE, "orderbook.parquet"), "--trades", join(SAMPLE, "trades.parquet"), "--market", "BTC-USD", "--output", join(dir, "r.csv"), "--json", "--progress", "--log-level", "warn"], dir);
      expect(r.code).toBe(0);
      expect(() => JSON.parse(r.out)).not.toThrow();
      expect(r.err).toMatch(/^backtest +\[[#.]+\] +\d+%/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

test("snakeKeys: camelCase keys become snake_case, data keys pass through", () => {
  expect(snakeKeys({ tradesUsed: 1, BTC_USD: 2, "BTC-USD": { kappaBidAtBound: [{ readMs: 3 }] }, bid_fills: 4 })).toEqual({
    trades_used: 1, BTC_USD: 2, "BTC-USD": { kappa_bid_at_bound: [{ read_ms: 3 }] }, bid_fills: 4,
  });
});
