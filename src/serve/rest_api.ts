/**
 * The REST side of `serve`: `GET /info/markets`, `/info/markets/{m}/trades` and
 * `/info/markets/{m}/orderbook` in the exchange's shapes, answered at the replay position.
 */
import { formatNumber } from "../exchange/decimal.ts";
import { encodeRestError, encodeRestTrades } from "../exchange/encode.ts";
import { REST_PATH } from "../exchange/urls.ts";
import type { ReplayClock } from "./clock.ts";
import type { MarketTimeline } from "./timeline.ts";

export const json = (body: string, status = 200): Response => new Response(body, { status, headers: { "Content-Type": "application/json" } });
export const notFound = (what: string): Response => json(encodeRestError(404, what), 404);

export interface RestApiOptions {
  timelines: ReadonlyMap<string, MarketTimeline>;
  clock: ReplayClock;
  /** Most trades `/trades` returns (the latest ones). */
  tradesLimit: number;
}

export class RestApi {
  constructor(private readonly o: RestApiOptions) {}

  /** Answers a request whose path starts with REST_PATH. */
  handle(url: URL): Response {
    const path = url.pathname.slice(REST_PATH.length);
    if (path === "/info/markets") {
      const wanted = url.searchParams.getAll("market").flatMap((s) => s.split(",")).filter(Boolean);
      const all = [...this.o.timelines.values()];
      const list = wanted.length ? wanted.map((m) => this.o.timelines.get(m)).filter((t): t is MarketTimeline => !!t) : all;
      return json(JSON.stringify({ status: "OK", data: list.map((t) => this.market(t)) }));
    }
    const m = /^\/info\/markets\/([^/]+)\/(trades|orderbook)$/.exec(path);
    if (!m) return notFound(`no such endpoint ${url.pathname}`);
    const tl = this.o.timelines.get(decodeURIComponent(m[1]));
    if (!tl) return notFound("Market not found");
    return m[2] === "trades" ? this.trades(tl, url.searchParams.get("limit")) : this.orderbook(tl);
  }

  private bookRow(tl: MarketTimeline): number {
    return Math.max(0, this.o.clock.position(tl, "book"));
  }

  private trades(tl: MarketTimeline, limitText: string | null): Response {
    const end = this.o.clock.tradeEnd(tl);
    const q = limitText === null ? this.o.tradesLimit : /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!(q > 0)) return json(encodeRestError(400, `limit: expected a positive integer, got ${JSON.stringify(limitText)}`), 400);
    const limit = Math.min(q, this.o.tradesLimit);
    const out = [];
    for (let k = Math.max(0, end - limit); k < end; k++) out.push(tl.tradeAt(k));
    return json(encodeRestTrades(out));
  }

  private orderbook(tl: MarketTimeline): Response {
    const snap = tl.bookRows ? tl.snapshot(this.bookRow(tl)) : { bids: [], asks: [] };
    const side = (lv: { p: string; q: string }[]) => lv.map((l) => ({ qty: l.q, price: l.p }));
    return json(JSON.stringify({ status: "OK", data: { market: tl.market, bid: side(snap.bids), ask: side(snap.asks) } }));
  }

  private market(tl: MarketTimeline): Record<string, unknown> {
    const fmt = (x: number) => (x === x ? formatNumber(x) : "0");
    const best = tl.bookRows ? tl.bestOf(this.bookRow(tl)) : { bid: NaN, ask: NaN };
    const end = this.o.clock.tradeEnd(tl);
    const last = end > 0 ? tl.tradeAt(end - 1).p : "0";
    const mid = best.bid === best.bid && best.ask === best.ask ? (best.bid + best.ask) / 2 : NaN;
    const fg = tl.fundingRows > 0 ? this.o.clock.position(tl, "funding") : -1;
    const fundingRate = fg >= 0 ? tl.funding(fg).rate : "0";
    const [asset] = tl.market.split("-");
    return {
      name: tl.market,
      assetName: asset,
      assetPrecision: tl.sizeScale.decimals,
      collateralAssetName: "USD",
      collateralAssetPrecision: 6,
      active: true,
      status: "ACTIVE",
      marketStats: {
        dailyVolume: "0",
        dailyVolumeBase: "0",
        dailyPriceChange: "0",
        dailyPriceChangePercentage: "0",
        dailyLow: "0",
        dailyHigh: "0",
        lastPrice: last,
        askPrice: fmt(best.ask),
        bidPrice: fmt(best.bid),
        markPrice: fmt(mid),
        indexPrice: fmt(mid),
        fundingRate,
        nextFundingRate: 0,
        openInterest: "0",
        openInterestBase: "0",
      },
      tradingConfig: {
        minOrderSize: tl.sizeStep,
        minOrderSizeChange: tl.sizeStep,
        minPriceChange: tl.tickSize,
        maxMarketOrderValue: "1000000",
        maxLimitOrderValue: "5000000",
        maxPositionValue: "10000000",
        maxLeverage: "50.00",
        maxNumOrders: "200",
        limitPriceCap: "0.05",
        limitPriceFloor: "0.05",
      },
      l2Config: { type: "STARKX", collateralId: "0x0", collateralResolution: 1000000, syntheticId: "0x0", syntheticResolution: 1000000 },
    };
  }
}
