import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { summarize } from "../../src/backtest/metrics.ts";
import { runBacktest, type BacktestOptions } from "../../src/backtest/run.ts";
import { backtestPaths, writeBacktestOutputs } from "../../src/report/backtest_outputs.ts";
import { analyzeBacktest } from "../../src/report/run_analysis.ts";
import { runStreamed } from "../../src/backtest/stream.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";
import { SUMMARY_GROUPS } from "../../src/report/summary_groups.ts";
import type { ChartSpec } from "../../src/report/tearsheet.ts";
import { seededRandom } from "../../src/model/prng.ts";
import { allocBook, allocTrades } from "../../src/storage/batch.ts";
import { writeBookPart, writeTradePart } from "../../src/storage/parquet/index.ts";
import { Browser, CHROMIUM, SERIES_PIXELS_JS } from "./chromium.ts";

const SAMPLE = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");
/** The demo's embedded 20-minute sample (src/demo), with the demo's settings (src/demo/run_demo.ts). */
const DEMO = join(import.meta.dir, "../../src/demo/sample");
const DEMO_CONFIG = {
  tick_size: 0.1, calibration_window_seconds: 300, recalibration_interval_seconds: 30, warmup_period_seconds: 120,
  gap_threshold_seconds: 60, calibration_max_gap_seconds: 60, order_notional: 100, max_inventory: 0.05,
};
const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A backtest whose files are written as the CLI writes them: `results` and its siblings. */
async function backtestTo(results: string, o: BacktestOptions) {
  const out = await runBacktest(o);
  const analysis = await analyzeBacktest(out, o);
  const files = backtestPaths(results, o.dataDir, o.market);
  writeBacktestOutputs(out, analysis, files);
  return { ...out, analysis, files };
}

