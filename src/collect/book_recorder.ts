/**
 * `/orderbooks/{m}` frames → maintained book → one row per applied update.
 *
 * Rules (issue 3; the original's bugs §9.1-1/5/6 fixed):
 * - SNAPSHOT replaces the whole book; DELTA adds the signed `q`, or sets the absolute `c` when
 *   present; a level at or below zero is removed. Prices and sizes are exact integers.
 * - Per connection: a DELTA must carry last seq + 1. A stale seq (≤ last) is ignored; a gap means
 *   a missed update → drop the connection and resubscribe (fresh SNAPSHOT). A SNAPSHOT passes
 *   whatever its seq (it replaces the book) and sets the seq the next DELTA must follow. A DELTA before any
 *   SNAPSHOT is skipped and logged. No timestamp gate (the original's turned one late message into
 *   a spurious reconnect).
 * - A book that becomes crossed (best bid > best ask) after an update is corrupt → resubscribe.
 *   A locked book (equal prices) is real on some venues and kept.
 * - Row: the top `levels` levels per side (NaN where absent), at most one per
 *   `minIntervalMs` of exchange time when thinning is on.
 * Every frame is validated completely before anything is applied, so a bad frame never half-applies.
 */
import { decodeOrderbookMessage, type Level } from "../exchange/messages.ts";
import type { BookBatch } from "../storage/types.ts";
import { BAD_FRAME_FLOOD, BadFrames } from "./bad_frames.ts";
import { BookSide, BookState } from "./book_state.ts";
import { ExactScale } from "./exact_scale.ts";

export interface BookSinkLike {
  batch: BookBatch;
  n: number;
  /** Records row `n`; true when the part is full. */
  commit(nowMs: number): boolean;
}

export interface BookRecorderEvents {
  /** The connection must be dropped and resubscribed. */
  resubscribe(reason: string): void;
  /** The part is full and should be rolled. */
  full(): void;
  /** First applied SNAPSHOT of a connection (the stream is live again). */
  live(): void;
}

export class BookRecorder {
  readonly book = new BookState();
  readonly px: ExactScale;
  readonly qty: ExactScale;
  /** Last applied seq on this connection; null until its first SNAPSHOT. */
  lastSeq: number | null = null;
  lastTs: number | null = null;
  private lastRowTs = -Infinity;
  readonly bad: BadFrames;
  applied = 0;
  rows = 0;
  stale = 0;
  resubscribes = 0;
  // Scratch for one frame's levels (validated before applying).
  private sPx = new Float64Array(64);
  private sQty = new Float64Array(64);
  private sAbs = new Uint8Array(64);

  constructor(
    readonly market: string,
    readonly levels: number,
    readonly minIntervalMs: number,
    priceDecimals: number,
    qtyDecimals: number,
    private readonly sink: BookSinkLike,
    private readonly events: BookRecorderEvents,
  ) {
    this.bad = new BadFrames(`${market} orderbook`);
    this.px = new ExactScale(priceDecimals, (f) => rescale(this.book, f, true));
    this.qty = new ExactScale(qtyDecimals, (f) => rescale(this.book, f, false));
  }

  /** A new connection: its seq numbering starts over and a SNAPSHOT must come first. */
  reset(): void {
    this.lastSeq = null;
    this.book.clear();
  }

