/**
 * `collect_data` as a user runs it: a real subprocess, exit codes and one-line errors for an
 * unwritable data dir and a full disk, `--duration` for cron.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { journalPart, readJournal } from "../../src/collect/journal.ts";
import { partNumber } from "../../src/storage/layout.ts";
import { runProcess } from "../support/run_process.ts";
import { duckRows } from "./duck.ts";
import { loadSource } from "./replay_source.ts";
import { type ReplayServer, startReplayServer } from "./replay_server.ts";

const ROOT = join(import.meta.dir, "../..");
const tmp = mkdtempSync(join(tmpdir(), "emm-collect-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function runCli(args: string[], timeoutMs = 30_000) {
  const { code, stderr } = await runProcess([process.execPath, join(ROOT, "src/main.ts"), "collect_data", ...args], { cwd: tmp }, timeoutMs);
  return { code, stderr };
}

function writeConfig(name: string, srv: { wsBase: string; restBase: string }, extra: Record<string, unknown> = {}) {
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify({ markets: ["BTC-USD"], ws_base: srv.wsBase, rest_base: srv.restBase, collect_funding: false, ...extra }));
  return path;
}

test("an unwritable data dir: one-line error, exit 1", async () => {
  writeFileSync(join(tmp, "a-file"), "x");
  const r = await runCli(["--data-dir", join(tmp, "a-file/data"), "--markets", "BTC-USD", "--duration", "1"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("is not writable: ENOTDIR");
  expect(r.stderr.split("\n").filter((l) => l.includes("[error]")).length).toBe(1);
  expect(r.stderr).not.toContain("    at "); // no stack trace
});

test("a data dir that is a file: says so (not 'not writable: EEXIST'), exit 1", async () => {
  writeFileSync(join(tmp, "b-file"), "x");
  const r = await runCli(["--data-dir", join(tmp, "b-file"), "--markets", "BTC-USD", "--duration", "1"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`data directory ${join(tmp, "b-file")} is a file, not a directory`);
});

test("bad flags and duplicate markets (also differing only in case): exit 2 before anything is touched", async () => {
  expect((await runCli(["--duration", "soon"])).code).toBe(2);
  expect((await runCli(["--markets", ","])).code).toBe(2);
  expect((await runCli(["--markets", "BTC-USD,BTC-USD"])).code).toBe(2);
  const dir = join(tmp, "dups");
  const flag = await runCli(["--data-dir", dir, "--markets", "BTC-USD,btc-usd", "--duration", "1"]);
  expect(flag.code).toBe(2);
  expect(flag.stderr).toContain(`--markets: "BTC-USD" and "btc-usd" name the same market (directory btc_usd); list each market once`);
  writeFileSync(join(tmp, "dups.json"), JSON.stringify({ markets: ["ETH-USD", "BTC-USD", "Btc-Usd"] }));
  const cfg = await runCli(["--config", join(tmp, "dups.json"), "--data-dir", dir, "--duration", "1"]);
  expect(cfg.code).toBe(2);
  expect(cfg.stderr).toContain(`markets: "BTC-USD" and "Btc-Usd" name the same market`);
  expect(existsSync(dir)).toBe(false);
});

test("--duration stops cleanly (exit 0) with parts, state.json and market.json written", async () => {
  const src = await loadSource();
  const srv = startReplayServer(src, 400);
  try {
    const cfg = writeConfig("duration.json", srv);
    const dir = join(tmp, "dur");
    const r = await runCli(["--config", cfg, "--data-dir", dir, "--duration", "1.5"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("stopped (--duration 1.5)");
    for (const f of ["state.json", "market.json"]) expect(existsSync(join(dir, "btc_usd", f))).toBe(true);
    const [b] = await duckRows(`select count(*) n from read_parquet('${dir}/btc_usd/orderbook_parts/*.parquet')`);
    expect(Number(b.n)).toBeGreaterThan(50);
    expect(existsSync(join(dir, "btc_usd/.collect.lock"))).toBe(false);
  } finally {
    srv.stop();
  }
});

/** A 384 KiB tmpfs (needs root and mount; skipped elsewhere). */
function tinyDisk(): string | null {
  const dir = join(tmp, "tiny");
  mkdirSync(dir, { recursive: true });
  const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=384k", "tmpfs", dir], { stderr: "pipe" });
  return r.exitCode === 0 ? dir : null;
}

