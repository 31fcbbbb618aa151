/**
 * Harness of the per-policy differential tests: each test/sim/<policy>.test.ts runs the WASM core
 * and the TS reference on markets and configurations that drive one policy pair
 * (wasm/assembly/<policy>.ts ↔ src/sim/reference/<policy>.ts) through its branches, holds the two
 * to identical outputs, and checks that the policy was actually exercised.
 */
import * as v from "valibot";
import { buildSchedule } from "../../src/backtest/calibrate.ts";
import { resolveMarket } from "../../src/config/market.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { engineOptionsFromConfig } from "../../src/model/engine.ts";
import { BacktestCore } from "../../src/sim/core.ts";
import type { EventData } from "../../src/sim/data.ts";
import type { RunResult } from "../../src/sim/layout.ts";
import { runParamsFromConfig, type RunParams } from "../../src/sim/params.ts";
import { runReferenceResult } from "../../src/sim/run_reference.ts";
import { expectSame } from "../backtest/expect_same.ts";

export interface PairRun {
  over: Record<string, unknown>;
  params: RunParams;
  w: RunResult;
}

const BASE = {
  tick_size: 0.1, max_inventory: 5, order_notional: 3000, warmup_period_seconds: 60,
  calibration_window_seconds: 600, recalibration_interval_seconds: 30,
};

/** Runs every variant on both implementations (one prepared core), asserting identical outputs. */
export function runPairs(d: EventData, variants: Record<string, unknown>[], base: Record<string, unknown> = {}): PairRun[] {
  const core = new BacktestCore();
  core.prepare(d);
  return variants.map((over) => {
    const c = v.parse(ConfigSchema, { ...BASE, ...base, ...over });
    const s = buildSchedule(d, engineOptionsFromConfig(c));
    const params = runParamsFromConfig(c, resolveMarket(c, "SYN"));
    const w = core.run(s, params);
    expectSame(w, runReferenceResult(d, s, params));
    return { over, params, w };
  });
}
