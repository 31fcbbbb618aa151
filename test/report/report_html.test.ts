import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { summarize } from "../../src/backtest/metrics.ts";
import { runBacktest, type BacktestOptions } from "../../src/backtest/run.ts";
import { backtestPaths, writeBacktestOutputs } from "../../src/report/backtest_outputs.ts";
import { runStreamed } from "../../src/backtest/stream.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";
import { lineChart, timeTicks } from "../../src/report/html.ts";
import { allocBook, allocTrades } from "../../src/storage/batch.ts";
import { writeBookPart, writeTradePart } from "../../src/storage/parquet/index.ts";


/** A backtest whose files are written as the CLI writes them: `results` and its siblings. */
async function backtestTo(results: string, o: BacktestOptions) {
  const out = await runBacktest(o);
  const files = backtestPaths(results, o.dataDir, o.market);
  writeBacktestOutputs(out, files);
  return { ...out, files };
}

const SAMPLE = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");
/** The demo's embedded 20-minute sample (src/demo), with the demo's settings (src/demo/run_demo.ts). */
const DEMO = join(import.meta.dir, "../../src/demo/sample");
const DEMO_CONFIG = {
  tick_size: 0.1, calibration_window_seconds: 300, recalibration_interval_seconds: 30, warmup_period_seconds: 120,
  gap_threshold_seconds: 60, calibration_max_gap_seconds: 60, order_notional: 100, max_inventory: 0.05,
};

/** Vertices of each chart's first series (`M`/`L` commands of its path), in chart order. */
function chartPoints(html: string): number[] {
  return html.split('<svg class="chart"').slice(1).map((svg) => {
    const d = /<path class="series" d="([^"]*)"/.exec(svg)?.[1] ?? "";
    return (d.match(/[ML]/g) ?? []).length;
  });
}
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

/** Headless Chromium: the DOM after scripts ran, and the console messages it logged. */
function chromium(url: string, extra: string[], profile: string) {
  const r = Bun.spawnSync([
    CHROMIUM!, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
    `--user-data-dir=${profile}`, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", ...extra, url,
  ], { stdout: "pipe", stderr: "pipe", timeout: 90_000 });
  const err = r.stderr.toString();
  const console = err.split("\n").filter((l) => l.includes(":CONSOLE"));
  return { code: r.exitCode, dom: r.stdout.toString(), console };
}

