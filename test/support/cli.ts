import { join } from "node:path";

/** The CLI's entry point from sources. */
export const MAIN = join(import.meta.dir, "../../src/main.ts");

/**
 * Runs the CLI from sources (`bun src/main.ts …`) in `cwd` to its end, with LOG_LEVEL cleared so
 * the output is what a user sees by default.
 */
export function runCli(args: string[], cwd: string): { code: number; out: string; err: string } {
  const r = Bun.spawnSync([process.execPath, MAIN, ...args], { cwd, env: { ...process.env, LOG_LEVEL: "" } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}
