/**
 * A FIFO of fixed-width numeric records stored column-wise in Float64Arrays: push at the back,
 * drop from the front, random access by position. Capacity doubles when full, so pushes are O(1)
 * amortised and no per-record objects are allocated.
 */
export class RingColumns {
  private cols: Float64Array[];
  private cap: number;
  private head = 0;
  /** Number of records held. */
  length = 0;

  constructor(
    readonly width: number,
    initialCapacity = 1024,
  ) {
    this.cap = Math.max(16, initialCapacity);
    this.cols = Array.from({ length: width }, () => new Float64Array(this.cap));
  }

  private grow(): void {
    const cap = this.cap * 2;
    this.cols = this.cols.map((c) => {
      const n = new Float64Array(cap);
      const first = Math.min(this.length, this.cap - this.head);
      n.set(c.subarray(this.head, this.head + first), 0);
      n.set(c.subarray(0, this.length - first), first);
      return n;
    });
    this.head = 0;
    this.cap = cap;
  }

  /** Appends one record; `values` has `width` entries (extra are ignored). */
  push(a: number, b = 0, c = 0, d = 0, e = 0, f = 0): void {
    if (this.length === this.cap) this.grow();
    const i = (this.head + this.length) % this.cap;
    const cols = this.cols;
    cols[0][i] = a;
    if (this.width > 1) cols[1][i] = b;
    if (this.width > 2) cols[2][i] = c;
    if (this.width > 3) cols[3][i] = d;
    if (this.width > 4) cols[4][i] = e;
    if (this.width > 5) cols[5][i] = f;
    this.length++;
  }

  /** Column `col` of the record at position `pos` (0 = oldest). */
  get(pos: number, col: number): number {
    let i = this.head + pos;
    if (i >= this.cap) i -= this.cap;
    return this.cols[col][i];
  }

  /** Overwrites column `col` of the record at position `pos`. */
  set(pos: number, col: number, value: number): void {
    let i = this.head + pos;
    if (i >= this.cap) i -= this.cap;
    this.cols[col][i] = value;
  }

  shift(): void {
    if (this.length === 0) return;
    this.head = this.head + 1 === this.cap ? 0 : this.head + 1;
    this.length--;
  }

  clear(): void {
    this.head = 0;
    this.length = 0;
  }
}

/** A FIFO of fixed-width rows in one Float64Array (same discipline as RingColumns): per-record tables. */
export class RingRows {
  data: Float64Array;
  private cap: number;
  private head = 0;
  length = 0;

  constructor(
    readonly width: number,
    initialCapacity = 256,
  ) {
    this.cap = Math.max(16, initialCapacity);
    this.data = new Float64Array(this.cap * width);
  }

  /** Appends a row and returns its offset in `data`; the caller fills data[offset, offset + width). */
  push(): number {
    if (this.length === this.cap) {
      const n = new Float64Array(this.cap * 2 * this.width);
      for (let p = 0; p < this.length; p++) n.set(this.data.subarray(this.offset(p), this.offset(p) + this.width), p * this.width);
      this.data = n;
      this.head = 0;
      this.cap *= 2;
    }
    this.length++;
    return this.offset(this.length - 1);
  }

  /** Offset in `data` of the row at position `pos` (0 = oldest). */
  offset(pos: number): number {
    let i = this.head + pos;
    if (i >= this.cap) i -= this.cap;
    return i * this.width;
  }

  shift(): void {
    if (this.length === 0) return;
    this.head = this.head + 1 === this.cap ? 0 : this.head + 1;
    this.length--;
  }
}
