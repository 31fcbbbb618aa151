// Issue 13 item 3: an unreadable part (zero bytes, truncated, random bytes) stops backtest,
// calculate_spread and sweep with exit 3 and one line naming the file; with --skip-bad-parts they
// read on and list the file in data_quality (summary.json, report.html, --json) and the exit summary.
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { partsDir } from "../../src/storage/layout.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const SAMPLE = join(import.meta.dir, "../../src/demo/sample");
const MARKET = "BTC-USD";
const BAD = "part_9999999999998_0000000000_000001.parquet";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A data dir whose book parts are the demo sample plus one bad part after it. */
function dataDir(kind: "empty" | "truncated" | "random"): string {
  const dir = mkdtempSync(join(tmpdir(), "emm-badparts-"));
  dirs.push(dir);
  const books = partsDir(dir, MARKET, "orderbook"), trades = partsDir(dir, MARKET, "trades");
  mkdirSync(books, { recursive: true });
  mkdirSync(trades, { recursive: true });
  copyFileSync(join(SAMPLE, "orderbook.parquet"), join(books, "part_0000000000001_0000000000_000000.parquet"));
  copyFileSync(join(SAMPLE, "trades.parquet"), join(trades, "part_0000000000001_000000.parquet"));
  const good = readFileSync(join(SAMPLE, "orderbook.parquet"));
  const bytes = kind === "empty" ? new Uint8Array(0)
    : kind === "truncated" ? good.subarray(0, good.length >> 1)
    : Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
  writeFileSync(join(books, BAD), bytes);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ data_directory: dir, markets: [MARKET], warmup_period_seconds: 60 }));
  return dir;
}

function cli(dir: string, args: string[]) {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args, "--config", join(dir, "config.json"), "--market", MARKET], { cwd: dir, env: { ...process.env, LOG_LEVEL: "" } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

const COMMANDS: Record<string, (dir: string) => string[]> = {
  backtest: (dir) => ["backtest", "--output", join(dir, "out", "backtest_results.csv")],
  calculate_spread: (dir) => ["calculate_spread", "--output", join(dir, "as.csv")],
  sweep: (dir) => ["sweep", "--param", "risk_aversion_gamma=0.1,1", "--threads", "1", "--out", join(dir, "sweep")],
};

describe("a bad part stops the run by default, naming the file", () => {
  for (const kind of ["empty", "truncated", "random"] as const) {
    for (const [name, args] of Object.entries(COMMANDS)) {
      test(`${name}, ${kind} part: exit 3, one line`, () => {
        const dir = dataDir(kind);
        const r = cli(dir, [...args(dir), "--log-level", "warn"]); // info lines (the sweep's plan) aside
        expect(r.code).toBe(3);
        const lines = r.err.trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(join(partsDir(dir, MARKET, "orderbook"), BAD));
        expect(lines[0]).toContain("--skip-bad-parts");
      }, 60_000);
    }
  }
});

describe("--skip-bad-parts reads on and lists what it skipped", () => {
  test("backtest: data_quality in --json, summary.json and report.html; the exit summary names it", () => {
    const dir = dataDir("truncated");
    const bad = join(partsDir(dir, MARKET, "orderbook"), BAD);
    const j = cli(dir, [...COMMANDS.backtest!(dir), "--skip-bad-parts", "--json"]);
    expect(j.code).toBe(0);
    const out = JSON.parse(j.out);
    expect(out.data_quality.skipped_parts.map((x: { file: string }) => x.file)).toEqual([bad]);
    expect(out.data_quality.skipped_parts[0].reason).toMatch(/unreadable|Parquet/i);
    const summary = JSON.parse(readFileSync(out.files.summary, "utf8"));
    expect(summary.data_quality.skipped_parts).toEqual(out.data_quality.skipped_parts);
    const html = readFileSync(out.files.report, "utf8");
    expect(html).toContain(BAD);
    expect(html).not.toContain("The input had no counted defects");
    const t = cli(dir, [...COMMANDS.backtest!(dir), "--skip-bad-parts"]);
    expect(t.code).toBe(0);
    expect(t.out).toContain(`Skipped 1 unreadable part(s) (--skip-bad-parts): ${bad}`);
  }, 60_000);

  test("calculate_spread and sweep: data_quality in --json, the exit summary names it", () => {
    const dir = dataDir("random");
    const bad = join(partsDir(dir, MARKET, "orderbook"), BAD);
    for (const name of ["calculate_spread", "sweep"]) {
      const j = cli(dir, [...COMMANDS[name]!(dir), "--skip-bad-parts", "--json"]);
      expect(j.code).toBe(0);
      expect(JSON.parse(j.out).data_quality.skipped_parts.map((x: { file: string }) => x.file)).toEqual([bad]);
      const t = cli(dir, [...COMMANDS[name]!(dir), "--skip-bad-parts"]);
      expect(t.code).toBe(0);
      expect(t.out).toContain(`Skipped 1 unreadable part(s) (--skip-bad-parts): ${bad}`);
    }
  }, 120_000);
});
