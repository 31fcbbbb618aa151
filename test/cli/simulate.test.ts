import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const main = join(import.meta.dir, "../../src/main.ts");

function run(args: string[]) {
  const r = Bun.spawnSync([process.execPath, main, "simulate", ...args], { cwd: mkdtempSync(join(tmpdir(), "sim-")), env: { ...process.env, LOG_LEVEL: "" } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe("simulate command", () => {
  test("prints the paper's table: two strategy rows of five finite numbers", () => {
    const r = run(["--paths", "50", "--seed", "3"]);
    expect(r.code).toBe(0);
    const rows = r.out.split("\n").filter((l) => /^(Inventory|Symmetric)\s/.test(l));
    expect(rows).toHaveLength(2);
    for (const l of rows) {
      const nums = l.trim().split(/\s+/).slice(1).map(Number);
      expect(nums).toHaveLength(5);
      for (const x of nums) expect(Number.isFinite(x)).toBe(true);
    }
  });

  test("--json: stdout is one JSON document with finite numbers (logs stay on stderr)", () => {
    const r = run(["--paths", "50", "--gamma", "1", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.params.gamma).toBe(1);
    expect(j.params.paths).toBe(50);
    for (const s of [j.inventory, j.symmetric]) for (const v of Object.values(s)) expect(Number.isFinite(v as number)).toBe(true);
    expect(r.err).not.toContain("{");
  });

  test("values the simulation cannot honour are usage errors (exit 2), never wrapped, zero or non-finite output", () => {
    const cases: [string[], string][] = [
      [["--seed", "1e30"], "--seed"], // would wrap silently to a 32-bit seed
      [["--seed", "4294967296"], "--seed"], // same stream as seed 0
      [["--paths", "1"], "--paths"], // no standard deviation from one path
      [["--sigma", "1e200", "--paths", "10"], "simulate: the model spread is"], // σ/s overflows
      [["--sigma", "60", "--paths", "200"], "simulate: the mid reached"], // arithmetic BM goes ≤ 0 on some path
      [["--gamma", "1e308", "--paths", "10"], "model spread is"], // γ·s overflows: the quote function would quote a 0 spread
      [["--gamma", "abc"], "--gamma"],
      [["--k", "-1"], "--k"],
    ];
    for (const [args, msg] of cases) {
      const r = run(args);
      expect([args.join(" "), r.code]).toEqual([args.join(" "), 2]);
      expect(r.out).toBe("");
      const errors = r.err.trim().split("\n").filter((l) => l.includes("[error]"));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(msg);
    }
  });

  test("the largest 32-bit seed is accepted and differs from seed 0", () => {
    const a = JSON.parse(run(["--paths", "20", "--seed", "4294967295", "--json"]).out);
    const b = JSON.parse(run(["--paths", "20", "--seed", "0", "--json"]).out);
    expect(a.inventory.profit).not.toBe(b.inventory.profit);
  });
});
