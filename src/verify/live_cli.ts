import { NotImplementedError } from "../errors.ts";
import type { CommandContext } from "../cli/common.ts";

/** Live mode of verify_orderbook (needs the protocol decoder). */
export async function runLive(_ctx: CommandContext, _args: Record<string, unknown>, _maxErrors: number): Promise<number> {
  throw new NotImplementedError("verify_orderbook --live");
}
