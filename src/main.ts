#!/usr/bin/env bun
import { defineCommand, renderUsage, runCommand, type ArgsDef, type CommandDef } from "citty";
import pkg from "../package.json" with { type: "json" };
import { AppError, ExitCode, UsageError, describeError } from "./errors.ts";
import { log } from "./log.ts";

/** Commands in the order `--help` lists them; each module is loaded only when run. */
const commands: Record<string, () => Promise<CommandDef<any>>> = {
  collect_data: () => import("./cli/collect_data.ts").then((m) => m.default),
  backtest: () => import("./cli/backtest.ts").then((m) => m.default),
  calculate_spread: () => import("./cli/calculate_spread.ts").then((m) => m.default),
  verify_orderbook: () => import("./cli/verify_orderbook.ts").then((m) => m.default),
  serve: () => import("./cli/serve.ts").then((m) => m.default),
  sweep: () => import("./cli/sweep.ts").then((m) => m.default),
  simulate: () => import("./cli/simulate.ts").then((m) => m.default),
  demo: () => import("./cli/demo.ts").then((m) => m.default),
  migrate: () => import("./cli/migrate.ts").then((m) => m.default),
};
const aliases: Record<string, string> = { bt: "backtest", collect: "collect_data", spread: "calculate_spread", verify: "verify_orderbook" };

const root = defineCommand({
  meta: {
    name: "extended-mm",
    version: pkg.version,
    description: "Market-data collector and Avellaneda-Stoikov market-making backtester for Extended",
  },
  subCommands: commands,
});

/** Rejects flags the command does not declare (citty would silently accept them). */
function checkFlags(name: string, argv: string[], args: ArgsDef): void {
  const known = new Set<string>(["help", "h"]);
  const valueFlags = new Set<string>();
  for (const [key, def] of Object.entries(args)) {
    const alias = "alias" in def ? def.alias : undefined;
    const names = [key, ...(alias ? [alias].flat() : [])];
    for (const n of names) {
      known.add(n);
      if (def.type === "boolean") known.add(`no-${n}`);
      if (def.type === "string" || def.type === "enum") valueFlags.add(n);
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") break;
    if (!a.startsWith("-") || a === "-") continue;
    const flag = a.replace(/^--?/, "").split("=")[0];
    if (!known.has(flag)) throw new UsageError(`${name}: unknown option ${a.split("=")[0]} (see '${name} --help')`);
    if (valueFlags.has(flag) && !a.includes("=")) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        throw new UsageError(`${name}: option --${flag} needs a value`);
      }
      i++;
    }
  }
}

/** citty colours its usage text unconditionally; keep escapes out of pipes and files. */
async function usage(cmd: CommandDef<any>, parent?: CommandDef<any>): Promise<string> {
  const text = await renderUsage(cmd, parent);
  return process.stdout.isTTY ? text : text.replace(/\x1b\[[0-9;]*m/g, "");
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v") {
    console.log(pkg.version);
    return ExitCode.ok;
  }
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    console.log(await usage(root));
    console.log(`\nAliases: ${Object.entries(aliases).map(([a, c]) => `${a} → ${c}`).join(", ")}`);
    console.log("Exit codes: 0 ok, 1 runtime failure, 2 usage or config error, 3 data error, 4 object storage error");
    return first === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const name = aliases[first] ?? first;
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command '${first}' (see 'extended-mm --help')`);
  const cmd = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(await usage(cmd, root));
    return ExitCode.ok;
  }
  const args = (typeof cmd.args === "function" ? await (cmd.args as () => ArgsDef)() : await cmd.args) ?? {};
  checkFlags(name, rest, args as ArgsDef);
  const { result } = await runCommand(cmd, { rawArgs: rest });
  return typeof result === "number" ? result : ExitCode.ok;
}

/** Maps any failure to its exit code and a one-line message; a stack only with LOG_LEVEL=debug. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof AppError) {
    log.error(err.message);
    return err.exitCode;
  }
  const code = (err as { code?: string })?.code;
  if (code === "EARG") {
    log.error(describeError(err));
    return ExitCode.usage;
  }
  log.error(`unexpected error: ${describeError(err)}`);
  log.debug(err);
  return ExitCode.runtime;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (err) {
    code = exitCodeFor(err);
  }
  process.exit(code);
}
