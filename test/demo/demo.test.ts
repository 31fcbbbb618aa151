import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/main.ts";
import { UPLOT_JS } from "../../src/report/uplot_assets.ts";
import { compiledBinary, runBinary } from "../support/binary.ts";

describe("extended-mm demo", () => {
  test("runs the whole pipeline through the compiled binary from an empty directory, offline", () => {
    const { bin, dir } = compiledBinary();
    try {
      expect(readdirSync(dir)).toEqual(["extended-mm"]);
      const r = runBinary(bin, ["demo"], dir);
      expect(r.err).not.toContain("ERROR");
      expect(r.code).toBe(0);
      for (const s of ["1/6 embedded sample", "3/6 collect_data", "4/6 verify_orderbook", "5/6 calculate_spread", "6/6 backtest", "HTML report"]) expect(r.out).toContain(s);
      expect(r.out).toContain("OK: 0 error(s)");
      const out = join(dir, "demo-output");
      for (const f of ["config.json", "as_results.csv", "backtest_results.csv", "fills.csv", "summary.json", "report.html", "sample/orderbook.parquet", "sample/trades.parquet"]) {
        expect(existsSync(join(out, f))).toBe(true);
      }
      // every sample row made it through server → collector → Parquet parts
      expect(r.out).toMatch(/orderbook: 1 part\(s\), 3,713 rows/);
      expect(r.out).toMatch(/trades: {4}1 part\(s\), 1,447 rows/);
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).summary;
      expect(summary.total_fills).toBeGreaterThan(0);
      expect(Number.isFinite(summary.final_pnl)).toBe(true);
      // uPlot and the page script travel inside the binary (text imports) into the one-file report
      const html = readFileSync(join(out, "report.html"), "utf8");
      expect(html).toContain(UPLOT_JS.replace(/<\//g, "<\\/"));
      expect(html).toContain('id="chart-pnl"');
      expect(existsSync(join(out, "markouts.csv"))).toBe(true);
      expect(readFileSync(join(out, "as_results.csv"), "utf8").trim().split("\n").length).toBeGreaterThan(10);

      // a second run replaces its own output
      const again = runBinary(bin, ["demo"], dir);
      expect(again.code).toBe(0);
      expect(again.out).toMatch(/orderbook: 1 part\(s\), 3,713 rows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  test("never writes into a directory it did not create", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emm-demo-"));
    writeFileSync(join(dir, "precious.txt"), "keep me");
    const err = await main(["demo", "--out", dir]).catch((e) => e);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain("not made by the demo");
    expect(readdirSync(dir)).toEqual(["precious.txt"]);
    rmSync(dir, { recursive: true, force: true });
  });
});
