/**
 * Arrow vectors (as read from Parquet) → our typed arrays, by column type rather than by an
 * assumed schema, so files from the original Rust collector (Timestamp(ms)), DuckDB (Int64 ms or
 * TIMESTAMP in µs) and our own writer all land in the same shape. Loops over raw buffers; no
 * `vector.get(i)` and no per-row objects.
 */
import { DataType, TimeUnit, Type, type Data, type Field, type Vector } from "apache-arrow";

export class ColumnTypeError extends Error {}

function isValid(d: Data, i: number): boolean {
  if (!d.nullBitmap || d.nullCount === 0) return true;
  const j = d.offset + i;
  return (d.nullBitmap[j >> 3] & (1 << (j & 7))) !== 0;
}

/** Exact conversion of int64 words to doubles (exact below 2^53) via 32-bit halves. */
function int64ToF64(values: BigInt64Array | BigUint64Array, start: number, n: number, out: Float64Array, at: number, scale: number, signed: boolean): void {
  const w = new Int32Array(values.buffer, values.byteOffset + start * 8, n * 2);
  for (let i = 0; i < n; i++) {
    const lo = w[2 * i] >>> 0;
    const hi = signed ? w[2 * i + 1] : w[2 * i + 1] >>> 0;
    const x = hi * 4294967296 + lo;
    out[at + i] = scale === 1 ? x : Math.floor(x / scale);
  }
}

/** Numeric column → Float64Array; nulls → NaN. Accepts Float32/64 and integer types. */
export function toFloat64(vec: Vector, name: string): Float64Array {
  const out = new Float64Array(vec.length);
  let at = 0;
  for (const d of vec.data) {
    numericInto(d, name, out, at);
    at += d.length;
  }
  return out;
}

function numericInto(d: Data, name: string, out: Float64Array, at: number): void {
  const n = d.length;
  const t = d.type as DataType;
  if (t.typeId === Type.Float) {
    const v = d.values as Float64Array | Float32Array;
    if (v instanceof Float64Array) out.set(v.subarray(d.offset, d.offset + n), at);
    else for (let i = 0; i < n; i++) out[at + i] = v[d.offset + i];
  } else if (t.typeId === Type.Int) {
    const v = d.values as ArrayLike<number | bigint>;
    if (v instanceof BigInt64Array || v instanceof BigUint64Array) int64ToF64(v, d.offset, n, out, at, 1, v instanceof BigInt64Array);
    else for (let i = 0; i < n; i++) out[at + i] = v[d.offset + i] as number;
  } else if (t.typeId === Type.Decimal) {
    // DECIMAL (e.g. DuckDB numeric literals): little-endian two's-complement words; the unscaled
    // integer is exact as a double below 2^53 and the division by 10^scale is correctly rounded
    const { scale, bitWidth } = t as unknown as { scale: number; bitWidth: number };
    const words = bitWidth / 32;
    const v = d.values as Uint32Array;
    const div = 10 ** scale;
    for (let i = 0; i < n; i++) {
      const base = (d.offset + i) * words;
      let x = (v[base + words - 1] | 0) * 2 ** (32 * (words - 1));
      for (let k = words - 2; k >= 0; k--) x += v[base + k] * 2 ** (32 * k);
      out[at + i] = x / div;
    }
  } else {
    throw new ColumnTypeError(`column ${name} has type ${t}, expected a number`);
  }
  if (d.nullCount > 0) for (let i = 0; i < n; i++) if (!isValid(d, i)) out[at + i] = NaN;
}

const MS_PER_UNIT: Record<number, number> = { [TimeUnit.SECOND]: 1e-3, [TimeUnit.MILLISECOND]: 1, [TimeUnit.MICROSECOND]: 1e3, [TimeUnit.NANOSECOND]: 1e6 };

/**
 * Timestamp column → epoch ms. Timestamp(s|ms|µs|ns) is converted by its unit; plain integers and
 * floats are taken as ms (DuckDB-written files of the shared data). Null → error (a row without
 * time cannot be merged).
 */
