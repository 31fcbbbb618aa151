import type { Server, ServerWebSocket } from "bun";
import { UsageError } from "../errors.ts";
import { formatNumber } from "../exchange/decimal.ts";
import { encodeFundingMessage, encodeOrderbookMessage, encodeRestError, encodeRestTrades, encodeTradesMessage } from "../exchange/encode.ts";
import { REST_PATH, STREAM_PATH, type StreamKind } from "../exchange/urls.ts";
import { log } from "../log.ts";
import { type FaultCounts, type FaultOptions, MALFORMED_KINDS, malformedFrame, zeroFaultCounts } from "./faults.ts";
import { type LoadOptions, loadMarkets } from "./load.ts";
import { MarketTimeline, type MemoryMarket } from "./timeline.ts";

/**
 * A local server speaking the Extended public protocol (streams and REST), replaying recorded
 * data. Each connection sees what a client of the exchange sees: a first SNAPSHOT (seq 1), DELTAs
 * between consecutive recorded rows (seq +1 each), a fresh SNAPSHOT every `snapshotIntervalMs` of
 * replay time, publicTrades frames with exact ids, funding prints, server pings — plus faults on
 * demand (faults.ts).
 *
 * Replay position: with speed > 0 a shared clock (started by the first connection) maps wall time
 * to replay time, so a client that reconnects has missed what happened meanwhile and must backfill
 * from REST, as on the exchange. With speed 0 (as fast as the client reads) each stream of a market
 * continues where the furthest connection stopped; REST answers "now" = that position.
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
  /** Terminates every open connection now (a network cut); returns how many. */
  dropAll(): number;
  /** Stalls every open connection now; returns how many. */
  stallAll(): number;
  stop(): Promise<void>;
}

type Ev = "book" | "trades" | "funding";
const EV: Record<StreamKind, Ev> = { orderbooks: "book", publicTrades: "trades", funding: "funding" };

interface Conn {
  id: number;
  kind: StreamKind;
  ev: Ev;
  tl: MarketTimeline;
  depth1: boolean;
  ws: ServerWebSocket<Conn> | null;
  /** Next global event index to send. */
  g: number;
  /** Last book row sent or withheld (delta base); -1 before the first snapshot. */
  prevG: number;
  seq: number;
  startT: number;
  lastSnapT: number;
  dataFrames: number;
  bookMsgs: number;
  tradeFrames: number;
  heldFrame: number;
  malformedNext: number;
  lastFrame: string;
  stalled: boolean;
  closed: boolean;
  waitingDrain: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  awaitingPongSince: number;
  finished: boolean;
}

