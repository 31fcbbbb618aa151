/**
 * bench/read_parallel.ts's decoder: reads the Parquet parts it is sent with the production readers
 * (readBookFile / readTradeFile: parquet-wasm + FFI views → typed arrays) and returns the typed
 * arrays (transferred, not copied).
 */
import { readBookFile, readTradeFile } from "../../src/storage/parquet/index.ts";

declare const self: Worker;
self.onmessage = async (e: MessageEvent<{ id: number; path: string; kind: "book" | "trades" }>) => {
  const { id, path, kind } = e.data;
  const out: ArrayBufferLike[] = [];
  let rows = 0;
  if (kind === "book") {
    for await (const b of readBookFile(path, { seq: false })) {
      rows += b.length;
      out.push(b.timestampMs.buffer, ...[b.bidPx, b.bidQty, b.askPx, b.askQty].flat().map((a) => a.buffer));
    }
  } else {
    for await (const t of readTradeFile(path)) {
      rows += t.length;
      out.push(t.timestampMs.buffer, t.price.buffer, t.quantity.buffer, t.side.buffer, t.tradeType.buffer, ...(t.tradeId ? [t.tradeId.buffer] : []));
    }
  }
  self.postMessage({ id, rows, buffers: out }, out as ArrayBuffer[]);
};