describe("report.html", () => {
  test("is self-contained: no external URL, no network fetches", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bt-html-"));
    const cfg = v.parse(ConfigSchema, { fill_model: "queue", tick_size: 0.1, max_inventory: 0.01, order_notional: 100 });
    const out = await backtestTo(join(dir, "backtest_results.csv"), { config: cfg, dataDir: dir, market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath: join(SAMPLE, "trades.parquet") });
    const html = readFileSync(out.files.report, "utf8");
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).not.toContain("@import");
    expect((html.match(/<svg class="chart"/g) ?? []).length).toBe(4);
    expect(html).not.toContain("NaN");
  }, 60_000);

  test.skipIf(!CHROMIUM)("renders its four charts in headless Chromium without console errors; screenshot saved", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bt-chromium-"));
    const cfg = v.parse(ConfigSchema, { fill_model: "queue", tick_size: 0.1, max_inventory: 0.01, order_notional: 100 });
    const out = await backtestTo(join(dir, "backtest_results.csv"), { config: cfg, dataDir: dir, market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath: join(SAMPLE, "trades.parquet") });
    const url = `file://${out.files.report}`;
    const a = chromium(url, ["--dump-dom"], join(dir, "profile1"));
    expect(a.code).toBe(0);
    expect(a.dom).toContain('data-rendered="4"'); // the inline check found a laid-out line in every chart
    expect(a.console).toEqual([]);
    const shot = join(process.env.BACKTEST_SCREENSHOT_DIR ?? dir, "report.png");
    const b = chromium(url, [`--screenshot=${shot}`, "--window-size=1400,1100"], join(dir, "profile2"));
    expect(b.code).toBe(0);
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    console.log(`report screenshot: ${shot}`);
  }, 120_000);

  test("the demo's 20-minute run is charted every second (was every 60 s); the summary is the metrics grid's, unchanged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bt-demo-"));
    const cfg = v.parse(ConfigSchema, DEMO_CONFIG);
    const books = join(DEMO, "orderbook.parquet"), trades = join(DEMO, "trades.parquet");
    const out = await backtestTo(join(dir, "backtest_results.csv"), { config: cfg, dataDir: dir, market: "BTC-USD", orderbookPath: books, tradesPath: trades });
    const span = (out.summary.last_ts - out.summary.first_ts) / 1000;
    expect(span).toBeGreaterThan(15 * 60);
    expect(out.result.samples.ts.length).toBe(Math.floor(span / 60) + 2); // what the charts drew before
    expect(out.chart.stepMs).toBe(1000);
    const html = readFileSync(out.files.report, "utf8");
    const pts = chartPoints(html);
    expect(pts.length).toBe(4);
    expect(pts[0]).toBe(Math.floor(span) + 2); // equity: every second + the close
    expect(pts[1]).toBe(pts[0]); // inventory
    expect(html).toContain(`${pts[0]!.toLocaleString("en-US")} points, one every 1 s`);
    // the metrics: bit-identical to a run that samples only on equity_sample_seconds
    const plain = await runStreamed({ books, trades, funding: null, levels: cfg.max_depth_levels, tickSize: out.market.tickSize, engine: engineOptionsFromConfig(cfg), params: out.params });
    expect(plain.chart).toBeNull();
    const json = JSON.parse(readFileSync(out.files.summary, "utf8"));
    expect(json.summary).toEqual(JSON.parse(JSON.stringify(summarize(plain.result, out.params))));
    expect(out.summary).toEqual(summarize(plain.result, out.params));
  }, 60_000);

  test("data quality counts are in report.html and summary.json, with the right values on defective input", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bt-dq-"));
    const t0 = 1_767_225_600_000, n = 400;
    const b = allocBook("T-USD", 1, n);
    for (let i = 0; i < n; i++) {
      b.timestampMs[i] = t0 + i * 1000;
      b.bidPx[0]![i] = 99.9;
      b.askPx[0]![i] = 100.1;
      b.bidQty[0]![i] = b.askQty[0]![i] = 1;
      b.seq[i] = BigInt(i);
    }
    b.bidPx[0]![100] = NaN; // one-sided
    b.askPx[0]![200] = NaN; // one-sided
    b.bidPx[0]![300] = 100.3; // crossed: bid above ask
    const px = [100, 100, 100, NaN, 100.1, -1, 99.9, 99.9];
    const tr = allocTrades("T-USD", px.length, true);
    px.forEach((p, i) => {
      tr.timestampMs[i] = t0 + 500 + Math.min(i, 6) * 40_000; // rows 6 and 7 are exact duplicates
      tr.price[i] = p;
      tr.quantity[i] = 1;
      tr.side[i] = i % 2 ? 1 : -1;
      tr.tradeId![i] = BigInt(Math.min(i, 6));
    });
    tr.side[7] = tr.side[6]!;
    tr.quantity[2] = 0; // bad: zero quantity
    const books = join(dir, "orderbook.parquet"), trades = join(dir, "trades.parquet");
    await writeBookPart(books, b);
    await writeTradePart(trades, tr);
    const cfg = v.parse(ConfigSchema, { tick_size: 0.1, max_inventory: 1, order_notional: 10, warmup_period_seconds: 0 });
    const out = await backtestTo(join(dir, "out", "backtest_results.csv"), { config: cfg, dataDir: dir, market: "T-USD", orderbookPath: books, tradesPath: trades });
    const counts = { bad_trades: 3, duplicate_trades: 1, one_sided_books: 2, crossed_books: 1 };
    const want = { ...counts, skipped_parts: [] };
    expect(out.dataQuality).toEqual(want);
    expect(JSON.parse(readFileSync(out.files.summary, "utf8")).data_quality).toEqual(want);
    const html = readFileSync(out.files.report, "utf8");
    const table = /<table class="summary" id="data-quality">(.*?)<\/table>/.exec(html)?.[1] ?? "";
    const cells = Object.fromEntries([...table.matchAll(/<tr><th>(\w+)<\/th><td>(\d+)<\/td>/g)].map((m) => [m[1], Number(m[2])]));
    expect(cells).toEqual({ ...counts, skipped_parts: 0 });
    expect(html).toContain("The input had 7 defect(s)");
  }, 60_000);

  test("time-axis labels sit on round UTC times, as precise as the step needs", () => {
    const t0 = Date.UTC(2026, 0, 5, 23, 17, 42, 123);
    const labels = (span: number) => timeTicks(t0, t0 + span);
    for (const [span, re] of [
      [2 * 60_000, /^23:1[7-9]:[0-5][05]$/],
      [20 * 60_000, /^23:[2-3][05]$/],
      [2 * 3_600_000, /^(23|00|01):[03]0$/],
      [3 * 86_400_000, /^01-0[5-8] (00|12):00$/],
      [21 * 86_400_000, /^01-(0[5-9]|[12]\d)$/],
    ] as const) {
      const ticks = labels(span);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(7);
      for (const { t, label } of ticks) {
        expect(t).toBeGreaterThanOrEqual(t0);
        expect(t).toBeLessThanOrEqual(t0 + span);
        expect(label).toMatch(re);
      }
      expect(new Set(ticks.map((x) => x.label)).size).toBe(ticks.length); // no repeated label
    }
  });

  test.skipIf(!CHROMIUM)("the console check can fail: a page with an error is caught", () => {
    const dir = mkdtempSync(join(tmpdir(), "bt-chromium-neg-"));
    const page = join(dir, "bad.html");
    writeFileSync(page, `<html><body data-rendered="0">${lineChart({ title: "x", unit: "", x: [0, 1], series: [{ name: "a", color: "#000", y: [NaN, NaN] }] })}<script>null.x</script></body></html>`);
    const r = chromium(`file://${page}`, ["--dump-dom"], join(dir, "p"));
    expect(r.console.length).toBeGreaterThan(0);
    expect(r.dom).toContain('data-rendered="0"');
  }, 60_000);
});
