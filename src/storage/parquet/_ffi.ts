/**
 * Zero-copy views of parquet-wasm's decoded Arrow data in wasm memory, through the Arrow C Data
 * Interface (`Table.intoFFI()`): instead of serialising every batch to an IPC stream in wasm and
 * parsing it back with apache-arrow (≈ 40 % of a read, measured on the real-shaped day), the
 * ArrowSchema / ArrowArray structs are walked here and each column becomes an apache-arrow `Data`
 * whose buffers are views of wasm memory. The views are valid until `free()` and only while no
 * parquet-wasm call runs (a call may grow, and so detach, the memory): callers convert each batch
 * to their own typed arrays before the next call.
 *
 * Only flat schemas of the types market data use are walked (integers, floats, decimals,
 * timestamps, booleans, UTF-8 and dictionaries of those); anything else returns null and the caller
 * takes the IPC path.
 *
 * C structs on wasm32 (little-endian, pointers 4 bytes, int64 8-byte aligned):
 *   ArrowSchema { format*@0, name*@4, metadata*@8, flags i64@16, n_children i64@24, children**@32,
 *                 dictionary*@36, release@40, private@44 }
 *   ArrowArray  { length i64@0, null_count i64@8, offset i64@16, n_buffers i64@24, n_children i64@32,
 *                 buffers**@40, children**@44, dictionary*@48, release@52, private@56 }
 */
import {
  Bool, type Data, DataType, Decimal, Dictionary, Float32, Float64, Int16, Int32, Int64, Int8, LargeUtf8, makeData,
  makeVector, Table, TimeUnit, Timestamp, Uint16, Uint32, Uint64, Uint8, Utf8, type Vector,
} from "apache-arrow";
import type { ReaderOptions } from "parquet-wasm/esm";
import type { parquet } from "./_wasm.ts";

type ParquetWasm = ReturnType<typeof parquet>;

/** A decoded call: its record batches as apache-arrow Tables viewing wasm memory, until `free()`. */
export interface FFITables {
  count: number;
  /** Batch `i`, its views taken now (so valid until the next parquet-wasm call or `free()`). */
  table(i: number): Table;
  free(): void;
}

class Unsupported extends Error {}

interface Field {
  name: string;
  type: DataType;
  /** Index type's ArrowSchema of a dictionary column: the value type is in `type`. */
  dictionary: boolean;
}

/**
 * Decodes `bytes` (with `opts`; decode errors throw) and views the result; null when the schema is
 * not one we walk (the caller then reads through IPC).
 */
export function readParquetFFI(pw: ParquetWasm, bytes: Uint8Array, opts: ReaderOptions): FFITables | null {
  const stream = pw.readParquet(bytes, opts).intoFFI();
  let fields: Field[];
  try {
    fields = structFields(new Mem(pw.wasmMemory().buffer), stream.schemaAddr());
  } catch {
    stream.free();
    return null;
  }
  return {
    count: stream.numArrays(),
    table(i: number): Table {
      const mem = new Mem(pw.wasmMemory().buffer);
      const arr = stream.arrayAddr(i);
      const nCh = mem.i64(arr + 32);
      if (nCh !== fields.length) throw new Error(`FFI batch has ${nCh} columns, schema ${fields.length}`);
      const children = mem.u32(arr + 44);
      const cols: Record<string, Vector> = {};
      for (let c = 0; c < nCh; c++) cols[fields[c]!.name] = makeVector(columnData(mem, mem.u32(children + 4 * c), fields[c]!));
      return new Table(cols);
    },
    free: () => stream.free(),
  };
}

const utf8 = new TextDecoder();

/** Bounds-checked reads of wasm memory. */
class Mem {
  private readonly dv: DataView;
  private readonly u8: Uint8Array;
  constructor(readonly buf: ArrayBuffer) {
    this.dv = new DataView(buf);
    this.u8 = new Uint8Array(buf);
  }
  private check(ptr: number, bytes: number): void {
    if (!(ptr >= 0 && ptr + bytes <= this.buf.byteLength)) throw new Error(`FFI pointer ${ptr} (+${bytes}) outside wasm memory`);
  }
  u32(ptr: number): number {
    this.check(ptr, 4);
    return this.dv.getUint32(ptr, true);
  }
  i64(ptr: number): number {
    this.check(ptr, 8);
    return Number(this.dv.getBigInt64(ptr, true));
  }
  /** A NUL-terminated string (format, name). */
  cstr(ptr: number): string {
    if (ptr === 0) return "";
    this.check(ptr, 1);
    const end = this.u8.indexOf(0, ptr);
    if (end < 0) throw new Error(`FFI string at ${ptr} is not terminated`);
    return utf8.decode(this.u8.subarray(ptr, end));
  }
  bytes(ptr: number, n: number): Uint8Array {
    this.check(ptr, n);
    return new Uint8Array(this.buf, ptr, n);
  }
}

