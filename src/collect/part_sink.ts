/**
 * Rows of one stream of one market on their way to disk: a columnar batch in memory, mirrored
 * record by record into a journal (durable every journal_flush_ms), published as one immutable
 * Parquet part when the batch is full, on the roll timer, or at shutdown.
 *
 * Crash safety by construction: the journal of part N is created before any of its rows is
 * accepted, and deleted only after part N is published. `recoverJournals` at start-up publishes
 * any journal whose part does not exist yet (a part that exists is never written twice).
 */
import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { log } from "../log.ts";
import { partNumber } from "../storage/layout.ts";
import type { WrittenPart } from "../storage/parquet/index.ts";
import { journalName, journalPart, readJournal, storageError, JournalWriter } from "./journal.ts";
import type { RowCodec } from "./row_codecs.ts";

export interface SinkPaths {
  journalDir: string;
  partsDir: string;
}

export class PartSink<B extends { length: number }> {
  batch: B;
  private spare: B | null = null;
  /** Rows in the current batch. */
  n = 0;
  part: number;
  partStartedMs = 0;
  private journal: JournalWriter;
  /** Last sign of life of the stream, stamped on every journal this sink opens (0 = none). */
  private lifeMs = 0;
  private queue: Promise<unknown> = Promise.resolve();
  rowsPublished = 0;
  partsPublished = 0;
  /** Last published part (for logs and tests). */
  lastPart: WrittenPart | null = null;

  constructor(
    readonly codec: RowCodec<B>,
    readonly market: string,
    readonly paths: SinkPaths,
    readonly rowsPerPart: number,
    firstPart: number,
    /** Called after every published part, before its journal is deleted (the state writer). */
    private readonly onPublished: (sink: PartSink<B>, part: WrittenPart) => void,
  ) {
    mkdirDirs(paths);
    this.batch = codec.alloc(market, rowsPerPart);
    this.part = firstPart;
    this.journal = this.openJournal(firstPart);
  }

  private openJournal(part: number): JournalWriter {
    const j = new JournalWriter(join(this.paths.journalDir, journalName(this.codec.stream, part)), {
      stream: this.codec.stream,
      market: this.market,
      part,
      recordBytes: this.codec.recordBytes,
      levels: this.codec.levels,
      createdMs: Date.now(),
    });
    if (this.lifeMs > 0) j.stampLife(this.lifeMs);
    return j;
  }

  /** The stream's last sign of life (kept in the journal's mtime, see JournalWriter.stampLife). */
  stampLife(ms: number): void {
    if (!(ms > 0) || ms === this.lifeMs) return;
    this.lifeMs = ms;
    this.journal.stampLife(ms);
  }

  /** Rows received but not yet durable in the journal. */
  get pendingRows(): number {
    return this.journal.pending;
  }

  /** Records row `this.n` (already filled in `this.batch` by the caller); true when the batch is full. */
  commit(nowMs: number): boolean {
    if (this.n === 0) this.partStartedMs = nowMs;
    const { view, offset } = this.journal.reserve();
    this.codec.encode(this.batch, this.n, view, offset);
    this.journal.seal();
    this.n++;
    return this.n >= this.rowsPerPart;
  }

  /** Makes every committed row durable (write + fdatasync). */
  flush(): void {
    this.journal.flush();
  }