/** Unmounts, lazily if something still holds the mount, so a failed run never leaves it behind. */
function unmount(dir: string) {
  if (Bun.spawnSync(["umount", dir], { stderr: "pipe" }).exitCode !== 0) Bun.spawnSync(["umount", "-l", dir], { stderr: "pipe" });
}

/**
 * test/collect/cleanup_on_failure.test.ts runs this file in a child `bun test` with this set, to
 * prove the cleanup below also runs when an assertion fails while the tmpfs and server are up.
 */
const FAIL_ON_PURPOSE = process.env.EMM_FAIL_ON_PURPOSE === "disk-full";

test("disk full: one-line error, exit 1, every published part still readable", async () => {
  const disk = tinyDisk();
  if (!disk) {
    console.warn("disk-full test skipped: cannot mount a tmpfs here");
    return;
  }
  let srv: ReplayServer | undefined;
  try {
    const src = await loadSource();
    srv = startReplayServer(src, 3000);
    const cfg = writeConfig("full.json", srv, { orderbook_rows_per_part: 150, journal_flush_ms: 100 });
    const r = await runCli(["--config", cfg, "--data-dir", join(disk, "data"), "--log-level", "error"]);
    if (FAIL_ON_PURPOSE) {
      console.log(`failing on purpose; mounted ${disk}; server ${srv.restBase}`);
      expect(r.code).toBe(-1);
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("disk full");
    if (process.env.DEBUG_CLI) console.log(r.stderr);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    const parts = join(disk, "data/btc_usd/orderbook_parts");
    const files = readdirSync(parts).filter((f) => f.endsWith(".parquet"));
    for (const f of files) {
      const [c] = await duckRows(`select count(*) n from read_parquet('${join(parts, f)}')`);
      expect(Number(c.n)).toBe(150);
    }
    // Everything journaled before the disk filled comes back as a part once there is room: parts
    // after a restart (against a dead server, so nothing new arrives) = parts before + journal records.
    const moved = join(tmp, "moved");
    Bun.spawnSync(["cp", "-a", join(disk, "data"), moved]);
    const mdir = join(moved, "btc_usd");
    const rowsIn = async (d: string) =>
      existsSync(d) && readdirSync(d).some((f) => f.endsWith(".parquet")) ? Number((await duckRows(`select count(*) n from read_parquet('${d}/*.parquet')`))[0].n) : 0;
    // A journal whose part was published just before the failure (its deletion failed) is not new data.
    const published = (stream: string) => new Set(existsSync(join(mdir, `${stream}_parts`)) ? readdirSync(join(mdir, `${stream}_parts`)).map(partNumber) : []);
    const journaled = (stream: string) =>
      readdirSync(join(mdir, "journal"))
        .filter((f) => f.startsWith(`${stream}-`) && !published(stream).has(journalPart(f, stream)))
        .reduce((n, f) => n + (readJournal(join(mdir, "journal", f))?.count ?? 0), 0);
    const before = { book: await rowsIn(join(mdir, "orderbook_parts")), trades: await rowsIn(join(mdir, "trades_parts")) };
    const inJournals = { book: journaled("orderbook"), trades: journaled("trades") };
    const dead = writeConfig("dead.json", { wsBase: "ws://127.0.0.1:9/stream.extended.exchange/v1", restBase: "http://127.0.0.1:9/api/v1" });
    const again = await runCli(["--config", dead, "--data-dir", moved, "--duration", "0.5", "--log-level", "error"]);
    expect(again.code).toBe(0);
    expect(await rowsIn(join(mdir, "orderbook_parts"))).toBe(before.book + inJournals.book);
    expect(await rowsIn(join(mdir, "trades_parts"))).toBe(before.trades + inJournals.trades);
    expect(readdirSync(join(mdir, "journal"))).toEqual([]);
  } finally {
    srv?.stop();
    unmount(disk);
  }
}, 60_000);
