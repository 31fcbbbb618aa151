/**
 * Arrow column builders over typed arrays (no per-row objects, values buffers reused where the
 * data already has the right layout).
 *
 * Arrow-js gotcha (docs/platform.md §7.3): two columns must never share one typed-array object, or
 * `tableToIPC` writes a corrupt stream. `distinct()` copies an array that was already used.
 */
import {
  Bool,
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMillisecond,
  Utf8,
  type Data,
  type DataType,
} from "apache-arrow";

/** Tracks typed arrays already handed to a column so a second use gets a copy. */
export class DistinctArrays {
  private readonly seen = new Set<ArrayBufferView>();
  use<T extends Float64Array | BigInt64Array>(a: T): T {
    if (this.seen.has(a)) return a.slice() as T;
    this.seen.add(a);
    return a;
  }
}

/** Epoch-ms doubles → non-null Timestamp(ms) (stored as Int64). */
export function timestampMsData(ts: Float64Array, length: number): Data<TimestampMillisecond> {
  const v = new BigInt64Array(length);
  for (let i = 0; i < length; i++) {
    const x = ts[i];
    if (!Number.isFinite(x)) throw new RangeError(`timestamp_ms at row ${i} is not finite`);
    v[i] = BigInt(Math.round(x));
  }
  return makeData({ type: new TimestampMillisecond(), length, data: v, nullCount: 0 });
}

/** Non-null Int64 column over an existing BigInt64Array. */
export function int64Data(values: BigInt64Array, length: number): Data<Int64> {
  return makeData({ type: new Int64(), length, data: values.length === length ? values : values.subarray(0, length), nullCount: 0 });
}

/** All-null Int64 column. */
export function nullInt64Data(length: number): Data<Int64> {
  return makeData({ type: new Int64(), length, data: new BigInt64Array(length), nullBitmap: new Uint8Array((length + 7) >> 3), nullCount: length });
}

/**
 * Float64 column where NaN (and, with `zeroIsNull`, exact 0) becomes null — the original
 * collector wrote missing levels and zero values as null.
 */
export function nullableFloat64Data(values: Float64Array, length: number, zeroIsNull: boolean): Data<Float64> {
  const bitmap = new Uint8Array((length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    const x = values[i];
    if (x !== x || (zeroIsNull && x === 0)) nulls++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  const data = values.length === length ? values : values.subarray(0, length);
  if (nulls === 0) return makeData({ type: new Float64(), length, data, nullCount: 0 });
  return makeData({ type: new Float64(), length, data, nullBitmap: bitmap, nullCount: nulls });
}

/** Non-null Float64 column. */
export function float64Data(values: Float64Array, length: number): Data<Float64> {
  return makeData({ type: new Float64(), length, data: values.length === length ? values : values.subarray(0, length), nullCount: 0 });
}

/** Boolean column from a predicate over codes; `null` where `isNull` says so. */
export function boolData(length: number, value: (i: number) => boolean | null): Data<Bool> {
  const bits = new Uint8Array((length + 7) >> 3);
  const valid = new Uint8Array((length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    const v = value(i);
    if (v === null) {
      nulls++;
      continue;
    }
    valid[i >> 3] |= 1 << (i & 7);
    if (v) bits[i >> 3] |= 1 << (i & 7);
  }
  return nulls === 0
    ? makeData({ type: new Bool(), length, data: bits, nullCount: 0 })
    : makeData({ type: new Bool(), length, data: bits, nullBitmap: valid, nullCount: nulls });
}

const encoder = new TextEncoder();

/**
 * Utf8 column of a small set of strings chosen per row by `code(i)` (index into `names`, or -1 for
 * null). Builds offsets and bytes directly; used for `market`, `side`, `trade_type`.
 */
export function categoricalUtf8Data(length: number, names: readonly string[], code: (i: number) => number): Data<Utf8> {
  const encoded = names.map((n) => encoder.encode(n));
  const offsets = new Int32Array(length + 1);
  const valid = new Uint8Array((length + 7) >> 3);
  let total = 0;
  let nulls = 0;
  const codes = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const c = code(i);
    codes[i] = c;
    if (c < 0) nulls++;
    else {
      total += encoded[c].length;
      valid[i >> 3] |= 1 << (i & 7);
    }
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < length; i++) if (codes[i] >= 0) bytes.set(encoded[codes[i]], offsets[i]);
  return nulls === 0
    ? makeData({ type: new Utf8(), length, valueOffsets: offsets, data: bytes, nullCount: 0 })
    : makeData({ type: new Utf8(), length, valueOffsets: offsets, data: bytes, nullBitmap: valid, nullCount: nulls });
}

/** Same string on every row. */
export function constantUtf8Data(length: number, value: string): Data<Utf8> {
  return categoricalUtf8Data(length, [value], () => 0);
}

/** One Arrow table (one record batch) from named columns. */
export function tableOf(columns: [name: string, data: Data<DataType>, nullable: boolean][], length: number): Table {
  const fields = columns.map(([name, d, nullable]) => new Field(name, d.type, nullable));
  const schema = new Schema(fields);
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children: columns.map((c) => c[1]) });
  return new Table(schema, [new RecordBatch(schema, struct)]);
}
