/**
 * CSV outputs of a backtest:
 * - backtest_results.csv: one row per recalibration, the original's 16 columns first (§6.5, same
 *   names and meaning — `pnl` is cash + inventory × mid, i.e. equity, as the original wrote it),
 *   then added columns (volatility, profit, equity-based return).
 * - fills.csv: one row per fill, the closing trade last.
 */
import { FILL_BY_BOOK, FILL_CLOSE, FILL_LIQUIDATION, type RunResult } from "../sim/layout.ts";
import type { CalibratedSchedule } from "../backtest/calibrate.ts";

export const RESULTS_HEADER =
  "timestamp,datetime,mid_price,inventory,cash,pnl,spread_bps,bid_price,ask_price,bid_fills,ask_fills,gamma,bid_kappa,ask_kappa,bid_a,ask_a" +
  ",volatility,profit,return_pct";

export const FILLS_HEADER = "timestamp,datetime,side,price,size,notional,fee,liquidity,source,trade_index,mid,inventory,cash";

/** `2023-11-14 22:13:29.000 UTC` as the original. */
const datetimeUtc = (ts: number) => `${new Date(ts).toISOString().slice(0, 23).replace("T", " ")} UTC`;

/** Shortest round-trip text of a double; empty for non-finite (never "NaN" in a CSV). */
const num = (x: number) => (Number.isFinite(x) ? String(x) : "");
const fx = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : "");
/**
 * A mid, (bid + ask) / 2 in doubles, carries one ulp of noise (94066.29999999999 for 94066.3);
 * 15 significant digits drop it (the original printed the exact decimal).
 */
const mid15 = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(15))) : "");

export function resultsCsv(r: RunResult, s: CalibratedSchedule, capital: number): string {
  const q = r.rows;
  const out = [RESULTS_HEADER];
  for (let k = 0; k < q.mid.length; k++) {
    const mid = q.mid[k]!, inv = q.inventory[k]!, cash = q.cash[k]!;
    const eq = cash + inv * mid;
    const spreadBps = mid > 0 ? (q.spread[k]! / mid) * 1e4 : 0;
    out.push([
      s.ts[k]!, datetimeUtc(s.ts[k]!), mid15(mid), fx(inv, 6), num(cash), num(eq), fx(spreadBps, 2), num(q.bid[k]!), num(q.ask[k]!),
      q.bidFills[k]!, q.askFills[k]!, fx(q.gamma[k]!, 6), fx(s.kappaBid[k]!, 2), fx(s.kappaAsk[k]!, 2), fx(s.aBid[k]!, 2), fx(s.aAsk[k]!, 2),
      num(s.sigmaRaw[k]!), num(eq - capital), fx(capital > 0 ? ((eq - capital) / capital) * 100 : 0, 6),
    ].join(","));
  }
  return out.join("\n") + "\n";
}

export function fillsCsv(r: RunResult): string {
  const f = r.fills;
  const out = [FILLS_HEADER];
  for (let i = 0; i < f.ts.length; i++) {
    const src = f.trade[i]!;
    const taker = src === FILL_CLOSE || src === FILL_LIQUIDATION;
    out.push([
      f.ts[i]!, datetimeUtc(f.ts[i]!), f.side[i]! > 0 ? "buy" : "sell", num(f.price[i]!), num(f.size[i]!),
      num(f.price[i]! * f.size[i]!), num(f.fee[i]!), taker ? "taker" : "maker",
      src === FILL_CLOSE ? "close" : src === FILL_LIQUIDATION ? "liquidation" : src === FILL_BY_BOOK ? "book" : "trade", src >= 0 ? src : "",
      mid15(f.mid[i]!), num(f.inventory[i]!), num(f.cash[i]!),
    ].join(","));
  }
  return out.join("\n") + "\n";
}
