import { defineCommand } from "citty";
import { MARKET_NAME } from "../config/schema.ts";
import { AppError, UsageError, describeError } from "../errors.ts";
import { log } from "../log.ts";
import type { FaultOptions } from "../serve/faults.ts";
import { startServer } from "../serve/server.ts";
import { MAX_TIMER_SECONDS, commonArgs, jsonArg, numberArg, printJson, setup, timeArg, requireLocalDataDir } from "./common.ts";


export default defineCommand({
  meta: {
    name: "serve",
    description: "Run a local Extended-protocol server (WebSocket streams + REST) replaying recorded data, with optional faults",
  },
  args: {
    ...commonArgs,
    ...jsonArg,
    markets: { type: "string", description: "Comma-separated markets to serve (default: every market found in the data dir)", valueHint: "list" },
    port: { type: "string", description: "Port on 127.0.0.1 (default: serve_port; 0 = a free port)", valueHint: "n" },
    speed: { type: "string", description: "Replay speed: 1 real time, N = N×, 0 = as fast as the client reads (default 1)", valueHint: "x" },
    loop: { type: "boolean", description: "Start again at the end (timestamps and trade ids keep increasing)" },
    from: { type: "string", description: "Replay only data at or after this time (epoch ms or ISO)", valueHint: "time" },
    to: { type: "string", description: "Replay only data before this time (epoch ms or ISO)", valueHint: "time" },
    duration: { type: "string", description: "Stop after this many seconds (default: until SIGINT/SIGTERM)", valueHint: "s" },
    "drop-every": { type: "string", description: "Fault: cut each connection after this many replay seconds", valueHint: "s" },
    "skip-seq-every": { type: "string", description: "Fault: withhold every N-th order-book message (seq jumps)", valueHint: "n" },
    "duplicate-trades-every": { type: "string", description: "Fault: send every N-th trade frame twice", valueHint: "n" },
    "reorder-trades-every": { type: "string", description: "Fault: send every N-th trade frame after the next one", valueHint: "n" },
    "malformed-every": { type: "string", description: "Fault: an extra malformed frame after every N-th frame", valueHint: "n" },
    "stall-after": { type: "string", description: "Fault: a connection goes silent (no data, pings or pongs) after this many replay seconds", valueHint: "s" },
    "ping-interval": { type: "string", description: "Seconds between server pings (default 15, like the exchange)", valueHint: "s" },
    "snapshot-interval": { type: "string", description: "Replay seconds between SNAPSHOTs on a connection (default 60)", valueHint: "s" },
    "snapshot-mode": {
      type: "string",
      description: "replace: a periodic SNAPSHOT carries the next row (one message per row); resync: an extra SNAPSHOT of the current book (default replace)",
      valueHint: "mode",
    },
    "allow-no-user-agent": { type: "boolean", description: "Accept clients without a User-Agent (the exchange refuses them)" },
  },
  async run({ args, rawArgs }) {
    const ctx = setup(args, rawArgs);
    requireLocalDataDir(ctx, "serve", "serve replays a local copy");
    let markets: string[] | undefined;
    if (args.markets !== undefined) {
      markets = args.markets.split(",").map((s) => s.trim()).filter(Boolean);
      if (markets.length === 0) throw new UsageError("--markets: expected a comma-separated list of markets, got an empty value");
      for (const m of markets) if (!MARKET_NAME.test(m)) throw new UsageError(`--markets: invalid market name ${JSON.stringify(m)}`);
    }
    const port = numberArg("port", args.port, { min: 0, integer: true }) ?? ctx.config.serve_port;
    if (port > 65535) throw new UsageError(`--port: expected 0..65535, got ${port}`);
    const speed = numberArg("speed", args.speed, { min: 0 }) ?? 1;
    const duration = numberArg("duration", args.duration, { min: 0 });
    if (duration !== undefined && duration <= 0) throw new UsageError(`--duration: expected a number > 0, got ${JSON.stringify(args.duration)}`);
    if (duration !== undefined && duration > MAX_TIMER_SECONDS) throw new UsageError(`--duration: at most ${MAX_TIMER_SECONDS} s, got ${JSON.stringify(args.duration)}`);
    const positive = (name: string, v: string | undefined, integer: boolean) => {
      const n = numberArg(name, v, { min: 0, integer });
      if (n === 0) throw new UsageError(`--${name}: expected a number > 0, got 0`);
      return n;
    };
    const faults: FaultOptions = {
      dropEverySeconds: positive("drop-every", args["drop-every"], false),
      skipSeqEvery: positive("skip-seq-every", args["skip-seq-every"], true),
      duplicateTradesEvery: positive("duplicate-trades-every", args["duplicate-trades-every"], true),
      reorderTradesEvery: positive("reorder-trades-every", args["reorder-trades-every"], true),
      malformedEvery: positive("malformed-every", args["malformed-every"], true),
      stallAfterSeconds: positive("stall-after", args["stall-after"], false),
    };
    const pingS = positive("ping-interval", args["ping-interval"], false) ?? 15;
    if (pingS > MAX_TIMER_SECONDS) throw new UsageError(`--ping-interval: at most ${MAX_TIMER_SECONDS} s, got ${JSON.stringify(args["ping-interval"])}`);
    const snapS = positive("snapshot-interval", args["snapshot-interval"], false) ?? 60;
    const mode = args["snapshot-mode"] ?? "replace";
    if (mode !== "replace" && mode !== "resync") throw new UsageError(`--snapshot-mode: expected replace or resync, got ${JSON.stringify(mode)}`);
    const fromMs = timeArg("from", args.from);
    const toMs = timeArg("to", args.to);
    if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) throw new UsageError("--to: must be after --from");

    const server = await startServer({
      source: { path: ctx.dataDir, markets, fromMs, toMs },
      port,
      speed,
      loop: args.loop ?? false,
      faults,
      pingIntervalMs: pingS * 1000,
      snapshotIntervalMs: snapS * 1000,
      snapshotMode: mode,
      requireUserAgent: !args["allow-no-user-agent"],
    }).catch((e: unknown) => {
      // a taken port is an I/O failure of this run, not a bug: one line naming the port
      if (/in use|EADDRINUSE/i.test(describeError(e))) throw new AppError(`--port ${port}: ${describeError(e)}`);
      throw e;
    });
    const info = { url: server.url, wsBase: server.wsBase, restBase: server.restBase, markets: server.markets };
    if (args.json) printJson(info, 0); // one line: scripts read the first line
    else {
      console.log(`serving ${server.markets.join(", ")} on ${server.url}`);
      console.log(`  ws_base:   ${server.wsBase}`);
      console.log(`  rest_base: ${server.restBase}`);
    }
    const active = Object.entries(faults).filter(([, v]) => v !== undefined);
    log.info(`speed ${speed === 0 ? "max (backpressure)" : `${speed}×`}${args.loop ? ", looping" : ""}${active.length ? `, faults: ${active.map(([k, v]) => `${k}=${v}`).join(" ")}` : ""}`);

    await new Promise<void>((resolve) => {
      const done = () => resolve();
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
      if (duration !== undefined) setTimeout(done, duration * 1000);
    });
    const s = server.stats;
    log.info(
      `stopping: ${s.bookMessages} book messages, ${s.tradeFrames} trade frames, ${s.fundingFrames} funding frames, ` +
        `${s.restRequests} REST requests, faults ${JSON.stringify(s.faults)}`,
    );
    await server.stop();
    return 0;
  },
});
