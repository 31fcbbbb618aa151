/**
 * Collector throughput and memory, end to end: frames over loopback WebSocket → decode → exact
 * book merge → journal (fdatasync every journal_flush_ms) → Parquet parts.
 *
 * The feeder is a separate process (this script with `--feed`) so the collector has a core of its
 * own and the RSS measured is the collector's alone. It replays the real StandX BTC-USD book
 * (test/fixtures/standx-btc-usd-2h, 22,293 rows × 20 levels) as one SNAPSHOT followed by exact
 * DELTAs between consecutive rows, as fast as the socket takes them (backpressure respected), and
 * the 6,184 trades as one trade per publicTrades frame.
 *
 * Phases: (1) book only, 3 passes; (2) trades only, 10 passes; (3) long replay, book + trades,
 * REPEAT passes (default 30 ≈ 60 h of exchange time at the recorded rate) with RSS sampled every
 * 250 ms; (4) coverage against network faults: `serve` at real time (1×) dropping every connection
 * every 5, 20 and 60 s, the three runs side by side for SECONDS (default 300) each → stored book
 * rows / rows the server's replay clock passed, rows equal to the source, trades lost and twice.
 * `bun bench/collect.ts [repeat]`; `bun bench/collect.ts coverage [seconds]` runs phase 4 only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MarketCollector } from "../src/collect/market_collector.ts";
import { runCollector } from "../src/collect/run.ts";
import { defaultConfig } from "../src/config/load.ts";
import { encodeTradesMessage } from "../src/exchange/encode.ts";
import type { PublicTrade } from "../src/exchange/messages.ts";
import { setLogLevel } from "../src/log.ts";

const DATA = join(import.meta.dir, "../test/fixtures/standx-btc-usd-2h");
const MARKET = "BTC-USD";

// ---------------------------------------------------------------------------------------------
// Feeder process

async function feed(bookPasses: number, tradePasses: number): Promise<void> {
  // The same StandX frames the collector's tests replay (row r+1 = seq, exact integer DELTAs).
  const { loadSource, ID_BASE } = await import("../test/collect/replay_source.ts");
  const src = await loadSource();
  const { book, trades } = src;
  const span = book.timestampMs[book.length - 1] - book.timestampMs[0] + 1000;

  function* bookFrames(): Generator<string> {
    let seq = 0;
    for (let pass = 0; pass < bookPasses; pass++) {
      for (let r = 0; r < book.length; r++) {
        const ts = book.timestampMs[r] + pass * span;
        yield src.bookMessage(r, r === 0 ? "SNAPSHOT" : "DELTA", ts, ++seq);
      }
    }
  }
  function* tradeFrames(): Generator<string> {
    let seq = 0;
    for (let pass = 0; pass < tradePasses; pass++) {
      for (let i = 0; i < trades.length; i++) {
        // Each pass gets fresh ids and later times, so the collector stores every pass once.
        const t: PublicTrade = { ...src.tradeObj(i), T: trades.timestampMs[i] + pass * span, id: ID_BASE + BigInt(pass * trades.length + i) };
        yield encodeTradesMessage({ ts: t.T, seq: ++seq, trades: [t] });
      }
    }
  }

  const drains = new Map<object, () => void>();
  const server = Bun.serve<{ kind: string }>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      const u = new URL(req.url);
      const m = /\/(orderbooks|publicTrades|funding)\//.exec(u.pathname);
      if (m && srv.upgrade(req, { data: { kind: m[1] } })) return undefined;
      if (u.pathname.endsWith("/info/markets")) {
        return Response.json({ status: "OK", data: [{ name: MARKET, status: "ACTIVE", active: true, tradingConfig: { minPriceChange: "0.1", minOrderSizeChange: "0.0001" } }] });
      }
      if (u.pathname.endsWith("/trades")) return Response.json({ status: "OK", data: [] });
      return new Response("not found", { status: 404 });
    },
    websocket: {
      async open(ws) {
        const frames = ws.data.kind === "orderbooks" ? bookFrames() : ws.data.kind === "publicTrades" ? tradeFrames() : null;
        if (!frames) return;
        for (const f of frames) {
          if (ws.readyState !== 1) return;
          if (ws.send(f) === -1) await new Promise<void>((res) => drains.set(ws, res));
        }
      },
      drain(ws) {
        drains.get(ws)?.();
        drains.delete(ws);
      },
      message() {},
    },
  });
  console.log(JSON.stringify({ port: server.port, bookFrames: book.length * bookPasses, tradeFrames: trades.length * tradePasses }));
}

// ---------------------------------------------------------------------------------------------
// Collector side (this process)

interface PhaseResult {
  frames: number;
  seconds: number;
  rate: number;
  rss: number[];
  rows: number;
}

interface Feed {
  wsBase: string;
  restBase: string;
  bookFrames: number;
  tradeFrames: number;
  stop(): Promise<void>;
}

/** Reads the first stdout line of a child process (its JSON handshake). */
async function firstLine(child: ReturnType<typeof Bun.spawn>): Promise<string> {
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("feeder exited early");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.split("\n")[0];
}

