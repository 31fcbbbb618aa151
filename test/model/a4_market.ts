/**
 * The synthetic market of docs/original.md Appendix A.4, exactly: MINSTD PRNG (s = 42), 7,200
 * one-second books with 20 levels per side and a trade 500 ms after every even book.
 */
export type A4Event =
  | { kind: "book"; ts: number; bestBid: number; bestAsk: number; farBid: number; farAsk: number; bidPx: number[]; askPx: number[]; qty: number[] }
  | { kind: "trade"; ts: number; price: number; qty: number; isBuyerMaker: boolean };

export function generateA4(gap = false): { events: A4Event[] } {
  let s = 42;
  const next = () => (s = (s * 48271) % 2147483647);
  const t0 = 1_700_000_000_000;
  let b = 30000;
  const events: A4Event[] = [];
  const qty = Array.from({ length: 20 }, (_, l) => (10 + 5 * l) / 10);
  for (let k = 0; k < 7200; k++) {
    const ts = t0 + 1000 * k + (gap && k >= 3600 ? 2_400_000 : 0);
    const r = next();
    b += (r % 3) - 1;
    const r2 = next();
    const a = b + 1 + (r2 % 2);
    const bidPx = Array.from({ length: 20 }, (_, l) => (b - l) / 10);
    const askPx = Array.from({ length: 20 }, (_, l) => (a + l) / 10);
    events.push({ kind: "book", ts, bestBid: bidPx[0], bestAsk: askPx[0], farBid: bidPx[19], farAsk: askPx[19], bidPx, askPx, qty });
    if (k % 2 === 0) {
      const r3 = next();
      const isSell = r3 % 2 === 0;
      const off = Math.floor(r3 / 2) % 4;
      events.push({ kind: "trade", ts: ts + 500, price: isSell ? (b - off) / 10 : (a + off) / 10, qty: 0.1, isBuyerMaker: isSell });
    }
  }
  return { events };
}
