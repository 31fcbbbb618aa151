/**
 * The synthetic market of docs/original.md Appendix A.4 (MINSTD PRNG, integers only), as storage
 * batches: 7,200 book rows with 20 levels per side and 3,600 trades. `gap` inserts the 40-minute
 * hole after the first hour.
 */
import { allocBook, allocTrades } from "../../src/storage/batch.ts";
import { Side, type BookBatch, type TradeBatch } from "../../src/storage/types.ts";

export function a4Market(opts: { gap?: boolean; n?: number } = {}): { books: BookBatch; trades: TradeBatch } {
  const n = opts.n ?? 7200;
  let s = 42;
  const next = () => (s = (s * 48271) % 2147483647);
  const t0 = 1_700_000_000_000;
  let b = 30000;
  const books = allocBook("SYN-USD", 20, n);
  const trades = allocTrades("SYN-USD", Math.ceil(n / 2), false);
  let nt = 0;
  for (let k = 0; k < n; k++) {
    const ts = t0 + 1000 * k + (opts.gap && k >= 3600 ? 2_400_000 : 0);
    b += (next() % 3) - 1;
    const a = b + 1 + (next() % 2);
    books.timestampMs[k] = ts;
    books.seq[k] = BigInt(k);
    for (let l = 0; l < 20; l++) {
      books.bidPx[l]![k] = (b - l) / 10;
      books.askPx[l]![k] = (a + l) / 10;
      books.bidQty[l]![k] = books.askQty[l]![k] = (10 + 5 * l) / 10;
    }
    if (k % 2 === 0) {
      const r3 = next();
      const isSell = r3 % 2 === 0;
      const off = Math.floor(r3 / 2) % 4;
      trades.timestampMs[nt] = ts + 500;
      trades.price[nt] = isSell ? (b - off) / 10 : (a + off) / 10;
      trades.quantity[nt] = 0.1;
      trades.side[nt] = isSell ? Side.sell : Side.buy;
      nt++;
    }
  }
  trades.length = nt;
  return { books, trades };
}
