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
  return duckRows(`select * from read_parquet('${dir}/*.parquet') order by ${orderBy}`);
}
