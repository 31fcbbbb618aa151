import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirLock } from "../../src/collect/lock.ts";

/** Until exec has happened, a child's /proc cmdline is still the parent's. */
async function execd(pid: number, word: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(word)) return;
    } catch {
      return; // no /proc
    }
    await Bun.sleep(5);
  }
}

const tmp = mkdtempSync(join(tmpdir(), "emm-lock-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("one collector per directory; a dead or unrelated pid's lock is taken over", async () => {
  const a = DirLock.acquire(tmp);
  expect(readFileSync(join(tmp, ".collect.lock"), "utf8").trim()).toBe(String(process.pid));
  a.release();
  expect(existsSync(join(tmp, ".collect.lock"))).toBe(false);

  // A live collector (its command line names the command) holds the lock.
  const holder = Bun.spawn([process.execPath, "-e", "setTimeout(() => {}, 5000)", "collect_data"]);
  try {
    await execd(holder.pid, "setTimeout");
    writeFileSync(join(tmp, ".collect.lock"), `${holder.pid}\n`);
    expect(() => DirLock.acquire(tmp)).toThrow(/being collected by another process/);
  } finally {
    holder.kill(9);
    await holder.exited;
  }
  // Dead pid (kill -9 left the file behind): taken over.
  DirLock.acquire(tmp).release();
  // A live pid that is not a collector (pid reused after a crash): taken over.
  const other = Bun.spawn(["sleep", "5"]);
  try {
    await execd(other.pid, "sleep");
    writeFileSync(join(tmp, ".collect.lock"), `${other.pid}\n`);
    DirLock.acquire(tmp).release();
  } finally {
    other.kill(9);
    await other.exited;
  }
});
