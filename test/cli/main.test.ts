import { describe, expect, test } from "bun:test";
import { runCli } from "../support/cli.ts";

const run = (args: string[], cwd = import.meta.dir) => runCli(args, cwd);

describe("cli", () => {
  test("--version prints the package version", () => {
    const r = run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("--help lists the four original commands and their aliases", () => {
    const r = run(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["collect_data", "backtest", "calculate_spread", "verify_orderbook", "collect", "spread", "verify"]) {
      expect(r.out).toContain(c);
    }
  });

  test("every command has --help; those that read config take --config", () => {
    const all = ["collect_data", "collect", "backtest", "calculate_spread", "spread", "verify_orderbook", "verify", "serve", "sweep", "simulate", "migrate", "demo"];
    for (const c of all) {
      const r = run([c, "--help"]);
      expect(r.code).toBe(0);
      expect(r.out).toContain("USAGE");
      if (c !== "demo" && c !== "simulate") expect(r.out).toContain("--config");
    }
  });

  test("an unknown command and an unknown flag are usage errors (exit 2) in one line", () => {
    const a = run(["frobnicate"]);
    expect(a.code).toBe(2);
    expect(a.err.trim().split("\n")).toHaveLength(1);
    expect(a.err).toContain("unknown command 'frobnicate'");
    const b = run(["backtest", "--no-such-flag"]);
    expect(b.code).toBe(2);
    expect(b.err).toContain("unknown option --no-such-flag");
  });

  test("help piped to a file carries no colour escapes", () => {
    for (const args of [["--help"], ["backtest", "--help"]]) {
      const r = run(args);
      expect(r.code).toBe(0);
      expect(r.out).not.toContain("\x1b[");
    }
  });

  test("number flags take plain decimals only", () => {
    for (const bad of ["0x10", "0b11", "1_000", "", "  ", "Infinity", "1e400"]) {
      const r = run(["simulate", "--paths", bad]);
      expect(r.code).toBe(2);
      expect(r.err).toContain("--paths");
    }
  });

  test("--log-level rejects an unknown level", () => {
    const r = run(["calculate_spread", "--log-level", "loud", "--config", "nope.json"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--log-level");
  });
});
