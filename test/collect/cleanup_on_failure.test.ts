/**
 * The disk-full test mounts a tmpfs, starts a replay server and runs the collector. Once, its
 * failure left the tmpfs mounted. Here it runs in a child `bun test` with EMM_FAIL_ON_PURPOSE set,
 * so an assertion fails while all three are up; afterwards nothing may be left: no mount, no
 * process, no listening port, no temp directory.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../support/run_process.ts";

const ROOT = join(import.meta.dir, "../..");

const mountsUnder = (dir: string) =>
  readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(dir));

/** Live processes whose command line or working directory names `dir` (the collector's config and cwd are inside it). */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cmd.includes(dir) || cwd.startsWith(dir)) found.push(`${pid}: ${cmd}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

test("a failing disk-full test still unmounts its tmpfs, stops its server and leaves no process or temp dir", async () => {
  const sandbox = mkdtempSync(join(tmpdir(), "emm-cleanup-"));
  try {
    // killed after 90 s should the deliberate failure hang
    const { code, stdout, stderr } = await runProcess(
      [process.execPath, "test", "--timeout", "60000", "test/collect/cli.test.ts", "-t", "disk full"],
      { cwd: ROOT, env: { ...process.env, TMPDIR: sandbox, EMM_FAIL_ON_PURPOSE: "disk-full" } },
      90_000,
    );
    const log = stdout + stderr;
    if (log.includes("disk-full test skipped")) {
      console.warn("cleanup-on-failure test skipped: this machine cannot mount a tmpfs (needs root)");
      return;
    }
    // the failure happened inside the test, with the tmpfs mounted and the server listening
    const m = log.match(/failing on purpose; mounted (\S+); server (\S+)/);
    expect(m).not.toBeNull();
    expect(code).toBe(1);
    expect(log).toMatch(/^ *1 fail$/m);
    expect(m![1]!.startsWith(sandbox)).toBe(true);

    expect(mountsUnder(sandbox)).toEqual([]);
    expect(processesUsing(sandbox)).toEqual([]);
    // the replay server's port is closed: a request is refused, not answered
    const refused = await fetch(`${m![2]}/info/markets`).then(() => false, () => true);
    expect(refused).toBe(true);
    // the file's afterAll removed its temp dir although a test failed
    expect(readdirSync(sandbox).filter((f) => f.startsWith("emm-"))).toEqual([]);
  } finally {
    for (const m of mountsUnder(sandbox)) Bun.spawnSync(["umount", "-l", m]);
    rmSync(sandbox, { recursive: true, force: true });
  }
}, 120_000);
