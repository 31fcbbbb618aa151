/**
 * Minimal Thrift compact-protocol codec, generic (no IDL): enough to read a Parquet footer
 * (FileMetaData), edit fields by id, and write it back byte-compatible. Used by
 * projected_file.ts. Field order and types are preserved on re-encoding.
 */

export const T = { STOP: 0, TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;

export type TValue = boolean | number | bigint | Uint8Array | TStruct | TList | TMap;
export interface TField {
  id: number;
  /** Wire type (T.*); booleans keep TRUE/FALSE. */
  type: number;
  value: TValue;
}
export interface TStruct {
  kind: "struct";
  fields: TField[];
}
export interface TList {
  kind: "list";
  /** T.LIST or T.SET */
  wire: number;
  elemType: number;
  items: TValue[];
}
export interface TMap {
  kind: "map";
  keyType: number;
  valType: number;
  entries: [TValue, TValue][];
}

export class ThriftError extends Error {}

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new ThriftError("unexpected end of thrift data");
    return this.b[this.pos++];
  }
  varint(): bigint {
    let shift = 0n;
    let out = 0n;
    for (let i = 0; i < 10; i++) {
      const x = this.byte();
      out |= BigInt(x & 0x7f) << shift;
      if ((x & 0x80) === 0) return out;
      shift += 7n;
    }
    throw new ThriftError("varint too long");
  }
  zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }
  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.b.length) throw new ThriftError("thrift binary out of range");
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  value(type: number): TValue {
    switch (type) {
      case T.TRUE:
        return true;
      case T.FALSE:
        return false;
      case T.BYTE:
        return (this.byte() << 24) >> 24;
      case T.I16:
      case T.I32:
        return Number(this.zigzag());
      case T.I64:
        return this.zigzag();
      case T.DOUBLE:
        return new DataView(this.bytes(8).slice().buffer).getFloat64(0, true);
      case T.BINARY:
        return this.bytes(Number(this.varint()));
      case T.LIST:
      case T.SET: {
        const h = this.byte();
        let size = h >> 4;
        const elemType = h & 0x0f;
        if (size === 15) size = Number(this.varint());
        const items: TValue[] = [];
        for (let i = 0; i < size; i++) items.push(elemType === T.TRUE || elemType === T.FALSE ? this.byte() === T.TRUE : this.value(elemType));
        return { kind: "list", wire: type, elemType, items };
      }
      case T.MAP: {
        const size = Number(this.varint());
        const entries: [TValue, TValue][] = [];
        if (size === 0) return { kind: "map", keyType: 0, valType: 0, entries };
        const kv = this.byte();
        for (let i = 0; i < size; i++) entries.push([this.value(kv >> 4), this.value(kv & 0x0f)]);
        return { kind: "map", keyType: kv >> 4, valType: kv & 0x0f, entries };
      }
      case T.STRUCT:
        return this.struct();
      default:
        throw new ThriftError(`unknown thrift type ${type}`);
    }
  }
  struct(): TStruct {
    const fields: TField[] = [];
    let last = 0;
    for (;;) {
      const h = this.byte();
      if (h === T.STOP) return { kind: "struct", fields };
      const type = h & 0x0f;
      const delta = h >> 4;
      const id = delta === 0 ? Number(this.zigzag()) : last + delta;
      last = id;
      fields.push({ id, type, value: this.value(type) });
    }
  }
}

/** Decodes one struct; returns it and the number of bytes it used. */
export function decodeStruct(bytes: Uint8Array): { value: TStruct; length: number } {
  const r = new Reader(bytes);
  const value = r.struct();
  return { value, length: r.pos };
}

class Writer {
  private buf = new Uint8Array(1024);
  len = 0;
  private ensure(n: number) {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(x: number) {
    this.ensure(1);
    this.buf[this.len++] = x & 0xff;
  }
  varint(v: bigint) {
    let x = BigInt.asUintN(64, v);
    for (;;) {
      if (x < 0x80n) return this.byte(Number(x));
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
  }
  zigzag(v: bigint) {
    this.varint(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
  }
  raw(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  value(type: number, v: TValue) {
    switch (type) {
      case T.TRUE:
      case T.FALSE:
        return; // carried by the field header
      case T.BYTE:
        return this.byte(v as number);
      case T.I16:
      case T.I32:
        return this.zigzag(BigInt(v as number));
      case T.I64:
        return this.zigzag(v as bigint);
      case T.DOUBLE: {
        const d = new Uint8Array(8);
        new DataView(d.buffer).setFloat64(0, v as number, true);
        return this.raw(d);
      }
      case T.BINARY:
        this.varint(BigInt((v as Uint8Array).length));
        return this.raw(v as Uint8Array);
      case T.LIST:
      case T.SET: {
        const l = v as TList;
        if (l.items.length < 15) this.byte((l.items.length << 4) | l.elemType);
        else {
          this.byte(0xf0 | l.elemType);
          this.varint(BigInt(l.items.length));
        }
        for (const it of l.items) {
          if (l.elemType === T.TRUE || l.elemType === T.FALSE) this.byte(it ? T.TRUE : T.FALSE);
          else this.value(l.elemType, it);
        }
        return;
      }
      case T.MAP: {
        const m = v as TMap;
        this.varint(BigInt(m.entries.length));
        if (m.entries.length === 0) return;
        this.byte((m.keyType << 4) | m.valType);
        for (const [k, x] of m.entries) {
          this.value(m.keyType, k);
          this.value(m.valType, x);
        }
        return;
      }
      case T.STRUCT:
        return this.struct(v as TStruct);
      default:
        throw new ThriftError(`unknown thrift type ${type}`);
    }
  }
  struct(s: TStruct) {
    let last = 0;
    for (const f of s.fields) {
      const type = f.type === T.TRUE || f.type === T.FALSE ? (f.value ? T.TRUE : T.FALSE) : f.type;
      const delta = f.id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
      else {
        this.byte(type);
        this.zigzag(BigInt(f.id));
      }
      last = f.id;
      this.value(type, f.value);
    }
    this.byte(T.STOP);
  }
  out(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function encodeStruct(s: TStruct): Uint8Array {
  const w = new Writer();
  w.struct(s);
  return w.out();
}

/** Field of a struct by id, or undefined. */
export function field(s: TStruct, id: number): TField | undefined {
  return s.fields.find((f) => f.id === id);
}

export function setField(s: TStruct, id: number, type: number, value: TValue): void {
  const f = field(s, id);
  if (f) {
    f.type = type;
    f.value = value;
    return;
  }
  s.fields.push({ id, type, value });
  s.fields.sort((a, b) => a.id - b.id);
}

export function dropFields(s: TStruct, ids: number[]): void {
  s.fields = s.fields.filter((f) => !ids.includes(f.id));
}
