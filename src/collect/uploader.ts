/**
 * Moves published parts to object storage (`upload_to: "s3://bucket/prefix"`).
 *
 * A part is always published locally first (journal, atomic rename: part_sink.ts); only then is it
 * queued here. Upload protocol, per part:
 *   1. if the key already holds an object of the same size and MD5 (a crash after an upload but
 *      before the local delete), it is done — nothing is written twice;
 *   2. if it holds a different object, the part is left alone and reported (never overwritten);
 *   3. else one whole-object PUT (S3 shows an object complete or not at all: no partial part), then
 *      a check — size, and the ETag against the MD5 of the local bytes (or a re-read when the store
 *      gives another kind of ETag);
 *   4. only then is the local file removed.
 * Failures are retried with backoff; a part that still fails stays local and is tried again at the
 * next scan (every publish of its market, and at start-up, after journal recovery — which is how a
 * crash between publish and upload is healed).
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { describeError } from "../errors.ts";
import { log } from "../log.ts";
import { joinKey, md5Hex, openObjectStore, type ObjectStore } from "../storage/object_store.ts";

export interface UploaderOptions {
  /** Attempts per part per scan (default 5). */
  attempts?: number;
  /** First retry delay, doubled each time (default 500 ms). */
  backoffMs?: number;
}

export class PartUploader {
  private readonly store: ObjectStore;
  private readonly prefix: string;
  private readonly queued = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  uploaded = 0;
  alreadyThere = 0;
  failed = 0;

  constructor(
    private readonly dataDir: string,
    readonly target: string,
    private readonly opts: UploaderOptions = {},
  ) {
    ({ store: this.store, prefix: this.prefix } = openObjectStore(target));
  }

  /** Queues every published part under `dir` (a `{stream}_parts` folder), oldest first. */
  scan(dir: string): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names.filter((f) => f.startsWith("part_") && f.endsWith(".parquet")).sort()) this.enqueue(join(dir, n));
  }

  enqueue(path: string): void {
    if (this.queued.has(path)) return;
    this.queued.add(path);
    this.queue = this.queue.then(() => this.uploadWithRetries(path)).finally(() => this.queued.delete(path));
  }

  /** Resolves when everything queued so far has been tried. */
  idle(): Promise<unknown> {
    return this.queue;
  }

  private keyOf(path: string): string {
    return joinKey(this.prefix, relative(this.dataDir, path).split("\\").join("/"));
  }

  private async uploadWithRetries(path: string): Promise<void> {
    const attempts = Math.max(1, this.opts.attempts ?? 5);
    let delay = this.opts.backoffMs ?? 500;
    for (let a = 1; ; a++) {
      try {
        await this.uploadOnce(path);
        return;
      } catch (e) {
        if (a >= attempts) {
          this.failed++;
          log.warn(`upload of ${path} to ${this.target} failed ${a} times (${describeError(e)}); kept locally, retried at the next scan`);
          return;
        }
        await Bun.sleep(delay);
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  private async uploadOnce(path: string): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(path));
    } catch {
      return; // already uploaded and removed by an earlier scan
    }
    const key = this.keyOf(path);
    const md5 = md5Hex(bytes);
    const before = await this.store.stat(key);
    if (before) {
      if (await this.same(key, before, bytes, md5)) {
        this.alreadyThere++;
        rmSync(path, { force: true });
        return;
      }
      // never overwrite a part: a different object under this name is someone else's data
      throw new Error(`${this.store.label}/${key} exists with different contents`);
    }
    await this.store.write(key, bytes);
    const after = await this.store.stat(key);
    if (!after || !(await this.same(key, after, bytes, md5))) throw new Error(`${this.store.label}/${key}: the uploaded object does not match the local part`);
    this.uploaded++;
    rmSync(path, { force: true });
    log.debug(`uploaded ${path} → ${this.store.label}/${key} (${bytes.length} bytes, md5 ${md5})`);
  }

  /** Same size, and the same MD5 (the ETag of a single-part upload) or, failing that, the same bytes. */
  private async same(key: string, st: { size: number; etag?: string }, bytes: Uint8Array, md5: string): Promise<boolean> {
    if (st.size !== bytes.length) return false;
    if (st.etag && /^[0-9a-f]{32}$/i.test(st.etag)) return st.etag.toLowerCase() === md5;
    const remote = await this.store.read(key);
    return remote.length === bytes.length && md5Hex(remote) === md5;
  }
}
