/**
 * Live check of the order-book stream: the book built from DELTAs must equal every SNAPSHOT,
 * level by level (prices in integer ticks, sizes in integer lots, so equality is exact).
 *
 * Differences from the original (§7): a mismatch is counted per level and per snapshot and the
 * delta book is then re-seeded from the snapshot, so one corrupted delta is reported once instead
 * of poisoning every later comparison; seq gaps and regressions, and crossed delta books, are
 * counted too (the original checked neither).
 */
import { BookState, type BookSide } from "../collect/book_state.ts";

export interface Levels {
  /** Prices in ticks and sizes in lots (sizes absolute for a SNAPSHOT, signed changes for a DELTA). */
  px: ArrayLike<number>;
  qty: ArrayLike<number>;
  /** DELTA only: the new absolute size where the message states it (NaN where it does not). */
  abs?: ArrayLike<number>;
}

export type MismatchKind = "missing_in_delta" | "extra_in_delta" | "size_mismatch";

export interface Mismatch {
  seq: number;
  side: "bid" | "ask";
  kind: MismatchKind;
  /** Ticks and lots. */
  price: number;
  deltaQty: number;
  snapshotQty: number;
}

export interface LiveStats {
  snapshots: number;
  deltas: number;
  /** DELTAs before the first SNAPSHOT (nothing to apply them to). */
  deltasBeforeSnapshot: number;
  /** Snapshots compared (every one after the first). */
  compared: number;
  matched: number;
  mismatchedSnapshots: number;
  levelMismatches: Record<MismatchKind, number>;
  seqGaps: number;
  seqRegressions: number;
  /** Times the delta-built book was crossed after applying a delta. */
  crossedAfterDelta: number;
  /** DELTA levels whose stated new size differs from old size + change (the stated size is applied). */
  deltaSizeConflicts: number;
}

export class LiveComparer {
  private readonly delta = new BookState();
  private readonly snap = new BookState();
  private seeded = false;
  private lastSeq = NaN;
  readonly mismatches: Mismatch[] = [];
  readonly stats: LiveStats = {
    snapshots: 0,
    deltas: 0,
    deltasBeforeSnapshot: 0,
    compared: 0,
    matched: 0,
    mismatchedSnapshots: 0,
    levelMismatches: { missing_in_delta: 0, extra_in_delta: 0, size_mismatch: 0 },
    seqGaps: 0,
    seqRegressions: 0,
    crossedAfterDelta: 0,
    deltaSizeConflicts: 0,
  };

  constructor(private readonly maxListed = 50) {}

  private checkSeq(seq: number, snapshot: boolean): void {
    const last = this.lastSeq;
    // a SNAPSHOT may restart the sequence (a new connection starts at 1); only DELTAs must follow on
    if (last === last && !snapshot) {
      if (seq > last + 1) this.stats.seqGaps++;
      else if (seq <= last) this.stats.seqRegressions++;
    }
    this.lastSeq = seq;
  }

  /** Returns the mismatching levels of this snapshot (0 when it matches or is the first). */
  onSnapshot(seq: number, bids: Levels, asks: Levels): number {
    this.checkSeq(seq, true);
    this.stats.snapshots++;
    fill(this.snap.bids, bids);
    fill(this.snap.asks, asks);
    if (!this.seeded) {
      this.reseed();
      return 0;
    }
    this.stats.compared++;
    const n = this.compareSide(seq, "bid", this.delta.bids, this.snap.bids) + this.compareSide(seq, "ask", this.delta.asks, this.snap.asks);
    if (n === 0) this.stats.matched++;
    else {
      this.stats.mismatchedSnapshots++;
      this.reseed();
    }
    return n;
  }

  onDelta(seq: number, bids: Levels, asks: Levels): void {
    this.checkSeq(seq, false);
    this.stats.deltas++;
    if (!this.seeded) {
      this.stats.deltasBeforeSnapshot++;
      return;
    }
    this.applyDelta(this.delta.bids, bids);
    this.applyDelta(this.delta.asks, asks);
    if (this.delta.crossed()) this.stats.crossedAfterDelta++;
  }

  private applyDelta(side: BookSide, lv: Levels): void {
    for (let i = 0; i < lv.px.length; i++) {
      const abs = lv.abs ? lv.abs[i] : NaN;
      if (abs === abs) {
        const k = side.find(lv.px[i]);
        const old = k >= 0 ? side.qty[k] : 0;
        if (old + lv.qty[i] !== abs) this.stats.deltaSizeConflicts++;
        side.set(lv.px[i], abs);
      } else {
        side.add(lv.px[i], lv.qty[i]);
      }
    }
  }

  private reseed(): void {
    copySide(this.snap.bids, this.delta.bids);
    copySide(this.snap.asks, this.delta.asks);
    this.seeded = true;
  }

  /** Merge walk over two best-first sides. */
  private compareSide(seq: number, side: "bid" | "ask", d: BookSide, s: BookSide): number {
    let i = 0;
    let j = 0;
    let n = 0;
    const before = (a: number, b: number) => (d.descending ? a > b : a < b);
    const report = (kind: MismatchKind, price: number, dq: number, sq: number) => {
      n++;
      this.stats.levelMismatches[kind]++;
      if (this.mismatches.length < this.maxListed) this.mismatches.push({ seq, side, kind, price, deltaQty: dq, snapshotQty: sq });
    };
    while (i < d.n || j < s.n) {
      if (j >= s.n || (i < d.n && before(d.px[i], s.px[j]))) {
        report("extra_in_delta", d.px[i], d.qty[i], 0);
        i++;
      } else if (i >= d.n || before(s.px[j], d.px[i])) {
        report("missing_in_delta", s.px[j], 0, s.qty[j]);
        j++;
      } else {
        if (d.qty[i] !== s.qty[j]) report("size_mismatch", s.px[j], d.qty[i], s.qty[j]);
        i++;
        j++;
      }
    }
    return n;
  }
}

function fill(side: BookSide, lv: Levels): void {
  side.clear();
  for (let i = 0; i < lv.px.length; i++) side.set(lv.px[i], lv.qty[i]);
}

function copySide(from: BookSide, to: BookSide): void {
  to.clear();
  for (let i = 0; i < from.n; i++) to.set(from.px[i], from.qty[i]);
}
