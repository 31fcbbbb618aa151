/**
 * Rebuilds the demo's embedded sample from the shared StandX recording:
 *
 *   bun src/demo/make_sample.ts [--minutes 20] [--source test/fixtures/standx-btc-usd-2h]
 *
 * Picks the `minutes`-long window (on whole minutes) with the most trades, so the demo's
 * calibration has something to fit, and writes src/demo/sample/{orderbook,trades}.parquet with the
 * storage writers. Deterministic: the same source gives the same files.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { concatBooks, concatTrades, takeBook, takeTrades, timeMask } from "../storage/batch.ts";
import { openBookSource, openTradeSource } from "../storage/sources.ts";
import { writeBookPart, writeTradePart } from "../storage/parquet/index.ts";
import type { BookBatch, TradeBatch } from "../storage/types.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "20" },
    source: { type: "string", default: join(import.meta.dir, "../../test/fixtures/standx-btc-usd-2h") },
  },
});
const minutes = Number(values.minutes);
const src = values.source!;

const books: BookBatch[] = [];
for await (const b of openBookSource(join(src, "orderbook.parquet"))) books.push(b);
const trades: TradeBatch[] = [];
for await (const t of openTradeSource(join(src, "trades.parquet"))) trades.push(t);
const book = concatBooks(books);
const tr = concatTrades(trades);

const MIN = 60_000;
const first = Math.ceil(book.timestampMs[0] / MIN) * MIN;
const last = book.timestampMs[book.length - 1];
let best = first;
let bestCount = -1;
for (let from = first; from + minutes * MIN <= last; from += MIN) {
  let n = 0;
  for (let j = 0; j < tr.length; j++) if (tr.timestampMs[j] >= from && tr.timestampMs[j] < from + minutes * MIN) n++;
  if (n > bestCount) [best, bestCount] = [from, n];
}
const to = best + minutes * MIN;
const slice = <T>(ts: Float64Array, take: (idx: Int32Array) => T) => take(timeMask(ts, best, to)!);
const outBook = { ...slice(book.timestampMs, (i) => takeBook(book, i)), market: "BTC-USD" };
const outTrades = { ...slice(tr.timestampMs, (i) => takeTrades(tr, i)), market: "BTC-USD" };

const dir = join(import.meta.dir, "sample");
const a = await writeBookPart(join(dir, "orderbook.parquet"), outBook, { overwrite: true });
const b = await writeTradePart(join(dir, "trades.parquet"), outTrades, { overwrite: true });
console.log(`window ${new Date(best).toISOString()} → ${new Date(to).toISOString()}`);
console.log(`${a.path}: ${a.rows} rows, ${a.bytes} bytes`);
console.log(`${b.path}: ${b.rows} rows, ${b.bytes} bytes`);