/** The charts' JSON block of a report. */
function chartData(html: string): { charts: ChartSpec[]; bands: { from: number; to: number; kind: string }[] } {
  const m = /<script type="application\/json" id="tearsheet-data">(.*?)<\/script>/s.exec(html);
  if (!m) throw new Error("no chart data in the page");
  return JSON.parse(m[1]!.replace(/<\\\//g, "</"));
}

async function fixtureRun(dir: string, over: Record<string, unknown> = {}) {
  const cfg = v.parse(ConfigSchema, { fill_model: "queue", tick_size: 0.1, max_inventory: 0.01, order_notional: 100, ...over });
  return backtestTo(join(dir, "backtest_results.csv"), { config: cfg, dataDir: dir, market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath: join(SAMPLE, "trades.parquet") });
}

const CHART_IDS = ["pnl", "drawdown", "inventory", "quotes", "price", "markouts", "fill-distance", "inventory-hist", "sigma", "kappa", "gamma", "intensity"];

describe("report.html", () => {
  test("one self-contained file: uPlot inlined, no external URL, every chart and summary group present", async () => {
    const dir = tmp("bt-html-");
    const out = await fixtureRun(dir);
    const html = readFileSync(out.files.report, "utf8");
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    expect(html).not.toContain("@import");
    expect(html).toContain("uPlot");
    const data = chartData(html);
    expect(data.charts.map((c) => c.id)).toEqual(CHART_IDS);
    expect(JSON.stringify(data)).not.toContain("NaN");
    for (const g of SUMMARY_GROUPS) expect(html).toContain(`<h2>${g.title}</h2>`);
    // the headline names the profit and its parts, in the summary's own numbers
    const headline = /<p class="headline[^"]*" id="headline">(.*?)<\/p>/.exec(html)![1]!;
    expect(headline).toStartWith(`${out.summary.final_pnl < 0 ? "Lost" : "Made"} $${Math.abs(out.summary.final_pnl).toFixed(2)}`);
    expect(headline).toContain("spread capture");
    expect(headline).toContain("inventory PnL");
    // the warm-up at the start is shaded
    expect(data.bands[0]).toEqual({ from: out.summary.first_ts, to: out.summary.first_ts + 900_000, kind: "warmup" });
    // fill markers are the run's maker fills (234 here, under the thinning bound)
    const quotes = data.charts.find((c) => c.id === "quotes")!;
    const marks = quotes.tables[1]!.series.map((s) => s.y.filter((y) => y !== null).length);
    expect(marks[0]! + marks[1]!).toBe(out.summary.total_fills); // maker fills; the close is not among them
  }, 60_000);

  test.skipIf(!CHROMIUM)("a losing day in headless Chromium: the headline says where the money went; no console error, no network request, every chart draws its series; screenshots", async () => {
    const dir = tmp("bt-chromium-");
    const out = await fixtureRun(dir, { fill_model: "cross" });
    const s = out.summary;
    expect(s.final_pnl).toBeLessThan(0); // the case the report exists for
    const url = `file://${out.files.report}`;
    const b = await Browser.launch(1440, 1000);
    try {
      await b.open(url);
      expect(await b.eval<string>("document.body.dataset.charts")).toBe(String(CHART_IDS.length));
      // the first line names the loss and its parts, largest first, and says what the largest means
      const headline = await b.eval<string>("document.getElementById('headline').textContent");
      const parts: [string, number][] = [["inventory PnL", s.inventory_pnl], ["spread capture", s.spread_capture], ["fees", -s.fees_total], ["funding", s.funding]];
      const [largest, value] = parts.sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]))[0]!;
      expect(headline).toStartWith(`Lost $${(-s.final_pnl).toFixed(2)} over 1 h 59 min = ${largest} ${value < 0 ? "−" : "+"}$${Math.abs(value).toFixed(2)}, `);
      if (largest === "inventory PnL") expect(headline).toContain("the mid moved against the inventory we held");
      const px = await b.eval<Record<string, number>>(SERIES_PIXELS_JS);
      expect(Object.keys(px)).toEqual(CHART_IDS);
      for (const id of CHART_IDS) expect({ id, px: px[id]! > 150 }).toEqual({ id, px: true });
      // the spread's scale is set by the quotes, not by the first calibration's capped spread
      const yMax = await b.eval<number>("tearsheet.charts.quotes.scales.y.max");
      expect(yMax).toBeLessThan(20);
      expect(new Set(b.requests)).toEqual(new Set([url]));
      const shots = process.env.REPORT_SCREENSHOT_DIR ?? dir;
      mkdirSync(shots, { recursive: true });
      const y = (id: string) => b.eval<number>(`document.getElementById('chart-${id}').getBoundingClientRect().top + scrollY`);
      const [inv, quotes, markouts] = [await y("inventory"), await y("quotes"), await y("markouts")];
      writeFileSync(join(shots, "report.png"), await b.screenshot());
      writeFileSync(join(shots, "report-top.png"), await b.screenshot({ x: 0, y: 0, width: 1440, height: inv }));
      writeFileSync(join(shots, "report-quotes.png"), await b.screenshot({ x: 0, y: quotes - 10, width: 960, height: markouts - quotes }));
      expect(statSync(join(shots, "report.png")).size).toBeGreaterThan(100_000);
      // (after the screenshots: the legend's live values change the layout)
      // hover: the legend shows an ISO time for the cursor's position
      await b.send("Input.dispatchMouseEvent", { type: "mouseMoved", ...(await b.eval<{ x: number; y: number }>("(() => { const r = tearsheet.charts.pnl.over.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()")) });
      expect(await b.eval<string>("document.querySelector('#chart-pnl .u-legend .u-value').textContent")).toMatch(/^2026-01-0[56] \d\d:\d\d:\d\dZ$/);
      expect(b.errors).toEqual([]);
    } finally {
      await b.close();
    }
  }, 120_000);

  test.skipIf(!CHROMIUM)("the browser checks can fail: an exception, a console error and a fetch are all caught", async () => {
    const dir = tmp("bt-chromium-neg-");
    const page = join(dir, "bad.html");
    writeFileSync(page, `<html><body><script>console.error("boom"); fetch("http://127.0.0.1:9/x").catch(() => {}); null.x</script></body></html>`);
    const b = await Browser.launch();
    try {
      await b.open(`file://${page}`);
      await Bun.sleep(200);
      expect(b.errors.some((e) => e.includes("boom"))).toBe(true);
      expect(b.errors.some((e) => e.startsWith("exception:"))).toBe(true);
      expect(b.requests).toContain("http://127.0.0.1:9/x");
    } finally {
      await b.close();
    }
  }, 60_000);

  test("the demo's 20-minute run is charted every second; the summary is the metrics grid's, unchanged", async () => {
    const dir = tmp("bt-demo-");
    const cfg = v.parse(ConfigSchema, DEMO_CONFIG);
    const books = join(DEMO, "orderbook.parquet"), trades = join(DEMO, "trades.parquet");
    const out = await backtestTo(join(dir, "backtest_results.csv"), { config: cfg, dataDir: dir, market: "BTC-USD", orderbookPath: books, tradesPath: trades });
    const span = (out.summary.last_ts - out.summary.first_ts) / 1000;
    expect(span).toBeGreaterThan(15 * 60);
    expect(out.chart.stepMs).toBe(1000);
    const html = readFileSync(out.files.report, "utf8");
    const { charts } = chartData(html);
    const pnl = charts.find((c) => c.id === "pnl")!.tables[0]!;
    expect(pnl.x.length).toBe(Math.floor(span) + 2); // every second + the close
    expect(charts.find((c) => c.id === "inventory")!.tables[0]!.x.length).toBe(pnl.x.length);
    expect(html).toContain(`${pnl.x.length.toLocaleString("en-US")} points, one every 1 s`);
    // the metrics: bit-identical to a run that samples only on equity_sample_seconds
    const plain = await runStreamed({ books, trades, funding: null, levels: cfg.max_depth_levels, tickSize: out.market.tickSize, engine: engineOptionsFromConfig(cfg), params: out.params });
    expect(plain.chart).toBeNull();
    const json = JSON.parse(readFileSync(out.files.summary, "utf8"));
    expect(json.summary).toEqual(JSON.parse(JSON.stringify(summarize(plain.result, out.params))));
    expect(out.summary).toEqual(summarize(plain.result, out.params));
  }, 60_000);

  test("data quality counts are in report.html and summary.json, with the right values on defective input", async () => {
    const dir = tmp("bt-dq-");
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
    const table = /<table class="summary" id="summary-data-quality">(.*?)<\/table>/.exec(html)?.[1] ?? "";
    const cells = Object.fromEntries([...table.matchAll(/<code>(\w+)<\/code><\/th><td>([\d,]+)<\/td>/g)].map((m) => [m[1], Number(m[2]!.replace(/,/g, ""))]));
    expect(cells).toEqual({ ...counts, skipped_parts: 0 });
    expect(html).toContain("The input had 7 defect(s)");
  }, 60_000);

  test("a 3-day run's report stays under 2 MB (points are bounded, not proportional to the run)", async () => {
    const dir = tmp("bt-3d-");
    const t0 = Date.UTC(2026, 0, 1), days = 3, nB = days * 86_400, nT = nB / 3, L = 10;
    const rnd = seededRandom(7);
    const b = allocBook("T-USD", L, nB);
    let mid = 1000;
    for (let i = 0; i < nB; i++) {
      mid = Math.max(500, mid + (rnd() < 0.5 ? -0.1 : 0.1) * (rnd() < 0.3 ? 1 : 0));
      b.timestampMs[i] = t0 + i * 1000;
      for (let l = 0; l < L; l++) {
        b.bidPx[l]![i] = Number((mid - 0.05 - 0.1 * l).toFixed(2));
        b.askPx[l]![i] = Number((mid + 0.05 + 0.1 * l).toFixed(2));
        b.bidQty[l]![i] = b.askQty[l]![i] = 1 + l;
      }
      b.seq[i] = BigInt(i);
    }
    const tr = allocTrades("T-USD", nT, true);
    for (let k = 0; k < nT; k++) {
      // trade-through depth ~ exponential (mean 3 ticks), as the intensity model assumes
      const i = 3 * k + 1, side = rnd() < 0.5 ? 1 : -1, depth = Math.floor(-Math.log(1 - rnd()) * 3);
      tr.timestampMs[k] = t0 + i * 1000 + 500;
      tr.price[k] = Number((side > 0 ? b.askPx[0]![i]! + 0.1 * depth : b.bidPx[0]![i]! - 0.1 * depth).toFixed(2));
      tr.quantity[k] = 0.05 + rnd();
      tr.side[k] = side;
      tr.tradeId![k] = BigInt(k);
    }
    const books = join(dir, "orderbook.parquet"), trades = join(dir, "trades.parquet");
    await writeBookPart(books, b);
    await writeTradePart(trades, tr);
    const cfg = v.parse(ConfigSchema, { tick_size: 0.1, max_inventory: 1, order_notional: 100 });
    const out = await backtestTo(join(dir, "out", "backtest_results.csv"), { config: cfg, dataDir: dir, market: "T-USD", orderbookPath: books, tradesPath: trades });
    expect(out.summary.duration_s).toBeGreaterThan(days * 86_400 - 10);
    expect(out.summary.total_fills).toBeGreaterThan(2000); // more fills than the markers shown
    const size = statSync(out.files.report).size;
    console.log(`3-day report: ${(size / 1e6).toFixed(2)} MB, ${out.summary.total_fills} fills, ${out.summary.recalibrations} recalibrations`);
    expect(size).toBeLessThan(2_000_000);
    const { charts } = chartData(readFileSync(out.files.report, "utf8"));
    for (const c of charts) for (const t of c.tables) expect(t.x.length).toBeLessThanOrEqual(3001);
    // fill markers thinned to 2,000 (of 25k fills), said so under the chart
    const quotes = charts.find((c) => c.id === "quotes")!;
    expect(quotes.tables[1]!.x.length).toBe(2000);
    expect(quotes.note).toContain(`2,000 of ${out.summary.total_fills.toLocaleString("en-US")} fills shown`);
  }, 300_000);
});
