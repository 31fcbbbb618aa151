import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FILLS_HEADER, RESULTS_HEADER } from "../../src/report/csv.ts";
import { runCli } from "../support/cli.ts";

const SAMPLE = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");
const run = runCli;

describe("backtest command", () => {
  const dir = mkdtempSync(join(tmpdir(), "bt-cli-"));
  const src = ["--orderbook", join(SAMPLE, "orderbook.parquet"), "--trades", join(SAMPLE, "trades.parquet"), "--market", "BTC-USD"];

  test("the original's flags; --json summary on stdout; four output files", () => {
    const out = join(dir, "res", "backtest_results.csv");
    const r = run(["backtest", ...src, "--output", out, "--capital", "5000", "--notional", "50", "--quiet", "--json", "--fill-model", "cross"], dir);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.summary.initial_capital).toBe(5000);
    expect(j.summary.final_pnl).toBeCloseTo(j.summary.final_equity - 5000, 9);
    expect(j.summary.total_fills).toBeGreaterThan(0);
    expect(j.reconciliation).toBeLessThan(1e-9);
    const csv = readFileSync(out, "utf8").split("\n");
    expect(csv[0]).toBe(RESULTS_HEADER);
    expect(csv[0]!.startsWith("timestamp,datetime,mid_price,inventory,cash,pnl,spread_bps,bid_price,ask_price,bid_fills,ask_fills,gamma,bid_kappa,ask_kappa,bid_a,ask_a")).toBe(true);
    expect(csv.length - 2).toBe(j.summary.recalibrations);
    const fills = readFileSync(join(dir, "res", "fills.csv"), "utf8").trim().split("\n");
    expect(fills[0]).toBe(FILLS_HEADER);
    expect(fills.length - 1).toBe(j.summary.total_fills + (j.summary.inventory_before_close !== 0 ? 1 : 0));
    // fills.csv sizes at the order notional: 50 USD / ~94k
    expect(Number(fills[1]!.split(",")[5])).toBeLessThanOrEqual(50 + 1e-9);
    // mids of a 0.1-grid book are on a 0.05 grid: written as such, not as 94066.29999999999
    const decimals = (t: string) => (t.split(".")[1] ?? "").length;
    for (const line of csv.slice(1, -1)) expect(decimals(line.split(",")[2]!)).toBeLessThanOrEqual(2);
    for (const line of fills.slice(1)) expect(decimals(line.split(",")[10]!)).toBeLessThanOrEqual(2);
    const summary = JSON.parse(readFileSync(join(dir, "res", "summary.json"), "utf8"));
    expect(summary.summary).toEqual(j.summary);
    expect(existsSync(join(dir, "res", "report.html"))).toBe(true);
  }, 60_000);

  test("human summary names profit and equity separately", () => {
    const r = run(["backtest", ...src, "--output", join(dir, "h", "backtest_results.csv"), "--from", "2026-01-05T23:30:00Z", "--to", "2026-01-06T00:30:00Z"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Final Equity");
    expect(r.out).toContain("Final P&L (profit)");
    expect(r.out).toMatch(/Results written to .*backtest_results\.csv/);
  }, 60_000);

  test("crossed and one-sided book rows are reported (warning, --json data_quality)", () => {
    const ob = join(dir, "crossed_ob.csv");
    const rows = Array.from({ length: 120 }, (_, i) => {
      const t = 1_700_000_000_000 + i * 1000;
      if (i === 10 || i === 11) return `${t},100.5,1,100.2,1`; // bid above ask
      if (i === 20) return `${t},,,100.2,1`; // no bid
      return `${t},100,1,100.2,1`;
    });
    writeFileSync(ob, ["timestamp_ms,bid_price0,bid_qty0,ask_price0,ask_qty0", ...rows].join("\n") + "\n");
    const tr = join(dir, "crossed_tr.csv");
    writeFileSync(tr, "timestamp_ms,price,quantity,side\n1700000050000,100,1,sell\n");
    const r = run(["backtest", "--orderbook", ob, "--trades", tr, "--market", "T-USD", "--output", join(dir, "x", "r.csv"), "--json", "--quiet"], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).data_quality).toEqual({ bad_trades: 0, duplicate_trades: 0, one_sided_books: 1, crossed_books: 2, skipped_parts: [] });
    expect(r.err).toContain("2 crossed book row(s)");
  }, 60_000);

  test("bad flags exit 2 with a one-line message; missing data exits 3", () => {
    const a = run(["backtest", ...src, "--capital", "abc"], dir);
    expect(a.code).toBe(2);
    expect(a.err).toContain("--capital");
    // the message names the real bound: 0 is refused as well as negatives
    for (const [flag, v] of [["--capital", "-5"], ["--capital", "0"], ["--notional", "-1"], ["--notional", "0"]]) {
      const r = run(["backtest", ...src, flag!, v!], dir);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${flag}: expected a number > 0, got "${v}"`);
    }
    expect(run(["backtest", ...src, "--fill-model", "magic"], dir).code).toBe(2);
    expect(run(["backtest", ...src, "--from", "yesterday-ish"], dir).code).toBe(2);
    const m = run(["backtest", "--market", "BTC-USD", "--data-dir", join(dir, "empty")], dir);
    expect(m.code).not.toBe(0);
    const d = run(["backtest", "--market", "BTC-USD", "--data-dir", join(dir, "nodata"), "--quiet"], dir);
    expect(d.code).toBe(3);
    expect(d.err.trim().split("\n").length).toBe(1);
  }, 60_000);
});
