import { createConsola, type ConsolaInstance } from "consola";

/** consola levels by name; `LOG_LEVEL` and `--log-level` accept these. */
export const LOG_LEVELS = { silent: -999, error: 0, warn: 1, info: 3, debug: 4, trace: 5 } as const;
export type LogLevelName = keyof typeof LOG_LEVELS;

/**
 * One logger for the whole process, writing to stderr so that stdout stays clean for `--json`
 * and piped CSV output.
 */
export const log: ConsolaInstance = createConsola({
  level: LOG_LEVELS.info,
  stdout: process.stderr,
  stderr: process.stderr,
  fancy: false,
  formatOptions: { date: true, colors: process.stderr.isTTY ?? false, compact: true },
});

export function setLogLevel(name: string): boolean {
  const level = LOG_LEVELS[name.toLowerCase() as LogLevelName];
  if (level === undefined) return false;
  log.level = level;
  return true;
}
