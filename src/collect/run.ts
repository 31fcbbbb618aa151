/**
 * The `collect_data` run: one MarketCollector per market, shared timers (journal flush, part
 * roll, health line), and the stop paths.
 *
 * Stop (SIGINT/SIGTERM, --duration, or the caller's AbortSignal): stop reading every stream, flush,
 * publish the open parts, write state.json, exit 0. A second signal during that is ignored (Bun
 * delivers it to the handler again; docs/platform.md §6). A storage failure (disk full, permission)
 * stops everything with a one-line error and exit 1; rows already journaled stay on disk and are
 * recovered into a part by the next start.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import type { Config } from "../config/schema.ts";
import type { Secret } from "../config/secrets.ts";
import { AppError, describeError, ExitCode } from "../errors.ts";
import { RateLimit } from "../exchange/rate_limit.ts";
import { createRestClient, type RestClient } from "../exchange/rest.ts";
import { endpoints } from "../exchange/urls.ts";
import { log } from "../log.ts";
import { MAX_TIMER_MS } from "./backoff.ts";
import { storageError } from "./journal.ts";
import { MarketCollector } from "./market_collector.ts";
import { PartUploader } from "./uploader.ts";

export interface RunOptions {
  config: Config;
  dataDir: string;
  markets: string[];
  /** Clean stop after this many seconds (cron use). */
  durationSeconds?: number;
  /** Stop when aborted (tests, embedding). */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers (the CLI does; in-process tests do not). */
  handleSignals?: boolean;
  /** `API_KEY`: sent as `X-Api-Key` on REST requests and stream handshakes. */
  apiKey?: Secret;
  /** Injected REST client (tests). */
  rest?: RestClient;
  /** Called once every collector is connected and running. */
  onStarted?: (collectors: readonly MarketCollector[]) => void;
}

function checkDataDir(dir: string): void {
  let isFile = false;
  try {
    isFile = statSync(dir).isFile();
  } catch {
    // absent (created below) or unreachable (mkdir reports why)
  }
  if (isFile) throw new AppError(`data directory ${dir} is a file, not a directory`);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw storageError(err, `data directory ${dir} is not writable`);
  }
}

export async function runCollector(o: RunOptions): Promise<number> {
  const c = o.config;
  if (o.markets.length === 0) throw new AppError("no markets to collect (set `markets` in the config or pass --markets)", ExitCode.usage);
  if (!c.collect_orderbook && !c.collect_trades && !c.collect_funding) {
    throw new AppError("nothing to collect: collect_orderbook, collect_trades and collect_funding are all false", ExitCode.usage);
  }
  // --duration counts from the start of the run, not from the end of start-up (journal recovery,
  // a slow or unreachable REST): an hourly cron run must be gone before the next one starts.
  const deadline = o.durationSeconds !== undefined ? Date.now() + o.durationSeconds * 1000 : null;
  checkDataDir(o.dataDir);
  const ep = endpoints(c);
  const rateLimit = new RateLimit();
  const rest = o.rest ?? createRestClient({ restBase: ep.restBase, userAgent: c.user_agent, apiKey: o.apiKey, timeoutMs: 10_000, rateLimit });

  let fatal: unknown = null;
  let stopRequested: ((why: string) => void) | null = null;
  const stopped = new Promise<string>((resolve) => {
    stopRequested = resolve;
  });
  const requestStop = (why: string) => stopRequested?.(why);
  const onFatal = (err: unknown) => {
    if (fatal === null) fatal = err;
    requestStop("fatal");
  };

  const uploader = c.upload_to ? new PartUploader(o.dataDir, c.upload_to) : undefined;
  const collectors = o.markets.map(
    (market) => new MarketCollector({ config: c, dataDir: o.dataDir, market, wsBase: ep.wsBase, rest, apiKey: o.apiKey, rateLimit, onFatal, uploader }),
  );
  // Markets are prepared concurrently: an unreachable REST endpoint costs one timeout, not one per market.
  const prepared = await Promise.allSettled(collectors.map((m) => m.prepare()));
  const failed = prepared.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    for (const m of collectors) m.abandon();
    throw failed.reason;
  }

  let signalled = false;
  const signalHandler = (sig: string) => () => {
    if (signalled) {
      log.warn(`${sig} received again while flushing; ignored until the flush finishes`);
      return;
    }
    signalled = true;
    log.info(`${sig} received: stopping, flushing and saving state`);
    requestStop(sig);
  };
  const onInt = signalHandler("SIGINT");
  const onTerm = signalHandler("SIGTERM");
  if (o.handleSignals) {
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  }
  const onAbort = () => requestStop("aborted");
  o.signal?.addEventListener("abort", onAbort);
  if (o.signal?.aborted) requestStop("aborted");

  const timers: ReturnType<typeof setInterval>[] = [];
  timers.push(setInterval(() => collectors.forEach((m) => m.flush()), c.journal_flush_ms));
  timers.push(setInterval(() => collectors.forEach((m) => m.rollDue(Date.now())), Math.min(c.part_roll_seconds * 1000, 30_000) / 2));
  // Clamped to what a timer holds: a longer interval would fire every millisecond.
  timers.push(setInterval(() => collectors.forEach((m) => log.info(m.healthLine(Date.now()))), Math.min(c.health_log_seconds * 1000, MAX_TIMER_MS)));
  let durationTimer: ReturnType<typeof setTimeout> | null = null;
  const left = deadline === null ? Infinity : deadline - Date.now();
  if (left <= 0) requestStop(`--duration ${o.durationSeconds} (reached during start-up)`);
  else if (deadline !== null) durationTimer = setTimeout(() => requestStop(`--duration ${o.durationSeconds}`), left);

  if (left > 0) {
    for (const m of collectors) m.start();
    log.info(`collecting ${o.markets.join(", ")} into ${o.dataDir} from ${ep.wsBase}`);
  }
  o.onStarted?.(collectors);

  const why = await stopped;
  signalled = true; // a signal during the flush below is logged and ignored
  for (const t of timers) clearInterval(t);
  if (durationTimer) clearTimeout(durationTimer);
  // Stop reading everywhere first, so no frame arrives while parts are being closed (bug §9.1-9).
  for (const m of collectors) m.stopStreams();

  let code: number = ExitCode.ok;
  if (fatal === null) {
    try {
      for (const m of collectors) await m.close();
      if (uploader) {
        for (const m of collectors) m.queueUploads();
        await uploader.idle();
        log.info(`uploads to ${c.upload_to}: ${uploader.uploaded} part(s) uploaded, ${uploader.alreadyThere} already there, ${uploader.failed} kept locally after failures`);
      }
      log.info(`stopped (${why}); parts and state.json written`);
    } catch (err) {
      fatal = err;
    }
  }
  if (fatal !== null) {
    for (const m of collectors) m.abandon();
    log.error(`collector stopped: ${describeError(fatal)} — journaled rows are kept and recovered at the next start`);
    code = fatal instanceof AppError ? fatal.exitCode : ExitCode.runtime;
  }
  if (o.handleSignals) {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
  o.signal?.removeEventListener("abort", onAbort);
  return code;
}
