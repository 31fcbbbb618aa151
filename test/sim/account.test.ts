// account.ts pair: maker fees (rebates too), taker close, funding, lot rounding, the original's
// sizing, the inventory limit and buys limited by cash.
import { describe, expect, test } from "bun:test";
import { S } from "../../src/sim/layout.ts";
import { synData } from "../backtest/synthetic.ts";
import { runPairs } from "./pair.ts";

const ACCOUNT = [
  { maker_fee_bps: 1.5, taker_fee_bps: 4 },
  { maker_fee_bps: -0.5, taker_fee_bps: 2.5, markets_config: { SYN: { lot_size: 0.01 } } },
  { original_sizing: true, fill_model: "queue" },
  { original_sizing: true, fill_model: "cross" },
  { max_inventory: 0.2, markets_config: { SYN: { lot_size: 0.05 } } },
  { initial_capital: 50 }, // buys refused for cash
  { fill_model: "queue", max_inventory: 0.3, maker_fee_bps: 2 },
].map((x) => ({ fill_model: "cross", requote: "every_update", ...x }));

describe("account: WASM account.ts vs reference/account.ts", () => {
  test("synthetic markets with hourly funding (about 2.5 h each), every account setting", () => {
    const runs = [1, 3].flatMap((seed) => runPairs(synData({ seed, books: 12_000 }), ACCOUNT));
    const any = (f: (sc: Float64Array) => boolean) => runs.some((r) => f(r.w.scalars));
    expect(any((sc) => sc[S.funding] !== 0)).toBe(true);
    expect(any((sc) => sc[S.makerFees]! < 0)).toBe(true); // a rebate
    expect(any((sc) => sc[S.limitTime]! > 0)).toBe(true); // at the inventory limit
    expect(any((sc) => sc[S.closeFee]! > 0)).toBe(true);
    const poor = runs.find((r) => r.over.initial_capital === 50)!;
    expect(poor.w.scalars[S.bidFills]!).toBeLessThan(poor.w.scalars[S.askFills]! + 1); // cash stops the buys
  }, 60_000);
});