/** This script's own feeder: pre-encoded frames, as fast as the socket drains. */
async function ownFeed(bookPasses: number, tradePasses: number): Promise<Feed> {
  const child = Bun.spawn([process.execPath, import.meta.path, "--feed", String(bookPasses), String(tradePasses)], { stdout: "pipe", stderr: "inherit" });
  const info = JSON.parse(await firstLine(child)) as { port: number; bookFrames: number; tradeFrames: number };
  return {
    wsBase: `ws://127.0.0.1:${info.port}/stream.extended.exchange/v1`,
    restBase: `http://127.0.0.1:${info.port}/api/v1`,
    bookFrames: info.bookFrames,
    tradeFrames: info.tradeFrames,
    stop: async () => {
      child.kill();
      await child.exited;
    },
  };
}

/** The project's `extended-mm serve --speed 0 --loop` (replay as fast as the client reads). */
async function serveFeed(bookFrames: number): Promise<Feed> {
  const main = join(import.meta.dir, "../src/main.ts");
  const child = Bun.spawn([process.execPath, main, "serve", "--data-dir", DATA, "--port", "0", "--speed", "0", "--loop", "--json", "--log-level", "warn"], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const info = JSON.parse(await firstLine(child)) as { wsBase: string; restBase: string };
  return {
    ...info,
    bookFrames,
    tradeFrames: 0,
    stop: async () => {
      child.kill();
      await child.exited;
    },
  };
}

async function phase(name: string, feed: Feed): Promise<PhaseResult> {
  const dir = mkdtempSync(join(tmpdir(), "emm-bench-collect-"));
  const config = defaultConfig({
    ws_base: feed.wsBase,
    rest_base: feed.restBase,
    markets: [MARKET],
    collect_orderbook: feed.bookFrames > 0,
    collect_trades: feed.tradeFrames > 0,
    collect_funding: false,
    health_log_seconds: 3600,
    idle_timeout_seconds: 30,
  });
  const ac = new AbortController();
  let col: MarketCollector | null = null;
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 250);
  const t0 = performance.now();
  const run = runCollector({ config, dataDir: dir, markets: [MARKET], signal: ac.signal, onStarted: (cs) => (col = cs[0]) });
  const want = feed.bookFrames + feed.tradeFrames;
  const seen = () => (col ? (col.book?.applied ?? 0) + (col.trades?.stored ?? 0) : 0);
  while (seen() < want) await Bun.sleep(2);
  ac.abort();
  await run; // includes publishing the last parts
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  rss.push(process.memoryUsage().rss);
  const c = col! as MarketCollector;
  const rows = (c.bookSink?.rowsPublished ?? 0) + (c.tradeSink?.rowsPublished ?? 0);
  await feed.stop();
  rmSync(dir, { recursive: true, force: true });
  const frames = seen();
  const rate = frames / seconds;
  console.log(`${name.padEnd(40)} ${String(frames).padStart(8)} frames  ${seconds.toFixed(2).padStart(7)} s  ${Math.round(rate).toLocaleString("en").padStart(8)} msg/s  rows in parts ${rows}`);
  return { frames, seconds, rate, rss, rows };
}

