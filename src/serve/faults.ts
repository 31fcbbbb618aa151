/**
 * Fault injection for `serve`: the ways a real exchange connection goes wrong, each on a
 * deterministic schedule so tests can count on it happening. Intervals are in *replay* time (event
 * timestamps), so they behave the same at any --speed; counts are per connection.
 */
export interface FaultOptions {
  /** Terminate each connection (no close frame, like a network cut) after this many replay seconds. */
  dropEverySeconds?: number;
  /** Withhold every N-th orderbook message of a connection; its seq is consumed, so the next one jumps by 2. */
  skipSeqEvery?: number;
  /** Send every N-th publicTrades frame twice (identical text). */
  duplicateTradesEvery?: number;
  /** Hold back every N-th publicTrades frame and send it after the next one (ids go backwards). */
  reorderTradesEvery?: number;
  /** After every N-th data frame of a connection, send one extra malformed frame (kinds rotate). */
  malformedEvery?: number;
  /** After this many replay seconds a connection goes silent: no data, no pings, and it stops
   *  reading, so client pings are not answered either. Recovers only by reconnecting. */
  stallAfterSeconds?: number;
}

export interface FaultCounts {
  drops: number;
  seqSkips: number;
  duplicates: number;
  reorders: number;
  malformed: number;
  stalls: number;
}

export const zeroFaultCounts = (): FaultCounts => ({ drops: 0, seqSkips: 0, duplicates: 0, reorders: 0, malformed: 0, stalls: 0 });

/** Kinds of malformed frames, in rotation order. */
export const MALFORMED_KINDS = ["truncated", "notJson", "wrongTypes", "missingFields", "negativeSize", "unknownType"] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/**
 * A malformed frame of the given kind for a stream. `sample` is a valid frame of that stream (used
 * for the truncated kind); `market` and `seq` make the frame otherwise plausible.
 */
export function malformedFrame(kind: MalformedKind, stream: "orderbooks" | "publicTrades" | "funding", market: string, seq: number, ts: number, sample: string): string {
  const m = JSON.stringify(market);
  switch (kind) {
    case "truncated":
      return sample.slice(0, Math.max(1, Math.floor(sample.length / 2)));
    case "notJson":
      return "<html>502 Bad Gateway</html>";
    case "wrongTypes":
      return stream === "orderbooks"
        ? `{"ts":"${ts}","type":"DELTA","data":{"t":"DELTA","m":${m},"b":{"p":1},"a":[]},"seq":"${seq}"}`
        : `{"ts":"${ts}","data":{"m":${m},"T":"x"},"seq":${seq}}`;
    case "missingFields":
      return stream === "orderbooks" ? `{"ts":${ts},"data":{"m":${m}}}` : `{"ts":${ts},"seq":${seq}}`;
    case "negativeSize":
      return stream === "orderbooks"
        ? `{"ts":${ts},"type":"SNAPSHOT","data":{"t":"SNAPSHOT","m":${m},"b":[{"p":"1","q":"-1"}],"a":[]},"seq":${seq}}`
        : stream === "publicTrades"
          ? `{"ts":${ts},"data":[{"i":1,"m":${m},"S":"BUY","tT":"TRADE","T":${ts},"p":"1","q":"-1"}],"seq":${seq}}`
          : `{"ts":${ts},"data":{"m":${m},"T":${ts},"f":"-"},"seq":${seq}}`;
    case "unknownType":
      return stream === "orderbooks"
        ? `{"ts":${ts},"type":"HEARTBEAT","data":{"t":"HEARTBEAT","m":${m},"b":[],"a":[]},"seq":${seq}}`
        : `{"ts":${ts},"data":[{"i":1,"m":${m},"S":"BUY","tT":"AUCTION","T":${ts},"p":"1","q":"1"}],"seq":${seq}}`;
  }
}
