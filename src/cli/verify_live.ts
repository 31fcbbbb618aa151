import { AppError, ExitCode, UsageError } from "../errors.ts";
import { endpoints } from "../exchange/urls.ts";
import { runLiveCheck } from "../verify/live.ts";
import { formatLive } from "../verify/report_text.ts";
import { numberArg, type CommandContext } from "./common.ts";

/** `verify_orderbook --live`: exit 0 when consistent, 3 when problems exceed --max-errors, 1 when the stream failed. */
export async function runLive(ctx: CommandContext, args: { market?: string; seconds?: string; json?: boolean; all?: boolean; orderbook?: string; trades?: string }, maxErrors: number): Promise<number> {
  if (args.all || args.orderbook !== undefined || args.trades !== undefined) throw new UsageError("--live checks one stream: use --market, not --all/--orderbook/--trades");
  const market = args.market ?? ctx.config.markets[0];
  if (!market) throw new UsageError("--live: give --market");
  const seconds = numberArg("seconds", args.seconds, { min: 0.1 }) ?? 70;
  const r = await runLiveCheck({ wsBase: endpoints(ctx.config).wsBase, market, userAgent: ctx.config.user_agent, seconds });
  if (!r.connected) throw new AppError(r.closedEarly ?? `cannot connect to ${r.url}`);
  const code = r.closedEarly || r.stats.compared === 0 ? ExitCode.runtime : r.problems > maxErrors ? ExitCode.data : ExitCode.ok;
  if (args.json) console.log(JSON.stringify({ ...r, maxErrors, exitCode: code }, null, 2));
  else console.log(formatLive(r, maxErrors));
  return code;
}
