/**
 * Reconnect delays: exponential with full jitter, capped, and reset once a connection has stayed
 * healthy for `healthyMs` (the original slept a fixed 5 s, bug §9.1-9).
 *
 *   delay(attempt) = uniform(base·2^attempt / 2, base·2^attempt), capped at maxMs
 *
 * Half-jitter keeps a floor so a flapping server is never hammered, while the random half spreads
 * many collectors (or many markets of one collector) apart.
 */
/** Longest delay a JS timer can hold: setTimeout/setInterval fire after 1 ms beyond it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface BackoffOptions {
  baseMs?: number;
  maxMs: number;
  healthyMs?: number;
  /** Uniform [0,1) source; injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private connectedAt: number | null = null;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly healthyMs: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions) {
    this.baseMs = opts.baseMs ?? 500;
    // A timer cannot wait longer than 2^31 − 1 ms (a longer setTimeout fires after 1 ms, which
    // would turn a large `reconnect_max_backoff_seconds` into a reconnect storm).
    this.maxMs = Math.min(opts.maxMs, MAX_TIMER_MS);
    this.healthyMs = opts.healthyMs ?? 60_000;
    this.random = opts.random ?? Math.random;
    if (!(this.baseMs > 0) || !(this.maxMs >= this.baseMs)) throw new RangeError("backoff needs 0 < baseMs ≤ maxMs");
  }

  /** A connection opened at `now`. */
  connected(now: number): void {
    this.connectedAt = now;
  }

  /** The connection ended at `now`; returns how long to wait before the next attempt. */
  nextDelay(now: number): number {
    if (this.connectedAt !== null && now - this.connectedAt >= this.healthyMs) this.attempt = 0;
    this.connectedAt = null;
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  /** Consecutive failures since the last healthy connection. */
  get failures(): number {
    return this.attempt;
  }
}
