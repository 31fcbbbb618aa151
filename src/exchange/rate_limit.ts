/**
 * A server's `Retry-After` (HTTP 429): no request to it before the time it names. One instance is
 * shared by the REST calls and the streams of a run, because the exchange limits per IP
 * (docs/exchange.md "REST": 1,000 requests a minute), not per endpoint.
 */
/** Longest wait noted: a timer cannot hold more (2^31 − 1 ms). */
const MAX_WAIT_MS = 2 ** 31 - 1;

export class RateLimit {
  private until = 0;

  /** A 429 answered at `now`; `retryAfterSeconds` undefined means the server did not say. */
  note(now: number, retryAfterSeconds: number | undefined, fallbackMs: number): void {
    const ms = retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : fallbackMs;
    this.until = Math.max(this.until, now + Math.min(ms, MAX_WAIT_MS));
  }

  /** Milliseconds still to wait at `now` (0 when free). */
  remaining(now: number): number {
    return Math.max(0, this.until - now);
  }
}
