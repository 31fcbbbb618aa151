import type { Server } from "bun";
import { UsageError } from "../errors.ts";
import { encodeRestError } from "../exchange/encode.ts";
import { REST_PATH, STREAM_PATH, type StreamKind } from "../exchange/urls.ts";
import { log } from "../log.ts";
import { ReplayClock } from "./clock.ts";
import { type FaultCounts, type FaultOptions, zeroFaultCounts } from "./faults.ts";
import { type LoadOptions, loadMarkets } from "./load.ts";
import { type Conn, ConnectionPump, newConn } from "./pump.ts";
import { json, notFound, RestApi } from "./rest_api.ts";
import { MarketTimeline, type MemoryMarket } from "./timeline.ts";

/**
 * A local server speaking the Extended public protocol (streams and REST), replaying recorded
 * data. This file wires the parts together: loading (load.ts, timeline.ts), the replay position
 * (clock.ts), what each connection is sent (pump.ts, with the faults of faults.ts), the REST
 * answers (rest_api.ts), routing, the User-Agent gate, server pings and the pong deadline.
 */

export interface ServeOptions {
  /** Recorded data: a path (see load.ts) or in-memory batches (tests, demo). */
  source: ({ path: string } & LoadOptions) | { memory: MemoryMarket[] };
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Default 0 = a free port. */
  port?: number;
  /** Replay speed: 1 = real time, N = N×, 0 = as fast as the client reads (backpressure). Default 1. */
  speed?: number;
  /** Start again at the end, timestamps and trade ids shifted so they keep increasing. */
  loop?: boolean;
  faults?: FaultOptions;
  /** Server ping period; default 15 000 ms like the exchange. */
  pingIntervalMs?: number;
  /** A connection whose pong is this late is terminated; default 10 000 ms like the exchange. */
  pongTimeoutMs?: number;
  /** Replay time between SNAPSHOTs on a connection; default 60 000 ms. */
  snapshotIntervalMs?: number;
  /**
   * What a periodic SNAPSHOT carries:
   * - "replace" (default): the SNAPSHOT takes the place of the DELTA of the row that is due, so
   *   there is exactly one message per recorded row and seq n is row n−1 of the replay (a
   *   recorder stores each source row once).
   * - "resync": an extra SNAPSHOT of the book the client should already have (the last row sent,
   *   with that row's ts), sent before the next row's DELTA — what a checker comparing its
   *   delta-built book with each SNAPSHOT (verify --live, the original verify_orderbook) expects.
   */
  snapshotMode?: "replace" | "resync";
  /** Reject requests and handshakes without User-Agent (HTTP 403), as the exchange's firewall. Default true. */
  requireUserAgent?: boolean;
  /** Most trades `GET /info/markets/{m}/trades` returns (the latest ones); default 1000. */
  restTradesLimit?: number;
  /** Close connections (code 1000) when the data ends instead of idling with pings. Default false. */
  closeAtEnd?: boolean;
  /** Bytes queued on a socket above which sending pauses until it drains; default 64 KiB (≈ 200
   *  book messages: small, so faults counted by the server are ones the client gets to see). */
  highWaterBytes?: number;
  /**
   * With speed > 0, the replay clock starts when this many connections have opened (default 1:
   * the first). A client that opens several streams a few milliseconds apart (the demo's book and
   * trades at 300×) then misses nothing at the start, whatever the machine's load.
   */
  startAfterConnections?: number;
}

export interface ServerStats {
  /** Connections accepted per stream kind. */
  connections: Record<StreamKind, number>;
  /** Connections open now. */
  open: number;
  bookMessages: number;
  tradeFrames: number;
  fundingFrames: number;
  pingsSent: number;
  pongsReceived: number;
  /** Connections terminated because a pong did not come within pongTimeoutMs. */
  pongTimeouts: number;
  restRequests: number;
  /** Requests/handshakes refused for lacking a User-Agent. */
  rejectedNoUserAgent: number;
  /** Distinct User-Agent values seen (REST and WebSocket). */
  userAgents: string[];
  faults: FaultCounts;
  /** Connections that reached the end of the data (never, with loop). */
  finishedConnections: number;
  /** Source trades not served because their taker side is unknown (the protocol requires one). */
  tradesWithoutSide: number;
}

