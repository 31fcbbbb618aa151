/**
 * A sharded sweep: n independent processes (`--shard i/n`, or `--shards n` with Kubernetes'
 * JOB_COMPLETION_INDEX) writing to a bucket on a real S3-compatible server, or to a local folder,
 * then `sweep merge`: the results table is byte for byte the one-machine sweep's. A missing or
 * duplicated shard is named by number.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseShard, shardIndices } from "../../src/sweep/shard.ts";
import { startS3, type TestS3 } from "../support/s3.ts";

const main = join(import.meta.dir, "../../src/main.ts");
const SAMPLE = join(import.meta.dir, "../../src/demo/sample");
const dir = mkdtempSync(join(tmpdir(), "emm-shard-"));
const cfg = join(dir, "config.json");
writeFileSync(cfg, JSON.stringify({ warmup_period_seconds: 120, calibration_window_seconds: 300, recalibration_interval_seconds: 30 }));
const grid = ["--param", "risk_aversion_gamma=0.01:10:4:log", "--param", "inventory_horizon_seconds=60,600"];
const data = ["--config", cfg, "--market", "BTC-USD", "--orderbook", join(SAMPLE, "orderbook.parquet"), "--trades", join(SAMPLE, "trades.parquet"), "--threads", "1"];
let s3: TestS3;

// asynchronous: the S3 server runs in this process, a synchronous spawn would block it
async function run(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn([process.execPath, main, ...args], { cwd: dir, env: { ...process.env, LOG_LEVEL: "", ...s3.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

beforeAll(async () => {
  s3 = await startS3(["sweeps"]);
});
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("shards", () => {
  test("shard i of n takes k mod n = i; the index comes from --shard or JOB_COMPLETION_INDEX", () => {
    expect(shardIndices(8, { index: 1, count: 3 })).toEqual([1, 4, 7]);
    const all = [0, 1, 2].flatMap((i) => shardIndices(8, { index: i, count: 3 })).sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(parseShard("2/5", undefined, {})).toEqual({ index: 2, count: 5 });
    expect(parseShard(undefined, "5", { JOB_COMPLETION_INDEX: "4" })).toEqual({ index: 4, count: 5 });
    expect(parseShard(undefined, undefined, { JOB_COMPLETION_INDEX: "4" })).toBeNull();
    expect(() => parseShard("5/5", undefined, {})).toThrow("0..4");
    expect(() => parseShard(undefined, "5", {})).toThrow("JOB_COMPLETION_INDEX");
    expect(() => parseShard("1/2", "2", {})).toThrow("exclusive");
  });

  test("3 shard processes to s3:// + merge = the one-machine sweep, byte for byte", async () => {
    const local = await run(["sweep", ...data, ...grid, "--out", join(dir, "one")]);
    expect(local.code).toBe(0);
    const expected = readFileSync(join(dir, "one", "sweep_results.csv"), "utf8");
    expect(expected.trim().split("\n")).toHaveLength(9);
    const out = "s3://sweeps/runs/a";
    // in parallel, as an Indexed Job's pods; one takes its index from the environment
    const shards = await Promise.all([
      run(["sweep", ...data, ...grid, "--out", out, "--shard", "0/3"]),
      run(["sweep", ...data, ...grid, "--out", out, "--shard", "1/3"]),
      run(["sweep", ...data, ...grid, "--out", out, "--shards", "3"], { JOB_COMPLETION_INDEX: "2" }),
    ]);
    for (const s of shards) expect(s.code, s.err).toBe(0);
    expect(shards[2]!.out).toContain("shards/shard_2_of_3.json: 2 of 8 runs");
    const merged = await run(["sweep", "merge", "--config", cfg, "--out", out, "--json"]);
    expect(merged.code, merged.err).toBe(0);
    const csv = await s3.client("sweeps").file("runs/a/sweep_results.csv").text();
    expect(csv).toBe(expected);
    expect(await s3.client("sweeps").file("runs/a/sweep_report.html").exists()).toBe(true);
    const j = JSON.parse(merged.out);
    expect(j.ranking).toEqual(JSON.parse((await run(["sweep", ...data, ...grid, "--out", join(dir, "one"), "--json"])).out).ranking);
  }, 240_000);

  test("local shards + merge; a missing or duplicated shard is named by number", async () => {
    const out = join(dir, "local");
    for (const i of [0, 1]) expect((await run(["sweep", ...data, ...grid, "--out", out, "--shard", `${i}/2`])).code).toBe(0);
    const merged = await run(["sweep", "merge", "--config", cfg, "--out", out]);
    expect(merged.code, merged.err).toBe(0);
    expect(readFileSync(join(out, "sweep_results.csv"), "utf8")).toBe(readFileSync(join(dir, "one", "sweep_results.csv"), "utf8"));

    const shardDir = join(out, "shards");
    copyFileSync(join(shardDir, "shard_0_of_2.json"), join(dir, "keep.json"));
    unlinkSync(join(shardDir, "shard_0_of_2.json"));
    const missing = await run(["sweep", "merge", "--config", cfg, "--out", out]);
    expect(missing.code).toBe(3);
    expect(missing.err).toContain("missing shard 0 of 2");
    // shard 1's file copied under shard 0's name: shard 1 twice, shard 0 absent
    copyFileSync(join(shardDir, "shard_1_of_2.json"), join(shardDir, "shard_0_of_2.json"));
    const dup = await run(["sweep", "merge", "--config", cfg, "--out", out]);
    expect(dup.code).toBe(3);
    expect(dup.err).toContain("shard 1 of 2 is duplicated");
    expect(dup.err.trim().split("\n").filter((l) => !l.startsWith("[info]"))).toHaveLength(1);
    const bad = await run(["sweep", "merge", "--config", cfg, "--out", out, "--param", "risk_aversion_gamma=1"]);
    expect(bad.code).toBe(2);
  }, 240_000);
});
