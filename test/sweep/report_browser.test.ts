import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseParam } from "../../src/sweep/grid.ts";
import { bestPerValue, rank, type RunMetrics, type SweepRow } from "../../src/sweep/rank.ts";
import { colorFor, sweepReportHtml } from "../../src/sweep/report_html.ts";
import { Browser, CHROMIUM } from "../report/chromium.ts";

const m = (pnl: number, sharpe: number, fills: number): RunMetrics => ({
  pnl, return_pct: pnl / 10, sharpe, sortino: sharpe * 1.4, max_drawdown: Math.abs(pnl) + 1, max_drawdown_pct: 0.1, return_over_drawdown: pnl / 3, fills,
  bid_fills: fills >> 1, ask_fills: fills - (fills >> 1), volume: 1, notional: 20 * fills, fees: 0.05 * fills, spread_capture: 1, inventory_pnl: pnl - 1, final_inventory: 0, quote_uptime_pct: 99, liquidations: 0,
});

test.skipIf(!CHROMIUM)("sweep heat map in Chromium: diverging colours, hatched failure, hover box with formatted metrics; screenshot", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sweep-html-"));
  const ps = [parseParam("risk_aversion_gamma=0.01,0.1,1"), parseParam("inventory_horizon_seconds=300,900,1800")];
  const pnl = [[-4.2, -1.5, 0.3], [-2.1, 0.8, 2.6], [-0.4, 1.9, NaN]];
  const rows: SweepRow[] = [];
  ps[0]!.values.forEach((a, i) => ps[1]!.values.forEach((b, j) => {
    const index = i * 3 + j, p = pnl[i]![j]!;
    rows.push(Number.isNaN(p) ? { index, values: [a, b], metrics: null, error: "no order-book rows" } : { index, values: [a, b], metrics: m(p, p * 3, index === 2 ? 2 : 40) });
  }));
  const ranking = rank(rows, "pnl", 5);
  const html = sweepReportHtml({ title: "Sweep of BTC-USD", rows, params: ps, ranking, best: bestPerValue(rows, ps, ranking), metric: "pnl", minFills: 5, facts: [["market", "BTC-USD"]] });
  const page = join(dir, "sweep_report.html");
  writeFileSync(page, html);
  const b = await Browser.launch(900, 700);
  try {
    await b.open(`file://${page}`);
    const fills = await b.eval<string[]>("[...document.querySelectorAll('g.cell rect')].map((r) => r.getAttribute('fill'))");
    expect(fills[0]).toBe("rgb(178,24,43)"); // the largest loss: full red
    expect(fills[5]).toBe(colorFor(2.6, 4.2)!); // the largest gain: blue, at 2.6/4.2 of full strength (the scale is symmetric)
    expect(fills[5]).toBe("rgb(115,157,201)");
    expect(fills[2]).toBe("#e6e9ec"); // 2 fills < --min-fills
    expect(fills[8]).toBe("url(#hatch)"); // failed
    // the screenshot before the hover box covers the map
    const shots = process.env.REPORT_SCREENSHOT_DIR ?? dir;
    mkdirSync(shots, { recursive: true });
    writeFileSync(join(shots, "sweep.png"), await b.screenshot({ x: 0, y: 0, width: 900, height: 640 }));
    const at = await b.eval<{ x: number; y: number }>("(() => { const r = document.querySelectorAll('g.cell rect')[0].getBoundingClientRect(); return { x: r.left + 10, y: r.top + 10 }; })()");
    await b.send("Input.dispatchMouseEvent", { type: "mouseMoved", ...at });
    const tip = await b.eval<{ display: string; text: string }>("({ display: getComputedStyle(document.getElementById('tip')).display, text: document.getElementById('tip').textContent })");
    expect(tip.display).toBe("block");
    expect(tip.text).toStartWith("risk_aversion_gamma = 0.01, inventory_horizon_seconds = 300\npnl −$4.20 (−0.42 %)");
    expect(b.errors).toEqual([]);
  } finally {
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
