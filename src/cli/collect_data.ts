import { notImplemented } from "./not_implemented.ts";

export default notImplemented("collect_data", "Record Extended order books, trades and funding to Parquet", "collect");