export interface ReplayServer {
  /** `http://127.0.0.1:{port}` */
  url: string;
  port: number;
  /** `ws://127.0.0.1:{port}/stream.extended.exchange/v1` — set as config `ws_base`. */
  wsBase: string;
  /** `http://127.0.0.1:{port}/api/v1` — set as config `rest_base`. */
  restBase: string;
  markets: string[];
  /** Live counters (the same object, updated in place). */
  stats: ServerStats;
  /** Live fault settings: change fields at any time, they apply from the next message. */
  faults: FaultOptions;
  /**
   * What the replay has passed so far for `market`: book rows and trades up to the replay
   * position, from the start of the data (what a recorder that never missed anything would hold),
   * and the replay time `atMs` (speed > 0).
   */
  served(market: string): { bookRows: number; trades: number; atMs: number };
  /** Terminates every open connection now (a network cut); returns how many. */
  dropAll(): number;
  /** Stalls every open connection now; returns how many. */
  stallAll(): number;
  stop(): Promise<void>;
}

export async function startServer(opts: ServeOptions): Promise<ReplayServer> {
  const speed = opts.speed ?? 1;
  if (!(Number.isFinite(speed) && speed >= 0)) throw new UsageError(`speed: expected a number ≥ 0, got ${speed}`);
  const port = opts.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new UsageError(`port: expected 0..65535, got ${port}`);
  const hostname = opts.hostname ?? "127.0.0.1";
  const pingMs = opts.pingIntervalMs ?? 15_000;
  const pongTimeoutMs = opts.pongTimeoutMs ?? 10_000;
  const requireUA = opts.requireUserAgent ?? true;
  const faults: FaultOptions = { ...(opts.faults ?? {}) };

  const timelines = await prepareTimelines(opts, speed);
  const all = [...timelines.values()];
  const starts = all.map((t) => t.minTs).filter((x) => x === x);
  const clock = new ReplayClock(speed, starts.length ? Math.min(...starts) : 0, all);
  const stats: ServerStats = {
    connections: { orderbooks: 0, publicTrades: 0, funding: 0 },
    open: 0,
    bookMessages: 0,
    tradeFrames: 0,
    fundingFrames: 0,
    pingsSent: 0,
    pongsReceived: 0,
    pongTimeouts: 0,
    restRequests: 0,
    rejectedNoUserAgent: 0,
    userAgents: [],
    faults: zeroFaultCounts(),
    finishedConnections: 0,
    tradesWithoutSide: all.reduce((s, t) => s + t.tradesWithoutSide, 0),
  };
  const pump = new ConnectionPump({
    clock,
    faults,
    stats,
    snapshotIntervalMs: opts.snapshotIntervalMs ?? 60_000,
    resync: (opts.snapshotMode ?? "replace") === "resync",
    highWaterBytes: opts.highWaterBytes ?? 64 * 1024,
    closeAtEnd: opts.closeAtEnd ?? false,
    startAfterConnections: opts.startAfterConnections ?? 1,
  });
  const restApi = new RestApi({ timelines, clock, tradesLimit: opts.restTradesLimit ?? 1000 });
  const conns = new Set<Conn>();
  let nextId = 1;

  const seeUA = (ua: string | null): boolean => {
    if (ua && !stats.userAgents.includes(ua) && stats.userAgents.length < 100) stats.userAgents.push(ua);
    if (!ua && requireUA) {
      stats.rejectedNoUserAgent++;
      return false;
    }
    return true;
  };

  const server: Server<Conn> = Bun.serve<Conn>({
    hostname,
    port,
    fetch(req, srv) {
      const url = new URL(req.url);
      if (!seeUA(req.headers.get("user-agent"))) return json(encodeRestError(403, "User-Agent header required"), 403);
      if (url.pathname.startsWith(`${REST_PATH}/`)) {
        stats.restRequests++;
        return restApi.handle(url);
      }
      const m = /^\/stream\.extended\.exchange\/v1\/(orderbooks|publicTrades|funding)\/([^/]+)$/.exec(url.pathname);
      if (!m || !url.pathname.startsWith(STREAM_PATH)) return notFound(`no such endpoint ${url.pathname}`);
      const tl = timelines.get(decodeURIComponent(m[2]));
      if (!tl) return notFound("Market not found");
      const kind = m[1] as StreamKind;
      const conn = newConn(nextId++, kind, tl, kind === "orderbooks" && url.searchParams.get("depth") === "1");
      if (srv.upgrade(req, { data: conn })) return undefined;
      return json(encodeRestError(400, "WebSocket upgrade expected"), 400);
    },
    websocket: {
      // liveness is ours (pings every pingIntervalMs, pong deadline), not Bun's idle timer
      idleTimeout: 0,
      sendPings: false,
      perMessageDeflate: false,
      open(ws) {
        const c = ws.data;
        c.ws = ws;
        conns.add(c);
        stats.connections[c.kind]++;
        stats.open++;
        pump.open(c);
        log.debug(`serve: connection ${c.id} ${c.kind}/${c.tl.market} from event ${c.g}`);
      },
      message() {
        // the public streams take no messages from clients
      },
      drain(ws) {
        pump.drained(ws.data);
      },
      pong(ws) {
        ws.data.awaitingPongSince = 0;
        stats.pongsReceived++;
      },
      close(ws) {
        const c = ws.data;
        c.closed = true;
        pump.halt(c);
        if (conns.delete(c)) stats.open--;
      },
    },
  });

  const pinger = setInterval(() => {
    const now = performance.now();
    for (const c of conns) {
      if (c.stalled || c.closed || !c.ws) continue;
      if (c.awaitingPongSince && now - c.awaitingPongSince > pongTimeoutMs) {
        stats.pongTimeouts++;
        pump.cut(c);
        continue;
      }
      c.ws.ping();
      stats.pingsSent++;
      if (!c.awaitingPongSince) c.awaitingPongSince = now;
    }
  }, pingMs);

  const actualPort = server.port as number;
  const url = `http://${hostname}:${actualPort}`;
  return {
    url,
    port: actualPort,
    wsBase: `ws://${hostname}:${actualPort}${STREAM_PATH}`,
    restBase: `${url}${REST_PATH}`,
    markets: [...timelines.keys()],
    stats,
    faults,
    served(market) {
      const tl = timelines.get(market);
      if (!tl) throw new UsageError(`served: ${JSON.stringify(market)} is not served`);
      return clock.served(tl);
    },
    dropAll() {
      let n = 0;
      for (const c of [...conns]) {
        if (c.closed || !c.ws) continue;
        pump.cut(c);
        stats.faults.drops++;
        n++;
      }
      return n;
    },
    stallAll() {
      let n = 0;
      for (const c of conns) {
        if (!c.stalled && !c.closed) {
          pump.stall(c);
          n++;
        }
      }
      return n;
    },
    async stop() {
      clearInterval(pinger);
      for (const c of conns) {
        c.closed = true;
        pump.halt(c);
      }
      await server.stop(true);
    },
  };
}

