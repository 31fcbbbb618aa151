/**
 * `/publicTrades/{m}` frames and REST backfills → trade rows, each trade id stored exactly once
 * (trade_dedup.ts), out-of-order trades included. The trade id, taker side, trade type and market
 * are kept (the original dropped them, bug §9.1-7).
 */
import { decodeFundingMessage, decodeTradesMessage, type PublicTrade } from "../exchange/messages.ts";
import { Side, TradeType, type FundingBatch, type TradeBatch } from "../storage/types.ts";
import { BAD_FRAME_FLOOD, BadFrames } from "./bad_frames.ts";
import type { TradeDedup } from "./trade_dedup.ts";

export interface SinkLike<B> {
  batch: B;
  n: number;
  commit(nowMs: number): boolean;
}

export interface RecorderEvents {
  resubscribe(reason: string): void;
  full(): void;
}

/** Frames held during one backfill at most (the REST call times out long before this at exchange rates). */
const MAX_HELD_FRAMES = 100_000;

const TYPE_CODE: Record<string, number> = { TRADE: TradeType.trade, LIQUIDATION: TradeType.liquidation, DELEVERAGE: TradeType.deleverage };

export class TradeRecorder {
  readonly bad: BadFrames;
  stored = 0;
  lastTradeTs: number | null = null;
  lastSeq: number | null = null;
  private holds = 0;
  private held: { trades: PublicTrade[]; nowMs: number }[] | null = null;

  constructor(
    readonly market: string,
    readonly dedup: TradeDedup,
    private readonly sink: SinkLike<TradeBatch>,
    private readonly events: RecorderEvents,
  ) {
    this.bad = new BadFrames(`${market} trades`);
  }

  /**
   * Holds stream trades while a REST backfill is in flight: the new connection's first trades are
   * newer than the outage the backfill fills, so storing them first would put trades out of time
   * order. Nested holds (a reconnect during a backfill) release when the last one ends.
   */
  hold(): void {
    this.holds++;
    this.held ??= [];
  }

  /** Ends one hold; the last one stores the trades held meanwhile, in arrival order. */
  release(): void {
    if (this.holds > 0) this.holds--;
    if (this.holds > 0 || this.held === null) return;
    const q = this.held;
    this.held = null;
    for (const f of q) for (const t of f.trades) this.store(t, f.nowMs);
  }

  /** Stores whatever is held, whatever holds are pending (shutdown). */
  releaseAll(): void {
    this.holds = 0;
    this.release();
  }

  /** Validated at once (held or not), so a bad frame is reported when it arrives; returns whether it was valid. */
  onFrame(text: string, nowMs: number): boolean {
    const d = decodeTradesMessage(text);
    if (!d.ok) return this.reject(d.error, text);
    const trades = d.value.trades;
    for (const t of trades) {
      if (t.market !== this.market) return this.reject(`market ${JSON.stringify(t.market)}, expected ${JSON.stringify(this.market)}`, text);
    }
    this.bad.good();
    this.lastSeq = d.value.seq;
    if (this.held !== null) {
      if (this.held.length < MAX_HELD_FRAMES) {
        this.held.push({ trades, nowMs });
        return true;
      }
      this.releaseAll(); // a backfill this slow is not worth unbounded memory
    }
    for (const t of trades) this.store(t, nowMs);
    return true;
  }

  /**
   * Trades from `GET /info/markets/{m}/trades`, oldest id first; returns how many were new. Only
   * ids above `afterId` (the newest stored when the connection was lost) are taken: ids grow with
   * time, and the exchange's latest trades also reach back before anything this collector ever
   * stored, which is not an outage to fill and would be stored out of time order.
   */
  backfill(trades: PublicTrade[], nowMs: number, afterId = -1n): number {
    const sorted = trades
      .filter((t) => t.market === this.market && t.id > afterId)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let n = 0;
    for (const t of sorted) if (this.store(t, nowMs)) n++;
    return n;
  }

  private store(t: PublicTrade, nowMs: number): boolean {
    if (!this.dedup.accept(t.id)) return false;
    const s = this.sink;
    const b = s.batch;
    const r = s.n;
    b.timestampMs[r] = t.T;
    b.price[r] = Number(t.p);
    b.quantity[r] = Number(t.q);
    b.tradeId![r] = t.id;
    b.side[r] = t.side === "BUY" ? Side.buy : t.side === "SELL" ? Side.sell : Side.unknown;
    b.tradeType[r] = TYPE_CODE[t.type] ?? TradeType.unknown;
    this.stored++;
    if (this.lastTradeTs === null || t.T > this.lastTradeTs) this.lastTradeTs = t.T;
    if (s.commit(nowMs)) this.events.full();
    return true;
  }

  private reject(reason: string, text: string): false {
    if (this.bad.bad(reason, text)) this.events.resubscribe(`${this.bad.total} bad frames, the last ${BAD_FRAME_FLOOD} in a row`);
    return false;
  }
}

/** `/funding/{m}` frames → (timestamp_ms = funding time T, funding_rate) rows. */
export class FundingRecorder {
  readonly bad: BadFrames;
  stored = 0;
  lastTs: number | null = null;

  constructor(
    readonly market: string,
    private readonly sink: SinkLike<FundingBatch>,
    private readonly events: RecorderEvents,
  ) {
    this.bad = new BadFrames(`${market} funding`);
  }

  onFrame(text: string, nowMs: number): boolean {
    const d = decodeFundingMessage(text);
    if (!d.ok) return this.reject(d.error, text);
    const m = d.value;
    if (m.market !== this.market) return this.reject(`market ${JSON.stringify(m.market)}, expected ${JSON.stringify(this.market)}`, text);
    const rate = Number(m.rate);
    this.bad.good();
    // The exchange recomputes funding every minute and may repeat a print: keep one row per T.
    if (this.lastTs !== null && m.T <= this.lastTs) return true;
    this.lastTs = m.T;
    const s = this.sink;
    s.batch.timestampMs[s.n] = m.T;
    s.batch.fundingRate[s.n] = rate;
    this.stored++;
    if (s.commit(nowMs)) this.events.full();
    return true;
  }

  private reject(reason: string, text: string): false {
    if (this.bad.bad(reason, text)) this.events.resubscribe(`${this.bad.total} bad frames, the last ${BAD_FRAME_FLOOD} in a row`);
    return false;
  }
}
