import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { compiledBinary, runBinary } from "./support/binary.ts";

/** The shipped artefact, run from a directory that holds nothing but the binary. */
let bin = "";
let work = "";
const run = (args: string[]) => runBinary(bin, args, work);

// Building takes seconds, more on a loaded machine: the hook gets its own generous timeout.
beforeAll(() => {
  ({ bin, dir: work } = compiledBinary());
}, 180_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("compiled binary", () => {
  test("runs from a directory without node_modules", () => {
    expect(readdirSync(work)).toEqual(["extended-mm"]);
    expect(existsSync(join(work, "node_modules"))).toBe(false);
    const r = run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("--help lists every command", () => {
    const r = run(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["collect_data", "backtest", "calculate_spread", "verify_orderbook"]) expect(r.out).toContain(c);
  });

  test("a bad config is a one-line error with exit 2", async () => {
    await Bun.write(join(work, "bad.json"), `{"max_inventory": -3}`);
    const r = run(["calculate_spread", "--config", "bad.json"]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain("bad.json: max_inventory: expected >0, got -3");
  });
});
