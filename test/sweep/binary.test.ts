import { expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENTRY_POINTS } from "../../scripts/release.ts";

const root = join(import.meta.dir, "../..");

/**
 * Workers in a compiled binary: built exactly as docs/platform.md says (the workers as extra entry
 * points, scripts/release.ts ENTRY_POINTS), run from an empty directory holding only the binary
 * and two Parquet files.
 */
test("sweep and the backtest's GARCH run their workers inside a compiled binary built with the entry points", () => {
  const dir = mkdtempSync(join(tmpdir(), "emm-sweep-bin-"));
  try {
    const bin = join(dir, "extended-mm");
    const b = Bun.spawnSync([process.execPath, "build", "--compile", "--minify", ...ENTRY_POINTS, "--outfile", bin], { cwd: root, stdout: "pipe", stderr: "pipe" });
    expect(b.exitCode).toBe(0);
    for (const f of ["orderbook.parquet", "trades.parquet"]) copyFileSync(join(root, "src/demo/sample", f), join(dir, f));
    const r = Bun.spawnSync([bin, "sweep", "--market", "BTC-USD", "--orderbook", "orderbook.parquet", "--trades", "trades.parquet", "--param", "risk_aversion_gamma=0.1,1", "--param", "inventory_horizon_seconds=60,600", "--threads", "2", "--min-fills", "1"], {
      cwd: dir,
      env: { PATH: "/usr/bin:/bin", HOME: dir },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(r.stderr.toString()).not.toContain("[error]");
    expect(r.exitCode).toBe(0);
    expect(r.stdout.toString()).toContain("[BEST]");
    expect(readFileSync(join(dir, "sweep-output/sweep_results.csv"), "utf8").trim().split("\n").length).toBe(5);
    // the backtest's calibration hands its GARCH fits to its worker (debug log names a fallback)
    const bt = Bun.spawnSync([bin, "backtest", "--market", "BTC-USD", "--orderbook", "orderbook.parquet", "--trades", "trades.parquet", "--output", "bt.csv", "--quiet", "--log-level", "debug"], {
      cwd: dir,
      env: { PATH: "/usr/bin:/bin", HOME: dir },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(bt.exitCode).toBe(0);
    expect(bt.stderr.toString()).not.toContain("GARCH worker unavailable");
    expect(readFileSync(join(dir, "bt.csv"), "utf8").trim().split("\n").length).toBeGreaterThan(10);
  } finally {
    rmSync(dir, { recursive: true, force: true }); // the binary is ~115 MB
  }
}, 120_000);
