/**
 * Coverage of a collector run against `serve` replaying the real StandX recording at a given
 * speed with faults: what the server's replay clock passed during the run (its own count, not an
 * assumption about rates) against what the collector stored, read back by DuckDB. Shared by the
 * real-time tests (realtime.test.ts) and the coverage benchmark (bench/collect.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MarketCollector } from "../../src/collect/market_collector.ts";
import { runCollector } from "../../src/collect/run.ts";
import { defaultConfig } from "../../src/config/load.ts";
import type { FaultCounts, FaultOptions } from "../../src/serve/faults.ts";
import { startServer } from "../../src/serve/server.ts";
import { duckRows } from "./duck.ts";
import { BOOK_FILE, DATA_DIR, MARKET } from "./replay_source.ts";

/** First row of the recording. */
export const FROM = 1767653687210;
const TRADES_FILE = join(DATA_DIR, "trades.parquet");
const LEVEL_COLS = Array.from({ length: 20 }, (_, i) => ["bid_price", "bid_qty", "ask_price", "ask_qty"].map((c) => `${c}_${i}`)).flat();

export interface CoverageOptions {
  /** Replay speed (1 = real time). */
  speed: number;
  /** Wall-clock length of the run. */
  seconds: number;
  faults?: FaultOptions;
  restTradesLimit?: number;
}

export interface Coverage {
  /** Book rows / trades the replay passed during the run (server's count) and the replay time then. */
  served: { rows: number; trades: number; atMs: number };
  /** Source rows up to atMs counted by DuckDB (must equal served.rows). */
  sourceRows: number;
  /** Stored book rows up to atMs: count, distinct timestamps, matched to a source row, mismatching any of the 80 level columns. */
  book: { n: number; distinct: number; matched: number; bad: number };
  /** Stored trades (all), distinct ids, not equal to their source trade, source trades served up to atMs and not stored. */
  trades: { n: number; distinct: number; bad: number; lost: number; checked: number };
  reconnects: { orderbook: number; trades: number };
  /** Delays the reconnect policy chose for the book stream. */
  bookDelays: number[];
  faults: FaultCounts;
  exitCode: number;
}

/** Wall time the collector keeps running after the count, so rows and trades up to it are not in flight. */
const GRACE_MS = 1500;

/**
 * Runs serve + collector for `seconds` of wall time, takes the server's count, lets the collector
 * run GRACE_MS longer (what was served up to the count may still be in flight on a loaded
 * machine), stops it as SIGTERM would, and compares everything up to the count. Everything started
 * here is stopped and removed, also when something fails.
 */
export async function measureCoverage(o: CoverageOptions): Promise<Coverage> {
  const dir = mkdtempSync(join(tmpdir(), "emm-coverage-"));
  const srv = await startServer({
    source: { path: DATA_DIR, fromMs: FROM, toMs: FROM + (o.seconds + 60) * 1000 * o.speed },
    speed: o.speed,
    faults: o.faults,
    restTradesLimit: o.restTradesLimit,
  });
  const ac = new AbortController();
  let run: Promise<number> | null = null;
  try {
    const config = defaultConfig({
      ws_base: srv.wsBase,
      rest_base: srv.restBase,
      markets: [MARKET],
      collect_funding: false,
      // generous: a loaded machine must not turn scheduling delays into idle reconnects
      idle_timeout_seconds: 10,
      journal_flush_ms: 200,
      health_log_seconds: 3600,
    });
    let col: MarketCollector | null = null;
    run = runCollector({ config, dataDir: dir, markets: [MARKET], signal: ac.signal, onStarted: (cs) => (col = cs[0]) });
    const t0 = Date.now();
    while (Date.now() - t0 < o.seconds * 1000) await Bun.sleep(50);
    const served = srv.served(MARKET);
    await Bun.sleep(GRACE_MS);
    ac.abort();
    const exitCode = await run;
    run = null;
    const c = col! as MarketCollector;
    const ws = (name: string) => c.streams.find((s) => s.name === name)!.ws;
    const parts = (s: string) => `read_parquet('${dir}/btc_usd/${s}_parts/*.parquet')`;
    const [src] = await duckRows(`select count(*) n from read_parquet('${BOOK_FILE}') where timestamp_ms >= ${FROM} and timestamp_ms <= ${served.atMs}`);
    const [b] = await duckRows(
      `select count(*) n, count(distinct s.timestamp_ms) d, count(o.timestamp_ms) m,
              count(*) filter (where ${LEVEL_COLS.map((k) => `s.${k} is distinct from o.${k}`).join(" or ")}) bad
       from ${parts("orderbook")} s left join read_parquet('${BOOK_FILE}') o on epoch_ms(s.timestamp_ms) = o.timestamp_ms
       where epoch_ms(s.timestamp_ms) <= ${served.atMs}`,
    );
    const [t] = await duckRows(
      `with s as (select * from ${parts("trades")}),
            served as (select trade_id from read_parquet('${TRADES_FILE}') where side is not null and timestamp_ms >= ${FROM} and timestamp_ms <= ${served.atMs})
       select (select count(*) from s) n, (select count(distinct trade_id) from s) d,
              (select count(*) from s left join read_parquet('${TRADES_FILE}') o using (trade_id)
                 where o.trade_id is null or epoch_ms(s.timestamp_ms) <> o.timestamp_ms or s.price <> o.price or s.quantity <> o.quantity or s.side <> o.side) bad,
              (select count(*) from served where trade_id not in (select trade_id from s)) lost,
              (select count(*) from served) checked`,
    );
    return {
      served: { rows: served.bookRows, trades: served.trades, atMs: served.atMs },
      sourceRows: Number(src.n),
      book: { n: Number(b.n), distinct: Number(b.d), matched: Number(b.m), bad: Number(b.bad) },
      trades: { n: Number(t.n), distinct: Number(t.d), bad: Number(t.bad), lost: Number(t.lost), checked: Number(t.checked) },
      reconnects: { orderbook: ws("orderbook").reconnects, trades: ws("trades").reconnects },
      bookDelays: [...ws("orderbook").delays],
      faults: { ...srv.stats.faults },
      exitCode,
    };
  } finally {
    ac.abort();
    if (run) await run.catch(() => undefined);
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
