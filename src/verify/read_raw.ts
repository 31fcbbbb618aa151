/**
 * Order-book parts read exactly as stored, for verification. The storage reader normalises levels
 * (a non-positive price or a null size makes the whole level absent), which is right for the
 * backtest but would hide the very values verify must report; here nulls become NaN and nothing
 * else changes. Also checks the part's schema and its footer's row count.
 */
import { readFileSync } from "node:fs";
import { tableFromIPC, type Schema } from "apache-arrow";
import { detectLevels, fieldKind, parquet, toEpochMs, toFloat64, toInt64 } from "../storage/parquet/index.ts";
import type { BookBatch } from "../storage/types.ts";

/** `kind` says which check a failure belongs to. */
export class RawPartError extends Error {
  constructor(
    readonly kind: "unreadable" | "schema",
    reason: string,
  ) {
    super(reason);
  }
}

const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0].slice(0, 200);

export interface RawBookPart {
  /** Rows according to the footer. */
  footerRows: number;
  levels: number;
  meta: Map<string, string>;
  batches: AsyncGenerator<BookBatch>;
}

/** Schema problems of an order-book part (empty when it matches), given the expected level count. */
function bookSchemaProblems(schema: Schema, expectLevels: number | null): string[] {
  const kinds = new Map(schema.fields.map((f) => [f.name, fieldKind(f)]));
  const problems: string[] = [];
  const want = (name: string, ok: string[]) => {
    const k = kinds.get(name);
    if (k === undefined) problems.push(`missing column ${name}`);
    else if (!ok.includes(k)) problems.push(`column ${name} is ${k}, expected ${ok.join(" or ")}`);
  };
  want("timestamp_ms", ["timestamp", "int"]);
  want("market", ["string"]);
  want("seq", ["int"]);
  const levels = detectLevels(new Set(kinds.keys()));
  if (levels === 0) problems.push("no level columns (bid_price_0, bid_qty_0, ask_price_0, ask_qty_0)");
  for (let i = 0; i < levels; i++) for (const c of ["bid_price", "bid_qty", "ask_price", "ask_qty"]) want(`${c}_${i}`, ["float"]);
  if (expectLevels !== null && levels !== expectLevels) problems.push(`${levels} levels, other parts have ${expectLevels}`);
  return problems;
}

export async function openRawBookPart(path: string, market: string, expectLevels: number | null): Promise<RawBookPart> {
  const pw = parquet();
  let pf: Awaited<ReturnType<typeof pw.ParquetFile.fromFile>>;
  let schema: Schema;
  let footerRows = 0;
  const rowGroups: number[] = [];
  let meta: Map<string, string>;
  try {
    pf = await pw.ParquetFile.fromFile(Bun.file(path));
    const md = pf.metadata();
    meta = new Map(md.fileMetadata().keyValueMetadata() as Map<string, string>);
    for (const rg of md.rowGroups()) {
      footerRows += rg.numRows();
      rowGroups.push(rg.numRows());
    }
    schema = tableFromIPC(pf.schema().intoIPCStream()).schema;
  } catch (err) {
    throw new RawPartError("unreadable", `unreadable Parquet (${oneLine(err)})`);
  }
  const problems = bookSchemaProblems(schema, expectLevels);
  if (problems.length) {
    pf.free();
    throw new RawPartError("schema", problems.join("; "));
  }
  const levels = detectLevels(new Set(schema.fields.map((f) => f.name)));
  const columns = ["timestamp_ms", "seq"];
  for (let i = 0; i < levels; i++) columns.push(`bid_price_${i}`, `bid_qty_${i}`, `ask_price_${i}`, `ask_qty_${i}`);
  pf.free();
  const groups = rowGroups;
  async function* batches(): AsyncGenerator<BookBatch> {
    let done = 0;
    try {
      // Synchronous reader per row group: parquet-wasm's async stream traps (uncatchable) on a
      // corrupt page, the synchronous one returns an error (see storage/parquet/index.ts).
      const bytes = new Uint8Array(readFileSync(path));
      for (let g = 0; g < groups.length; g++) {
        if (groups[g] === 0) continue;
        const t = tableFromIPC(parquet().readParquet(bytes, { rowGroups: [g], columns, batchSize: groups[g] }).intoIPCStream());
        const n = t.numRows;
        const col = (name: string) => toFloat64(t.getChild(name)!, name);
        const b: BookBatch = {
          market,
          length: n,
          levels,
          timestampMs: toEpochMs(t.getChild("timestamp_ms")!, "timestamp_ms"),
          seq: toInt64(t.getChild("seq")!, "seq") ?? new BigInt64Array(n),
          bidPx: [],
          bidQty: [],
          askPx: [],
          askQty: [],
        };
        for (let i = 0; i < levels; i++) {
          b.bidPx.push(col(`bid_price_${i}`));
          b.bidQty.push(col(`bid_qty_${i}`));
          b.askPx.push(col(`ask_price_${i}`));
          b.askQty.push(col(`ask_qty_${i}`));
        }
        done += n;
        yield b;
      }
    } catch (err) {
      throw new RawPartError("unreadable", `read failed after ${done} rows (${oneLine(err)})`);
    }
  }
  return { footerRows, levels, meta, batches: batches() };
}
