/**
 * kill -9 at arbitrary moments, then restart: every part stays readable by DuckDB, no trade is
 * stored twice, stored book rows equal the source rows at the same seq, and only rows received in
 * the last journal_flush_ms before each kill may be missing. The collector runs as a real
 * subprocess (`bun src/main.ts collect_data`) against a live-like replay on 127.0.0.1.
 */
import { afterAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { duckRows } from "./duck.ts";
import { BOOK_FILE, ID_BASE, loadSource } from "./replay_source.ts";
import { startReplayServer } from "./replay_server.ts";
import { spawnCollector as spawnChild } from "./collector_process.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-crash-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FLUSH_MS = 1000;
/** Scheduling slack on a loaded 2-core machine on top of the journal promise. */
const SLACK_MS = 600;

/** Every collector spawned, so a failed assertion cannot leave one running. */
const children = new Set<Subprocess>();
async function killChildren() {
  for (const p of children) {
    if (p.exitCode === null && p.signalCode === null) p.kill(9);
    await p.exited;
  }
  children.clear();
}
afterAll(killChildren);

const spawnCollector = (configPath: string, dataDir: string) => spawnChild({ cwd: tmp, configPath, dataDir, children });

test("kill -9 mid-run several times, then SIGTERM: readable parts, exactly-once trades, bounded loss", async () => {
  const src = await loadSource();
  const srv = startReplayServer(src, 800);
  const dataDir = join(tmp, "data");
  const configPath = join(tmp, "config.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      markets: ["BTC-USD"],
      ws_base: srv.wsBase,
      rest_base: srv.restBase,
      collect_funding: false,
      journal_flush_ms: FLUSH_MS,
      orderbook_rows_per_part: 700,
      trades_rows_per_part: 120,
      part_roll_seconds: 1,
      idle_timeout_seconds: 5,
      reconnect_max_backoff_seconds: 1,
      user_agent: "emm-crash-test/1",
    }),
  );
  const kills: number[] = [];
  const logs: string[] = [];
  try {
    for (let k = 0; k < 3; k++) {
      const c = spawnCollector(configPath, dataDir);
      await c.started;
      await Bun.sleep(700 + k * 350); // different phases of the flush/roll cycles
      kills.push(Date.now());
      c.p.kill(9);
      expect(await c.p.exited).not.toBe(0);
      logs.push(c.stderr());
    }
    const last = spawnCollector(configPath, dataDir);
    await last.started;
    await Bun.sleep(1500);
    const tTerm = Date.now();
    last.p.kill("SIGTERM");
    await Bun.sleep(30);
    last.p.kill("SIGTERM"); // a second signal during the flush is ignored
    expect(await last.p.exited).toBe(0);
    logs.push(last.stderr());
    const all = logs.join("\n");
    expect(all).toContain("recovered"); // journals of the killed runs became parts

    const mdir = join(dataDir, "btc_usd");
    expect(readdirSync(join(mdir, "journal"))).toEqual([]);
    for (const d of ["orderbook_parts", "trades_parts"]) {
      const files = readdirSync(join(mdir, d));
      expect(files.filter((f) => !f.endsWith(".parquet"))).toEqual([]); // no temp files left
      for (const f of files) {
        const [r] = await duckRows(`select count(*) as n from read_parquet('${join(mdir, d, f)}')`);
        expect(Number(r.n)).toBeGreaterThan(0);
      }
    }

    // Book: distinct seqs, each row equal to the source row at that seq (all 20 levels).
    const cols = [];
    for (let i = 0; i < 20; i++) for (const c of ["bid_price", "bid_qty", "ask_price", "ask_qty"]) cols.push(`${c}_${i}`);
    const parts = `read_parquet('${mdir}/orderbook_parts/*.parquet')`;
    const [stats] = await duckRows(`select count(*) as n, count(distinct seq) as d from ${parts}`);
    expect(Number(stats.n)).toBe(Number(stats.d));
    expect(Number(stats.n)).toBeGreaterThan(1000);
    const [diff] = await duckRows(
      `select count(*) as bad from ${parts} s join read_parquet('${BOOK_FILE}') o on s.seq = o.seq
       where epoch_ms(s.timestamp_ms) <> o.timestamp_ms or ${cols.map((c) => `s.${c} is distinct from o.${c}`).join(" or ")}`,
    );
    expect(Number(diff.bad)).toBe(0);
    const storedSeq = new Set((await duckRows(`select seq from ${parts}`)).map((r) => Number(r.seq)));
    // After a kill the server keeps writing to the dead socket until it notices the close: not received, not lost.
    const blind = (t: number) => kills.some((k) => t > k - FLUSH_MS - SLACK_MS && t <= k + 500) || t > tTerm - 200;
    let missing = 0;
    let sent = 0;
    for (let r = 0; r < src.book.length; r++) {
      const t = srv.rowSentAt[r];
      if (Number.isNaN(t)) continue;
      sent++;
      if (!blind(t) && !storedSeq.has(r + 1)) {
        missing++;
        if (process.env.DEBUG_CRASH) console.log("missing row", r, "seq", r + 1, "sent", t, "kills", kills.map((k) => t - k), "term", t - tTerm);
      }
    }
    expect(sent).toBeGreaterThan(1000);
    expect(missing).toBe(0);

    // Trades: exactly once, equal to the source, none missing (REST backfill covers each outage).
    const trades = await duckRows(`select trade_id, epoch_ms(timestamp_ms) as ts, price, quantity from read_parquet('${mdir}/trades_parts/*.parquet')`);
    const ids = trades.map((t) => t.trade_id as bigint);
    expect(new Set(ids).size).toBe(ids.length);
    for (const t of trades) {
      const i = Number((t.trade_id as bigint) - ID_BASE) - 1;
      expect(Number(t.ts)).toBe(src.trades.timestampMs[i]);
      expect(t.price).toBe(src.trades.price[i]);
      expect(t.quantity).toBe(src.trades.quantity[i]);
    }
    const have = new Set(ids.map((x) => Number(x - ID_BASE) - 1));
    let tradesMissing = 0;
    let tradesSent = 0;
    for (let i = 0; i < src.trades.length; i++) {
      const t = srv.tradeSentAt[i];
      if (Number.isNaN(t) || t > tTerm - 200) continue;
      tradesSent++;
      if (!have.has(i)) tradesMissing++;
    }
    expect(tradesSent).toBeGreaterThan(100);
    expect(tradesMissing).toBe(0);
    expect(existsSync(join(mdir, "state.json"))).toBe(true);
  } finally {
    await killChildren();
    srv.stop();
  }
}, 60_000);

