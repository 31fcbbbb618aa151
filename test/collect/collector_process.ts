/**
 * The collector as a real subprocess (`bun src/main.ts collect_data`) for the kill -9 tests:
 * `started` resolves once it logs that it is collecting BTC-USD; `stderr()` is everything it logged
 * (all of it once `drained` has resolved).
 * Every process is added to `children` so the caller's afterAll can kill what a failed assertion left.
 */
import type { Subprocess } from "bun";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

export function spawnCollector(o: { cwd: string; configPath: string; dataDir: string; children: Set<Subprocess>; env?: Record<string, string> }) {
  const p = Bun.spawn([process.execPath, join(ROOT, "src/main.ts"), "collect_data", "--config", o.configPath, "--data-dir", o.dataDir, "--log-level", "info"], {
    cwd: o.cwd,
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, ...o.env },
  });
  o.children.add(p);
  let err = "";
  let live: () => void = () => {};
  const started = new Promise<void>((r) => (live = r));
  // resolves when stderr is read to its end (after exit, the last lines may still be in the pipe)
  const drained = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of p.stderr) {
      err += dec.decode(chunk);
      if (err.includes("collecting BTC-USD")) live();
    }
  })();
  return { p, started, drained, stderr: () => err };
}