  /**
   * Publishes the current rows as a part and starts the next one. The swap is synchronous, so rows
   * committed while the part is being written go to the next part and its journal.
   */
  roll(): Promise<WrittenPart | null> {
    if (this.n === 0) return Promise.resolve(null);
    this.journal.flush();
    const batch = this.batch;
    const n = this.n;
    const journal = this.journal;
    const part = this.part;
    this.part = part + 1;
    this.journal = this.openJournal(this.part);
    this.batch = this.spare ?? this.codec.alloc(this.market, this.rowsPerPart);
    this.spare = null;
    this.n = 0;
    const job = this.queue.then(async () => {
      const rows = this.codec.head(batch, n);
      const path = join(this.paths.partsDir, this.codec.fileName(rows, part));
      let written: WrittenPart;
      try {
        written = await this.codec.write(path, rows);
      } catch (err) {
        throw storageError(err, `cannot write ${path}`);
      }
      this.rowsPublished += n;
      this.partsPublished++;
      this.lastPart = written;
      this.onPublished(this, written);
      journal.close();
      unlinkSync(journal.path);
      this.spare = batch;
      return written;
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  /** Waits for queued part writes. */
  idle(): Promise<unknown> {
    return this.queue;
  }

  /** Final roll and journal close (shutdown). */
  async close(): Promise<void> {
    await this.roll();
    await this.queue;
    this.journal.close();
    unlinkQuiet(this.journal.path);
  }
}

function mkdirDirs(paths: SinkPaths): void {
  for (const d of [paths.journalDir, paths.partsDir]) {
    try {
      mkdirSync(d, { recursive: true });
    } catch (err) {
      throw storageError(err, `cannot create ${d}`);
    }
  }
}

export interface Recovery {
  /** Journals turned into parts now. */
  published: number;
  /** Journals whose part already existed (crash between publish and journal deletion). */
  alreadyPublished: number;
  rows: number;
  /** Bytes of torn records dropped. */
  droppedBytes: number;
  /** Largest part number seen in journals, -1 if none. */
  maxPart: number;
  /** The stream's last sign of life before the crash (latest journal mtime), null without journals. */
  lastLifeMs: number | null;
}

/**
 * Publishes journals left behind by a crash. `onRows` sees the rows of every journal, published
 * now or before, so the caller can rebuild dedup state from them.
 */
export async function recoverJournals<B extends { length: number }>(
  codecFor: (levels: number | undefined) => RowCodec<B>,
  stream: string,
  market: string,
  paths: SinkPaths,
  onRows: (rows: B) => void,
): Promise<Recovery> {
  const out: Recovery = { published: 0, alreadyPublished: 0, rows: 0, droppedBytes: 0, maxPart: -1, lastLifeMs: null };
  mkdirDirs(paths);
  removeStaleTemps(paths.partsDir);
  const journals = readdirSync(paths.journalDir)
    .map((f) => ({ f, part: journalPart(f, stream) }))
    .filter((j): j is { f: string; part: number } => j.part !== null)
    .sort((a, b) => a.part - b.part);
  if (journals.length === 0) return out;
  const existing = new Set<number>();
  for (const f of readdirSync(paths.partsDir)) {
    const p = partNumber(f);
    if (p !== null) existing.add(p);
  }
  for (const { f, part } of journals) {
    const path = join(paths.journalDir, f);
    out.maxPart = Math.max(out.maxPart, part);
    out.lastLifeMs = Math.max(out.lastLifeMs ?? 0, statSync(path).mtimeMs);
    const j = readJournal(path);
    if (!j || j.count === 0) {
      unlinkSync(path);
      continue;
    }
    out.droppedBytes += j.droppedBytes;
    const codec = codecFor(j.header.levels);
    const batch = codec.alloc(market, j.count);
    const view = new DataView(j.payload.buffer, j.payload.byteOffset, j.payload.byteLength);
    for (let i = 0; i < j.count; i++) codec.decode(view, i * codec.recordBytes, batch, i);
    onRows(batch);
    if (existing.has(part)) {
      out.alreadyPublished++;
    } else {
      const rows = codec.head(batch, j.count); // published exactly as a live roll would
      const target = join(paths.partsDir, codec.fileName(rows, part));
      try {
        await codec.write(target, rows);
      } catch (err) {
        throw storageError(err, `cannot recover journal ${path} into ${target}`);
      }
      out.published++;
      out.rows += j.count;
      log.info(`${market} ${stream}: recovered ${j.count} rows from ${f} into ${target}${j.droppedBytes ? ` (dropped a torn tail of ${j.droppedBytes} bytes)` : ""}`);
    }
    unlinkSync(path);
  }
  return out;
}

/**
 * Temp files of publications interrupted by a crash (atomic.ts names them `.{name}.tmp-{pid}-…`),
 * left by a process that is gone. `prefix` is the start of the published name (`part_`, `state.json`).
 */
export function removeStaleTemps(dir: string, prefix = "part_"): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(`.${prefix}`)) continue;
    const m = /\.tmp-(\d+)-[a-z0-9]+$/.exec(f);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !pidAlive(pid)) unlinkQuiet(join(dir, f));
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone
  }
}
