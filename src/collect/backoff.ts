/**
 * When to reconnect a stream (docs/collect.md "Reconnect policy"; one policy per stream of each
 * market). Data lost to waiting is data lost for good (the book has no backfill), so:
 *
 * - A connection that delivered at least one valid message (or stayed open `healthyMs` on a quiet
 *   stream) was useful: the failure count resets and the next connection is opened at once,
 *   whether the server cut it or the collector asked for a resubscribe (seq gap, crossed book,
 *   stale stream).
 * - Immediate reconnects are limited to `loopRetries` within `loopWindowMs`; more means a tight
 *   loop (e.g. a server that sends one frame and hangs up), which falls back to a growing delay
 *   until a connection outlives the window.
 * - Only connections that fail to open or deliver nothing make the failure backoff grow:
 *   `uniform(c/2, c)`, `c = min(maxMs, baseMs · 2^(failures − 1))`. Half-jitter keeps a floor so
 *   a failing server is never hammered, and the random half spreads many collectors apart.
 * - A rate limit (`Retry-After` of a 429) is a lower bound for every delay.
 */
/** Longest delay a JS timer can hold: setTimeout/setInterval fire after 1 ms beyond it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ReconnectPolicyOptions {
  baseMs?: number;
  maxMs: number;
  /** A connection open this long counts as useful even without a message (a quiet stream). */
  healthyMs?: number;
  /** Immediate reconnects allowed within `loopWindowMs` before a tight loop backs off. */
  loopRetries?: number;
  loopWindowMs?: number;
  /** Uniform [0,1) source; injectable for tests. */
  random?: () => number;
}

/** Why the next connection waits as long as it does (logged with every reconnect). */
export type DelayKind = "immediate" | "tight loop" | "backoff";

export class ReconnectPolicy {
  /** Consecutive connections that failed to open or delivered nothing. */
  failures = 0;
  /** Consecutive tight-loop fallbacks; reset by a connection that outlives the loop window. */
  loops = 0;
  private immediate: number[] = [];
  private openedAt: number | null = null;
  private useful = false;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly healthyMs: number;
  readonly loopRetries: number;
  readonly loopWindowMs: number;
  private readonly random: () => number;

  constructor(opts: ReconnectPolicyOptions) {
    this.baseMs = opts.baseMs ?? 500;
    // A timer cannot wait longer than 2^31 − 1 ms (a longer setTimeout fires after 1 ms, which
    // would turn a large `reconnect_max_backoff_seconds` into a reconnect storm).
    this.maxMs = Math.min(opts.maxMs, MAX_TIMER_MS);
    this.healthyMs = opts.healthyMs ?? 60_000;
    this.loopRetries = opts.loopRetries ?? 3;
    this.loopWindowMs = opts.loopWindowMs ?? 2_000;
    this.random = opts.random ?? Math.random;
    if (!(this.baseMs > 0) || !(this.maxMs >= this.baseMs)) throw new RangeError("reconnect policy needs 0 < baseMs ≤ maxMs");
  }

  /** The connection opened at `now`. */
  opened(now: number): void {
    this.openedAt = now;
    this.useful = false;
  }

  /** The open connection delivered a valid message. */
  delivered(): void {
    if (this.openedAt !== null) this.useful = true;
  }

  /**
   * The connection (or the attempt to open one) ended at `now`; returns how long to wait before
   * the next attempt. `notBeforeMs` is a rate limit's remaining wait (0 when none).
   */
  ended(now: number, notBeforeMs = 0): { delayMs: number; kind: DelayKind } {
    const lived = this.openedAt === null ? -1 : now - this.openedAt;
    const useful = this.openedAt !== null && (this.useful || lived >= this.healthyMs);
    this.openedAt = null;
    if (lived >= this.loopWindowMs) this.loops = 0;
    let delayMs: number;
    let kind: DelayKind;
    if (useful) {
      this.failures = 0;
      this.immediate = this.immediate.filter((t) => now - t < this.loopWindowMs);
      if (this.immediate.length < this.loopRetries) {
        this.immediate.push(now);
        delayMs = 0;
        kind = "immediate";
      } else {
        delayMs = this.jitter(this.loops++);
        kind = "tight loop";
      }
    } else {
      delayMs = this.jitter(this.failures++);
      kind = "backoff";
    }
    return { delayMs: Math.min(MAX_TIMER_MS, Math.max(delayMs, Math.ceil(notBeforeMs))), kind };
  }

  /** `uniform(c/2, c)` with `c = min(maxMs, baseMs · 2^k)`. */
  private jitter(k: number): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(k, 30));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }
}