export function toEpochMs(vec: Vector, name: string): Float64Array {
  const out = new Float64Array(vec.length);
  let at = 0;
  for (const d of vec.data) {
    const n = d.length;
    const t = d.type as DataType;
    if (d.nullCount > 0) throw new ColumnTypeError(`column ${name} has ${d.nullCount} null values`);
    if (t.typeId === Type.Timestamp || t.typeId === Type.Date) {
      const unit = t.typeId === Type.Date ? TimeUnit.MILLISECOND : (t as unknown as { unit: TimeUnit }).unit;
      const per = MS_PER_UNIT[unit];
      const v = d.values as BigInt64Array | Int32Array;
      if (v instanceof BigInt64Array) {
        if (per >= 1) int64ToF64(v, d.offset, n, out, at, per, true);
        else for (let i = 0; i < n; i++) out[at + i] = Number(v[d.offset + i]) * 1000;
      } else {
        throw new ColumnTypeError(`column ${name} has unsupported type ${t}`);
      }
    } else if (t.typeId === Type.Int || t.typeId === Type.Float) {
      numericInto(d, name, out, at);
    } else {
      throw new ColumnTypeError(`column ${name} has type ${t}, expected a timestamp or integer ms`);
    }
    at += n;
  }
  return out;
}

/** Integer column → BigInt64Array (exact, ids above 2^53 included); nulls → 0n. Returns null if every value is null. */
export function toInt64(vec: Vector, name: string): BigInt64Array | null {
  const out = new BigInt64Array(vec.length);
  let at = 0;
  let nulls = 0;
  for (const d of vec.data) {
    const n = d.length;
    const t = d.type as DataType;
    if (t.typeId !== Type.Int) throw new ColumnTypeError(`column ${name} has type ${t}, expected an integer`);
    const v = d.values as ArrayLike<number | bigint>;
    if (v instanceof BigInt64Array) out.set(v.subarray(d.offset, d.offset + n), at);
    else if (v instanceof BigUint64Array) for (let i = 0; i < n; i++) out[at + i] = BigInt.asIntN(64, v[d.offset + i]);
    else for (let i = 0; i < n; i++) out[at + i] = BigInt(v[d.offset + i] as number);
    if (d.nullCount > 0) for (let i = 0; i < n; i++) if (!isValid(d, i)) (out[at + i] = 0n), nulls++;
    at += n;
  }
  return nulls === vec.length && vec.length > 0 ? null : out;
}

/**
 * String column → small integer codes via `classify(bytes, start, end)` (called once per distinct
 * dictionary entry, or per row for plain Utf8 without allocating strings); null → `nullCode`.
 */
export function toCodes(
  vec: Vector,
  name: string,
  out: Int8Array | Uint8Array,
  classify: (bytes: Uint8Array, start: number, end: number) => number,
  nullCode: number,
): void {
  let at = 0;
  for (const d of vec.data) {
    const n = d.length;
    const t = d.type as DataType;
    if (t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8) {
      const offs = d.valueOffsets as Int32Array;
      const bytes = d.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const j = d.offset + i;
        out[at + i] = isValid(d, i) ? classify(bytes, Number(offs[j]), Number(offs[j + 1])) : nullCode;
      }
    } else if (t.typeId === Type.Dictionary && d.dictionary) {
      const dict = d.dictionary;
      const dictCodes = new Int8Array(dict.length);
      toCodes(dict, name, dictCodes, classify, nullCode);
      const idx = d.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) out[at + i] = isValid(d, i) ? dictCodes[Number(idx[d.offset + i])] : nullCode;
    } else {
      throw new ColumnTypeError(`column ${name} has type ${t}, expected a string`);
    }
    at += n;
  }
}

/** Boolean column → Int8Array of 1 (true), 0 (false), -1 (null). */
export function toTriState(vec: Vector, name: string): Int8Array {
  const out = new Int8Array(vec.length);
  let at = 0;
  for (const d of vec.data) {
    if ((d.type as DataType).typeId !== Type.Bool) throw new ColumnTypeError(`column ${name} has type ${d.type}, expected a boolean`);
    const bits = d.values as Uint8Array;
    for (let i = 0; i < d.length; i++) {
      const j = d.offset + i;
      out[at + i] = !isValid(d, i) ? -1 : bits[j >> 3] & (1 << (j & 7)) ? 1 : 0;
    }
    at += d.length;
  }
  return out;
}

export function fieldKind(f: Field): "timestamp" | "int" | "float" | "string" | "bool" | "other" {
  switch ((f.type as DataType).typeId) {
    case Type.Timestamp:
    case Type.Date:
      return "timestamp";
    case Type.Int:
      return "int";
    case Type.Float:
    case Type.Decimal:
      return "float";
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Dictionary:
      return "string";
    case Type.Bool:
      return "bool";
    default:
      return "other";
  }
}
