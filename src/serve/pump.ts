/**
 * The connection pump of `serve`: what one WebSocket connection is sent, and when. A first
 * SNAPSHOT (seq 1), DELTAs between consecutive recorded rows (seq +1 each), a SNAPSHOT every
 * `snapshotIntervalMs` of replay time, publicTrades frames with exact ids, funding prints, each at
 * its replay time (or as fast as the socket drains at speed 0) — and the faults of faults.ts.
 */
import type { ServerWebSocket } from "bun";
import { encodeFundingMessage, encodeOrderbookMessage, encodeTradesMessage } from "../exchange/encode.ts";
import type { StreamKind } from "../exchange/urls.ts";
import { DUE_EARLY_MS, type Ev, type ReplayClock } from "./clock.ts";
import { type FaultCounts, type FaultOptions, MALFORMED_KINDS, malformedFrame } from "./faults.ts";
import type { MarketTimeline } from "./timeline.ts";

const EV: Record<StreamKind, Ev> = { orderbooks: "book", publicTrades: "trades", funding: "funding" };

export interface Conn {
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
  stalled: boolean;
  closed: boolean;
  waitingDrain: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  awaitingPongSince: number;
  finished: boolean;
}

export function newConn(id: number, kind: StreamKind, tl: MarketTimeline, depth1: boolean): Conn {
  return {
    id,
    kind,
    ev: EV[kind],
    tl,
    depth1,
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
    stalled: false,
    closed: false,
    waitingDrain: false,
    timer: null,
    awaitingPongSince: 0,
    finished: false,
  };
}

/** Counters the pump updates (a subset of the server's stats, the same object). */
export interface PumpStats {
  bookMessages: number;
  tradeFrames: number;
  fundingFrames: number;
  faults: FaultCounts;
  finishedConnections: number;
}

export interface PumpOptions {
  clock: ReplayClock;
  /** Live: read at every message. */
  faults: FaultOptions;
  stats: PumpStats;
  snapshotIntervalMs: number;
  resync: boolean;
  highWaterBytes: number;
  closeAtEnd: boolean;
  /** Connections to wait for before the clock starts (speed > 0); they all start at t0. */
  startAfterConnections: number;
}

export class ConnectionPump {
  private readonly waiting: Conn[] = [];

  constructor(private readonly o: PumpOptions) {}

  /** A connection opened: place it on the replay and start sending (or wait for the clock's start). */
  open(c: Conn): void {
    const { clock } = this.o;
    if (clock.speed > 0 && !clock.started && this.waiting.length + 1 < this.o.startAfterConnections) {
      this.waiting.push(c);
      return;
    }
    clock.start();
    // Connections that start together are all placed at one replay time before any is pumped:
    // pumping one sends up to 255 frames, and at 300× each wall ms of that is 0.3 s of replay
    // the next would otherwise miss.
    const group = [...this.waiting.splice(0).filter((w) => !w.closed), c];
    const r = clock.now();
    for (const w of group) {
      const { g, startT } = clock.startOf(w.tl, w.ev, r);
      w.g = g;
      w.startT = startT;
    }
    for (const w of group) this.pump(w);
  }

  /** The socket drained below the high-water mark. */
  drained(c: Conn): void {
    if (!c.waitingDrain) return;
    c.waitingDrain = false;
    this.pump(c);
  }

  /** Ends the connection now, as a network cut would (no close frame: the client sees 1006). */
  cut(c: Conn): void {
    c.closed = true;
    c.ws?.terminate();
  }

  /** The connection goes silent: no data, no pings, and its socket is not read (pongs stop too). */
  stall(c: Conn): void {
    if (c.stalled || c.closed) return;
    c.stalled = true;
    this.o.stats.faults.stalls++;
    c.ws?.pause();
    this.halt(c);
  }

  /** The socket closed (or the server stops): no more sending. */
  halt(c: Conn): void {
    if (c.timer) clearTimeout(c.timer);
    c.timer = null;
  }

