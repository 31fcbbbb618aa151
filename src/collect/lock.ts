/**
 * One collector per market directory: two writers would publish colliding part numbers and
 * overwrite each other's state.json. A lock file holds the owner's pid; a lock whose pid is dead
 * (kill -9, power loss) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../errors.ts";
import { storageError } from "./journal.ts";
import { pidAlive } from "./part_sink.ts";

export class DirLock {
  private constructor(readonly path: string) {}

  static acquire(dir: string): DirLock {
    const path = join(dir, ".collect.lock");
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, "wx");
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return new DirLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw storageError(err, `cannot create ${path}`);
      }
      let pid = NaN;
      try {
        pid = Number.parseInt(readFileSync(path, "utf8"), 10);
      } catch {
        // vanished meanwhile: retry
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid) && !reusedPid(pid)) {
        throw new AppError(`${dir} is being collected by another process (pid ${pid}); remove ${path} if that is wrong`);
      }
      try {
        unlinkSync(path);
      } catch {
        // someone else removed it
      }
    }
    throw new AppError(`cannot take the lock ${path}`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

/**
 * After a crash the lock's pid may have been reused by an unrelated process. On Linux its command
 * line tells: a collector's always names the collect command.
 */
function reusedPid(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.length > 0 && !cmd.includes("collect");
  } catch {
    return false; // no /proc: trust the pid
  }
}