/** Phase 4: the three drop intervals at 1×, concurrently (the runs wait on the replay clock, not the CPU). */
async function coverage(seconds: number): Promise<void> {
  const { measureCoverage } = await import("../test/collect/coverage.ts");
  console.log(`coverage at 1× over ${seconds} s per run (serve drops every connection every N s; the three runs side by side)`);
  const drops = [5, 20, 60];
  const runs = await Promise.all(drops.map((d) => measureCoverage({ speed: 1, seconds, faults: { dropEverySeconds: d } })));
  runs.forEach((r, i) => {
    const pct = ((100 * r.book.n) / r.served.rows).toFixed(1);
    console.log(
      `drop every ${String(drops[i]).padStart(2)} s: stored ${r.book.n} / served ${r.served.rows} book rows = ${pct} %  ` +
        `(mismatching rows ${r.book.bad}, duplicates ${r.book.n - r.book.distinct}; trades lost ${r.trades.lost} of ${r.trades.checked}, twice ${r.trades.n - r.trades.distinct}; ` +
        `book reconnects ${r.reconnects.orderbook}, delays ${[...new Set(r.bookDelays)].join("/")} ms)`,
    );
  });
}

if (process.argv[2] === "--feed") {
  await feed(Number(process.argv[3]), Number(process.argv[4]));
} else if (process.argv[2] === "coverage") {
  setLogLevel("error");
  await coverage(Number(process.argv[3] ?? 300));
} else {
  setLogLevel("warn");
  const repeat = Number(process.argv[2] ?? 30);
  const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MiB`;
  console.log("collector end to end over loopback (decode, exact merge, journal + fdatasync, Parquet parts)");
  const book = await phase("book (SNAPSHOT+DELTA, 20 lv), own feeder", await ownFeed(3, 0));
  const viaServe = await phase("book via `extended-mm serve --speed 0`", await serveFeed(3 * 22_293));
  const trades = await phase("trades (1 trade per frame), own feeder", await ownFeed(0, 10));
  const long = await phase(`long replay ×${repeat} (book + trades)`, await ownFeed(repeat, repeat));
  // The first quarter is warm-up (wasm memory and JIT grow to their working size); flat memory
  // means the second quarter and the last quarter peak at the same level.
  const n = long.rss.length;
  const early = Math.max(...long.rss.slice(Math.floor(n / 4), Math.max(Math.floor(n / 4) + 1, Math.floor(n / 2))));
  const late = Math.max(...long.rss.slice(Math.floor((3 * n) / 4)));
  if (process.env.BENCH_RSS) console.log(long.rss.map((x) => (x / 2 ** 20).toFixed(0)).join(" "));
  console.log(`book: ${Math.round(book.rate).toLocaleString("en")} msg/s vs target 20,000 → ${(book.rate / 20_000).toFixed(2)}× target`);
  console.log(`book via serve (server and collector each on their own process): ${Math.round(viaServe.rate).toLocaleString("en")} msg/s → ${(viaServe.rate / 20_000).toFixed(2)}× target`);
  console.log(`trades: ${Math.round(trades.rate).toLocaleString("en")} msg/s`);
  console.log(
    `memory over the long replay (${long.frames.toLocaleString("en")} frames, ${long.seconds.toFixed(1)} s): peak RSS ${mb(Math.max(...long.rss))}, ` +
      `max in 2nd quarter ${mb(early)}, max in last quarter ${mb(late)} → last/2nd ${(late / early).toFixed(2)}`,
  );
  setLogLevel("error");
  await coverage(300);
}
