import { join } from "node:path";
import { DecimalScale } from "../../src/exchange/decimal.ts";
import type { OrderbookMessage } from "../../src/exchange/messages.ts";
import { wsOptions } from "../../src/exchange/urls.ts";

export const STANDX = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");

export interface Received {
  frames: string[];
  closeCode: number | null;
  pings: number;
  ws: WebSocket;
}

/**
 * Opens a WebSocket with a User-Agent and records text frames until `done(frames)` is true, the
 * socket closes, or `timeoutMs` passes (then it closes the socket itself).
 */
export function receive(url: string, done: (frames: string[]) => boolean, timeoutMs = 10_000, ua = "serve-test/1.0"): Promise<Received> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, wsOptions(ua) as never);
    const r: Received = { frames: [], closeCode: null, pings: 0, ws };
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      ws.close();
      finish();
    }, timeoutMs);
    ws.onmessage = (e) => {
      r.frames.push(typeof e.data === "string" ? e.data : "<binary>");
      if (done(r.frames)) {
        ws.close();
        finish();
      }
    };
    (ws as unknown as { addEventListener(t: string, f: () => void): void }).addEventListener("ping", () => r.pings++);
    ws.onclose = (e) => {
      r.closeCode = e.code;
      finish();
    };
    ws.onerror = () => {
      if (r.frames.length === 0 && !settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`WebSocket ${url} failed`));
      }
    };
  });
}

/** A client-side book in exact integer units, as a careful client would keep it. */
export class ClientBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  constructor(
    readonly px: DecimalScale,
    readonly qty: DecimalScale,
  ) {}

  apply(m: OrderbookMessage): void {
    if (m.type === "SNAPSHOT") {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [side, levels] of [[this.bids, m.bids], [this.asks, m.asks]] as const) {
      for (const l of levels) {
        const p = this.px.toStepsOrThrow(l.p, "p");
        const q = this.qty.toStepsOrThrow(l.q, "q");
        let next: number;
        if (m.type === "SNAPSHOT") next = q;
        else {
          const added = (side.get(p) ?? 0) + q;
          next = l.c !== undefined ? this.qty.toStepsOrThrow(l.c, "c") : added;
          if (next !== added) throw new Error(`c ${l.c} disagrees with old + q at ${l.p}`);
        }
        if (next > 0) side.set(p, next);
        else side.delete(p);
      }
    }
  }

  /** Top n levels best-first as [price, qty] doubles. */
  top(n: number): { bids: [number, number][]; asks: [number, number][] } {
    const conv = (m: Map<number, number>, desc: boolean) =>
      [...m.entries()]
        .sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]))
        .slice(0, n)
        .map(([p, q]) => [this.px.toNumber(p), this.qty.toNumber(q)] as [number, number]);
    return { bids: conv(this.bids, true), asks: conv(this.asks, false) };
  }
}
