/** Reads parts back with DuckDB — an independent Parquet reader, as a user would. */
import { DuckDBInstance } from "@duckdb/node-api";

let instance: DuckDBInstance | null = null;

export async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  instance ??= await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  try {
    const r = await c.runAndReadAll(sql);
    return r.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    c.closeSync();
  }
}

/** Every `*.parquet` in `dir` (DuckDB glob), or [] when there is none. */
export async function readParts(dir: string, orderBy: string): Promise<Record<string, unknown>[]> {
  const { readdirSync, existsSync } = await import("node:fs");
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith(".parquet"))) return [];
  return duckRows(`select * exclude (filename, file_row_number) from read_parquet('${dir}/*.parquet', filename = true, file_row_number = true) order by ${orderBy}`);
}

/** Stored order: by part number (the last field of the name), then row within the part. */
export const STORED_ORDER = "cast(regexp_extract(filename, '_(\\d+)\\.parquet$', 1) as integer), file_row_number";
