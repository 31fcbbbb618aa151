/**
 * Protocol and replay-server throughput, measured side by side in one run:
 *   - decode: `decodeOrderbookMessage` (validated) vs bare `JSON.parse` on the same frames; trade
 *     frames with exact BigInt ids (JSON source-text reviver) vs bare `JSON.parse` (ids rounded)
 *   - ticks: `DecimalScale.toSteps` vs `Number()` on the same price strings
 *   - serve: the real 2-hour StandX book (22,293 rows → 1 SNAPSHOT + DELTAs, 20 levels) replayed at
 *     --speed 0 over 127.0.0.1 to one Bun WebSocket client, (a) only counting frames, (b) decoding
 *     each with decodeOrderbookMessage — messages/s end to end including the server's delta encoding
 * Best of --reps runs (default 3).  Usage: bun bench/serve.ts [--reps 3]
 */
import { join } from "node:path";
import { DecimalScale } from "../src/exchange/decimal.ts";
import { encodeTradesMessage } from "../src/exchange/encode.ts";
import { decodeOrderbookMessage, decodeTradesMessage, type PublicTrade } from "../src/exchange/messages.ts";
import { orderbookStreamUrl, wsOptions } from "../src/exchange/urls.ts";
import { startServer } from "../src/serve/server.ts";
import { concatBooks } from "../src/storage/batch.ts";
import { openBookSource } from "../src/storage/sources.ts";
import type { BookBatch } from "../src/storage/types.ts";

const i = process.argv.indexOf("--reps");
const reps = i >= 0 ? Number(process.argv[i + 1]) : 3;
const STANDX = join(import.meta.dir, "../test/fixtures/standx-btc-usd-2h/orderbook.parquet");

function best(f: () => number): number {
  let b = Infinity;
  for (let r = 0; r < reps; r++) b = Math.min(b, f());
  return b;
}
const time = (f: () => void) => () => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

const bs: BookBatch[] = [];
for await (const b of openBookSource(STANDX)) bs.push(b);
const book = concatBooks(bs);

// ---- replay over loopback ----
async function replay(decode: boolean): Promise<{ ms: number; n: number }> {
  const srv = await startServer({ source: { memory: [{ market: "BTC-USD", book }] }, speed: 0, closeAtEnd: true, pingIntervalMs: 60_000 });
  const t = performance.now();
  let n = 0;
  let bad = 0;
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(orderbookStreamUrl(srv.wsBase, "BTC-USD"), wsOptions("bench/1") as never);
    ws.onmessage = (e) => {
      n++;
      if (decode && !decodeOrderbookMessage(e.data as string).ok) bad++;
    };
    ws.onclose = () => resolve();
  });
  const ms = performance.now() - t;
  await srv.stop();
  if (bad) throw new Error(`${bad} frames failed to decode`);
  return { ms, n };
}

// frames for the decode benchmark: the first 5,000 messages of the same replay
const frames: string[] = [];
{
  const srv = await startServer({ source: { memory: [{ market: "BTC-USD", book }] }, speed: 0, closeAtEnd: true });
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(orderbookStreamUrl(srv.wsBase, "BTC-USD"), wsOptions("bench/1") as never);
    ws.onmessage = (e) => {
      if (frames.length < 5000) frames.push(e.data as string);
    };
    ws.onclose = () => resolve();
  });
  await srv.stop();
}
const tradeFrames: string[] = [];
for (let k = 0; k < 5000; k++) {
  const trades: PublicTrade[] = [0, 1].map((j) => ({ market: "BTC-USD", side: "BUY", type: "TRADE", T: 1767653687210 + k, p: "91234.5", q: "0.0123", id: 1992214670521405446n + BigInt(2 * k + j) }));
  tradeFrames.push(encodeTradesMessage({ ts: 1767653687210 + k, seq: k + 1, trades }));
}
const prices = frames.flatMap((f) => (JSON.parse(f).data.b as { p: string }[]).map((l) => l.p));

const rows: [string, number, string][] = [];
const rate = (count: number, ms: number) => (count / ms) * 1000;
const dOb = best(time(() => frames.forEach((f) => decodeOrderbookMessage(f))));
const jOb = best(time(() => frames.forEach((f) => JSON.parse(f))));
rows.push(["orderbook frames: decodeOrderbookMessage", rate(frames.length, dOb), "msg/s"]);
rows.push(["orderbook frames: bare JSON.parse", rate(frames.length, jOb), "msg/s"]);
const dTr = best(time(() => tradeFrames.forEach((f) => decodeTradesMessage(f))));
const jTr = best(time(() => tradeFrames.forEach((f) => JSON.parse(f))));
rows.push(["trade frames: decodeTradesMessage (exact ids)", rate(tradeFrames.length, dTr), "msg/s"]);
rows.push(["trade frames: bare JSON.parse (ids rounded)", rate(tradeFrames.length, jTr), "msg/s"]);
const scale = DecimalScale.fromStep("0.1");
let sink = 0;
const dPx = best(time(() => prices.forEach((p) => (sink += scale.toSteps(p)!))));
const nPx = best(time(() => prices.forEach((p) => (sink += Number(p)))));
rows.push(["price strings: DecimalScale.toSteps", rate(prices.length, dPx), "values/s"]);
rows.push(["price strings: Number()", rate(prices.length, nPx), "values/s"]);
let r1 = { ms: Infinity, n: 0 };
let r2 = { ms: Infinity, n: 0 };
for (let r = 0; r < reps; r++) {
  const a = await replay(false);
  if (a.ms < r1.ms) r1 = a;
  const b = await replay(true);
  if (b.ms < r2.ms) r2 = b;
}
rows.push([`serve → client over loopback, count only (${r1.n} msgs)`, rate(r1.n, r1.ms), "msg/s"]);
rows.push([`serve → client over loopback, decoded (${r2.n} msgs)`, rate(r2.n, r2.ms), "msg/s"]);

console.log(`best of ${reps}; Bun ${Bun.version}; ${book.length} book rows, ${frames.length} frames for decode (sink ${sink > 0})`);
for (const [name, v, unit] of rows) console.log(`${name.padEnd(62)} ${Math.round(v).toLocaleString("en-US").padStart(12)} ${unit}`);
console.log(`ratios: decode/JSON.parse book ${(jOb / dOb).toFixed(2)}×, trades ${(jTr / dTr).toFixed(2)}×; toSteps/Number ${(nPx / dPx).toFixed(2)}×; decoded/count-only replay ${(r1.ms / r2.ms).toFixed(2)}×`);