export async function startServer(opts: ServeOptions): Promise<ReplayServer> {
  const speed = opts.speed ?? 1;
  if (!(Number.isFinite(speed) && speed >= 0)) throw new UsageError(`speed: expected a number ≥ 0, got ${speed}`);
  const port = opts.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new UsageError(`port: expected 0..65535, got ${port}`);
  const hostname = opts.hostname ?? "127.0.0.1";
  const pingMs = opts.pingIntervalMs ?? 15_000;
  const pongTimeoutMs = opts.pongTimeoutMs ?? 10_000;
  const snapMs = opts.snapshotIntervalMs ?? 60_000;
  const resync = (opts.snapshotMode ?? "replace") === "resync";
  const requireUA = opts.requireUserAgent ?? true;
  const restLimit = opts.restTradesLimit ?? 1000;
  const highWater = opts.highWaterBytes ?? 64 * 1024;
  const faults: FaultOptions = { ...(opts.faults ?? {}) };

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
  if ((opts.speed ?? 1) > 0) {
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
  const frontier = new Map<MarketTimeline, Record<Ev, number>>(all.map((t) => [t, { book: -1, trades: -1, funding: -1 }]));

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
  const conns = new Set<Conn>();
  let nextId = 1;
  let wallStart: number | null = null;

  const replayNow = (): number => (wallStart === null ? t0 : t0 + (performance.now() - wallStart) * speed);

  const seeUA = (ua: string | null): boolean => {
    if (ua && !stats.userAgents.includes(ua) && stats.userAgents.length < 100) stats.userAgents.push(ua);
    if (!ua && requireUA) {
      stats.rejectedNoUserAgent++;
      return false;
    }
    return true;
  };

  // ---- sending ------------------------------------------------------------------------------

  function sendData(c: Conn, text: string, ts: number): void {
    const ws = c.ws!;
    ws.send(text);
    c.lastFrame = text;
    c.dataFrames++;
    const every = faults.malformedEvery;
    if (every && every > 0 && c.dataFrames % every === 0) {
      const kind = MALFORMED_KINDS[c.malformedNext++ % MALFORMED_KINDS.length];
      ws.send(malformedFrame(kind, c.kind, c.tl.market, c.seq, ts, text));
      stats.faults.malformed++;
    }
  }

  function sendTradeFrame(c: Conn, f: number): void {
    const trades = c.tl.frameTrades(f);
    const ts = trades[0].T;
    const text = encodeTradesMessage({ ts, seq: ++c.seq, trades });
    c.tradeFrames++;
    stats.tradeFrames++;
    sendData(c, text, ts);
    const dup = faults.duplicateTradesEvery;
    if (dup && dup > 0 && c.tradeFrames % dup === 0) {
      c.ws!.send(text);
      stats.faults.duplicates++;
    }
  }

  function emit(c: Conn, t: number): void {
    const tl = c.tl;
    const g = c.g++;
    const fr = frontier.get(tl)!;
    if (g > fr[c.ev]) fr[c.ev] = g;
    if (c.ev === "book") {
      if (resync && c.prevG >= 0 && !c.depth1 && t - c.lastSnapT >= snapMs) {
        // re-send the state the client should hold, then carry on with this row's DELTA
        const ts = tl.timeOf("book", c.prevG);
        const lv = tl.snapshot(c.prevG);
        c.lastSnapT = t;
        stats.bookMessages++;
        sendData(c, encodeOrderbookMessage({ ts, type: "SNAPSHOT", market: tl.market, seq: ++c.seq, bids: lv.bids, asks: lv.asks }), ts);
        if (c.closed) return;
      }
      const snapshot = c.prevG < 0 || c.depth1 || (!resync && t - c.lastSnapT >= snapMs);
      const lv = snapshot ? tl.snapshot(g, c.depth1 ? 1 : Infinity) : tl.delta(c.prevG, g);
      c.prevG = g;
      c.seq++;
      c.bookMsgs++;
      if (snapshot) c.lastSnapT = t;
      const skip = faults.skipSeqEvery;
      if (!snapshot && skip && skip > 0 && c.bookMsgs % skip === 0) {
        stats.faults.seqSkips++; // withheld: the client sees seq jump by 2 and a stale book
        return;
      }
      stats.bookMessages++;
      const type = snapshot ? "SNAPSHOT" : "DELTA";
      sendData(c, encodeOrderbookMessage({ ts: t, type, market: tl.market, seq: c.seq, bids: lv.bids, asks: lv.asks }), t);
    } else if (c.ev === "trades") {
      const re = faults.reorderTradesEvery;
      if (re && re > 0 && c.heldFrame < 0 && (c.tradeFrames + 1) % re === 0 && tl.has("trades", c.g)) {
        c.heldFrame = g; // sent right after the next frame
        stats.faults.reorders++;
        return;
      }
      sendTradeFrame(c, g);
      if (c.heldFrame >= 0) {
        const h = c.heldFrame;
        c.heldFrame = -1;
        sendTradeFrame(c, h);
      }
    } else {
      const f = tl.funding(g);
      stats.fundingFrames++;
      sendData(c, encodeFundingMessage({ ts: f.T, seq: ++c.seq, market: tl.market, T: f.T, rate: f.rate }), f.T);
    }
  }

  function schedule(c: Conn, ms: number): void {
    c.timer = setTimeout(() => {
      c.timer = null;
      pump(c);
    }, ms);
  }

  function pump(c: Conn): void {
    if (c.closed || c.stalled || c.waitingDrain || c.timer !== null || c.finished) return;
    const ws = c.ws!;
    for (let sent = 0; ; sent++) {
      if (!c.tl.has(c.ev, c.g)) {
        if (c.heldFrame >= 0) {
          const h = c.heldFrame;
          c.heldFrame = -1;
          sendTradeFrame(c, h);
        }
        c.finished = true;
        stats.finishedConnections++;
        if (opts.closeAtEnd) ws.close(1000, "end of replay");
        return;
      }
      const t = c.tl.timeOf(c.ev, c.g);
      if (speed > 0) {
        const wait = wallStart! + (t - t0) / speed - performance.now();
        if (wait > 0.5) return schedule(c, wait);
      }
      const drop = faults.dropEverySeconds;
      if (drop && drop > 0 && t - c.startT >= drop * 1000) {
        stats.faults.drops++;
        c.closed = true;
        ws.terminate();
        return;
      }
      const stall = faults.stallAfterSeconds;
      if (stall && stall > 0 && t - c.startT >= stall * 1000) {
        stallConn(c);
        return;
      }
      emit(c, t);
      if (c.closed) return;
      if (ws.getBufferedAmount() > highWater) {
        c.waitingDrain = true;
        return;
      }
      if (sent >= 255) return schedule(c, 0); // let pings, REST and other sockets run
    }
  }

  function stallConn(c: Conn): void {
    if (c.stalled || c.closed) return;
    c.stalled = true;
    stats.faults.stalls++;
    c.ws?.pause(); // stop reading: client pings go unanswered too
    if (c.timer) clearTimeout(c.timer);
    c.timer = null;
  }

  // ---- HTTP / WebSocket ---------------------------------------------------------------------

  const json = (body: string, status = 200) => new Response(body, { status, headers: { "Content-Type": "application/json" } });
  const notFound = (what: string) => json(encodeRestError(404, what), 404);

  function currentBookRow(tl: MarketTimeline): number {
    if (speed > 0 && wallStart !== null) return Math.max(0, tl.lastAtOrBefore("book", replayNow()));
    return Math.max(0, frontier.get(tl)!.book);
  }

  function currentTradeEnd(tl: MarketTimeline): number {
    if (tl.frames === 0) return 0;
    let f: number;
    if (speed > 0) f = wallStart === null ? -1 : tl.lastAtOrBefore("trades", replayNow());
    else f = frontier.get(tl)!.trades;
    return f < 0 ? 0 : tl.frameRows(f)[1];
  }

  function marketJson(tl: MarketTimeline): Record<string, unknown> {
    const fmt = (x: number) => (x === x ? formatNumber(x) : "0");
    const best = tl.bookRows ? tl.bestOf(currentBookRow(tl)) : { bid: NaN, ask: NaN };
    const end = currentTradeEnd(tl);
    const last = end > 0 ? tl.tradeAt(end - 1).p : "0";
    const mid = best.bid === best.bid && best.ask === best.ask ? (best.bid + best.ask) / 2 : NaN;
    let fg = -1;
    if (tl.fundingRows > 0) fg = speed > 0 ? (wallStart === null ? -1 : tl.lastAtOrBefore("funding", replayNow())) : frontier.get(tl)!.funding;
    const fundingRate = fg >= 0 ? tl.funding(fg).rate : "0";
    const [asset] = tl.market.split("-");
    return {
      name: tl.market,
      assetName: asset,
      assetPrecision: tl.sizeScale.decimals,
      collateralAssetName: "USD",
      collateralAssetPrecision: 6,
      active: true,
      status: "ACTIVE",
      marketStats: {
        dailyVolume: "0",
        dailyVolumeBase: "0",
        dailyPriceChange: "0",
        dailyPriceChangePercentage: "0",
        dailyLow: "0",
        dailyHigh: "0",
        lastPrice: last,
        askPrice: fmt(best.ask),
        bidPrice: fmt(best.bid),
        markPrice: fmt(mid),
        indexPrice: fmt(mid),
        fundingRate,
        nextFundingRate: 0,
        openInterest: "0",
        openInterestBase: "0",
      },
      tradingConfig: {
        minOrderSize: tl.sizeStep,
        minOrderSizeChange: tl.sizeStep,
        minPriceChange: tl.tickSize,
        maxMarketOrderValue: "1000000",
        maxLimitOrderValue: "5000000",
        maxPositionValue: "10000000",
        maxLeverage: "50.00",
        maxNumOrders: "200",
        limitPriceCap: "0.05",
        limitPriceFloor: "0.05",
      },
      l2Config: { type: "STARKX", collateralId: "0x0", collateralResolution: 1000000, syntheticId: "0x0", syntheticResolution: 1000000 },
    };
  }

  function rest(url: URL): Response {
    stats.restRequests++;
    const path = url.pathname.slice(REST_PATH.length);
    if (path === "/info/markets") {
      const wanted = url.searchParams.getAll("market").flatMap((s) => s.split(",")).filter(Boolean);
      const list = wanted.length ? wanted.map((m) => timelines.get(m)).filter((t): t is MarketTimeline => !!t) : all;
      return json(JSON.stringify({ status: "OK", data: list.map(marketJson) }));
    }
    const m = /^\/info\/markets\/([^/]+)\/(trades|orderbook)$/.exec(path);
    if (!m) return notFound(`no such endpoint ${url.pathname}`);
    const tl = timelines.get(decodeURIComponent(m[1]));
    if (!tl) return notFound("Market not found");
    if (m[2] === "trades") {
      const end = currentTradeEnd(tl);
      const text = url.searchParams.get("limit");
      const q = text === null ? restLimit : /^\d+$/.test(text) ? Number(text) : NaN;
      if (!(q > 0)) return json(encodeRestError(400, `limit: expected a positive integer, got ${JSON.stringify(text)}`), 400);
      const limit = Math.min(q, restLimit);
      const out = [];
      for (let k = Math.max(0, end - limit); k < end; k++) out.push(tl.tradeAt(k));
      return json(encodeRestTrades(out));
    }
    const snap = tl.bookRows ? tl.snapshot(currentBookRow(tl)) : { bids: [], asks: [] };
    const side = (lv: { p: string; q: string }[]) => lv.map((l) => ({ qty: l.q, price: l.p }));
    return json(JSON.stringify({ status: "OK", data: { market: tl.market, bid: side(snap.bids), ask: side(snap.asks) } }));
  }

  const server: Server<Conn> = Bun.serve<Conn>({
    hostname,
    port,
    fetch(req, srv) {
      const url = new URL(req.url);
      if (!seeUA(req.headers.get("user-agent"))) return json(encodeRestError(403, "User-Agent header required"), 403);
      if (url.pathname.startsWith(`${REST_PATH}/`)) return rest(url);
      const m = /^\/stream\.extended\.exchange\/v1\/(orderbooks|publicTrades|funding)\/([^/]+)$/.exec(url.pathname);
      if (!m || !url.pathname.startsWith(STREAM_PATH)) return notFound(`no such endpoint ${url.pathname}`);
      const tl = timelines.get(decodeURIComponent(m[2]));
      if (!tl) return notFound("Market not found");
      const kind = m[1] as StreamKind;
      const conn: Conn = {
        id: nextId++,
        kind,
        ev: EV[kind],
        tl,
        depth1: kind === "orderbooks" && url.searchParams.get("depth") === "1",
        ws: null,
        g: 0,
        prevG: -1,
        seq: 0,
        startT: 0,
        lastSnapT: 0,
        dataFrames: 0,
        bookMsgs: 0,
        tradeFrames: 0,
        heldFrame: -1,
        malformedNext: 0,
        lastFrame: "",
        stalled: false,
        closed: false,
        waitingDrain: false,
        timer: null,
        awaitingPongSince: 0,
        finished: false,
      };
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
        if (speed > 0) {
          if (wallStart === null) wallStart = performance.now();
          const r = replayNow();
          c.g = c.ev === "book" ? Math.max(0, c.tl.lastAtOrBefore("book", r)) : c.tl.firstAfter(c.ev, r);
          c.startT = r;
        } else {
          c.g = frontier.get(c.tl)![c.ev] + 1;
          c.startT = c.tl.has(c.ev, c.g) ? c.tl.timeOf(c.ev, c.g) : 0;
        }
        log.debug(`serve: connection ${c.id} ${c.kind}/${c.tl.market} from event ${c.g}`);
        pump(c);
      },
      message() {
        // the public streams take no messages from clients
      },
      drain(ws) {
        const c = ws.data;
        if (!c.waitingDrain) return;
        c.waitingDrain = false;
        pump(c);
      },
      pong(ws) {
        ws.data.awaitingPongSince = 0;
        stats.pongsReceived++;
      },
      close(ws) {
        const c = ws.data;
        c.closed = true;
        if (c.timer) clearTimeout(c.timer);
        c.timer = null;
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
        c.closed = true;
        c.ws.terminate();
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
    dropAll() {
      let n = 0;
      for (const c of [...conns]) {
        if (c.closed || !c.ws) continue;
        c.closed = true;
        c.ws.terminate();
        stats.faults.drops++;
        n++;
      }
      return n;
    },
    stallAll() {
      let n = 0;
      for (const c of conns) {
        if (!c.stalled && !c.closed) {
          stallConn(c);
          n++;
        }
      }
      return n;
    },
    async stop() {
      clearInterval(pinger);
      for (const c of conns) {
        c.closed = true;
        if (c.timer) clearTimeout(c.timer);
        c.timer = null;
      }
      await server.stop(true);
    },
  };
}
