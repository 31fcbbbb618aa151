import { defineCommand } from "citty";
import { UsageError } from "../errors.ts";
import { AS_PAPER, simulateAs, type AsSimResult, type StrategyStats } from "../model/as_simulation.ts";
import { commonArgs, jsonArg, numberArg, printJson, setup } from "./common.ts";

/**
 * Monte-Carlo of the Avellaneda–Stoikov (2008) simulation (s0 = 100, T = 1, σ = 2, dt = 0.005,
 * A = 140, k = 1.5, q0 = 0) driven by the project's quote function; prints the paper's table.
 */
export default defineCommand({
  meta: { name: "simulate", description: "Monte-Carlo simulation of the Avellaneda-Stoikov (2008) setup" },
  args: {
    ...commonArgs,
    ...jsonArg,
    gamma: { type: "string", description: "Risk aversion γ (default 0.1; the paper also uses 0.01 and 1)", valueHint: "γ" },
    paths: { type: "string", description: "Number of simulated paths, ≥ 2 (default 1000, as the paper)", valueHint: "n" },
    seed: { type: "string", description: "PRNG seed, 0..4294967295 (default 1)", valueHint: "n" },
    sigma: { type: "string", description: "Mid volatility per unit time (default 2)", valueHint: "σ" },
    A: { type: "string", description: "Intensity scale A (default 140)", valueHint: "A" },
    k: { type: "string", description: "Intensity decay k (default 1.5)", valueHint: "k" },
  },
  run({ args, rawArgs }) {
    setup(args, rawArgs);
    const gamma = numberArg("gamma", args.gamma) ?? 0.1;
    if (!(gamma > 0)) throw new UsageError(`--gamma: expected a number > 0, got ${JSON.stringify(args.gamma)}`);
    // two paths at least: the table's standard deviations need them
    const paths = numberArg("paths", args.paths, { integer: true, min: 2 }) ?? 1000;
    if (paths > 10_000_000) throw new UsageError(`--paths: at most 10000000, got ${paths}`);
    const seed = numberArg("seed", args.seed, { integer: true, min: 0 }) ?? 1;
    // the PRNG takes 32 bits: a larger seed would silently alias a smaller one
    if (seed > 0xffffffff) throw new UsageError(`--seed: expected an integer 0..4294967295, got ${JSON.stringify(args.seed)}`);
    const sigma = numberArg("sigma", args.sigma, { min: 0 }) ?? AS_PAPER.sigma;
    const A = numberArg("A", args.A, { min: 0 }) ?? AS_PAPER.A;
    const k = numberArg("k", args.k) ?? AS_PAPER.k;
    if (!(k > 0)) throw new UsageError(`--k: expected a number > 0, got ${JSON.stringify(args.k)}`);
    let r: AsSimResult;
    try {
      r = simulateAs({ ...AS_PAPER, sigma, A, k, gamma, paths, seed });
    } catch (e) {
      if (e instanceof RangeError) throw new UsageError(`simulate: ${e.message.replace(/^simulateAs: /, "")}`);
      throw e;
    }
    const bad = (["inventory", "symmetric"] as const).flatMap((n) => Object.entries(r[n]).filter(([, v]) => !Number.isFinite(v)).map(([key]) => `${n}.${key}`));
    if (bad.length) throw new UsageError(`simulate: these parameters give non-finite results (${bad.join(", ")}); use smaller --gamma/--sigma or larger --k`);
    if (args.json) {
      printJson(r);
      return;
    }
    console.log(`Avellaneda–Stoikov simulation: s0=${r.params.s0} T=${r.params.T} σ=${sigma} dt=${r.params.dt} A=${A} k=${k} γ=${gamma}, ${paths} paths, seed ${seed}`);
    const head = ["Strategy", "Avg spread", "Profit", "Std(Profit)", "Final q", "Std(Final q)"];
    console.log(head.map((h, i) => (i === 0 ? h.padEnd(10) : h.padStart(13))).join(""));
    // a space before every cell keeps columns apart when a number is wider than its column
    const line = (name: string, s: StrategyStats) =>
      console.log([name.padEnd(10), ...[s.spread, s.profit, s.stdProfit, s.finalQ, s.stdQ].map((x) => " " + x.toFixed(2).padStart(12))].join(""));
    line("Inventory", r.inventory);
    line("Symmetric", r.symmetric);
    console.log(`(standard errors of the means: profit ${r.inventory.seProfit.toFixed(2)} / ${r.symmetric.seProfit.toFixed(2)}, final q ${r.inventory.seQ.toFixed(2)} / ${r.symmetric.seQ.toFixed(2)})`);
  },
});
