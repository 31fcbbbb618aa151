/**
 * Brings the objects under an `s3://` prefix to a local directory so the readers (sources.ts,
 * events.ts, verify) stay one local code path:
 *
 *   const local = await stageObjects("s3://bucket/data/btc_usd", { fromMs, toMs });
 *   local.path     // the local equivalent of the URL (a directory, or the file for a single object)
 *   local.cleanup()
 *
 * The prefix is listed once; parts are fetched whole and concurrently. With a time window, parts
 * wholly outside it are never fetched: a part's first timestamp is in its name (sources.ts
 * `partStartMs`), and it ends before the next part of its directory starts — the same pruning the
 * local reader does, so a one-day backtest of a year-long bucket fetches about a day of parts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { DataError } from "../errors.ts";
import { keyUnder, openObjectStore, type ObjectInfo } from "./object_store.ts";
import { partStartMs } from "./sources.ts";

export interface Staged {
  path: string;
  files: number;
  bytes: number;
  cleanup(): void;
}

export interface StageOptions {
  fromMs?: number;
  toMs?: number;
  /** Requests in flight (default 8). */
  concurrency?: number;
  /** Key prefix the local copy mirrors from (default: the URL's own prefix, or its folder for one object). */
  base?: string;
}

/** Keys whose part lies outside [fromMs, toMs) are dropped (per directory, in key order). */
export function pruneByWindow(objects: ObjectInfo[], fromMs?: number, toMs?: number): ObjectInfo[] {
  if (fromMs === undefined && toMs === undefined) return objects;
  const byDir = new Map<string, ObjectInfo[]>();
  for (const o of objects) {
    const d = posix.dirname(o.key);
    byDir.set(d, [...(byDir.get(d) ?? []), o]);
  }
  const keep = new Set<string>();
  for (const list of byDir.values()) {
    list.forEach((o, k) => {
      const start = partStartMs(o.key);
      const next = k + 1 < list.length ? partStartMs(list[k + 1]!.key) : null;
      if (start !== null && toMs !== undefined && start >= toMs) return;
      if (start !== null && next !== null && fromMs !== undefined && next < fromMs) return;
      keep.add(o.key);
    });
  }
  return objects.filter((o) => keep.has(o.key));
}

export async function stageObjects(url: string, opts: StageOptions = {}): Promise<Staged> {
  const { store, prefix } = openObjectStore(url);
  const all = await store.list(prefix);
  // a prefix names a "directory" (key/…) or one object (key itself); "data" must not match "data2/…"
  const single = all.find((o) => o.key === prefix);
  const under = single ? [single] : all.filter((o) => prefix === "" || o.key.startsWith(`${prefix}/`));
  if (under.length === 0) throw new DataError(`${url}: no objects under this prefix`);
  const wanted = pruneByWindow(under, opts.fromMs, opts.toMs);
  const root = mkdtempSync(join(tmpdir(), "emm-stage-"));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  const base = opts.base ?? (single ? posix.dirname(prefix) : prefix);
  let bytes = 0;
  try {
    let next = 0;
    const worker = async () => {
      while (next < wanted.length) {
        const o = wanted[next++]!;
        const local = join(root, keyUnder(base === "." ? "" : base, o.key));
        const data = await store.read(o.key);
        mkdirSync(dirname(local), { recursive: true });
        writeFileSync(local, data);
        bytes += data.length;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  } catch (e) {
    cleanup();
    throw e;
  }
  const path = join(root, keyUnder(base === "." ? "" : base, prefix));
  return { path, files: wanted.length, bytes, cleanup };
}