test("kill -9 against `serve` (live-like clock at 400×): parts readable, rows equal the source, trades exactly once with no hole", async () => {
  const { startServer } = await import("../../src/serve/server.ts");
  const { DATA_DIR } = await import("./replay_source.ts");
  const srv = await startServer({ source: { path: DATA_DIR }, speed: 400 });
  const dataDir = join(tmp, "data-serve");
  const configPath = join(tmp, "config-serve.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      markets: ["BTC-USD"],
      ws_base: srv.wsBase,
      rest_base: srv.restBase,
      collect_funding: false,
      orderbook_rows_per_part: 600,
      trades_rows_per_part: 150,
      idle_timeout_seconds: 5,
      reconnect_max_backoff_seconds: 1,
    }),
  );
  try {
    for (let k = 0; k < 2; k++) {
      const c = spawnCollector(configPath, dataDir);
      await c.started;
      await Bun.sleep(900 + k * 400);
      c.p.kill(9);
      await c.p.exited;
    }
    const last = spawnCollector(configPath, dataDir);
    await last.started;
    await Bun.sleep(1200);
    last.p.kill("SIGINT");
    expect(await last.p.exited).toBe(0);

    const mdir = join(dataDir, "btc_usd");
    for (const d of ["orderbook_parts", "trades_parts"]) {
      for (const f of readdirSync(join(mdir, d))) {
        expect(f.endsWith(".parquet")).toBe(true);
        const [r] = await duckRows(`select count(*) as n from read_parquet('${join(mdir, d, f)}')`);
        expect(Number(r.n)).toBeGreaterThan(0);
      }
    }
    const cols = [];
    for (let i = 0; i < 20; i++) for (const c of ["bid_price", "bid_qty", "ask_price", "ask_qty"]) cols.push(`${c}_${i}`);
    const [b] = await duckRows(
      `select count(*) n, count(distinct s.timestamp_ms) d, count(o.timestamp_ms) m,
              count(*) filter (where ${cols.map((c) => `s.${c} is distinct from o.${c}`).join(" or ")}) bad
       from read_parquet('${mdir}/orderbook_parts/*.parquet') s left join read_parquet('${BOOK_FILE}') o on epoch_ms(s.timestamp_ms) = o.timestamp_ms`,
    );
    expect(Number(b.n)).toBeGreaterThan(1000);
    expect(Number(b.d)).toBe(Number(b.n));
    expect(Number(b.m)).toBe(Number(b.n));
    expect(Number(b.bad)).toBe(0);
    const tradesFile = join(DATA_DIR, "trades.parquet");
    const [t] = await duckRows(
      `with s as (select * from read_parquet('${mdir}/trades_parts/*.parquet'))
       select (select count(*) from s) n, (select count(distinct trade_id) from s) d,
              (select count(*) from s join read_parquet('${tradesFile}') o using (trade_id) where epoch_ms(s.timestamp_ms) = o.timestamp_ms and s.price = o.price and s.quantity = o.quantity) eq,
              (select count(*) from read_parquet('${tradesFile}') o where o.side is not null
                 and o.trade_id between (select min(trade_id) from s) and (select max(trade_id) from s)) expected`,
    );
    expect(Number(t.n)).toBeGreaterThan(100);
    expect(Number(t.d)).toBe(Number(t.n));
    expect(Number(t.eq)).toBe(Number(t.n));
    expect(Number(t.n)).toBe(Number(t.expected)); // the REST backfill closed every outage
  } finally {
    await killChildren();
    await srv.stop();
  }
}, 60_000);
