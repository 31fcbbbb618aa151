/**
 * upload_to: s3://… against a real S3-compatible server (s3rver on 127.0.0.1). The collector runs
 * as a real subprocess against the live-like replay server. It is killed (SIGKILL, by the test
 * hook EXTENDED_MM_TEST_KILL_AFTER_PUBLISH) right after publishing a part and before uploading it;
 * the restart uploads it. The bucket then holds every part exactly once, byte for byte as
 * published, no part name twice, no local part left, and no trade stored twice across the bucket's parts.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PartUploader } from "../../src/collect/uploader.ts";
import { partNumber } from "../../src/storage/layout.ts";
import { md5Hex } from "../../src/storage/object_store.ts";
import { readTradeFile } from "../../src/storage/parquet/index.ts";
import { startS3, type TestS3 } from "../support/s3.ts";
import { loadSource } from "./replay_source.ts";
import { startReplayServer } from "./replay_server.ts";
import { spawnCollector as spawnChild } from "./collector_process.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-upload-"));
let s3: TestS3 | null = null;
const children = new Set<Subprocess>();
afterAll(async () => {
  for (const p of children) {
    if (p.exitCode === null && p.signalCode === null) p.kill(9);
    await p.exited;
  }
  await s3?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const spawnCollector = (configPath: string, dataDir: string, env: Record<string, string>) => spawnChild({ cwd: tmp, configPath, dataDir, children, env });

const localParts = (dataDir: string) =>
  ["orderbook_parts", "trades_parts"].flatMap((d) => {
    try {
      return readdirSync(join(dataDir, "btc_usd", d)).map((f) => join(dataDir, "btc_usd", d, f));
    } catch {
      return [];
    }
  });

describe("collector upload_to", () => {
  test("kill -9 between publish and upload: the restart uploads; every part once, verified, local copy removed", async () => {
    s3 = await startS3(["rec"]);
    const srv = startReplayServer(await loadSource(), 800);
    try {
      const dataDir = join(tmp, "data");
      const configPath = join(tmp, "config.json");
      writeFileSync(configPath, JSON.stringify({
        markets: ["BTC-USD"], ws_base: srv.wsBase, rest_base: srv.restBase, collect_funding: false,
        journal_flush_ms: 200, orderbook_rows_per_part: 400, trades_rows_per_part: 60, part_roll_seconds: 1,
        idle_timeout_seconds: 5, reconnect_max_backoff_seconds: 1, user_agent: "emm-upload-test/1", upload_to: "s3://rec/live",
      }));
      const bucket = s3.client("rec");
      // 1: dies by SIGKILL right after its first published part
      const first = spawnCollector(configPath, dataDir, { ...s3.env, EXTENDED_MM_TEST_KILL_AFTER_PUBLISH: "1" });
      await first.started;
      await first.p.exited;
      expect(first.p.signalCode).toBe("SIGKILL");
      const stranded = localParts(dataDir).filter((f) => f.endsWith(".parquet"));
      expect(stranded.length).toBeGreaterThan(0);
      const strandedMd5 = new Map(stranded.map((f) => [f.slice(dataDir.length + 1), md5Hex(new Uint8Array(readFileSync(f)))]));
      expect((await bucket.list({ prefix: "live/" })).contents ?? []).toEqual([]);

      // 2: a normal run: uploads the stranded part at start-up, then its own parts; SIGTERM
      const second = spawnCollector(configPath, dataDir, s3.env);
      await second.started;
      await Bun.sleep(2500);
      second.p.kill("SIGTERM");
      expect(await second.p.exited).toBe(0);
      await second.drained;
      expect(second.stderr()).toMatch(/uploads to s3:\/\/rec\/live: \d+ part\(s\) uploaded, 0 already there, 0 kept locally/);

      const objects = (await bucket.list({ prefix: "live/", maxKeys: 1000 })).contents ?? [];
      const keys = objects.map((o) => o.key);
      expect(keys.length).toBeGreaterThan(stranded.length);
      // the stranded part is there, byte for byte as published
      for (const [rel, md5] of strandedMd5) {
        const body = new Uint8Array(await bucket.file(`live/${rel}`).arrayBuffer());
        expect(md5Hex(body)).toBe(md5);
      }
      // no local part left; part numbers unique per stream (numbers may skip: a killed run's empty next journal)
      expect(localParts(dataDir).filter((f) => f.endsWith(".parquet"))).toEqual([]);
      for (const stream of ["orderbook_parts", "trades_parts"]) {
        const nums = keys.filter((k) => k.startsWith(`live/btc_usd/${stream}/`)).map((k) => partNumber(k.split("/").pop()!)!);
        expect(nums.every((n) => n !== null)).toBe(true);
        expect(new Set(nums).size).toBe(nums.length);
        expect(nums.length).toBeGreaterThan(0);
      }
      // exactly-once trades across the bucket's parts
      const ids: bigint[] = [];
      for (const k of keys.filter((k) => k.includes("/trades_parts/"))) {
        const f = join(tmp, "dl.parquet");
        writeFileSync(f, new Uint8Array(await bucket.file(k).arrayBuffer()));
        for await (const b of readTradeFile(f)) for (let i = 0; i < b.length; i++) ids.push(b.tradeId![i]!);
      }
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      srv.stop();
    }
  }, 120_000);

  test("an object already uploaded is not written again; a different one is never overwritten; bad credentials keep the part", async () => {
    s3 ??= await startS3(["rec"]);
    const dataDir = join(tmp, "unit");
    const dir = join(dataDir, "eth_usd", "trades_parts");
    const a = join(dir, "part_1700000000000_000000.parquet");
    const b = join(dir, "part_1700000001000_000001.parquet");
    const c = join(dir, "part_1700000002000_000002.parquet");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(a, "part a bytes");
    writeFileSync(b, "part b bytes");
    writeFileSync(c, "part c bytes");
    const bucket = s3.client("rec");
    await bucket.write("u/eth_usd/trades_parts/part_1700000000000_000000.parquet", "part a bytes"); // uploaded before a crash
    await bucket.write("u/eth_usd/trades_parts/part_1700000001000_000001.parquet", "someone else's"); // a conflict
    const saved = { ...process.env };
    Object.assign(process.env, s3.env);
    try {
      const up = new PartUploader(dataDir, "s3://rec/u", { attempts: 2, backoffMs: 10 });
      up.scan(dir);
      await up.idle();
      expect({ uploaded: up.uploaded, alreadyThere: up.alreadyThere, failed: up.failed }).toEqual({ uploaded: 1, alreadyThere: 1, failed: 1 });
      expect(readdirSync(dir)).toEqual(["part_1700000001000_000001.parquet"]); // only the conflicting one stays
      expect(await bucket.file("u/eth_usd/trades_parts/part_1700000001000_000001.parquet").text()).toBe("someone else's");
      expect(await bucket.file("u/eth_usd/trades_parts/part_1700000002000_000002.parquet").text()).toBe("part c bytes");

      process.env.AWS_ACCESS_KEY_ID = "WRONGKEY";
      writeFileSync(c, "part c bytes");
      const bad = new PartUploader(dataDir, "s3://rec/v", { attempts: 2, backoffMs: 10 });
      bad.enqueue(c);
      await bad.idle();
      expect(bad.failed).toBe(1);
      expect(readFileSync(c, "utf8")).toBe("part c bytes");
    } finally {
      for (const k of Object.keys(s3.env)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  }, 60_000);
});
