/**
 * The Parquet face of storage: read and write market-data parts. Everything else in this folder is
 * private (files named `_*.ts`: the parquet-wasm loader, the Thrift compact codec, the projected
 * copy of a file, Arrow ⇄ typed-array conversion); only this module is imported from outside it
 * (test/layering.test.ts enforces it).
 */
export {
  PartError, readBookFile, readTradeFile, readFundingFile, describeParquet, detectLevels, normalizeLevel, readerStats,
  type BookFileOptions, type TradeFileOptions,
} from "./_read.ts";
export {
  writeBookPart, writeTradePart, writeFundingPart, encodeParquet, DEFAULT_ROW_GROUP_ROWS,
  BOOK_SCHEMA_VERSION, TRADES_SCHEMA_VERSION, FUNDING_SCHEMA_VERSION,
  type WritePartOptions, type WrittenPart,
} from "./_write.ts";
/** parquet-wasm, initialised on first use (for readers of raw files: verify_orderbook). */
export { parquet } from "./_wasm.ts";
/** Arrow vector → typed array conversions (for readers of raw files: verify_orderbook). */
export { fieldKind, toEpochMs, toFloat64, toInt64 } from "./_arrow_read.ts";