  private pump(c: Conn): void {
    if (c.closed || c.stalled || c.waitingDrain || c.timer !== null || c.finished) return;
    const { clock, faults, stats } = this.o;
    const ws = c.ws!;
    for (let sent = 0; ; sent++) {
      if (!c.tl.has(c.ev, c.g)) return this.finish(c);
      const t = c.tl.timeOf(c.ev, c.g);
      if (clock.speed > 0) {
        const wait = clock.waitFor(t);
        if (wait > DUE_EARLY_MS) return this.schedule(c, wait);
      }
      const drop = faults.dropEverySeconds;
      if (drop && drop > 0 && t - c.startT >= drop * 1000) {
        stats.faults.drops++;
        return this.cut(c);
      }
      const stall = faults.stallAfterSeconds;
      if (stall && stall > 0 && t - c.startT >= stall * 1000) return this.stall(c);
      this.emit(c, t);
      if (c.closed) return;
      if (ws.getBufferedAmount() > this.o.highWaterBytes) {
        c.waitingDrain = true;
        return;
      }
      if (sent >= 255) return this.schedule(c, 0); // let pings, REST and other sockets run
    }
  }

  private schedule(c: Conn, ms: number): void {
    c.timer = setTimeout(() => {
      c.timer = null;
      this.pump(c);
    }, ms);
  }

  private finish(c: Conn): void {
    if (c.heldFrame >= 0) {
      const h = c.heldFrame;
      c.heldFrame = -1;
      this.sendTradeFrame(c, h);
    }
    c.finished = true;
    this.o.stats.finishedConnections++;
    if (this.o.closeAtEnd) c.ws!.close(1000, "end of replay");
  }

  private emit(c: Conn, t: number): void {
    const g = c.g++;
    this.o.clock.sent(c.tl, c.ev, g);
    if (c.ev === "book") this.emitBook(c, g, t);
    else if (c.ev === "trades") this.emitTrades(c, g);
    else {
      const f = c.tl.funding(g);
      this.o.stats.fundingFrames++;
      this.sendData(c, encodeFundingMessage({ ts: f.T, seq: ++c.seq, market: c.tl.market, T: f.T, rate: f.rate }), f.T);
    }
  }

  private emitBook(c: Conn, g: number, t: number): void {
    const { tl } = c;
    const { resync, snapshotIntervalMs: snapMs, faults, stats } = this.o;
    if (resync && c.prevG >= 0 && !c.depth1 && t - c.lastSnapT >= snapMs) {
      // re-send the state the client should hold, then carry on with this row's DELTA
      const ts = tl.timeOf("book", c.prevG);
      const lv = tl.snapshot(c.prevG);
      c.lastSnapT = t;
      stats.bookMessages++;
      this.sendData(c, encodeOrderbookMessage({ ts, type: "SNAPSHOT", market: tl.market, seq: ++c.seq, bids: lv.bids, asks: lv.asks }), ts);
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
    this.sendData(c, encodeOrderbookMessage({ ts: t, type, market: tl.market, seq: c.seq, bids: lv.bids, asks: lv.asks }), t);
  }

  private emitTrades(c: Conn, g: number): void {
    const re = this.o.faults.reorderTradesEvery;
    if (re && re > 0 && c.heldFrame < 0 && (c.tradeFrames + 1) % re === 0 && c.tl.has("trades", c.g)) {
      c.heldFrame = g; // sent right after the next frame
      this.o.stats.faults.reorders++;
      return;
    }
    this.sendTradeFrame(c, g);
    if (c.heldFrame >= 0) {
      const h = c.heldFrame;
      c.heldFrame = -1;
      this.sendTradeFrame(c, h);
    }
  }

  private sendTradeFrame(c: Conn, f: number): void {
    const trades = c.tl.frameTrades(f);
    const ts = trades[0].T;
    const text = encodeTradesMessage({ ts, seq: ++c.seq, trades });
    c.tradeFrames++;
    this.o.stats.tradeFrames++;
    this.sendData(c, text, ts);
    const dup = this.o.faults.duplicateTradesEvery;
    if (dup && dup > 0 && c.tradeFrames % dup === 0) {
      c.ws!.send(text);
      this.o.stats.faults.duplicates++;
    }
  }

  private sendData(c: Conn, text: string, ts: number): void {
    const ws = c.ws!;
    ws.send(text);
    c.dataFrames++;
    const every = this.o.faults.malformedEvery;
    if (every && every > 0 && c.dataFrames % every === 0) {
      const kind = MALFORMED_KINDS[c.malformedNext++ % MALFORMED_KINDS.length];
      ws.send(malformedFrame(kind, c.kind, c.tl.market, c.seq, ts, text));
      this.o.stats.faults.malformed++;
    }
  }
}
