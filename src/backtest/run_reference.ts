/** Runs the TS reference loop with the same capacities as the core and returns copied results. */
import type { EventData } from "./data.ts";
import { allocRunBuffers, collectResult, fillCapacity, S, sampleCapacity, type RunResult } from "./layout.ts";
import { encodeParams, FillModel, type RunParams } from "./params.ts";
import { runReference } from "./reference.ts";
import type { Schedule } from "./schedule.ts";

function dataSpan(d: EventData): { firstTs: number; lastTs: number } {
  const firstTs = Math.min(d.nBooks ? d.bookTs[0]! : Infinity, d.nTrades ? d.tradeTs[0]! : Infinity, d.nFunding ? d.fundingTs[0]! : Infinity);
  const lastTs = Math.max(d.nBooks ? d.bookTs[d.nBooks - 1]! : -Infinity, d.nTrades ? d.tradeTs[d.nTrades - 1]! : -Infinity, d.nFunding ? d.fundingTs[d.nFunding - 1]! : -Infinity);
  return { firstTs, lastTs };
}

export function runReferenceResult(d: EventData, schedule: Schedule, params: RunParams): RunResult {
  const { firstTs, lastTs } = dataSpan(d);
  const queue = params.fillModel === FillModel.queue;
  const pb = encodeParams(params);
  const go = (fillCap: number) => {
    const b = allocRunBuffers(fillCap, sampleCapacity(firstTs, lastTs, params.sampleMs), schedule.n);
    runReference(d, schedule, pb, b);
    return b;
  };
  let b = go(fillCapacity(d.nTrades, d.nBooks, queue));
  if (b.scalars[S.overflow]) b = go(fillCapacity(d.nTrades, d.nBooks, queue, true));
  return collectResult(b);
}
