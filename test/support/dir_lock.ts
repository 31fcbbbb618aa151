import { mkdirSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Runs `f` while holding the lock directory `lock` (mkdir is atomic). `npm test` runs files in
 * parallel worker processes, and builds they share (the WASM core, dist/extended-mm) must not be
 * written by two of them at once or read half-written. A lock older than `staleMs` is left over
 * from a killed run and is taken over.
 */
export function withDirLock<T>(lock: string, f: () => T, staleMs = 300_000): T {
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleMs) rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      Bun.sleepSync(100);
    }
  }
  try {
    return f();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
