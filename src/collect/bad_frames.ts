/**
 * Malformed or unusable frames: each is logged (truncated, rate-limited so a flood cannot fill
 * the disk with logs) and skipped; a run of them without a good frame in between means the
 * connection is broken, and the caller reconnects. Never a crash.
 */
import { redactSecrets } from "../config/secrets.ts";
import { log } from "../log.ts";

export const BAD_FRAME_FLOOD = 25;
const LOG_PER_MINUTE = 30;
const SHOW_CHARS = 160;

/** A frame as logged: key-like text masked (a server may echo request headers), then truncated. */
function truncateFrame(text: string): string {
  const flat = redactSecrets(text.replace(/\s+/g, " "));
  return flat.length > SHOW_CHARS ? `${flat.slice(0, SHOW_CHARS)}… (${text.length} chars)` : flat;
}

export class BadFrames {
  /** Bad frames since the last good one. */
  run = 0;
  total = 0;
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(readonly name: string) {}

  good(): void {
    this.run = 0;
  }

  /** Logs one bad frame; returns true when the run reached the flood limit (caller reconnects). */
  bad(reason: string, text: string): boolean {
    this.total++;
    this.run++;
    const now = Date.now();
    if (now - this.windowStart >= 60_000) {
      if (this.suppressed > 0) log.warn(`${this.name}: ${this.suppressed} more bad frames not shown`);
      this.windowStart = now;
      this.logged = 0;
      this.suppressed = 0;
    }
    if (this.logged < LOG_PER_MINUTE) {
      this.logged++;
      log.warn(`${this.name}: skipped frame (${redactSecrets(reason)}): ${truncateFrame(text)}`);
    } else {
      this.suppressed++;
    }
    if (this.run >= BAD_FRAME_FLOOD) {
      this.run = 0;
      return true;
    }
    return false;
  }
}
