/**
 * The replay position shared by every connection and the REST answers of one server.
 *
 * With speed > 0 a clock started by the first connection maps wall time to replay time (one clock
 * for all markets, so their relative timing is kept), and a client that reconnects has missed what
 * happened meanwhile, as on the exchange. With speed 0 (as fast as the client reads) each stream
 * of a market is at the furthest event any connection was sent (the frontier).
 */
import type { MarketTimeline } from "./timeline.ts";

export type Ev = "book" | "trades" | "funding";

/** An event is sent when it is due within this many wall milliseconds (a timer is not more exact). */
export const DUE_EARLY_MS = 0.5;

export class ReplayClock {
  private wallStart: number | null = null;
  private readonly frontier: Map<MarketTimeline, Record<Ev, number>>;

  constructor(
    readonly speed: number,
    /** Replay time at which the clock starts: the earliest event of any market. */
    readonly t0: number,
    timelines: readonly MarketTimeline[],
  ) {
    this.frontier = new Map(timelines.map((t) => [t, { book: -1, trades: -1, funding: -1 }]));
  }

  /** Starts the clock (first connection); later calls do nothing. */
  start(): void {
    if (this.speed > 0 && this.wallStart === null) this.wallStart = performance.now();
  }

  get started(): boolean {
    return this.wallStart !== null;
  }

  /** Replay time now (t0 before the clock starts). */
  now(): number {
    return this.wallStart === null ? this.t0 : this.t0 + (performance.now() - this.wallStart) * this.speed;
  }

  /** Milliseconds of wall time until replay time `t` is due (speed > 0, clock started). */
  waitFor(t: number): number {
    return this.wallStart! + (t - this.t0) / this.speed - performance.now();
  }

  /** A connection was sent event `g` of `ev`. */
  sent(tl: MarketTimeline, ev: Ev, g: number): void {
    const fr = this.frontier.get(tl)!;
    if (g > fr[ev]) fr[ev] = g;
  }

  /** The last event of `ev` at the replay position (global index), -1 before the first. */
  position(tl: MarketTimeline, ev: Ev): number {
    if (this.speed === 0) return this.frontier.get(tl)![ev];
    return this.wallStart === null ? -1 : tl.lastAtOrBefore(ev, this.now());
  }

  /**
   * Where a new connection starts: the current book row (sent as a SNAPSHOT), or the next
   * trade/funding event. The current row is the last one due within DUE_EARLY_MS, as in the pump:
   * a row already sent early on a connection that was cut right after is not the current one
   * (its SNAPSHOT would repeat a row the client has).
   */
  startOf(tl: MarketTimeline, ev: Ev, r = this.now()): { g: number; startT: number } {
    if (this.speed > 0) {
      const g = ev === "book" ? Math.max(0, tl.lastAtOrBefore("book", r + DUE_EARLY_MS * this.speed)) : tl.firstAfter(ev, r);
      return { g, startT: r };
    }
    const g = this.frontier.get(tl)![ev] + 1;
    return { g, startT: tl.has(ev, g) ? tl.timeOf(ev, g) : 0 };
  }

  /**
   * What the replay has passed so far for one market: book rows and trades up to the replay
   * position, counted from the start of the data. Every row a perfect recorder would have stored
   * during the run (a client that was down still misses them), and the replay time `atMs`
   * (speed > 0; at speed 0 each stream has its own position).
   */
  served(tl: MarketTimeline): { bookRows: number; trades: number; atMs: number } {
    return { bookRows: this.position(tl, "book") + 1, trades: this.tradeEnd(tl), atMs: this.speed > 0 ? this.now() : NaN };
  }

  /** Trade rows [0, end) at the replay position. */
  tradeEnd(tl: MarketTimeline): number {
    if (tl.frames === 0) return 0;
    const f = this.position(tl, "trades");
    return f < 0 ? 0 : tl.frameRows(f)[1];
  }
}
