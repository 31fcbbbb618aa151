import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshState, loadState, parseState, saveState, serializeState } from "../../src/collect/state_file.ts";
import { TradeDedup } from "../../src/collect/trade_dedup.ts";
import { setLogLevel } from "../../src/log.ts";

const tmp = mkdtempSync(join(tmpdir(), "emm-state-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
setLogLevel("silent");

test("round trip keeps trade ids above 2^53 exact and every field", () => {
  const s = freshState("ETH-USD");
  s.last_trade_id = 1992214670521405447n;
  s.last_orderbook_seq = 12;
  s.orderbook_part_counter = 7;
  s.trade_dedup = { floor: "1992214670521405400", ids: ["1992214670521405446", "1992214670521405447"] };
  const text = serializeState(s);
  expect(text).toContain('"last_trade_id": 1992214670521405447,'); // a JSON integer, as the original's i64
  expect(parseState(text, "ETH-USD")).toEqual(s);
  saveState(tmp, s);
  expect(loadState(tmp, "ETH-USD")).toEqual(s);
});

test("a state.json written by the original loads; everything up to its last id counts as stored", () => {
  const original = `{
  "market": "BTC-USD",
  "last_trade_id": 1844000421446684673,
  "last_trade_timestamp": 1764000000000,
  "last_orderbook_seq": 5531,
  "last_orderbook_timestamp": 1764000000100,
  "trades_count": 412,
  "orderbook_updates_count": 90210,
  "orderbook_part_counter": 3,
  "trades_part_counter": 1
}`;
  const s = parseState(original, "BTC-USD");
  expect(s.last_trade_id).toBe(1844000421446684673n);
  expect(s.orderbook_part_counter).toBe(3);
  const d = new TradeDedup(16);
  d.restore(s.trade_dedup);
  expect(d.accept(1844000421446684673n)).toBe(false);
  expect(d.accept(1844000421446684674n)).toBe(true);
});

test("an invalid or foreign state.json is replaced by a fresh state (warned), never half-used", () => {
  for (const bad of ["{", "[]", '{"market":"ETH-USD"}', '{"market":"BTC-USD","trades_count":-1}', '{"market":"BTC-USD","trade_dedup":{"floor":1}}']) {
    writeFileSync(join(tmp, "state.json"), bad);
    expect(loadState(tmp, "BTC-USD")).toEqual(freshState("BTC-USD"));
  }
});
