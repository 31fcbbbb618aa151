/**
 * Crash-safe file publication: a reader either sees the whole file or no file.
 *
 *   publishFile(path, bytes, { overwrite })
 *
 * The bytes go to a hidden temporary name in the same directory (`.{name}.tmp-{pid}-{rand}`, which
 * no reader lists because it does not start with `part_`), are fsynced, then published under the
 * final name and the directory is fsynced so the new entry survives a power loss.
 * Without `overwrite` the publication is a hard link, which fails atomically if the name exists
 * (no check-then-rename race); with `overwrite` it is a rename.
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { AppError, DataError } from "../errors.ts";

export interface PublishOptions {
  /** Replace an existing file of that name (default false: refuse). */
  overwrite?: boolean;
}

export function publishFile(path: string, bytes: Uint8Array, opts: PublishOptions = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  const fd = openSync(tmp, "wx");
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkQuiet(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    if (opts.overwrite) {
      renameSync(tmp, path);
    } else {
      try {
        linkSync(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") {
          throw new DataError(`refusing to overwrite existing file ${path}`);
        }
        throw new AppError(`cannot publish ${path}: ${(err as Error).message}`);
      }
      unlinkSync(tmp);
    }
  } finally {
    unlinkQuiet(tmp);
  }
  fsyncDir(dir);
}

/** Makes directory entries (create/rename/unlink) durable. Best effort where unsupported. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the data itself is already synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