/** Loads the source into timelines (with warnings on rounded values and on markets far apart in time). */
async function prepareTimelines(opts: ServeOptions, speed: number): Promise<Map<string, MarketTimeline>> {
  const mem = "memory" in opts.source ? opts.source.memory : await loadMarkets(opts.source.path, opts.source);
  if (mem.length === 0) throw new UsageError("serve: no market to serve");
  const timelines = new Map<string, MarketTimeline>();
  for (const m of mem) {
    const tl = new MarketTimeline(m);
    if (tl.roundedValues > 0) log.warn(`serve: ${m.market}: ${tl.roundedValues} book value(s) carried float noise and were rounded to ${tl.priceScale.stepText} / ${tl.sizeScale.stepText}`);
    timelines.set(m.market, tl);
  }
  const all = [...timelines.values()];
  const starts = all.map((t) => t.minTs).filter((x) => x === x);
  const t0 = starts.length ? Math.min(...starts) : 0;
  const tEnd = Math.max(t0, ...all.map((t) => t.maxTs).filter((x) => x === x));
  // one replay clock for all markets keeps their relative timing, which leaves a market recorded
  // in a later, disjoint period silent until the clock gets there (days at speed 1)
  if (speed > 0) {
    const first = all.reduce((a, b) => (b.minTs < a.minTs ? b : a), all[0]);
    for (const t of all) {
      if (t !== first && t.minTs > first.maxTs) {
        const days = (t.minTs - first.maxTs) / 86_400_000;
        log.warn(`serve: ${t.market} starts ${days.toFixed(1)} days after ${first.market}'s data ends; with one replay clock it stays silent that long (use --markets, --from or --speed 0)`);
      }
    }
  }
  // one shift for every market and stream so their relative timing is kept across loops
  const span = tEnd - t0 + 1000;
  for (const t of all) {
    t.loop = opts.loop ?? false;
    t.loopSpanMs = span;
  }
  return timelines;
}
