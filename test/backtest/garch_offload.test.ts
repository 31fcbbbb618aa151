import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { buildSchedule, buildScheduleParallel, ScheduleBuilder, type CalibratedSchedule } from "../../src/backtest/calibrate.ts";
import { loadEventData } from "../../src/backtest/load.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { engineOptionsFromConfig, type EngineOptions } from "../../src/model/engine.ts";
import type { EventData } from "../../src/sim/data.ts";
import { ENTRY_POINTS } from "../../scripts/release.ts";

const root = join(import.meta.dir, "../..");
const D = join(root, "test/fixtures/standx-btc-usd-2h");
const { data } = await loadEventData({ books: join(D, "orderbook.parquet"), trades: join(D, "trades.parquet"), funding: null, levels: 0, tickSize: 0.1 });
// a 20-minute window: full grids, warm walks and a full window within the 2 h sample
const base: EngineOptions = { ...engineOptionsFromConfig(v.parse(ConfigSchema, {})), windowMs: 1_200_000 };
const want = buildSchedule(data, base);

function expectSame(a: CalibratedSchedule, b: CalibratedSchedule) {
  expect(a.n).toBe(b.n);
  for (const k of ["bookIndex", "ts", "sigma", "sigmaRaw", "kappaBid", "kappaAsk", "aBid", "aAsk"] as const) {
    for (let i = 0; i < a.n; i++) if (!Object.is(a[k][i], b[k][i])) expect(`${k}[${i}] = ${b[k][i]}`).toBe(`${k}[${i}] = ${a[k][i]}`);
  }
}

/** The data cut into `parts` time-ordered chunks (rows by book time; trades up to each cut). */
function chunks(d: EventData, parts: number): EventData[] {
  const out: EventData[] = [];
  let t0 = 0;
  for (let p = 1; p <= parts; p++) {
    const b0 = Math.floor(((p - 1) * d.nBooks) / parts), b1 = Math.floor((p * d.nBooks) / parts);
    const cut = p === parts ? Infinity : d.bookTs[b1]!;
    let t1 = t0;
    while (t1 < d.nTrades && d.tradeTs[t1]! < cut) t1++;
    out.push({
      ...d, nBooks: b1 - b0, bookTs: d.bookTs.subarray(b0, b1), bestBid: d.bestBid.subarray(b0, b1), bestAsk: d.bestAsk.subarray(b0, b1),
      farBid: d.farBid.subarray(b0, b1), farAsk: d.farAsk.subarray(b0, b1),
      nTrades: t1 - t0, tradeTs: d.tradeTs.subarray(t0, t1), tradePx: d.tradePx.subarray(t0, t1), tradeQty: d.tradeQty.subarray(t0, t1), tradeSide: d.tradeSide.subarray(t0, t1),
    });
    t0 = t1;
  }
  return out;
}

describe("GARCH fits on a worker thread (ScheduleBuilder parallel)", () => {
  test("the same schedule as the engine fitting them itself, bit for bit", async () => {
    expect(want.n).toBeGreaterThan(100);
    const b = new ScheduleBuilder(base, { parallel: true });
    try {
      expectSame(want, await b.feedAsync(data));
      expect(b.workerFailure).toBeNull();
    } finally {
      b.close();
    }
    expectSame(want, await buildScheduleParallel(data, base));
  });

  test("fed in chunks: each chunk settles with the fits of its calibrations, σ 'kept' across chunks", async () => {
    const sync = new ScheduleBuilder(base), par = new ScheduleBuilder(base, { parallel: true });
    try {
      for (const c of chunks(data, 5)) expectSame(sync.feed(c), await par.feedAsync(c));
    } finally {
      par.close();
    }
  });

  test("the compatibility mode (GARCH on the whole history) too", async () => {
    const full = { ...base, garchFullHistory: true, garchFullGridEvery: 1 };
    const d = chunks(data, 4)[0]!;
    expectSame(buildSchedule(d, full), await buildScheduleParallel(d, full));
  });

  test("a worker that cannot start: the main thread fits them, same results", async () => {
    const b = new ScheduleBuilder(base, { parallel: true, workerEntry: "backtest/no_such_worker.ts" });
    try {
      expectSame(want, await b.feedAsync(data));
      expect(b.workerFailure).not.toBeNull();
    } finally {
      b.close();
    }
  });

  test("a worker that fails mid-run: the log is replayed here, same results", async () => {
    const b = new ScheduleBuilder(base, { parallel: true });
    try {
      const [c1, c2, c3] = chunks(data, 3);
      const sync = new ScheduleBuilder(base);
      expectSame(sync.feed(c1!), await b.feedAsync(c1!));
      // an invalid message makes the worker report an error: from then on the main thread fits
      const w = (b as unknown as { offload: { worker: Worker } }).offload.worker;
      w.postMessage({ type: "jobs", start: -1e9, values: new Float64Array(3), jobs: new Float64Array(0) });
      expectSame(sync.feed(c2!), await b.feedAsync(c2!));
      expectSame(sync.feed(c3!), await b.feedAsync(c3!));
      expect(b.workerFailure).toContain("GARCH returns");
    } finally {
      b.close();
    }
  });
});

describe("the worker's lifetime", () => {
  test("a builder nobody closes does not keep the process alive, and one that waits is not cut short", () => {
    const dir = mkdtempSync(join(tmpdir(), "emm-garch-"));
    try {
      const script = join(dir, "run.ts");
      writeFileSync(script, [
        `import * as v from "valibot";`,
        `import { ScheduleBuilder } from ${JSON.stringify(join(root, "src/backtest/calibrate.ts"))};`,
        `import { loadEventData } from ${JSON.stringify(join(root, "src/backtest/load.ts"))};`,
        `import { ConfigSchema } from ${JSON.stringify(join(root, "src/config/schema.ts"))};`,
        `import { engineOptionsFromConfig } from ${JSON.stringify(join(root, "src/model/engine.ts"))};`,
        `const D = ${JSON.stringify(D)};`,
        `const { data } = await loadEventData({ books: D + "/orderbook.parquet", trades: D + "/trades.parquet", funding: null, levels: 0, tickSize: 0.1 });`,
        `const b = new ScheduleBuilder(engineOptionsFromConfig(v.parse(ConfigSchema, {})), { parallel: true });`,
        `const s = await b.feedAsync(data);`,
        `console.log(s.n, b.workerFailure);`,
      ].join("\n"));
      const r = Bun.spawnSync([process.execPath, script], { cwd: root, stdout: "pipe", stderr: "pipe", timeout: 60_000 });
      expect(r.stderr.toString()).toBe("");
      expect(r.exitCode).toBe(0);
      expect(r.stdout.toString().trim()).toBe(`${want.n} null`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe("worker entry points", () => {
  test("every worker the sources start is an entry point of the binary (npm run build and the release)", () => {
    const build = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.build as string;
    const named = new Set<string>();
    for (const f of readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })) {
      if (!f.endsWith(".ts")) continue;
      const src = readFileSync(join(root, "src", f), "utf8");
      for (const m of src.matchAll(/workerEntry\("([^"]+)"\)|entry = "([^"]+)"/g)) named.add(`src/${m[1] ?? m[2]}`);
    }
    expect([...named].sort()).toEqual(["src/backtest/garch_worker.ts", "src/sweep/worker.ts"]);
    for (const e of named) {
      expect(ENTRY_POINTS).toContain(e);
      expect(build).toContain(e);
    }
    expect(build).toContain(ENTRY_POINTS.join(" "));
  });
});