  /** Returns whether the frame was a valid message (applied, stale, or showing a seq gap). */
  onFrame(text: string, nowMs: number): boolean {
    const d = decodeOrderbookMessage(text);
    if (!d.ok) return this.reject(d.error, text);
    const m = d.value;
    if (m.market !== this.market) return this.reject(`market ${JSON.stringify(m.market)}, expected ${JSON.stringify(this.market)}`, text);
    const snapshot = m.type === "SNAPSHOT";
    if (this.lastSeq === null) {
      if (!snapshot) return this.reject(`DELTA seq ${m.seq} before any SNAPSHOT`, text);
    } else if (snapshot) {
      // A SNAPSHOT replaces the whole book, so it is applied whatever its seq (as the original
      // did): `?depth=1` sends nothing else, and a stream that restarts its numbering with a fresh
      // SNAPSHOT must not have that snapshot and every DELTA after it ignored as stale.
    } else if (m.seq <= this.lastSeq) {
      this.stale++;
      this.bad.good();
      return true;
    } else if (m.seq !== this.lastSeq + 1) {
      this.resubscribe(`seq gap: expected ${this.lastSeq + 1}, got ${m.seq}`);
      return true;
    }
    // Validate and convert both sides before touching the book.
    const nb = m.bids.length;
    const total = nb + m.asks.length;
    if (total > this.sPx.length) this.growScratch(total);
    let err: string | null;
    for (;;) {
      // A finer value rescales the units mid-frame; convert again so every level uses the final unit.
      const pd = this.px.decimals;
      const qd = this.qty.decimals;
      err = this.convert(m.bids, 0, snapshot) ?? this.convert(m.asks, nb, snapshot);
      if (err || (pd === this.px.decimals && qd === this.qty.decimals)) break;
    }
    if (err) return this.reject(err, text);
    this.bad.good();
    const book = this.book;
    if (snapshot) book.clear();
    this.applySide(book.bids, 0, nb, snapshot);
    this.applySide(book.asks, nb, total, snapshot);
    const wasLive = this.lastSeq !== null;
    this.lastSeq = m.seq;
    this.lastTs = m.ts;
    this.applied++;
    if (book.crossed()) {
      this.resubscribe(`book crossed after seq ${m.seq} (bid ${this.px.toNumber(book.bids.px[0])} > ask ${this.px.toNumber(book.asks.px[0])})`);
      return true;
    }
    if (!wasLive) this.events.live();
    if (book.empty()) return true;
    if (this.minIntervalMs > 0 && m.ts - this.lastRowTs < this.minIntervalMs) return true;
    this.lastRowTs = m.ts;
    this.writeRow(m.ts, m.seq, nowMs);
    return true;
  }

  private reject(reason: string, text: string): false {
    if (this.bad.bad(reason, text)) this.resubscribe(`${this.bad.total} bad frames, the last ${BAD_FRAME_FLOOD} in a row`);
    return false;
  }

  private resubscribe(reason: string): void {
    this.resubscribes++;
    this.reset();
    this.events.resubscribe(reason);
  }

  /** Levels → scratch (integer units); returns an error text for the first bad level. */
  private convert(list: Level[], off: number, snapshot: boolean): string | null {
    for (let i = 0; i < list.length; i++) {
      const l = list[i];
      const p = this.px.units(l.p);
      if (p === null || p <= 0) return `price ${JSON.stringify(l.p)} out of range`;
      const abs = snapshot || l.c !== undefined;
      const q = this.qty.units(abs && !snapshot ? l.c : l.q);
      if (q === null) return `size ${JSON.stringify(abs && !snapshot ? l.c : l.q)} out of range`;
      this.sPx[off + i] = p;
      this.sQty[off + i] = q;
      this.sAbs[off + i] = abs ? 1 : 0;
    }
    return null;
  }

  private applySide(side: BookSide, from: number, to: number, snapshot: boolean): void {
    for (let i = from; i < to; i++) {
      if (snapshot || this.sAbs[i]) side.set(this.sPx[i], this.sQty[i]);
      else side.add(this.sPx[i], this.sQty[i]);
    }
  }

  private writeRow(ts: number, seq: number, nowMs: number): void {
    const s = this.sink;
    const b = s.batch;
    const r = s.n;
    b.timestampMs[r] = ts;
    b.seq[r] = BigInt(seq);
    fillSide(this.book.bids, this.levels, this.px, this.qty, b.bidPx, b.bidQty, r);
    fillSide(this.book.asks, this.levels, this.px, this.qty, b.askPx, b.askQty, r);
    this.rows++;
    if (s.commit(nowMs)) this.events.full();
  }

  private growScratch(n: number): void {
    const cap = Math.max(n, this.sPx.length * 2);
    this.sPx = new Float64Array(cap);
    this.sQty = new Float64Array(cap);
    this.sAbs = new Uint8Array(cap);
  }
}

function fillSide(side: BookSide, levels: number, px: ExactScale, qty: ExactScale, outPx: Float64Array[], outQty: Float64Array[], r: number): void {
  const n = Math.min(levels, side.n);
  for (let i = 0; i < n; i++) {
    outPx[i][r] = px.toNumber(side.px[i]);
    outQty[i][r] = qty.toNumber(side.qty[i]);
  }
  for (let i = n; i < levels; i++) {
    outPx[i][r] = NaN;
    outQty[i][r] = NaN;
  }
}

/** Scale every held price (or size) by `factor` after the unit became finer. */
function rescale(book: BookState, factor: number, prices: boolean): void {
  for (const side of [book.bids, book.asks]) {
    const a = prices ? side.px : side.qty;
    for (let i = 0; i < side.n; i++) a[i] *= factor;
  }
}
