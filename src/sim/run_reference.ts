/** Runs the TS reference loop with the same capacities as the core and returns copied results. */
import { eventSpan, type EventData } from "./data.ts";
import { allocRunBuffers, collectResult, fillCapacity, S, sampleCapacity, type RunResult } from "./layout.ts";
import { encodeParams, FillModel, type RunParams } from "./params.ts";
import { runReference } from "./reference/loop.ts";
import type { Schedule } from "./schedule.ts";

export function runReferenceResult(d: EventData, schedule: Schedule, params: RunParams): RunResult {
  const { firstTs, lastTs } = eventSpan(d);
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
