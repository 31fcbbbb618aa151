import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { AS_PAPER, simulateAs } from "../../src/model/as_simulation.ts";

/**
 * Published QF 2008 table, γ = 0.1 (docs/references.md §5.3), from 1000 paths. Tolerances come from the
 * Monte-Carlo error of both runs (ours N paths, theirs 1000):
 *   means: 3.5·√(s²/N + s²/1000) with s our sample std (≈ 0.4 profit / 0.17 q for the inventory
 *   strategy at N = 4000);
 *   standard deviations: relative s.e. of a sample std is ≈ 1/√(2n): 2.2 % for theirs, 1.1 % for
 *   ours → 3σ ≈ 7.5 %; we allow 10 % as docs/references.md recommends, because the symmetric strategy's
 *   published std(profit) 12.7 is ≈ 6 % below every independent re-computation (13.4–13.6) —
 *   a known discrepancy of the paper, not of this code.
 */
const PUB = {
  inventory: { spread: 1.49, profit: 65.0, stdProfit: 6.6, finalQ: 0.08, stdQ: 2.9 },
  symmetric: { spread: 1.49, profit: 68.4, stdProfit: 12.7, finalQ: 0.26, stdQ: 8.4 },
};
const N = 4000;

describe("Avellaneda–Stoikov (2008) Monte-Carlo with the project's quote function, γ = 0.1", () => {
  const r = simulateAs({ ...AS_PAPER, gamma: 0.1, paths: N, seed: 20080301 });
  for (const name of ["inventory", "symmetric"] as const) {
    test(name, () => {
      const got = r[name];
      const pub = PUB[name];
      // average spread: γσ²·mean(T − t) + (2/γ)ln(1 + γ/k) on the 200-step grid, exactly
      const analytic = 0.1 * 4 * (1 - 0.005 * 199 / 2) + 20 * Math.log(1 + 0.1 / 1.5);
      expect(Math.abs(got.spread - analytic)).toBeLessThan(1e-9);
      expect(Math.abs(got.spread - pub.spread)).toBeLessThan(0.005);
      const seP = Math.sqrt(got.stdProfit ** 2 / N + got.stdProfit ** 2 / 1000);
      expect(Math.abs(got.profit - pub.profit)).toBeLessThan(3.5 * seP);
      const seQ = Math.sqrt(got.stdQ ** 2 / N + got.stdQ ** 2 / 1000);
      expect(Math.abs(got.finalQ - pub.finalQ)).toBeLessThan(3.5 * seQ);
      expect(Math.abs(got.stdProfit / pub.stdProfit - 1)).toBeLessThan(0.1);
      expect(Math.abs(got.stdQ / pub.stdQ - 1)).toBeLessThan(0.1);
    });
  }
  test("the inventory strategy trades some profit for much less risk", () => {
    expect(r.inventory.stdProfit).toBeLessThan(0.6 * r.symmetric.stdProfit);
    expect(r.inventory.stdQ).toBeLessThan(0.5 * r.symmetric.stdQ);
  });
  test("seeded: same seed, same numbers", () => {
    const a = simulateAs({ ...AS_PAPER, gamma: 0.1, paths: 50, seed: 7 });
    const b = simulateAs({ ...AS_PAPER, gamma: 0.1, paths: 50, seed: 7 });
    expect(a).toEqual(b);
  });
  test("bad parameters are rejected", () => {
    expect(() => simulateAs({ ...AS_PAPER, gamma: 0, paths: 10, seed: 1 })).toThrow();
    expect(() => simulateAs({ ...AS_PAPER, gamma: 0.1, paths: 0, seed: 1 })).toThrow();
  });
});

describe("simulate command", () => {
  const main = join(import.meta.dir, "../../src/main.ts");
  const run = (args: string[]) => {
    const p = Bun.spawnSync([process.execPath, main, "simulate", ...args], { env: { ...process.env, LOG_LEVEL: "" } });
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
  };
  test("prints the paper's table and --json", () => {
    const t = run(["--gamma", "1", "--paths", "200", "--seed", "3"]);
    expect(t.code).toBe(0);
    expect(t.out).toContain("Inventory");
    expect(t.out).toContain("Symmetric");
    expect(t.out).toContain("3.03"); // average spread at γ = 1
    const j = JSON.parse(run(["--paths", "100", "--json"]).out);
    expect(j.params.gamma).toBe(0.1);
    expect(j.inventory.profit).toBeGreaterThan(50);
  });
  test("bad flags exit 2", () => {
    expect(run(["--gamma", "0"]).code).toBe(2);
    expect(run(["--paths", "1.5"]).code).toBe(2);
    expect(run(["--gamma", "abc"]).code).toBe(2);
  });
});
