import { defineCommand, runCommand, type CommandDef } from "citty";
import { AppError } from "../errors.ts";
import { defaultConfig } from "../config/load.ts";
import { applySets } from "../config/overrides.ts";
import { commonArgs, numberArg, repeatedFlag } from "./common.ts";
import { setLogLevel } from "../log.ts";
import { UsageError } from "../errors.ts";

/** The commands the demo runs after collecting; loaded directly (importing main.ts here would wait on itself). */
const STEPS: Record<string, () => Promise<CommandDef<any>>> = {
  verify_orderbook: () => import("./verify_orderbook.ts").then((m) => m.default),
  calculate_spread: () => import("./calculate_spread.ts").then((m) => m.default),
  backtest: () => import("./backtest.ts").then((m) => m.default),
};

async function runStep(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = STEPS[name];
  if (!load) throw new Error(`demo: no step ${name}`);
  try {
    const { result } = await runCommand(await load(), { rawArgs: rest });
    return typeof result === "number" ? result : 0;
  } catch (err) {
    if (err instanceof AppError) {
      (await import("../log.ts")).log.error(err.message);
      return err.exitCode;
    }
    throw err;
  }
}

/**
 * demo: the README's first command. No network, no setup, no config file: everything it needs is
 * embedded, everything it writes goes to ./demo-output/ (docs/demo.md).
 */
export default defineCommand({
  meta: { name: "demo", description: "Run the whole pipeline on an embedded sample, no network needed" },
  args: {
    out: { type: "string", description: "Output directory (default demo-output)", valueHint: "dir" },
    speed: { type: "string", description: "Replay speed of the 20-minute sample (default 300)", valueHint: "x" },
    "log-level": { type: "string", description: "silent|error|warn|info|debug|trace", valueHint: "level" },
    set: commonArgs.set,
  },
  async run({ args, rawArgs }) {
    if (args["log-level"] && !setLogLevel(args["log-level"])) throw new UsageError(`--log-level: expected silent|error|warn|info|debug|trace, got ${JSON.stringify(args["log-level"])}`);
    const speed = numberArg("speed", args.speed, { min: 1 }) ?? 300;
    if (args.out === "") throw new UsageError("--out: expected a directory, got an empty value");
    const sets = repeatedFlag(rawArgs, "set");
    applySets(defaultConfig(), sets); // a bad key or value stops here, before the server starts
    const { runDemo } = await import("../demo/run_demo.ts");
    return runDemo({ outDir: args.out ?? "demo-output", speed, runCommand: runStep, sets });
  },
});
