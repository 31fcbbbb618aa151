import { log } from "../../src/log.ts";

/** Runs `fn` while collecting the log lines of one consola type ("warn", "info", …; all when omitted). */
export async function withLogLines<T>(fn: () => Promise<T>, type?: string): Promise<{ lines: string[]; value: T }> {
  const lines: string[] = [];
  const reporter = { log: (o: { type: string; args: unknown[] }) => void ((type === undefined || o.type === type) && lines.push(o.args.map(String).join(" "))) };
  log.addReporter(reporter);
  try {
    return { lines, value: await fn() };
  } finally {
    log.removeReporter(reporter);
  }
}
