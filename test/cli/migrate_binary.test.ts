import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compiledBinary, runBinary } from "../support/binary.ts";

/**
 * migrate → calculate_spread → simulate → serve from the compiled binary, alone in an empty
 * directory: the Parquet writer and reader (parquet-wasm), the legacy CSV reader and the model
 * all work without node_modules or sources.
 */
const DATA = join(import.meta.dir, "../fixtures");
let bin = "";
let work = "";
const run = (args: string[]) => runBinary(bin, args, work);

beforeAll(() => {
  ({ bin, dir: work } = compiledBinary());
}, 180_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("compiled binary: migrate, calculate_spread, simulate, serve", () => {
  test("migrate real ETH trades.csv + a book CSV, then calculate_spread --now from the parts", () => {
    const csv = join(DATA, "extended-eth-usd-trades-62min/trades.csv");
    const trades = readFileSync(csv, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    const lines = ["timestamp_ms,datetime,market,seq,bid_price0,bid_qty0,ask_price0,ask_qty0"];
    let j = 0;
    let last = Number(trades[0][4]);
    for (let ts = Number(trades[0][0]) - 1000, seq = 1; ts < Number(trades.at(-1)![0]) + 1000; ts += 1000, seq++) {
      while (j < trades.length && Number(trades[j][0]) < ts) last = Number(trades[j++][4]);
      lines.push([ts, "x", "ETH-USD", seq, (last - 0.05).toFixed(2), 3, (last + 0.05).toFixed(2), 3].join(","));
    }
    writeFileSync(join(work, "orderbook_depth.csv"), lines.join("\n") + "\n");
    const m = run(["migrate", "--trades", csv, "--orderbook", "orderbook_depth.csv", "--data-dir", "data", "--json"]);
    expect(m.code).toBe(0);
    const s = JSON.parse(m.out);
    expect(s.trades.rows).toBe(682);
    expect(s.orderbook.rows).toBe(lines.length - 1);
    const now = run(["calculate_spread", "--market", "ETH-USD", "--data-dir", "data", "--now", "--json"]);
    expect(now.code).toBe(0);
    const q = JSON.parse(now.out);
    expect(q.bid).toBeGreaterThan(0);
    expect(q.bid).toBeLessThan(q.ask);
    for (const k of ["sigma", "kappa_bid", "kappa_ask", "a_bid", "a_ask", "reservation"]) expect(Number.isFinite(q[k])).toBe(true);
  });

  test("calculate_spread on the DuckDB-written StandX Parquet; simulate --json; bad input keeps its exit codes", () => {
    const sx = join(DATA, "standx-btc-usd-2h");
    const r = run(["spread", "--market", "BTC-USD", "--orderbook", join(sx, "orderbook.parquet"), "--trades", join(sx, "trades.parquet"), "--output", "as.csv", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).rows).toBeGreaterThan(100);
    expect(readFileSync(join(work, "as.csv"), "utf8")).not.toContain("NaN");
    const sim = run(["simulate", "--paths", "50", "--json"]);
    expect(sim.code).toBe(0);
    expect(JSON.parse(sim.out).inventory.spread).toBeGreaterThan(1);
    expect(run(["simulate", "--paths", "1"]).code).toBe(2);
    expect(run(["calculate_spread", "--market", "ETH-USD", "--data-dir", "nowhere"]).code).toBe(3);
  });

  test("serve --json prints its URLs on stdout and stops after --duration with exit 0", () => {
    const r = run(["serve", "--data-dir", "data", "--port", "0", "--json", "--duration", "0.3"]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out.trim());
    expect(info.markets).toEqual(["ETH-USD"]);
    expect(info.ws_base).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
  });
});
