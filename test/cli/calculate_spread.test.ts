import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAIN as main, runCli } from "../support/cli.ts";

const sample = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");

function run(args: string[], cwd = mkdtempSync(join(tmpdir(), "spread-"))) {
  return { ...runCli(["calculate_spread", ...args], cwd), cwd };
}
const real = ["--market", "BTC-USD", "--orderbook", join(sample, "orderbook.parquet"), "--trades", join(sample, "trades.parquet")];

describe("calculate_spread on the real StandX sample", () => {
  test("writes as_results.csv with the original's columns and prints the summary", () => {
    const dir = mkdtempSync(join(tmpdir(), "spread-"));
    const out = join(dir, "as.csv");
    const r = run([...real, "--output", out], dir);
    expect(r.code).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines[0]).toBe("timestamp,datetime,mid_price,volatility,bid_kappa,ask_kappa,bid_a,ask_a,gamma,optimal_spread_bps,bid_spread_bps,ask_spread_bps,bid_price,ask_price,reservation_price");
    // 2 h at one calibration per 60 s, plus the first (after 10 mids) and the final partial-window row
    expect(lines.length - 1).toBeGreaterThanOrEqual(118);
    expect(lines.length - 1).toBeLessThanOrEqual(123);
    for (const l of lines.slice(1)) {
      const f = l.split(",");
      expect(f).toHaveLength(15);
      expect(f[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      for (const i of [2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14]) expect(Number.isFinite(Number(f[i]))).toBe(true);
      expect(Number(f[12])).toBeLessThanOrEqual(Number(f[14]));
      expect(Number(f[13])).toBeGreaterThanOrEqual(Number(f[14]));
      expect(f[8]).toBe("0.10"); // constant γ = risk_aversion_gamma
    }
    expect(r.out).toContain("STATISTICS SUMMARY (n = ");
    expect(r.out).toContain("Bid Kappa");
    // σ per √s is ~2e-5 here: four fixed decimals would print 0.0000 in every column
    const vol = r.out.split("\n").find((l) => l.startsWith("Volatility"))!.trim().split(/\s+/).slice(1).map(Number);
    expect(vol).toHaveLength(5);
    for (const x of vol) expect(x).toBeGreaterThan(0);
  });

  test("--json reports rows and summary; --now prints the current quote", () => {
    const dir = mkdtempSync(join(tmpdir(), "spread-"));
    const j = JSON.parse(run([...real, "--output", join(dir, "a.csv"), "--json"], dir).out);
    expect(j.rows).toBeGreaterThan(100);
    expect(j.summary.total_spread_bps.n).toBe(j.rows);
    const now = run([...real, "--now", "--json", "--inventory", "0.5"], dir);
    expect(now.code).toBe(0);
    const q = JSON.parse(now.out);
    expect(q.inventory).toBe(0.5);
    expect(q.bid).toBeLessThan(q.ask);
    expect(q.bid).toBeGreaterThan(0);
    for (const k of ["sigma", "kappa_bid", "kappa_ask", "a_bid", "a_ask", "gamma", "reservation"]) expect(Number.isFinite(q[k])).toBe(true);
    expect(q.reservation).toBeLessThan(q.mid); // long inventory skews down
    // --now agrees with the last row of the full run (same window, same data)
    expect(Math.abs(q.kappa_bid - j.last.kappa_bid) / j.last.kappa_bid).toBeLessThan(1e-9);
  });

  test("--now shows the last stored touch, read independently by DuckDB", async () => {
    const q = JSON.parse(run([...real, "--now", "--json"]).out);
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const rows = (await db.runAndReadAll(
      `SELECT timestamp_ms, bid_price_0, bid_qty_0, ask_price_0, ask_qty_0 FROM '${join(sample, "orderbook.parquet")}' ORDER BY timestamp_ms DESC LIMIT 1`,
    )).getRows()[0].map(Number);
    const [ts, bp, bq, ap, aq] = rows;
    expect(q.touch.timestamp_ms).toBe(ts);
    expect(q.touch.best_bid).toBeCloseTo(bp, 9);
    expect(q.touch.best_ask).toBeCloseTo(ap, 9);
    expect(q.touch.mid).toBe((bp + ap) / 2);
    expect(q.touch.microprice).toBeCloseTo((bp * aq + ap * bq) / (bq + aq), 6);
  });
});

describe("calculate_spread bad input", () => {
  test("missing data is a data error (exit 3) in one line", () => {
    const r = run(["--market", "ETH-USD", "--data-dir", "nowhere"]);
    expect(r.code).toBe(3);
    const errors = r.err.trim().split("\n").filter((l) => l.includes("error"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("eth_usd");
  });
  test("bad flags are usage errors (exit 2)", () => {
    expect(run([...real, "--inventory", "x", "--now"]).code).toBe(2);
    expect(run([...real, "--inventory", "1"]).code).toBe(2);
    const out = run([...real, "--now", "--output", "x.csv"]); // --now writes no CSV: the flag would be ignored
    expect(out.code).toBe(2);
    expect(out.err).toContain("--output");
    expect(run(["--market", "../etc"]).code).toBe(2);
  });
  test("a legacy CSV book with one-sided rows gives defined rows, never NaN", () => {
    const dir = mkdtempSync(join(tmpdir(), "spread-"));
    const trades = join(dir, "trades.csv");
    writeFileSync(trades, "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type\n");
    const r = run(["--market", "ETH-USD", "--orderbook", join(sample, "orderbook.parquet"), "--trades", trades, "--output", join(dir, "o.csv")], dir);
    expect(r.code).toBe(0);
    const body = readFileSync(join(dir, "o.csv"), "utf8");
    expect(body).not.toContain("NaN");
    // no trades at all: every κ is the documented default, and the user is told
    expect(body.split("\n")[1].split(",")[4]).toBe("100.00");
    expect(r.err).toMatch(/\[warn\].*no trades/);
  });
});

describe("calculate_spread: what a user is told", () => {
  test("--output naming one of the inputs is refused before anything is read or written", () => {
    const dir = mkdtempSync(join(tmpdir(), "spread-"));
    const tr = join(dir, "tr.csv");
    const text = "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type\n";
    writeFileSync(tr, text);
    const r = run(["--market", "BTC-USD", "--orderbook", join(sample, "orderbook.parquet"), "--trades", tr, "--output", "./tr.csv"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--output");
    expect(readFileSync(tr, "utf8")).toBe(text);
  });

  test("an --output that is a directory or cannot be created: exit 1, one line naming --output, no 'unexpected error'", () => {
    const dir = mkdtempSync(join(tmpdir(), "spread-"));
    writeFileSync(join(dir, "file"), "x");
    for (const out of [dir, join(dir, "file", "sub", "as.csv")]) {
      const r = run([...real, "--output", out], dir);
      expect(r.code).toBe(1);
      const errors = r.err.trim().split("\n").filter((l) => l.includes("[error]"));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`--output ${out}`);
      expect(r.err).not.toContain("unexpected error");
    }
  });

  test("trades that no earlier book can place (other period) are reported, not silently ignored", () => {
    const dir = mkdtempSync(join(tmpdir(), "spread-"));
    const eth = join(import.meta.dir, "../fixtures/extended-eth-usd-trades-62min/trades.csv");
    const r = run(["--market", "BTC-USD", "--orderbook", join(sample, "orderbook.parquet"), "--trades", eth, "--output", join(dir, "o.csv"), "--json"], dir);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.trades).toBe(682);
    expect(j.trades_used).toBe(0);
    expect(r.err).toContain("none of the 682 trades");
    // and the market named in the trade file is not the one asked for
    expect(r.err).toContain("ETH-USD");
    const ok = JSON.parse(run([...real, "--output", join(dir, "p.csv"), "--json"], dir).out);
    expect(ok.trades_used).toBeGreaterThan(0); // 3,584 of 6,184: locked books put many trades at the mid (δ = 0)
    expect(ok.trades_used).toBeLessThanOrEqual(ok.trades);
  });
});

describe("calculate_spread on unsorted input", () => {
  test("book rows or trades going back in time are counted and warned about (the merge assumes time order)", () => {
    const dir = mkdtempSync(join(tmpdir(), "spread-"));
    const head = "timestamp_ms,datetime,market,seq,bid_price0,bid_qty0,ask_price0,ask_qty0";
    const rows = Array.from({ length: 40 }, (_, i) => `${1_000_000 + (39 - i) * 1000},x,ETH-USD,${i + 1},100,50,101,50`);
    writeFileSync(join(dir, "ob.csv"), [head, ...rows].join("\n") + "\n");
    writeFileSync(join(dir, "tr.csv"), "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type\n1002000,x,ETH-USD,buy,101,1,2,TRADE\n1001000,x,ETH-USD,sell,100,1,1,TRADE\n");
    const r = run(["--market", "ETH-USD", "--orderbook", "ob.csv", "--trades", "tr.csv", "--output", "o.csv", "--json"], dir);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.timestamp_regressions).toEqual({ books: 39, trades: 1 });
    expect(r.err).toContain("go back in time");
    const sorted = run([...real, "--output", join(dir, "p.csv"), "--json"], dir);
    expect(JSON.parse(sorted.out).timestamp_regressions).toEqual({ books: 0, trades: 0 });
    expect(sorted.err).not.toContain("go back in time");
  });
});

describe("calculate_spread on a collector-style data directory", () => {
  test("default paths, market.json tick, and --now from the latest window of the parts", async () => {
    const { readBookFile, readTradeFile } = await import("../../src/storage/parquet/index.ts");
    const { writeBookPart, writeTradePart } = await import("../../src/storage/parquet/index.ts");
    const { concatBooks, concatTrades, sliceBook, sliceTrades } = await import("../../src/storage/batch.ts");
    const { orderbookPartName, partName } = await import("../../src/storage/layout.ts");
    const { mkdirSync } = await import("node:fs");
    const books = [];
    for await (const b of readBookFile(join(sample, "orderbook.parquet"))) books.push(b);
    const trades = [];
    for await (const t of readTradeFile(join(sample, "trades.parquet"))) trades.push(t);
    const book = concatBooks(books);
    const trade = concatTrades(trades);
    const dir = mkdtempSync(join(tmpdir(), "spread-dd-"));
    const mk = join(dir, "data", "btc_usd");
    mkdirSync(join(mk, "orderbook_parts"), { recursive: true });
    mkdirSync(join(mk, "trades_parts"), { recursive: true });
    writeFileSync(join(mk, "market.json"), JSON.stringify({ name: "BTC-USD", tick_size: 0.1, lot_size: 0.001 }));
    const parts = 3;
    for (let p = 0; p < parts; p++) {
      const b = sliceBook(book, Math.floor((p * book.length) / parts), Math.floor(((p + 1) * book.length) / parts));
      await writeBookPart(join(mk, "orderbook_parts", orderbookPartName(b.timestampMs[0], p, p)), b);
      const t = sliceTrades(trade, Math.floor((p * trade.length) / parts), Math.floor(((p + 1) * trade.length) / parts));
      await writeTradePart(join(mk, "trades_parts", partName(t.timestampMs[0], p)), t);
    }
    const full = run(["--market", "BTC-USD", "--data-dir", "data", "--json"], dir);
    expect(full.code).toBe(0);
    const j = JSON.parse(full.out);
    expect(j.output).toBe(join("data", "btc_usd", "as_results.csv"));
    expect(j.rows).toBeGreaterThan(100);
    const csv = readFileSync(join(dir, "data", "btc_usd", "as_results.csv"), "utf8").trim().split("\n");
    for (const l of csv.slice(1)) {
      const bid = Number(l.split(",")[12]);
      expect(Math.abs(Math.round(bid * 10) - bid * 10)).toBeLessThan(1e-6); // market.json tick 0.1
    }
    const now = run(["--market", "BTC-USD", "--data-dir", "data", "--now", "--json"], dir);
    expect(now.code).toBe(0);
    const q = JSON.parse(now.out);
    expect(q.tick_size).toBe(0.1);
    // --now read only the last part plus one window before it, yet sees the same last window
    expect(q.ts).toBe(j.last.ts);
    expect(Math.abs(q.kappa_bid / j.last.kappa_bid - 1)).toBeLessThan(1e-5);
    expect(Math.abs(q.a_ask / j.last.a_ask - 1)).toBeLessThan(1e-5);
  });
});

describe("calculate_spread --now on a data dir made by migrate", () => {
  test("real ETH trades.csv + an order book CSV around them → migrate → --now equals the full run's last row", () => {
    const dir = mkdtempSync(join(tmpdir(), "spread-mig-"));
    const csv = join(import.meta.dir, "../fixtures/extended-eth-usd-trades-62min/trades.csv");
    const trades = readFileSync(csv, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    // a 5-level book every 500 ms, centred half a tick off the last trade (so trades sit off the mid)
    const head = ["timestamp_ms", "datetime", "market", "seq"];
    for (let i = 0; i < 5; i++) head.push(`bid_price${i}`, `bid_qty${i}`, `ask_price${i}`, `ask_qty${i}`);
    const lines = [head.join(",")];
    const t0 = Number(trades[0][0]) - 1000;
    const t1 = Number(trades[trades.length - 1][0]) + 1000;
    let j = 0;
    let last = Number(trades[0][4]);
    for (let ts = t0, seq = 1; ts < t1; ts += 500, seq++) {
      while (j < trades.length && Number(trades[j][0]) < ts) last = Number(trades[j++][4]);
      const row = [String(ts), "x", "ETH-USD", String(seq)];
      for (let i = 0; i < 5; i++) row.push((last - 0.05 - 0.1 * i).toFixed(2), "3", (last + 0.05 + 0.1 * i).toFixed(2), "2.5");
      lines.push(row.join(","));
    }
    writeFileSync(join(dir, "orderbook_depth.csv"), lines.join("\n") + "\n");
    writeFileSync(join(dir, "small.json"), JSON.stringify({ orderbook_rows_per_part: 2000, markets: ["ETH-USD"] }));
    const mig = Bun.spawnSync([process.execPath, main, "migrate", "--trades", csv, "--orderbook", "orderbook_depth.csv", "--data-dir", "data", "--config", "small.json", "--json"], { cwd: dir });
    expect(mig.exitCode).toBe(0);
    const m = JSON.parse(mig.stdout.toString());
    expect(m.trades.rows).toBe(682);
    expect(m.orderbook.parts.length).toBeGreaterThan(2); // --now must reach back across parts

    const full = run(["--config", "small.json", "--data-dir", "data", "--json"], dir);
    expect(full.code).toBe(0);
    const j1 = JSON.parse(full.out);
    expect(j1.market).toBe("ETH-USD");
    expect(j1.trades).toBe(682);
    expect(j1.trades_used).toBeGreaterThan(0); // 362: trades on the wrong side of this synthetic mid have δ ≤ 0
    const now = run(["--config", "small.json", "--data-dir", "data", "--now", "--json"], dir);
    expect(now.code).toBe(0);
    const q = JSON.parse(now.out);
    expect(q.ts).toBe(j1.last.ts);
    expect(q.bid).toBeGreaterThan(0);
    expect(q.bid).toBeLessThan(q.ask);
    for (const p of [q.bid, q.ask]) expect(Math.abs(Math.round(p * 100) - p * 100)).toBeLessThan(1e-6); // tick 0.01
    expect(Math.abs(q.kappa_bid / j1.last.kappa_bid - 1)).toBeLessThan(1e-5);
    expect(Math.abs(q.sigma / j1.last.sigma - 1)).toBeLessThan(1e-9);
    // the human form prints the same quote
    const text = run(["--config", "small.json", "--data-dir", "data", "--now", "--inventory", "2"], dir);
    expect(text.code).toBe(0);
    expect(text.out).toContain("ETH-USD at ");
    expect(text.out).toMatch(/inventory 2: reservation \d+\.\d{2} {2}bid \d+\.\d{2} {2}ask \d+\.\d{2}/);
    expect(text.out).not.toContain("NaN");
    // compatibility mode: GARCH over the whole history, so --now must read it all to agree
    writeFileSync(join(dir, "compat.json"), JSON.stringify({ orderbook_rows_per_part: 2000, markets: ["ETH-USD"], garch_full_history: true, calibration_window_seconds: 600 }));
    const fullC = JSON.parse(run(["--config", "compat.json", "--data-dir", "data", "--json"], dir).out);
    const nowC = JSON.parse(run(["--config", "compat.json", "--data-dir", "data", "--now", "--json"], dir).out);
    expect(nowC.ts).toBe(fullC.last.ts);
    expect(nowC.sigma_raw).toBe(fullC.last.sigma_raw);
  });
});

describe("calculate_spread and market.json", () => {
  test("a tick_size that is not a positive number is a data error naming the file and key, not a silent fallback to 0.01", () => {
    const dir = mkdtempSync(join(tmpdir(), "spread-mj-"));
    const { mkdirSync } = require("node:fs") as typeof import("node:fs");
    mkdirSync(join(dir, "data", "btc_usd"), { recursive: true });
    for (const [body, msg] of [
      [{ name: "BTC-USD", tick_size: "abc" }, 'tick_size: expected a positive number, got "abc"'],
      [{ name: "BTC-USD", tick_size: 0.1, lot_size: -1 }, "lot_size: expected a positive number, got -1"],
      [[1, 2], "expected a JSON object"],
    ] as const) {
      writeFileSync(join(dir, "data", "btc_usd", "market.json"), JSON.stringify(body));
      const r = run([...real, "--data-dir", "data", "--now"], dir);
      expect(r.code).toBe(3);
      expect(r.err).toContain(join("data", "btc_usd", "market.json"));
      expect(r.err).toContain(msg);
    }
    writeFileSync(join(dir, "data", "btc_usd", "market.json"), JSON.stringify({ name: "BTC-USD", tick_size: "0.5", lot_size: null }));
    const ok = run([...real, "--data-dir", "data", "--now", "--json"], dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).tick_size).toBe(0.5);
  });
});

describe("as_results.csv number formats", () => {
  test("tiny prices (tick 1e-9) are written as plain decimals, never in exponent form", async () => {
    const { toCsv } = await import("../../src/cli/calculate_spread.ts");
    const cal = { sigma: 1e-5, sigmaRaw: 1e-5, kappaBid: 1e4, kappaAsk: 1e4, aBid: 5, aAsk: 5 };
    const quote = { gamma: 0.1, bid: 1.22e-7, ask: 1.25e-7, reservation: 1.234e-7 };
    const row = { ts: 1_767_000_000_000, mid: 1.2345e-7, cal, quote, optimalSpreadBps: 243.1, bidSpreadBps: 113.4, askSpreadBps: 129.7 };
    const line = toCsv([row as never], 1e-9).trim().split("\n")[1];
    expect(line).not.toMatch(/e-/);
    const f = line.split(",");
    expect(f[2]).toMatch(/^0\.\d{1,10}$/); // mid to one decimal below the tick
    expect(Math.abs(Number(f[2]) - 1.2345e-7)).toBeLessThanOrEqual(5.0001e-11);
    expect(f[12]).toBe("0.000000122");
    expect(f[13]).toBe("0.000000125");
  });
});

describe("κ the data cannot identify", () => {
  test("a book centred on the last trade (trades spread evenly over the exposure) gives κ at the bound: flagged, not silent", () => {
    const dir = mkdtempSync(join(tmpdir(), "spread-kb-"));
    const csv = join(import.meta.dir, "../fixtures/extended-eth-usd-trades-62min/trades.csv");
    const trades = readFileSync(csv, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    const lines = ["timestamp_ms,datetime,market,seq,bid_price0,bid_qty0,ask_price0,ask_qty0,bid_price1,bid_qty1,ask_price1,ask_qty1"];
    let j = 0;
    let last = Number(trades[0][4]);
    for (let ts = Number(trades[0][0]) - 1000, seq = 1; ts < Number(trades.at(-1)![0]) + 1000; ts += 500, seq++) {
      while (j < trades.length && Number(trades[j][0]) < ts) last = Number(trades[j++][4]);
      lines.push([ts, "x", "ETH-USD", seq, (last - 0.1).toFixed(1), 1.5, (last + 0.1).toFixed(1), 2, (last - 0.2).toFixed(1), 1.5, (last + 0.2).toFixed(1), 2].join(","));
    }
    writeFileSync(join(dir, "ob.csv"), lines.join("\n") + "\n");
    const args = ["--market", "ETH-USD", "--orderbook", "ob.csv", "--trades", csv];
    const full = run([...args, "--output", "o.csv", "--json"], dir);
    expect(full.code).toBe(0);
    const j1 = JSON.parse(full.out);
    expect(j1.kappa_at_bound_rows).toBeGreaterThan(0);
    expect(full.err).toContain("search bound");
    const now = run([...args, "--now"], dir);
    expect(now.out).toContain("at the search bound: not identified");
    // the real StandX sample has interior fits at its last row
    const q = JSON.parse(run([...real, "--now", "--json"], dir).out);
    expect([q.kappa_bid_at_bound, q.kappa_ask_at_bound]).toEqual([false, false]);
  });
});
