import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBooks, concatTrades } from "../../src/storage/batch.ts";
import { openBookSource, openTradeSource } from "../../src/storage/sources.ts";
import { collect, FIXTURES } from "../storage/helpers.ts";

const main = join(import.meta.dir, "../../src/main.ts");
const dir = mkdtempSync(join(tmpdir(), "emm-migrate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TRADES = join(FIXTURES, "extended-eth-usd-trades-62min/trades.csv");

function run(args: string[]) {
  const r = Bun.spawnSync([process.execPath, main, "migrate", ...args], { cwd: dir, env: { ...process.env, LOG_LEVEL: "warn" } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

writeFileSync(join(dir, "small2.json"), JSON.stringify({ trades_rows_per_part: 2, orderbook_rows_per_part: 2 }));

describe("migrate", () => {
  test("trades.csv → parts of trades_rows_per_part rows, equal to the CSV, ids exact", async () => {
    writeFileSync(join(dir, "small.json"), JSON.stringify({ trades_rows_per_part: 300, orderbook_rows_per_part: 2 }));
    const r = run(["--trades", TRADES, "--data-dir", "data", "--config", "small.json", "--json"]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.market).toBe("ETH-USD");
    expect(s.trades.rows).toBe(682);
    expect(s.trades.parts.length).toBe(3);
    const partsDir = join(dir, "data/eth_usd/trades_parts");
    expect(readdirSync(partsDir).sort()).toEqual([...s.trades.parts].sort());
    expect(s.trades.parts[0]).toMatch(/^part_1763815965668_000000\.parquet$/);
    const viaParts = concatTrades(await collect(openTradeSource({ dataDir: join(dir, "data"), market: "ETH-USD" })));
    const viaCsv = concatTrades(await collect(openTradeSource(TRADES)));
    expect(Array.from(viaParts.tradeId!)).toEqual(Array.from(viaCsv.tradeId!));
    expect(Array.from(viaParts.price)).toEqual(Array.from(viaCsv.price));
    expect(Array.from(viaParts.side)).toEqual(Array.from(viaCsv.side));
    expect(Array.from(viaParts.timestampMs)).toEqual(Array.from(viaCsv.timestampMs));
  });

  test("re-running is refused before writing; existing parts are never touched", () => {
    const partsDir = join(dir, "data/eth_usd/trades_parts");
    const before = readdirSync(partsDir).map((f) => readFileSync(join(partsDir, f)).length);
    const r = run(["--trades", TRADES, "--data-dir", "data", "--config", "small.json"]);
    expect(r.code).toBe(3);
    expect(r.err).toContain("already migrated");
    expect(readdirSync(partsDir).map((f) => readFileSync(join(partsDir, f)).length)).toEqual(before);
  });

  test("orderbook_depth.csv: part numbers continue after existing parts, names carry first ts and seq", async () => {
    const obDir = join(dir, "data/btc_usd/orderbook_parts");
    mkdirSync(obDir, { recursive: true });
    writeFileSync(join(obDir, "part_0000000000001_0000000001_000004.parquet"), "someone else's part");
    const csv = join(dir, "orderbook_depth.csv");
    const lines = ["timestamp_ms,datetime,market,seq,bid_price0,bid_qty0,ask_price0,ask_qty0"];
    for (let i = 0; i < 5; i++) lines.push(`${2000 + i},x,BTC-USD,${10 + i},${100 + i},1,${101 + i},0`);
    writeFileSync(csv, lines.join("\n") + "\n");
    const r = run(["--orderbook", csv, "--market", "BTC-USD", "--data-dir", "data", "--config", "small.json", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).orderbook.parts).toEqual([
      "part_0000000002000_0000000010_000005.parquet",
      "part_0000000002002_0000000012_000006.parquet",
      "part_0000000002004_0000000014_000007.parquet",
    ]);
    expect(readFileSync(join(obDir, "part_0000000000001_0000000001_000004.parquet"), "utf8")).toBe("someone else's part");
    const src = openBookSource({ dataDir: join(dir, "data"), market: "BTC-USD" });
    const b = concatBooks(await collect(src));
    expect(Array.from(b.seq)).toEqual([10n, 11n, 12n, 13n, 14n]);
    expect(Array.from(b.bidPx[0])).toEqual([100, 101, 102, 103, 104]);
    // the ask quantity 0 was written as null (as the original): the ask level is missing
    expect(b.askPx[0].every((x) => Number.isNaN(x))).toBe(true);
    expect(src.skipped.map((s) => s.path)).toEqual([join(obDir, "part_0000000000001_0000000001_000004.parquet")]);
  });

  test("bad input: no source flag, bad market, bad CSV", () => {
    expect(run(["--data-dir", "data"]).code).toBe(2);
    const bad = run(["--trades", TRADES, "--market", "../x", "--data-dir", "data"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("invalid market name");
    const csv = join(dir, "bad.csv");
    writeFileSync(csv, "timestamp_ms,datetime,market,side,price,quantity\n1,x,ETH-USD,buy,oops,1\n");
    const r = run(["--trades", csv, "--data-dir", "data2"]);
    expect(r.code).toBe(3);
    expect(r.err).toContain("bad.csv:2: bad price");
    expect(run(["--trades", join(dir, "missing.csv"), "--market", "ETH-USD", "--data-dir", "data2"]).code).toBe(3);
  });

  test("a bad row after some parts were published: the run's own parts are removed, so the fixed CSV can be migrated", () => {
    const head = "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type";
    const good = Array.from({ length: 5 }, (_, i) => `${5000 + i},x,SOL-USD,buy,${100 + i},1,${i + 1},TRADE`);
    const ob = ["timestamp_ms,datetime,market,seq,bid_price0,bid_qty0,ask_price0,ask_qty0", "5000,x,SOL-USD,1,99,1,101,1", "5001,x,SOL-USD,2,99,-1,101,1"];
    writeFileSync(join(dir, "sol_trades.csv"), [head, ...good, "5009,x,SOL-USD,buy,oops,1,9,TRADE"].join("\n") + "\n");
    writeFileSync(join(dir, "sol_ob.csv"), ob.join("\n") + "\n");
    const parts = (s: string) => { try { return readdirSync(join(dir, `data4/sol_usd/${s}_parts`)).filter((f) => f.endsWith(".parquet")); } catch { return []; } };
    // trades fail at line 7 after two parts of 2 rows were published
    const r = run(["--trades", "sol_trades.csv", "--data-dir", "data4", "--config", "small2.json"]);
    expect(r.code).toBe(3);
    expect(r.err).toContain("sol_trades.csv:7: bad price");
    expect(parts("trades")).toEqual([]);
    // trades fine, order book fails: the trades parts of this run go too
    writeFileSync(join(dir, "sol_trades.csv"), [head, ...good].join("\n") + "\n");
    const r2 = run(["--trades", "sol_trades.csv", "--orderbook", "sol_ob.csv", "--data-dir", "data4", "--config", "small2.json"]);
    expect(r2.code).toBe(3);
    expect(r2.err).toContain("sol_ob.csv:3: bad bid_qty0");
    expect(parts("trades")).toEqual([]);
    // fixed: the whole run goes through
    writeFileSync(join(dir, "sol_ob.csv"), ob.slice(0, 2).join("\n") + "\n");
    const ok = run(["--trades", "sol_trades.csv", "--orderbook", "sol_ob.csv", "--data-dir", "data4", "--config", "small2.json", "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).trades.parts).toHaveLength(3);
    expect(parts("trades")).toHaveLength(3);
  });

  test("a bad row deep in a big CSV (after two parts of the same stream were published) leaves no part behind", () => {
    const lines = ["timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type"];
    for (let i = 0; i < 30_000; i++) lines.push(`${1_700_000_000_000 + i * 10},x,ADA-USD,buy,${i === 27_000 ? "oops" : "0.5"},1,${i + 1},TRADE`);
    writeFileSync(join(dir, "big.csv"), lines.join("\n") + "\n");
    writeFileSync(join(dir, "big.json"), JSON.stringify({ trades_rows_per_part: 10_000 }));
    const r = run(["--trades", "big.csv", "--data-dir", "data6", "--config", "big.json"]);
    expect(r.code).toBe(3);
    expect(r.err).toContain("big.csv:27002: bad price");
    expect(r.err).toContain("removed the 2 part(s)");
    expect(readdirSync(join(dir, "data6/ada_usd/trades_parts"))).toEqual([]);
  });

  test("a --data-dir that cannot be written: exit 1, one line naming it (not 'unexpected error')", () => {
    writeFileSync(join(dir, "a_file"), "x");
    const r = run(["--trades", TRADES, "--data-dir", "a_file"]);
    expect(r.code).toBe(1);
    const errors = r.err.trim().split("\n").filter((l) => l.includes("[error]"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("--data-dir a_file");
    expect(r.err).not.toContain("unexpected error");
  });

  test("CSVs naming different markets are refused; --market over a CSV's own market is warned about", () => {
    const t = "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type\n7000,x,ETH-USD,buy,5,1,1,TRADE\n";
    const b = "timestamp_ms,datetime,market,seq,bid_price0,bid_qty0,ask_price0,ask_qty0\n7000,x,BTC-USD,1,99,1,101,1\n";
    writeFileSync(join(dir, "mk_t.csv"), t);
    writeFileSync(join(dir, "mk_b.csv"), b);
    const r = run(["--trades", "mk_t.csv", "--orderbook", "mk_b.csv", "--data-dir", "data5"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("ETH-USD");
    expect(r.err).toContain("BTC-USD");
    expect(() => readdirSync(join(dir, "data5"))).toThrow();
    const w = run(["--trades", "mk_t.csv", "--market", "SOL-USD", "--data-dir", "data5"]);
    expect(w.code).toBe(0);
    expect(w.err).toMatch(/\[warn\].*mk_t\.csv.*ETH-USD.*SOL-USD/);
  });

  test("a header-only CSV is 'no data rows' (exit 3), with or without --market, and writes nothing", () => {
    const csv = join(dir, "header_only.csv");
    writeFileSync(csv, "timestamp_ms,datetime,market,side,price,quantity,trade_id,trade_type\n");
    for (const extra of [[], ["--market", "ETH-USD"]]) {
      const r = run(["--trades", csv, "--data-dir", "data3", ...extra]);
      expect(r.code).toBe(3);
      expect(r.err).toContain("header_only.csv: no data rows");
      expect(r.err).not.toContain("no market column");
    }
    expect(() => readdirSync(join(dir, "data3/eth_usd/trades_parts"))).toThrow();
  });
});
