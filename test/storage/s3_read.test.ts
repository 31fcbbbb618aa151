/**
 * backtest, calculate_spread, sweep and verify_orderbook reading s3:// from a real S3-compatible server
 * (s3rver on 127.0.0.1) give what they give on the same files on local disk; bad credentials and a
 * missing bucket end in one line and exit code 4, with no secret in the output.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBookFile, readTradeFile } from "../../src/storage/parquet/index.ts";
import { orderbookPartName, partName } from "../../src/storage/layout.ts";
import { compiledBinary } from "../support/binary.ts";
import { startS3, uploadDir, type TestS3 } from "../support/s3.ts";

const main = join(import.meta.dir, "../../src/main.ts");
const SAMPLE = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");

let s3: TestS3;
const dir = mkdtempSync(join(tmpdir(), "s3-read-"));
const dataDir = join(dir, "data");

// asynchronous: the S3 server runs in this process, a synchronous spawn would block it
async function run(args: string[], env: Record<string, string> = s3.env) {
  const p = Bun.spawn([process.execPath, main, ...args], { cwd: dir, env: { ...process.env, LOG_LEVEL: "", ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

async function firstTs(gen: AsyncGenerator<{ timestampMs: Float64Array }>): Promise<number> {
  for await (const b of gen) return b.timestampMs[0]!;
  throw new Error("empty fixture");
}

beforeAll(async () => {
  s3 = await startS3(["market-data"]);
  // the fixture in the collector's layout: {data}/btc_usd/{stream}_parts/part_….parquet
  const m = join(dataDir, "btc_usd");
  mkdirSync(join(m, "orderbook_parts"), { recursive: true });
  mkdirSync(join(m, "trades_parts"), { recursive: true });
  copyFileSync(join(SAMPLE, "orderbook.parquet"), join(m, "orderbook_parts", orderbookPartName(await firstTs(readBookFile(join(SAMPLE, "orderbook.parquet"))), 0, 0)));
  copyFileSync(join(SAMPLE, "trades.parquet"), join(m, "trades_parts", partName(await firstTs(readTradeFile(join(SAMPLE, "trades.parquet"))), 0)));
  expect(await uploadDir(s3.client("market-data"), dataDir, "recorded")).toBe(2);
});

afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("reading s3://", async () => {
  test("backtest: the same summary and results CSV as the local run", async () => {
    const common = ["backtest", "--market", "BTC-USD", "--json", "--quiet", "--fill-model", "cross"];
    const local = await run([...common, "--data-dir", dataDir, "--output", join(dir, "local", "r.csv")]);
    expect(local.code).toBe(0);
    const remote = await run([...common, "--data-dir", "s3://market-data/recorded", "--output", join(dir, "remote", "r.csv")]);
    expect(remote.err).toBe("");
    expect(remote.code).toBe(0);
    const a = JSON.parse(local.out), b = JSON.parse(remote.out);
    expect(a.summary.total_fills).toBeGreaterThan(0);
    expect(b.summary).toEqual(a.summary);
    expect(b.events).toEqual(a.events);
    expect(readFileSync(join(dir, "remote", "r.csv"), "utf8")).toBe(readFileSync(join(dir, "local", "r.csv"), "utf8"));
    expect(readFileSync(join(dir, "remote", "fills.csv"), "utf8")).toBe(readFileSync(join(dir, "local", "fills.csv"), "utf8"));
  }, 120_000);

  test("backtest: s3:// --orderbook/--trades part folders, and --data-dir s3:// needs a local --output", async () => {
    const flags = ["backtest", "--market", "BTC-USD", "--json", "--quiet"];
    const local = await run([...flags, "--data-dir", dataDir, "--output", join(dir, "l2", "r.csv")]);
    const remote = await run([...flags, "--orderbook", "s3://market-data/recorded/btc_usd/orderbook_parts", "--trades", "s3://market-data/recorded/btc_usd/trades_parts", "--output", join(dir, "r2", "r.csv")]);
    expect(remote.code).toBe(0);
    expect(JSON.parse(remote.out).summary).toEqual(JSON.parse(local.out).summary);
    const noOut = await run([...flags, "--data-dir", "s3://market-data/recorded"]);
    expect(noOut.code).toBe(2);
    expect(noOut.err.trim().split("\n").filter((l) => !l.startsWith("[info]"))).toHaveLength(1);
    expect(noOut.err).toContain("--output");
  }, 120_000);

  test("calculate_spread: the same as_results.csv and summary as the local run", async () => {
    const local = await run(["calculate_spread", "--market", "BTC-USD", "--data-dir", dataDir, "--output", join(dir, "sl.csv"), "--json"]);
    expect(local.code).toBe(0);
    const remote = await run(["calculate_spread", "--market", "BTC-USD", "--data-dir", "s3://market-data/recorded", "--output", join(dir, "sr.csv"), "--json"]);
    expect(remote.code).toBe(0);
    const csv = readFileSync(join(dir, "sr.csv"), "utf8");
    expect(csv.split("\n").length).toBeGreaterThan(10);
    expect(csv).toBe(readFileSync(join(dir, "sl.csv"), "utf8"));
    const strip = (j: { output?: string }) => ({ ...j, output: undefined });
    expect(strip(JSON.parse(remote.out))).toEqual(strip(JSON.parse(local.out)));
  }, 120_000);

  test("sweep: --data-dir s3:// gives the local sweep's results table", async () => {
    const flags = ["sweep", "--market", "BTC-USD", "--param", "risk_aversion_gamma=0.05,0.5", "--threads", "1"];
    const local = await run([...flags, "--data-dir", dataDir, "--out", join(dir, "sw-local")]);
    expect(local.code, local.err).toBe(0);
    const remote = await run([...flags, "--data-dir", "s3://market-data/recorded", "--out", join(dir, "sw-remote")]);
    expect(remote.code, remote.err).toBe(0);
    const csv = readFileSync(join(dir, "sw-remote", "sweep_results.csv"), "utf8");
    expect(csv.trim().split("\n")).toHaveLength(3);
    expect(csv).toBe(readFileSync(join(dir, "sw-local", "sweep_results.csv"), "utf8"));
  }, 120_000);

  test("verify_orderbook: the same verdict on s3:// as on disk", async () => {
    const local = await run(["verify_orderbook", "--market", "BTC-USD", "--data-dir", dataDir, "--json"]);
    const remote = await run(["verify_orderbook", "--market", "BTC-USD", "--data-dir", "s3://market-data/recorded", "--json"]);
    expect(remote.code).toBe(local.code);
    const a = JSON.parse(local.out), b = JSON.parse(remote.out);
    expect(b.errors).toBe(a.errors);
    expect(b.warnings).toBe(a.warnings);
    expect(b.markets[0].counts.locked).toBeGreaterThan(0);
    // the same findings; examples name the local copy's files (same names, another folder)
    const norm = (j: { markets: { source?: string }[] }) => JSON.stringify(j.markets.map((m) => ({ ...m, source: undefined }))).replace(/"file":"[^"]*\/(btc_usd\/[^"]*)"/g, '"file":"$1"');
    expect(norm(b)).toBe(norm(a));
  }, 120_000);

  test("commands that write into a data directory refuse an s3:// one (collect_data points to upload_to)", async () => {
    for (const cmd of ["collect_data", "migrate", "serve"]) {
      const r = await run([cmd, "--data-dir", "s3://market-data/recorded"]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(`${cmd}: the data directory must be local`);
    }
    expect((await run(["collect_data", "--data-dir", "s3://market-data/recorded"])).err).toContain("upload_to");
  }, 60_000);

  test("the local copy is removed at exit and on SIGTERM", async () => {
    const tmp = join(dir, "tmpdir");
    mkdirSync(tmp, { recursive: true });
    const flags = ["backtest", "--market", "BTC-USD", "--quiet", "--log-level", "info", "--data-dir", "s3://market-data/recorded"];
    expect((await run([...flags, "--output", join(dir, "t1", "r.csv")], { ...s3.env, TMPDIR: tmp })).code).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    const p = Bun.spawn([process.execPath, main, ...flags, "--output", join(dir, "t2", "r.csv")], { cwd: dir, env: { ...process.env, ...s3.env, TMPDIR: tmp }, stdout: "ignore", stderr: "pipe" });
    let err = "";
    for await (const chunk of p.stderr) {
      err += new TextDecoder().decode(chunk);
      if (err.includes("fetched")) break;
    }
    expect(readdirSync(tmp).some((f) => f.startsWith("emm-stage-"))).toBe(true); // the copy exists while it runs
    p.kill("SIGTERM");
    expect(await p.exited).toBe(143);
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  test("the compiled binary, alone in a folder, reads s3:// like the sources do", async () => {
    const { bin, dir: binDir } = compiledBinary();
    try {
      const flags = ["backtest", "--market", "BTC-USD", "--json", "--quiet", "--data-dir", "s3://market-data/recorded"];
      const fromSources = await run([...flags, "--output", join(dir, "bs", "r.csv")]);
      // asynchronous for the same reason as run(); a minimal environment plus the S3 variables
      const p = Bun.spawn([bin, ...flags, "--output", join(dir, "bb", "r.csv")], { cwd: binDir, env: { PATH: "/usr/bin:/bin", HOME: binDir, ...s3.env }, stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      expect(code, err).toBe(0);
      expect(JSON.parse(out).summary).toEqual(JSON.parse(fromSources.out).summary);
    } finally {
      rmSync(binDir, { recursive: true, force: true });
    }
  }, 300_000);

  test("wrong credentials and a missing bucket: one line, exit 4, no secret", async () => {
    const secret = "wJalrXUtnFEMI-not-a-real-secret";
    const bad = await run(["backtest", "--market", "BTC-USD", "--data-dir", "s3://market-data/recorded", "--output", join(dir, "x", "r.csv")], { ...s3.env, AWS_ACCESS_KEY_ID: "AKIAWRONGKEYID", AWS_SECRET_ACCESS_KEY: secret });
    expect(bad.code).toBe(4);
    const line = bad.err.trim().split("\n").filter((l) => !l.startsWith("[info]"));
    expect(line, bad.err).toHaveLength(1);
    expect(line[0]).toContain("s3://market-data");
    expect(line[0]).toContain("InvalidAccessKeyId");
    expect(bad.out + bad.err).not.toContain(secret);
    expect(bad.out + bad.err).not.toContain("AKIAWRONGKEYID");
    const nob = await run(["calculate_spread", "--market", "BTC-USD", "--data-dir", "s3://no-such-bucket/recorded", "--output", join(dir, "x.csv")]);
    expect(nob.code).toBe(4);
    expect(nob.err.trim().split("\n").filter((l) => !l.startsWith("[info]"))).toHaveLength(1);
    expect(nob.err).toContain("NoSuchBucket");
    expect(nob.out + nob.err).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY + "@");
    const empty = await run(["backtest", "--market", "ETH-USD", "--data-dir", "s3://market-data/recorded", "--output", join(dir, "y", "r.csv")]);
    expect(empty.code).toBe(3);
    expect(empty.err).toContain("s3://market-data/recorded/eth_usd: no objects");
  }, 120_000);
});
