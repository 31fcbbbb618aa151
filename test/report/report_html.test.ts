import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { runBacktest } from "../../src/backtest/run.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { lineChart } from "../../src/report/html.ts";

const SAMPLE = join(import.meta.dir, "../../../shared/data/standx-btc-usd-2h");
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
    const out = await runBacktest({ config: cfg, dataDir: dir, market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath: join(SAMPLE, "trades.parquet"), output: join(dir, "backtest_results.csv"), quiet: true });
    const html = readFileSync(out.files!.report, "utf8");
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).not.toContain("@import");
    expect((html.match(/<svg class="chart"/g) ?? []).length).toBe(4);
    expect(html).not.toContain("NaN");
  }, 60_000);

  test.skipIf(!CHROMIUM)("renders its four charts in headless Chromium without console errors; screenshot saved", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bt-chromium-"));
    const cfg = v.parse(ConfigSchema, { fill_model: "queue", tick_size: 0.1, max_inventory: 0.01, order_notional: 100 });
    const out = await runBacktest({ config: cfg, dataDir: dir, market: "BTC-USD", orderbookPath: join(SAMPLE, "orderbook.parquet"), tradesPath: join(SAMPLE, "trades.parquet"), output: join(dir, "backtest_results.csv"), quiet: true });
    const url = `file://${out.files!.report}`;
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

  test.skipIf(!CHROMIUM)("the console check can fail: a page with an error is caught", () => {
    const dir = mkdtempSync(join(tmpdir(), "bt-chromium-neg-"));
    const page = join(dir, "bad.html");
    writeFileSync(page, `<html><body data-rendered="0">${lineChart({ title: "x", unit: "", x: [0, 1], series: [{ name: "a", color: "#000", y: [NaN, NaN] }] })}<script>null.x</script></body></html>`);
    const r = chromium(`file://${page}`, ["--dump-dom"], join(dir, "p"));
    expect(r.console.length).toBeGreaterThan(0);
    expect(r.dom).toContain('data-rendered="0"');
  }, 60_000);
});
