/**
 * Append-only crash journal: the rows of the part being built, so a `kill -9` loses at most the
 * rows received since the last flush (≤ journal_flush_ms) instead of a whole open Parquet file
 * (the original's files had no footer until closed, bug §9.1-4).
 *
 * File format (little endian), one file per future part, named `{stream}-{part:06}.journal`:
 *   magic "EMMJRNL1" | u32 headerLen | header JSON (utf8) | u32 crc32(header)
 *   then records, each: u32 crc32(payload) | payload (fixed `recordBytes` from the header)
 * A torn or corrupt tail (short record, bad CRC) ends the readable journal; everything before it is
 * intact because records are only ever appended.
 */
import { closeSync, fdatasyncSync, futimesSync, openSync, readFileSync, writeSync } from "node:fs";
import { AppError } from "../errors.ts";

const MAGIC = new TextEncoder().encode("EMMJRNL1");
const enc = new TextEncoder();
const dec = new TextDecoder();

export interface JournalHeader {
  stream: string;
  market: string;
  /** Part number the journal's rows will be published as. */
  part: number;
  recordBytes: number;
  /** Book levels per side (orderbook journals). */
  levels?: number;
  createdMs: number;
}

export function journalName(stream: string, part: number): string {
  return `${stream}-${part.toString().padStart(6, "0")}.journal`;
}

/** `{stream}-{part}.journal` → part number, or null for other files. */
export function journalPart(fileName: string, stream: string): number | null {
  const m = new RegExp(`^${stream}-(\\d+)\\.journal$`).exec(fileName);
  return m ? Number(m[1]) : null;
}

const crc32 = (b: Uint8Array): number => Bun.hash.crc32(b) >>> 0;

/** Writes records into a memory buffer; `flush()` appends them to the file and fdatasyncs. */
export class JournalWriter {
  private fd: number;
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  /** Records accepted by `append` but not yet on disk. */
  pending = 0;
  /** Records made durable so far. */
  durable = 0;
  closed = false;
  private lifeMs = 0;

  constructor(
    readonly path: string,
    readonly header: JournalHeader,
  ) {
    this.buf = new Uint8Array(Math.max(64 * 1024, (header.recordBytes + 4) * 256));
    this.view = new DataView(this.buf.buffer);
    this.fd = openOrFail(path);
    const h = enc.encode(JSON.stringify(header));
    const head = new Uint8Array(MAGIC.length + 8 + h.length);
    const hv = new DataView(head.buffer);
    head.set(MAGIC, 0);
    hv.setUint32(MAGIC.length, h.length, true);
    head.set(h, MAGIC.length + 4);
    hv.setUint32(MAGIC.length + 4 + h.length, crc32(h), true);
    writeAll(this.fd, head, path);
    fdatasyncSync(this.fd);
  }

  /**
   * Reserves one record and returns the DataView and byte offset where its payload goes; the
   * caller fills `recordBytes` bytes there, then calls `seal()`.
   */
  reserve(): { view: DataView; offset: number } {
    const need = this.len + 4 + this.header.recordBytes;
    if (need > this.buf.length) {
      const b = new Uint8Array(Math.max(need, this.buf.length * 2));
      b.set(this.buf.subarray(0, this.len));
      this.buf = b;
      this.view = new DataView(b.buffer);
    }
    return { view: this.view, offset: this.len + 4 };
  }

  /** Completes the record started by the last `reserve()`. */
  seal(): void {
    const start = this.len + 4;
    const end = start + this.header.recordBytes;
    this.view.setUint32(this.len, crc32(this.buf.subarray(start, end)), true);
    this.len = end;
    this.pending++;
  }

  /** Appends buffered records to the file and makes them durable. */
  flush(): void {
    if (this.closed || this.len === 0) return;
    writeAll(this.fd, this.buf.subarray(0, this.len), this.path);
    fdatasyncSync(this.fd);
    if (this.lifeMs > 0) this.stampLife(this.lifeMs); // the write moved the mtime to now
    this.len = 0;
    this.durable += this.pending;
    this.pending = 0;
  }

  /**
   * Records the stream's last sign of life as the file's mtime: after a crash, the next start
   * takes the outage's start from it (a metadata update, no format change and no fsync; a
   * `kill -9` keeps it, a power cut may leave the time of the last write instead).
   */
  stampLife(ms: number): void {
    this.lifeMs = ms;
    if (this.closed) return;
    try {
      futimesSync(this.fd, ms / 1000, ms / 1000);
    } catch {
      // bookkeeping only: the rows are what matters
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }
}

export interface JournalContents {
  header: JournalHeader;
  /** Valid record payloads, back to back (`count × recordBytes` bytes). */
  payload: Uint8Array;
  count: number;
  /** Bytes after the last valid record (a torn write by a crash). */
  droppedBytes: number;
}

/** Reads a journal; null if even its header is unreadable (a crash during creation). */
export function readJournal(path: string): JournalContents | null {
  const b = readFileSync(path);
  const data = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (data.length < MAGIC.length + 8) return null;
  for (let i = 0; i < MAGIC.length; i++) if (data[i] !== MAGIC[i]) return null;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const hLen = v.getUint32(MAGIC.length, true);
  const hStart = MAGIC.length + 4;
  if (hStart + hLen + 4 > data.length) return null;
  const hBytes = data.subarray(hStart, hStart + hLen);
  if (crc32(hBytes) !== v.getUint32(hStart + hLen, true)) return null;
  let header: JournalHeader;
  try {
    header = JSON.parse(dec.decode(hBytes)) as JournalHeader;
  } catch {
    return null;
  }
  const rb = header.recordBytes;
  let off = hStart + hLen + 4;
  const first = off;
  let count = 0;
  while (off + 4 + rb <= data.length) {
    if (crc32(data.subarray(off + 4, off + 4 + rb)) !== v.getUint32(off, true)) break;
    off += 4 + rb;
    count++;
  }
  // Compact the payloads (strip CRC words) so decoders see fixed-size records back to back.
  const payload = new Uint8Array(count * rb);
  for (let i = 0, src = first + 4; i < count; i++, src += 4 + rb) payload.set(data.subarray(src, src + rb), i * rb);
  return { header, payload, count, droppedBytes: data.length - off };
}

function openOrFail(path: string): number {
  try {
    return openSync(path, "wx");
  } catch (err) {
    throw storageError(err, `cannot create journal ${path}`);
  }
}

function writeAll(fd: number, bytes: Uint8Array, path: string): void {
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } catch (err) {
    throw storageError(err, `cannot write journal ${path}`);
  }
}

/** One-line AppError (exit 1) for disk full / permission / read-only problems. */
export function storageError(err: unknown, what: string): AppError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const hint =
    code === "ENOSPC" ? "disk full" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EROFS" ? "read-only filesystem" : code;
  return new AppError(`${what}: ${hint ?? (err as Error)?.message ?? String(err)}`);
}
