import type { CommandContext } from "../cli/common.ts";
import { numberArg } from "../cli/common.ts";
import { AppError, ExitCode, UsageError } from "../errors.ts";
import { endpoints } from "../exchange/urls.ts";
import { runLiveCheck, type LiveReport } from "./live.ts";

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

function formatLive(r: LiveReport, maxErrors: number): string {
  const s = r.stats;
  const out = [
    `live check of ${r.market} (${r.url}), ${r.seconds} s`,
    `  frames ${r.frames}: ${s.snapshots} snapshot(s), ${s.deltas} delta(s)${s.deltasBeforeSnapshot ? ` (${s.deltasBeforeSnapshot} before the first snapshot, ignored)` : ""}`,
    `  snapshots compared with the delta-built book: ${s.compared}, matched ${s.matched}, mismatched ${s.mismatchedSnapshots}`,
  ];
  const lm = s.levelMismatches;
  if (s.mismatchedSnapshots) out.push(`  level mismatches: ${lm.size_mismatch} size, ${lm.missing_in_delta} missing in the delta book, ${lm.extra_in_delta} extra in the delta book`);
  for (const m of r.mismatches.slice(0, 20)) out.push(`    seq ${m.seq} ${m.side} ${m.price}: ${m.kind.replace(/_/g, " ")} (delta ${m.deltaQty}, snapshot ${m.snapshotQty})`);
  if (s.seqGaps || s.seqRegressions) out.push(`  seq gaps ${s.seqGaps}, seq regressions ${s.seqRegressions}`);
  if (s.crossedAfterDelta) out.push(`  crossed delta-built book after ${s.crossedAfterDelta} delta(s)`);
  if (s.deltaSizeConflicts) out.push(`  delta levels whose stated size ≠ old + change: ${s.deltaSizeConflicts}`);
  if (r.undecodable) out.push(`  undecodable frames: ${r.undecodable} (first: ${r.firstUndecodable})`);
  if (r.closedEarly) out.push(`  stopped early: ${r.closedEarly}`);
  if (s.compared === 0) out.push("  no snapshot after the first one arrived: nothing was compared (listen longer: the exchange sends one a minute)");
  out.push(r.problems === 0 && !r.closedEarly && s.compared > 0 ? "SUCCESS: the delta-built book matched every snapshot" : `${r.problems} problem(s) (max ${maxErrors})`);
  return out.join("\n");
}