function structFields(mem: Mem, schema: number): Field[] {
  if (mem.cstr(mem.u32(schema)) !== "+s") throw new Unsupported("not a struct");
  const n = mem.i64(schema + 24);
  const children = mem.u32(schema + 32);
  const out: Field[] = [];
  for (let i = 0; i < n; i++) {
    const s = mem.u32(children + 4 * i);
    const dict = mem.u32(s + 36);
    const type = dict ? new Dictionary(typeOf(mem.cstr(mem.u32(dict))), typeOf(mem.cstr(mem.u32(s))) as never) : typeOf(mem.cstr(mem.u32(s)));
    out.push({ name: mem.cstr(mem.u32(s + 4)), type, dictionary: dict !== 0 });
  }
  return out;
}

const UNITS: Record<string, TimeUnit> = { s: TimeUnit.SECOND, m: TimeUnit.MILLISECOND, u: TimeUnit.MICROSECOND, n: TimeUnit.NANOSECOND };

function typeOf(format: string): DataType {
  switch (format) {
    case "c": return new Int8();
    case "C": return new Uint8();
    case "s": return new Int16();
    case "S": return new Uint16();
    case "i": return new Int32();
    case "I": return new Uint32();
    case "l": return new Int64();
    case "L": return new Uint64();
    case "f": return new Float32();
    case "g": return new Float64();
    case "b": return new Bool();
    case "u": return new Utf8();
    case "U": return new LargeUtf8();
  }
  const ts = /^ts([smun]):(.*)$/.exec(format);
  if (ts) return new Timestamp(UNITS[ts[1]!]!, ts[2] || null);
  const dec = /^d:(\d+),(\d+)(?:,(\d+))?$/.exec(format);
  if (dec) return new Decimal(Number(dec[2]), Number(dec[1]), Number(dec[3] ?? 128));
  throw new Unsupported(`format ${format}`);
}

/** Bytes per value of a fixed-width type (bit-packed booleans: 0). */
function width(t: DataType): number {
  if (t instanceof Bool) return 0;
  if (t instanceof Decimal) return t.bitWidth / 8;
  return (t as unknown as { ArrayType: { BYTES_PER_ELEMENT: number } }).ArrayType.BYTES_PER_ELEMENT;
}

function columnData(mem: Mem, arr: number, f: Field): Data {
  const length = mem.i64(arr), nullCount = mem.i64(arr + 8), offset = mem.i64(arr + 16);
  const buffers = mem.u32(arr + 40);
  const end = offset + length;
  const bitmapPtr = mem.u32(buffers);
  const nullBitmap = nullCount > 0 && bitmapPtr ? mem.bytes(bitmapPtr, Math.ceil(end / 8)) : undefined;
  const base = { offset, length, nullCount, nullBitmap };
  if (f.dictionary) {
    const t = f.type as Dictionary;
    const dictArr = mem.u32(arr + 48);
    const dictionary = makeVector(columnData(mem, dictArr, { name: f.name, type: t.dictionary, dictionary: false }));
    const w = width(t.indices);
    return makeData({ type: t, ...base, data: mem.bytes(mem.u32(buffers + 4), end * w) as never, dictionary });
  }
  const t = f.type;
  if (t instanceof Utf8 || t instanceof LargeUtf8) {
    const ow = t instanceof Utf8 ? 4 : 8;
    const offs = mem.bytes(mem.u32(buffers + 4), (end + 1) * ow);
    const o = t instanceof Utf8 ? new Int32Array(offs.buffer, offs.byteOffset, end + 1) : new BigInt64Array(offs.buffer, offs.byteOffset, end + 1);
    const last = Number(o[end]);
    return makeData({ type: t as Utf8, ...base, valueOffsets: o as Int32Array, data: mem.bytes(mem.u32(buffers + 8), last) });
  }
  if (t instanceof Bool) return makeData({ type: t, ...base, data: mem.bytes(mem.u32(buffers + 4), Math.ceil(end / 8)) });
  return makeData({ type: t as Float64, ...base, data: mem.bytes(mem.u32(buffers + 4), end * width(t)) as never });
}
