/**
 * Exactly-once trade ids across reconnects, REST backfills and restarts, in bounded memory.
 *
 * `seen` holds the last `capacity` accepted ids (FIFO by arrival); `floor` is the largest id ever
 * evicted from it. Invariant: every accepted id above `floor` is still in `seen`. So an id is new
 * iff it is above `floor` and not in `seen` — out-of-order trades are accepted as long as they are
 * newer than the window, and nothing already stored is accepted twice. (The original only rejected
 * `id == last_id`, bug §9.1-3.)
 *
 * Persistence: `snapshot(k)` keeps the k largest ids and raises the floor just below them, which
 * keeps the invariant, so a restart restores an exact (if narrower) window.
 */
export interface DedupSnapshot {
  /** Ids at or below this are treated as already stored (decimal string; "-1" = none). */
  floor: string;
  /** Stored ids above `floor` (decimal strings). */
  ids: string[];
}

export class TradeDedup {
  private readonly seen = new Set<bigint>();
  private readonly ring: bigint[];
  private head = 0;
  private count = 0;
  /** Largest id evicted (or restored as the floor); -1n = nothing evicted yet. */
  floor = -1n;
  /** Largest id accepted so far; -1n = none. */
  highWater = -1n;
  /** Ids rejected because they fell below the window (very late or replayed from long ago). */
  belowWindow = 0;
  duplicates = 0;

  constructor(readonly capacity = 8192) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("dedup capacity must be a positive integer");
    this.ring = new Array<bigint>(capacity);
  }

  has(id: bigint): boolean {
    return id <= this.floor || this.seen.has(id);
  }

  /** Records `id` and returns true if it was never accepted before; false for a duplicate or a too-old id. */
  accept(id: bigint): boolean {
    if (id <= this.floor) {
      this.belowWindow++;
      return false;
    }
    if (this.seen.has(id)) {
      this.duplicates++;
      return false;
    }
    this.remember(id);
    return true;
  }

  private remember(id: bigint): void {
    if (this.count === this.capacity) {
      const old = this.ring[this.head];
      this.seen.delete(old);
      if (old > this.floor) this.floor = old;
    } else {
      this.count++;
    }
    this.ring[this.head] = id;
    this.head = (this.head + 1) % this.capacity;
    this.seen.add(id);
    if (id > this.highWater) this.highWater = id;
  }

  /** The k largest ids above the floor, and a floor just below the smallest of them. */
  snapshot(k = 2048): DedupSnapshot {
    const ids = [...this.seen].filter((x) => x > this.floor).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    let floor = this.floor;
    if (ids.length > k) {
      // Everything at or below the (k+1)-th largest id is given up: the narrower window stays exact.
      floor = ids[k];
      ids.length = k;
    }
    return { floor: floor.toString(), ids: ids.reverse().map((x) => x.toString()) };
  }

  /** Restores a persisted window (adds to whatever is already remembered). */
  restore(s: DedupSnapshot): void {
    const f = BigInt(s.floor);
    if (f > this.floor) this.floor = f;
    if (f > this.highWater) this.highWater = f;
    for (const x of s.ids) {
      const id = BigInt(x);
      if (id > this.floor && !this.seen.has(id)) this.remember(id);
    }
  }
}
