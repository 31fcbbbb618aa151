import { defineCommand } from "citty";
import { describeDuplicate } from "../config/load.ts";
import { MARKET_NAME, duplicateMarket } from "../config/schema.ts";
import { UsageError } from "../errors.ts";
import { runCollector } from "../collect/run.ts";
import { MAX_TIMER_SECONDS, commonArgs, numberArg, setup, requireLocalDataDir } from "./common.ts";

export default defineCommand({
  meta: {
    name: "collect_data",
    description: "Record Extended order books, trades and funding to Parquet (runs until SIGINT/SIGTERM or --duration)",
    alias: "collect",
  },
  args: {
    ...commonArgs,
    markets: { type: "string", description: "Comma-separated markets (overrides `markets`), e.g. BTC-USD,ETH-USD", valueHint: "list" },
    duration: { type: "string", description: "Stop cleanly after this many seconds (for cron)", valueHint: "s" },
  },
  async run({ args, rawArgs }) {
    const ctx = setup(args, rawArgs);
    requireLocalDataDir(ctx, "collect_data", "set upload_to to move the published parts to object storage");
    let markets = ctx.config.markets;
    if (args.markets !== undefined) {
      markets = args.markets.split(",").map((s) => s.trim()).filter(Boolean);
      if (markets.length === 0) throw new UsageError("--markets: expected a comma-separated list of markets, got an empty value");
      for (const m of markets) if (!MARKET_NAME.test(m) || m.includes("..")) throw new UsageError(`--markets: invalid market name ${JSON.stringify(m)}`);
      const dup = duplicateMarket(markets);
      if (dup) throw new UsageError(`--markets: ${describeDuplicate(dup)}`);
    }
    const duration = numberArg("duration", args.duration, { min: 0, max: MAX_TIMER_SECONDS });
    if (duration !== undefined && duration <= 0) throw new UsageError(`--duration: expected a number > 0, got ${JSON.stringify(args.duration)}`);
    const code = await runCollector({ config: ctx.config, dataDir: ctx.dataDir, markets, apiKey: ctx.apiKey, durationSeconds: duration, handleSignals: true });
    // The process exits right after this returns; a late signal must not turn exit 0 into 143.
    const ignore = () => {};
    process.on("SIGINT", ignore);
    process.on("SIGTERM", ignore);
    return code;
  },
});
