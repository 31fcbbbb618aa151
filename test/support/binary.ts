import { copyFileSync, chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withDirLock } from "./dir_lock.ts";

const root = join(import.meta.dir, "../..");
let built = false;

/**
 * Builds dist/extended-mm once per test process and returns a copy placed alone in a fresh
 * empty directory, so every caller exercises the artefact without node_modules or sources.
 * The copy is ~115 MB: the caller removes `dir` in afterAll/finally.
 */
export function compiledBinary(): { bin: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "emm-bin-"));
  const bin = join(dir, "extended-mm");
  // parallel test workers share dist/extended-mm: build and copy under one lock
  withDirLock(join(root, "dist/.build-lock"), () => {
    if (!built) {
      const b = Bun.spawnSync([process.execPath, "run", "build"], { cwd: root, stderr: "pipe", stdout: "pipe" });
      if (b.exitCode !== 0) throw new Error(`bun run build failed: ${b.stderr.toString()}`);
      built = true;
    }
    copyFileSync(join(root, "dist/extended-mm"), bin);
  });
  chmodSync(bin, 0o755);
  return { bin, dir };
}

/** Runs the binary with a minimal environment (no PATH to node_modules, no HOME config). */
export function runBinary(bin: string, args: string[], cwd: string) {
  const r = Bun.spawnSync([bin, ...args], { cwd, env: { PATH: "/usr/bin:/bin", HOME: cwd } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}
