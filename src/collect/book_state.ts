/**
 * The maintained order book of one market, in integer price ticks and size lots held in typed
 * arrays (no per-level objects). Integer arithmetic means a delta that brings a level back to zero
 * removes it exactly: no float residue, no ghost levels (the original kept sizes as decimals but
 * never cleared the book on a SNAPSHOT, bug §9.1-1; here a snapshot always replaces everything).
 *
 * Each side is a sorted array, best first (bids descending, asks ascending); updates are a binary
 * search plus a memmove, which is ~60 M updates/s for books of a few hundred levels.
 */

/** One side of the book: prices best-first, sizes aligned with them. */
export class BookSide {
  px: Float64Array;
  qty: Float64Array;
  n = 0;

  constructor(
    /** true for bids (best = highest price). */
    readonly descending: boolean,
    capacity = 256,
  ) {
    this.px = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
  }

  clear(): void {
    this.n = 0;
  }

  /** Index of `price`, or -(insertion point) - 1 when absent. */
  find(price: number): number {
    let lo = 0;
    let hi = this.n - 1;
    const px = this.px;
    const desc = this.descending;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = px[mid];
      if (p === price) return mid;
      if (desc ? p > price : p < price) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  /** Sets the absolute size of a level; a size ≤ 0 removes it. */
  set(price: number, size: number): void {
    const i = this.find(price);
    if (i >= 0) {
      if (size > 0) this.qty[i] = size;
      else this.removeAt(i);
    } else if (size > 0) {
      this.insertAt(-i - 1, price, size);
    }
  }

  /** Adds a signed change to a level (absent = 0); a result ≤ 0 removes it. */
  add(price: number, change: number): void {
    const i = this.find(price);
    if (i >= 0) {
      const s = this.qty[i] + change;
      if (s > 0) this.qty[i] = s;
      else this.removeAt(i);
    } else if (change > 0) {
      this.insertAt(-i - 1, price, change);
    }
  }

  private insertAt(i: number, price: number, size: number): void {
    if (this.n === this.px.length) this.grow();
    if (i < this.n) {
      this.px.copyWithin(i + 1, i, this.n);
      this.qty.copyWithin(i + 1, i, this.n);
    }
    this.px[i] = price;
    this.qty[i] = size;
    this.n++;
  }

  private removeAt(i: number): void {
    this.px.copyWithin(i, i + 1, this.n);
    this.qty.copyWithin(i, i + 1, this.n);
    this.n--;
  }

  private grow(): void {
    const px = new Float64Array(this.px.length * 2);
    const qty = new Float64Array(this.qty.length * 2);
    px.set(this.px);
    qty.set(this.qty);
    this.px = px;
    this.qty = qty;
  }
}

export class BookState {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** Strictly crossed (best bid above best ask). A locked book (equal prices) is real data and allowed. */
  crossed(): boolean {
    return this.bids.n > 0 && this.asks.n > 0 && this.bids.px[0] > this.asks.px[0];
  }

  empty(): boolean {
    return this.bids.n === 0 && this.asks.n === 0;
  }
}
