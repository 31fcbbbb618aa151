/**
 * Builds a smaller, valid Parquet file that holds only some columns and row groups of another one:
 *
 *   projectParquet(path, columns, rowGroups) → Uint8Array | null
 *
 * Why: parquet-wasm 0.8's synchronous `readParquet` ignores its `columns` option and decodes every
 * column, and its async reader (which does project) turns a corrupt page into an uncatchable wasm
 * trap (see read_parquet.ts). Handing `readParquet` a file that only contains the wanted column
 * chunks gives projection with the synchronous reader's error handling.
 *
 * How: the footer (Thrift FileMetaData) is decoded, the schema, column chunks and column orders are
 * filtered to the wanted leaf columns, the kept chunks are copied byte for byte (pages are
 * self-contained) and their page offsets shifted to the new positions; page-index and bloom-filter
 * references are dropped, and so is the `ARROW:schema` hint (it describes every column; types are
 * then derived from the Parquet logical types, which for our columns give the same Arrow types).
 * Only flat schemas are handled; anything unexpected returns null (caller reads the whole file).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { decodeStruct, dropFields, encodeStruct, field, setField, T, type TList, type TStruct } from "./_thrift_compact.ts";

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"

// Parquet Thrift field ids (parquet.thrift)
const FMD = { schema: 2, numRows: 3, rowGroups: 4, keyValue: 5, columnOrders: 7 };
const SCHEMA = { name: 4, numChildren: 5 };
const RG = { columns: 1, totalByteSize: 2, numRows: 3, sortingColumns: 4, fileOffset: 5, totalCompressed: 6, ordinal: 7 };
const CC = { fileOffset: 2, meta: 3, offsetIndexOffset: 4, offsetIndexLength: 5, columnIndexOffset: 6, columnIndexLength: 7, cryptoMeta: 8, encryptedMeta: 9 };
const CMD = { pathInSchema: 3, totalUncompressed: 6, totalCompressed: 7, dataPageOffset: 9, indexPageOffset: 10, dictPageOffset: 11, bloomOffset: 14, bloomLength: 15 };

const text = new TextDecoder();

function readAt(fd: number, length: number, position: number): Uint8Array {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, out, got, length - got, position + got);
    if (n <= 0) throw new Error("short read");
    got += n;
  }
  return out;
}

const i64 = (s: TStruct, id: number): bigint | undefined => {
  const f = field(s, id);
  return f === undefined ? undefined : (f.value as bigint);
};

/**
 * Returns null (read the whole file instead) when the file is not a flat Parquet file, when nothing
 * would be left out, or when the kept chunks are more than `maxFraction` of the selected row groups'
 * bytes — then the copy would cost about as much as the decoding it saves.
 */
