import { defineCommand } from "citty";
import { NotImplementedError } from "../errors.ts";
import { commonArgs, setup } from "./common.ts";

/** Placeholder for a command a later milestone implements: validates flags and config, then exit 1. */
export function notImplemented(name: string, description: string, alias?: string) {
  return defineCommand({
    meta: { name, description: `${description} (not implemented yet)`, alias },
    args: { ...commonArgs },
    run({ args, rawArgs }) {
      setup(args, rawArgs);
      throw new NotImplementedError(`'${name}'`);
    },
  });
}
