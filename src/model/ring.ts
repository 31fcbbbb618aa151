/**
 * FIFOs of fixed-width numeric records in Float64Arrays: push at the back, drop from the front,
 * random access by position. Capacity doubles when full, so pushes are O(1) amortised and no
 * per-record objects are allocated.
 */

/** Head, length and capacity of a ring; `slot(pos)` is where the record at `pos` (0 = oldest) lives. */
abstract class RingIndex {
  protected cap: number;
  protected head = 0;
  /** Number of records held. */
  length = 0;

  constructor(initialCapacity: number) {
    this.cap = Math.max(16, initialCapacity);
  }

  protected slot(pos: number): number {
    const i = this.head + pos;
    return i >= this.cap ? i - this.cap : i;
  }

  /** Slot of a new record at the back, doubling the storage (oldest first) when full. */
  protected append(): number {
    if (this.length === this.cap) {
      this.regrow(this.cap * 2);
      this.head = 0;
      this.cap *= 2;
    }
    return this.slot(this.length++);
  }

  /** Copies the records, oldest first, into storage for `cap` records. */
  protected abstract regrow(cap: number): void;

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

/** Records stored column-wise (one Float64Array per field). */
export class RingColumns extends RingIndex {
  private cols: Float64Array[];

  constructor(
    readonly width: number,
    initialCapacity = 1024,
  ) {
    super(initialCapacity);
    this.cols = Array.from({ length: width }, () => new Float64Array(this.cap));
  }

  protected regrow(cap: number): void {
    this.cols = this.cols.map((c) => {
      const n = new Float64Array(cap);
      const first = Math.min(this.length, this.cap - this.head);
      n.set(c.subarray(this.head, this.head + first), 0);
      n.set(c.subarray(0, this.length - first), first);
      return n;
    });
  }

  /** Appends one record; `values` has `width` entries (extra are ignored). */
  push(a: number, b = 0, c = 0, d = 0, e = 0, f = 0): void {
    const i = this.append();
    const cols = this.cols;
    cols[0][i] = a;
    if (this.width > 1) cols[1][i] = b;
    if (this.width > 2) cols[2][i] = c;
    if (this.width > 3) cols[3][i] = d;
    if (this.width > 4) cols[4][i] = e;
    if (this.width > 5) cols[5][i] = f;
  }

  /** Column `col` of every record, oldest first, as two contiguous views (the second empty unless the ring wraps). */
  views(col: number): [Float64Array, Float64Array] {
    const c = this.cols[col]!, end = this.head + this.length;
    return end <= this.cap ? [c.subarray(this.head, end), c.subarray(0, 0)] : [c.subarray(this.head), c.subarray(0, end - this.cap)];
  }

  /** Column `col` of the record at position `pos` (0 = oldest). */
  get(pos: number, col: number): number {
    return this.cols[col][this.slot(pos)];
  }

  /** Overwrites column `col` of the record at position `pos`. */
  set(pos: number, col: number, value: number): void {
    this.cols[col][this.slot(pos)] = value;
  }
}

/** Records stored as rows of one Float64Array (per-record tables). */
export class RingRows extends RingIndex {
  data: Float64Array;

  constructor(
    readonly width: number,
    initialCapacity = 256,
  ) {
    super(initialCapacity);
    this.data = new Float64Array(this.cap * width);
  }

  protected regrow(cap: number): void {
    const n = new Float64Array(cap * this.width);
    for (let p = 0; p < this.length; p++) n.set(this.data.subarray(this.offset(p), this.offset(p) + this.width), p * this.width);
    this.data = n;
  }

  /** Appends a row and returns its offset in `data`; the caller fills data[offset, offset + width). */
  push(): number {
    return this.append() * this.width;
  }

  /** Offset in `data` of the row at position `pos` (0 = oldest). */
  offset(pos: number): number {
    return this.slot(pos) * this.width;
  }
}