export function projectParquet(path: string, columns: string[], rowGroups: number[], maxFraction = 0.5): Uint8Array | null {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size < 12) return null;
    const tail = readAt(fd, 8, size - 8);
    const footerLen = new DataView(tail.buffer).getUint32(0, true);
    if (footerLen <= 0 || footerLen > size - 12) return null;
    const meta = decodeStruct(readAt(fd, footerLen, size - 8 - footerLen)).value;

    const schema = field(meta, FMD.schema)?.value as TList | undefined;
    if (!schema || schema.items.length < 2) return null;
    const leaves = schema.items.slice(1) as TStruct[];
    // flat schemas only: a nested group would make leaf index ≠ schema index
    if (leaves.some((el) => field(el, SCHEMA.numChildren) !== undefined)) return null;
    const names = leaves.map((el) => text.decode(field(el, SCHEMA.name)!.value as Uint8Array));
    const want = new Set(columns);
    const keep = names.map((n, i) => (want.has(n) ? i : -1)).filter((i) => i >= 0);
    if (keep.length === 0 || keep.length === names.length) return null;

    const rgList = field(meta, FMD.rowGroups)?.value as TList | undefined;
    if (!rgList) return null;
    let keptBytes = 0n;
    let allBytes = 0n;
    for (const g of rowGroups) {
      const rg = rgList.items[g] as TStruct | undefined;
      if (!rg) return null;
      const cols = (field(rg, RG.columns)!.value as TList).items as TStruct[];
      cols.forEach((cc, i) => {
        const n = i64((field(cc, CC.meta)?.value as TStruct | undefined) ?? { kind: "struct", fields: [] }, CMD.totalCompressed) ?? 0n;
        allBytes += n;
        if (want.has(names[i])) keptBytes += n;
      });
    }
    if (Number(keptBytes) > maxFraction * Number(allBytes)) return null;
    const chunks: Uint8Array[] = [MAGIC];
    let pos = MAGIC.length;
    const newGroups: TStruct[] = [];
    let rows = 0n;
    for (const g of rowGroups) {
      const rg = rgList.items[g] as TStruct | undefined;
      if (!rg) return null;
      const cols = (field(rg, RG.columns)!.value as TList).items as TStruct[];
      if (cols.length !== names.length) return null;
      const kept: TStruct[] = [];
      let compressed = 0n;
      let uncompressed = 0n;
      const rgStart = pos;
      for (const i of keep) {
        const cc = cols[i];
        const md = field(cc, CC.meta)?.value as TStruct | undefined;
        if (!md || field(cc, CC.encryptedMeta) || field(cc, CC.cryptoMeta)) return null;
        const path = (field(md, CMD.pathInSchema)!.value as TList).items.map((p) => text.decode(p as Uint8Array)).join(".");
        if (path !== names[i]) return null;
        const dataOff = i64(md, CMD.dataPageOffset)!;
        const dictOff = i64(md, CMD.dictPageOffset);
        const indexOff = i64(md, CMD.indexPageOffset);
        const start = dictOff !== undefined && dictOff > 0n && dictOff < dataOff ? dictOff : dataOff;
        const len = i64(md, CMD.totalCompressed)!;
        if (start < 4n || len <= 0n || start + len > BigInt(size - 8 - footerLen)) return null;
        chunks.push(readAt(fd, Number(len), Number(start)));
        const delta = BigInt(pos) - start;
        setField(md, CMD.dataPageOffset, T.I64, dataOff + delta);
        if (dictOff !== undefined) setField(md, CMD.dictPageOffset, T.I64, dictOff + delta);
        if (indexOff !== undefined) setField(md, CMD.indexPageOffset, T.I64, indexOff + delta);
        dropFields(md, [CMD.bloomOffset, CMD.bloomLength]);
        const ncc: TStruct = { kind: "struct", fields: cc.fields.filter((f) => f.id !== CC.meta) };
        dropFields(ncc, [CC.offsetIndexOffset, CC.offsetIndexLength, CC.columnIndexOffset, CC.columnIndexLength]);
        setField(ncc, CC.fileOffset, T.I64, BigInt(pos));
        setField(ncc, CC.meta, T.STRUCT, md);
        kept.push(ncc);
        pos += Number(len);
        compressed += len;
        uncompressed += i64(md, CMD.totalUncompressed) ?? 0n;
      }
      const nrg: TStruct = { kind: "struct", fields: rg.fields.filter((f) => f.id !== RG.columns) };
      setField(nrg, RG.columns, T.LIST, { kind: "list", wire: T.LIST, elemType: T.STRUCT, items: kept });
      setField(nrg, RG.totalByteSize, T.I64, uncompressed);
      if (field(nrg, RG.fileOffset)) setField(nrg, RG.fileOffset, T.I64, BigInt(rgStart));
      if (field(nrg, RG.totalCompressed)) setField(nrg, RG.totalCompressed, T.I64, compressed);
      // sorting_columns hold column indices of the full schema; the ordinal is for encryption
      dropFields(nrg, [RG.sortingColumns, RG.ordinal]);
      newGroups.push(nrg);
      rows += i64(rg, RG.numRows)!;
    }

    const root = schema.items[0] as TStruct;
    setField(root, SCHEMA.numChildren, T.I32, keep.length);
    schema.items = [root, ...keep.map((i) => leaves[i])];
    setField(meta, FMD.numRows, T.I64, rows);
    setField(meta, FMD.rowGroups, T.LIST, { kind: "list", wire: T.LIST, elemType: T.STRUCT, items: newGroups });
    const kv = field(meta, FMD.keyValue)?.value as TList | undefined;
    if (kv) {
      kv.items = kv.items.filter((e) => text.decode(field(e as TStruct, 1)!.value as Uint8Array) !== "ARROW:schema");
    }
    const orders = field(meta, FMD.columnOrders)?.value as TList | undefined;
    if (orders) {
      if (orders.items.length !== names.length) return null;
      orders.items = keep.map((i) => orders.items[i]);
    }

    const footer = encodeStruct(meta);
    const out = new Uint8Array(pos + footer.length + 8);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    out.set(footer, at);
    new DataView(out.buffer).setUint32(at + footer.length, footer.length, true);
    out.set(MAGIC, at + footer.length + 4);
    return out;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
