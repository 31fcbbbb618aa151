import { defineCommand } from "citty";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { AppError, ExitCode, UsageError } from "../errors.ts";
import { log } from "../log.ts";
import { marketPath, partsDir } from "../storage/layout.ts";
import { listParquet, verifyMarket, type MarketInput, type MarketReport } from "../verify/files.ts";
import { formatMarketReport } from "../verify/report_text.ts";
import { isObjectUrl } from "../storage/object_store.ts";
import { commonArgs, jsonArg, numberArg, printJson, setup, stageInputs, stagePath } from "./common.ts";

export default defineCommand({
  meta: {
    name: "verify_orderbook",
    alias: "verify",
    description: "Check recorded files (or a live stream) for integrity problems",
  },
  args: {
    ...commonArgs,
    ...jsonArg,
    market: { type: "string", description: "Market to check (default: every market in the config)", valueHint: "name" },
    all: { type: "boolean", description: "Check every market directory under the data directory" },
    orderbook: { type: "string", description: "Check these order-book files instead (a .parquet file or a directory)", valueHint: "path" },
    trades: { type: "string", description: "Check these trade files instead (a .parquet file or a directory)", valueHint: "path" },
    "max-errors": { type: "string", description: "Errors tolerated before exit code 3 (default 0)", valueHint: "n" },
    "tolerance-bps": { type: "string", description: "How far outside the book a trade price may be (default 50 bps)", valueHint: "bps" },
    examples: { type: "string", description: "Examples shown per check (default 5)", valueHint: "n" },
    live: { type: "boolean", description: "Compare the delta-built book with every SNAPSHOT on the live stream" },
    seconds: { type: "string", description: "Live mode: how long to listen (default 70)", valueHint: "s" },
  },
  async run({ args, rawArgs }) {
    const ctx = setup(args, rawArgs);
    const maxErrors = numberArg("max-errors", args["max-errors"], { min: 0, integer: true }) ?? 0;
    if (args.live) {
      const { runLive } = await import("./verify_live.ts");
      return runLive(ctx, args, maxErrors);
    }
    if (args.seconds !== undefined) throw new UsageError("--seconds: only with --live");
    const toleranceBps = numberArg("tolerance-bps", args["tolerance-bps"], { min: 0 }) ?? 50;
    const maxExamples = numberArg("examples", args.examples, { min: 0, integer: true }) ?? 5;
    // s3:// inputs are fetched to a local copy first (one market's folder, or all of them)
    const input: InputArgs = { market: args.market, all: args.all, orderbook: args.orderbook, trades: args.trades };
    if (input.market !== undefined && !input.all) await stageInputs(ctx, input.market, input, {}, "");
    else {
      for (const k of ["orderbook", "trades"] as const) if (isObjectUrl(input[k])) input[k] = await stagePath(input[k]);
      if (isObjectUrl(ctx.dataDir) && input.orderbook === undefined && input.trades === undefined) ctx.dataDir = await stagePath(ctx.dataDir);
    }
    const inputs = resolveInputs(ctx.dataDir, ctx.config.markets, input);
    const gapSeconds = ctx.config.gap_threshold_seconds;
    const reports: MarketReport[] = [];
    for (const input of inputs) {
      log.info(`verifying ${input.market}: ${input.bookFiles.length} order-book part(s), ${input.tradeFiles.length} trade part(s)`);
      reports.push(await verifyMarket(input, { gapMs: gapSeconds * 1000, toleranceBps, maxExamples }));
    }
    const errors = reports.reduce((s, r) => s + r.errors, 0);
    const unreadable = reports.reduce((s, r) => s + r.unreadable, 0);
    const exitCode = unreadable > 0 ? ExitCode.runtime : errors > maxErrors ? ExitCode.data : ExitCode.ok;
    if (args.json) {
      printJson({ markets: reports, errors, warnings: reports.reduce((s, r) => s + r.warnings, 0), unreadable, maxErrors, gapThresholdSeconds: gapSeconds, toleranceBps, exitCode });
    } else {
      for (const r of reports) console.log(formatMarketReport(r, gapSeconds) + "\n");
      const verdict = exitCode === ExitCode.ok ? "OK" : exitCode === ExitCode.data ? "PROBLEMS" : "UNREADABLE INPUT";
      console.log(`${verdict}: ${errors} error(s) (max ${maxErrors})${unreadable ? `, ${unreadable} unreadable part(s)` : ""} in ${reports.length} market(s)`);
    }
    return exitCode;
  },
});

interface InputArgs {
  market?: string;
  all?: boolean;
  orderbook?: string;
  trades?: string;
}

/** Which files to check: explicit paths, one market, every configured market, or every market dir. */
export function resolveInputs(dataDir: string, configured: string[], args: InputArgs): MarketInput[] {
  if (args.orderbook !== undefined || args.trades !== undefined) {
    if (args.all) throw new UsageError("--all cannot be combined with --orderbook/--trades");
    const bookFiles = args.orderbook !== undefined ? existing("--orderbook", args.orderbook) : [];
    const tradeFiles = args.trades !== undefined ? existing("--trades", args.trades) : [];
    return [{ market: args.market ?? "", bookFiles, tradeFiles, source: [args.orderbook, args.trades].filter(Boolean).join(" + ") }];
  }
  if (args.all && args.market) throw new UsageError("--all and --market are exclusive");
  if (args.all) {
    if (!existsSync(dataDir)) throw new AppError(`data directory ${dataDir} does not exist`);
    const dirs = readdirSync(dataDir)
      .filter((d) => ["orderbook_parts", "trades_parts"].some((s) => existsSync(join(dataDir, d, s))))
      .sort();
    if (dirs.length === 0) throw new AppError(`no market directory (with orderbook_parts/ or trades_parts/) under ${dataDir}`);
    return dirs.map((d) => marketFromDir(join(dataDir, d), d));
  }
  const markets = args.market ? [args.market] : configured;
  return markets.map((m) => {
    const dir = marketPath(dataDir, m);
    const input: MarketInput = {
      market: m,
      bookFiles: listParquet(partsDir(dataDir, m, "orderbook")),
      tradeFiles: listParquet(partsDir(dataDir, m, "trades")),
      source: dir,
    };
    if (input.bookFiles.length + input.tradeFiles.length === 0) throw new AppError(`no Parquet parts for ${m} under ${dir}`);
    return input;
  });
}

function existing(flag: string, path: string): string[] {
  if (!existsSync(path)) throw new AppError(`${flag}: ${path} does not exist`);
  // the checks read raw Parquet columns; a CSV would only show up as a "corrupt part"
  if (path.toLowerCase().endsWith(".csv")) throw new AppError(`${flag}: ${path} is a CSV file; verify checks Parquet parts (convert legacy CSV with 'extended-mm migrate')`);
  const files = listParquet(path);
  if (files.length === 0) throw new AppError(`${flag}: no .parquet file in ${path}`);
  return files;
}

/** The market's name as the collector recorded it (state.json / market.json), else the directory name. */
function marketFromDir(dir: string, name: string): MarketInput {
  let market = name;
  for (const f of ["state.json", "market.json"]) {
    try {
      const j = JSON.parse(readFileSync(join(dir, f), "utf8"));
      const m = j.market ?? j.name;
      if (typeof m === "string" && m) {
        market = m;
        break;
      }
    } catch {
      // absent or unreadable: fall through to the next source
    }
  }
  const list = (s: string) => (existsSync(join(dir, s)) && statSync(join(dir, s)).isDirectory() ? listParquet(join(dir, s)) : []);
  return { market, bookFiles: list("orderbook_parts"), tradeFiles: list("trades_parts"), source: dir };
}
