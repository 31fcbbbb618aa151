import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as v from "valibot";
import { resolveMarket } from "../../src/config/market.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { engineOptionsFromConfig, type EngineOptions } from "../../src/model/engine.ts";
import { quoteParamsFromConfig } from "../../src/model/quote.ts";
import { SpreadSeries, spreadQuoteParams } from "../../src/model/spread_series.ts";
import { forEachEvent, openEvents } from "../../src/storage/events.ts";

const D = join(import.meta.dir, "../fixtures/standx-btc-usd-2h");

async function run(overrides: Record<string, unknown>, engine: Partial<EngineOptions> = {}) {
  const config = v.parse(ConfigSchema, overrides);
  const s = new SpreadSeries({ ...engineOptionsFromConfig(config), ...engine }, spreadQuoteParams(quoteParamsFromConfig(config, resolveMarket(config, "BTC-USD", { name: "BTC-USD", tick_size: 0.1 }))), 1000);
  for await (const c of openEvents({ books: join(D, "orderbook.parquet"), trades: join(D, "trades.parquet"), funding: null })) {
    forEachEvent(c, (b, i) => s.onBook(b, i), (t, j) => s.onTrade(t, j));
  }
  s.finish();
  return s.rows;
}

/**
 * Real 2 h BTC-USD book (StandX). Adjacent calibrations 60 s apart share 59 of their 60 minutes
 * of data once the 1 h window is full, so parameters that are window averages (realized σ, κ, A)
 * move far less than their own level between them: the median adjacent change must be < 5 %.
 * Single steps can be large when a burst leaves the window — at 5,065 s a sweep of ~60 deep
 * sell trades (8 % of the bid sample) drops out and κ_bid moves 14.0k → 21.3k (the MLE's known
 * sensitivity to far trades, §9.3-15) — so the bound per step is "less than doubling".
 * The GARCH one-step forecast reacts to the last returns by design (variance targeting pins its
 * long-run level to the window's mean square): its median ratio to realized σ must be within a
 * factor 2, every ratio within a factor 20.
 */
describe("calibration on the real StandX BTC-USD sample", async () => {
  const garch = await run({});
  const realized = await run({ volatility_model: "realized" });
  const literal = await run({}, { garchFullGridEvery: 1 });

  test("every calibration gives finite, positive parameters and a valid quote", () => {
    expect(garch.length).toBeGreaterThan(100);
    for (const r of [...garch, ...realized]) {
      for (const x of [r.cal.sigmaRaw, r.cal.kappaBid, r.cal.aBid, r.cal.kappaAsk, r.cal.aAsk, r.quote.bid, r.quote.ask]) {
        expect(Number.isFinite(x)).toBe(true);
        expect(x).toBeGreaterThan(0);
      }
      expect(r.quote.bid).toBeLessThan(r.quote.ask);
      expect(Math.abs(r.quote.bidTicks * 0.1 - r.quote.bid)).toBeLessThan(1e-6); // on the 0.1 tick
    }
    // after the first minute both sides are fitted from data, never the 100/10 defaults
    for (const r of garch.slice(1)) expect([r.cal.bidSource, r.cal.askSource]).toEqual(["fitted", "fitted"]);
  });

  test("window-average parameters are stable between adjacent windows", () => {
    const t0 = realized[0].ts;
    const full = realized.filter((r) => r.ts - t0 >= 3_600_000);
    expect(full.length).toBeGreaterThan(50);
    const changes = (get: (r: (typeof full)[number]) => number) => {
      const c = full.slice(1).map((r, i) => Math.abs(get(r) / get(full[i]) - 1)).sort((a, b) => a - b);
      return { median: c[c.length >> 1], max: c[c.length - 1] };
    };
    for (const get of [(r: any) => r.cal.sigmaRaw, (r: any) => r.cal.kappaBid, (r: any) => r.cal.kappaAsk, (r: any) => r.cal.aBid, (r: any) => r.cal.aAsk]) {
      const c = changes(get);
      expect(c.median).toBeLessThan(0.05);
      expect(c.max).toBeLessThan(1);
    }
  });

  test("GARCH forecasts track the realized level", () => {
    const ratios = garch.slice(1).map((r, i) => r.cal.sigmaRaw / realized[i + 1].cal.sigmaRaw).sort((a, b) => a - b);
    const median = ratios[ratios.length >> 1];
    expect(median).toBeGreaterThan(0.5);
    expect(median).toBeLessThan(2);
    expect(ratios[0]).toBeGreaterThan(0.05);
    expect(ratios[ratios.length - 1]).toBeLessThan(20);
  });

  test("the warm-started GARCH search is as good as the literal full grid (likelihood-ratio sense)", () => {
    // Both maximise the same likelihood on the same window; 2Δℓ < χ²₂(95 %) = 5.99 means the
    // two (α, β) are statistically indistinguishable.
    expect(literal.length).toBe(garch.length);
    let exact = 0;
    garch.forEach((r, i) => {
      const l = literal[i];
      expect(l.ts).toBe(r.ts);
      if (!r.cal.garch || !l.cal.garch) return;
      expect(r.cal.garch.logLik).toBeGreaterThan(l.cal.garch.logLik - 3);
      if (r.cal.garch.logLik >= l.cal.garch.logLik) exact++;
    });
    expect(exact).toBeGreaterThan(garch.length / 2);
  });
});
