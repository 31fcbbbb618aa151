/**
 * Everything collected for one market: up to three supervised streams (book, trades, funding),
 * their part sinks, the single state.json writer, gaps.csv, the health line.
 *
 * Start-up order matters for exactly-once: lock the directory → load state.json → recover crash
 * journals (their trade ids join the dedup window) → only then connect. Part numbers continue from
 * max(state counter, parts on disk, journals + 1), so nothing is ever overwritten.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import type { Secret } from "../config/secrets.ts";
import { describeError } from "../errors.ts";
import type { RateLimit } from "../exchange/rate_limit.ts";
import { RestError, type RestClient } from "../exchange/rest.ts";
import { streamUrl } from "../exchange/urls.ts";
import { log } from "../log.ts";
import { marketPath, nextPartNumber, partNumber, partsDir, type Stream } from "../storage/layout.ts";
import { openTradeSource } from "../storage/sources.ts";
import type { BookBatch, FundingBatch, TradeBatch } from "../storage/types.ts";
import { BookRecorder } from "./book_recorder.ts";
import { decimalsOfStep } from "./exact_scale.ts";
import { GapLog, gapsPath } from "./gaps.ts";
import { storageError } from "./journal.ts";
import { DirLock } from "./lock.ts";
import { refreshMarketInfo } from "./market_info.ts";
import { PartSink, recoverJournals, removeStaleTemps, type SinkPaths } from "./part_sink.ts";
import type { PartUploader } from "./uploader.ts";
import { bookCodec, fundingCodec, tradeCodec, type RowCodec } from "./row_codecs.ts";
import { loadState, saveState, type CollectorState } from "./state_file.ts";
import { TradeDedup } from "./trade_dedup.ts";
import { FundingRecorder, TradeRecorder } from "./trade_recorder.ts";
import { WsStream } from "./ws_stream.ts";

export interface MarketCollectorOptions {
  config: Config;
  dataDir: string;
  market: string;
  wsBase: string;
  rest: RestClient;
  /** Sent as `X-Api-Key` on the streams' handshakes (the REST client has its own copy). */
  apiKey?: Secret;
  /** Shared with the REST client: Retry-After of a 429 holds reconnects back. */
  rateLimit?: RateLimit;
  /** Called with a storage failure (disk full, permissions): the run must stop with exit 1. */
  onFatal(err: unknown): void;
  /** `upload_to`: published parts are moved to object storage. */
  uploader?: PartUploader;
}

const DEDUP_WINDOW = 8192;
const DEDUP_PERSISTED = 2048;
/** A backfill answered 429 is tried once more if its Retry-After is at most this long. */
const BACKFILL_RETRY_MAX_MS = 30_000;

interface StreamSlot {
  name: Stream;
  ws: WsStream;
  /** Where the stream's last sign of life is kept (its part sink's journal). */
  sink: { stampLife(ms: number): void };
  /** Local time of the last sign of life of the lost connection, while the stream is down. */
  downSince: number | null;
  msgs: number;
}

export class MarketCollector {
  readonly market: string;
  readonly dir: string;
  private lock: DirLock | null = null;
  state!: CollectorState;
  private readonly dedup = new TradeDedup(DEDUP_WINDOW);
  bookSink: PartSink<BookBatch> | null = null;
  tradeSink: PartSink<TradeBatch> | null = null;
  fundingSink: PartSink<FundingBatch> | null = null;
  book: BookRecorder | null = null;
  trades: TradeRecorder | null = null;
  funding: FundingRecorder | null = null;
  private readonly slots: StreamSlot[] = [];
  private gaps!: GapLog;
  private base = { trades: 0, book: 0, funding: 0 };
  private stopping = false;
  private healthPrev = { at: 0, msgs: new Map<string, number>(), rows: 0 };
  backfilled = 0;
  /**
   * Per stream, the start of the outage a restart causes: the last sign of life recorded in the
   * crash journals, or after a clean stop the final state save (the moment the streams stopped).
   */
  private readonly restartGapStart = new Map<Stream, number>();

  constructor(private readonly o: MarketCollectorOptions) {
    this.market = o.market;
    this.dir = marketPath(o.dataDir, o.market);
  }

  private paths(stream: Stream): SinkPaths {
    return { journalDir: join(this.dir, "journal"), partsDir: partsDir(this.o.dataDir, this.market, stream) };
  }

  /** Lock, state, crash recovery, market info. Throws AppError on unusable storage. */
  async prepare(): Promise<void> {
    const c = this.o.config;
    this.lock = DirLock.acquire(ensureDir(this.dir));
    for (const name of ["state.json", "market.json"]) removeStaleTemps(this.dir, name);
    this.state = loadState(this.dir, this.market);
    this.dedup.restore(this.state.trade_dedup);
    this.gaps = new GapLog(gapsPath(this.dir), c.gap_log_threshold_ms);

    const info = await refreshMarketInfo(this.o.rest, this.market, this.dir);
    const override = c.markets_config[this.market] ?? {};
    const pxDecimals = decimalsOfStep(info?.tick_size_text ?? override.tick_size ?? c.tick_size, 2);
    const qtyDecimals = decimalsOfStep(info?.size_step_text ?? override.lot_size, 0);

    if (c.collect_orderbook) {
      const first = await this.recover(bookCodec(c.max_depth_levels), "orderbook", this.state.orderbook_part_counter, () => {});
      this.bookSink = this.sink(bookCodec(c.max_depth_levels), "orderbook", first, c.orderbook_rows_per_part);
      this.book = new BookRecorder(this.market, c.max_depth_levels, c.orderbook_min_interval_ms, pxDecimals, qtyDecimals, this.bookSink, {
        resubscribe: (reason) => this.slot("orderbook")?.ws.drop(reason),
        full: () => this.roll(this.bookSink),
        live: () => this.live("orderbook"),
      });
    }
    if (c.collect_trades) {
      const d = this.state.trade_dedup;
      if (d.floor === "-1" && d.ids.length === 0) await this.seedDedupFromParts();
      const first = await this.recover(tradeCodec, "trades", this.state.trades_part_counter, (b: TradeBatch) => {
        for (let i = 0; i < b.length; i++) this.dedup.accept(b.tradeId![i]);
      });
      this.tradeSink = this.sink(tradeCodec, "trades", first, c.trades_rows_per_part);
      this.trades = new TradeRecorder(this.market, this.dedup, this.tradeSink, {
        resubscribe: (reason) => this.slot("trades")?.ws.drop(reason),
        full: () => this.roll(this.tradeSink),
      });
      this.trades.lastTradeTs = this.state.last_trade_timestamp;
    }
    if (c.collect_funding) {
      const first = await this.recover(fundingCodec, "funding", this.state.funding_part_counter, () => {});
      this.fundingSink = this.sink(fundingCodec, "funding", first, c.trades_rows_per_part);
      this.funding = new FundingRecorder(this.market, this.fundingSink, {
        resubscribe: (reason) => this.slot("funding")?.ws.drop(reason),
        full: () => this.roll(this.fundingSink),
      });
      this.funding.lastTs = this.state.last_funding_timestamp;
    }
    this.base = { trades: this.state.trades_count, book: this.state.orderbook_updates_count, funding: this.state.funding_count };
    this.saveState();
    // parts published before a crash (or recovered from journals just now) that never reached the bucket
    this.queueUploads();
  }

  private async recover<B extends { length: number }>(codec: RowCodec<B>, stream: Stream, counter: number, onRows: (b: B) => void): Promise<number> {
    const paths = this.paths(stream);
    const levelsCodec = (lv: number | undefined) => (stream === "orderbook" ? (bookCodec(lv ?? this.o.config.max_depth_levels) as unknown as RowCodec<B>) : codec);
    const r = await recoverJournals(levelsCodec, stream, this.market, paths, onRows);
    const gapStart = r.lastLifeMs ?? (this.state.updated_ms > 0 ? this.state.updated_ms : null);
    if (gapStart !== null) this.restartGapStart.set(stream, gapStart);
    return Math.max(counter, nextPartNumber(readdirSync(paths.partsDir)), r.maxPart + 1);
  }

  /**
   * A state.json that is missing or unreadable (deleted, damaged, a copied data dir) holds no
   * window of stored trade ids, and the stream's and the backfill's first trades would be stored
   * a second time. The newest readable trades part rebuilds it: its ids, with everything below
   * its smallest id taken as stored (ids grow with time), as a restored state would.
   */
  private async seedDedupFromParts(): Promise<void> {
    const dir = this.paths("trades").partsDir;
    if (!existsSync(dir)) return;
    const parts = readdirSync(dir)
      .map((f) => ({ f, n: partNumber(f) }))
      .filter((x): x is { f: string; n: number } => x.n !== null && x.f.endsWith(".parquet"))
      .sort((a, b) => b.n - a.n);
    for (const { f } of parts.slice(0, 3)) {
      const ids: bigint[] = [];
      try {
        for await (const b of openTradeSource(join(dir, f))) for (let i = 0; i < b.length; i++) if (b.tradeId) ids.push(b.tradeId[i]!);
      } catch {
        continue; // unreadable: the next older part
      }
      if (ids.length === 0) continue;
      ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const keep = ids.slice(-DEDUP_PERSISTED);
      const floor = ids.length > keep.length ? ids[ids.length - keep.length - 1]! : ids[0]! - 1n;
      this.dedup.restore({ floor: floor.toString(), ids: keep.map(String) });
      log.info(`${this.market}: no stored trade-id window in state.json; rebuilt from ${f} (ids ${ids[0]}…${ids[ids.length - 1]})`);
      return;
    }
  }

  private sink<B extends { length: number }>(codec: RowCodec<B>, stream: Stream, first: number, rows: number): PartSink<B> {
    const sink = new PartSink(codec, this.market, this.paths(stream), rows, first, () => this.saveState());
    // A crash before this run hears anything must not move the outage's start to now.
    sink.stampLife(this.restartGapStart.get(stream) ?? 0);
    return sink;
  }

  /** Opens the streams. */
  start(): void {
    const c = this.o.config;
    const common = {
      userAgent: c.user_agent,
      apiKey: this.o.apiKey,
      rateLimit: this.o.rateLimit,
      idleMs: c.idle_timeout_seconds * 1000,
      maxBackoffMs: c.reconnect_max_backoff_seconds * 1000,
    };
    if (this.book) {
      const rec = this.book;
      this.addSlot("orderbook", this.bookSink!, {
        ...common,
        name: `${this.market} orderbook`,
        url: streamUrl(this.o.wsBase, "orderbooks", this.market, { depth1: !c.collect_full_orderbook }),
      }, {
        onOpen: () => rec.reset(),
        onMessage: (text) => rec.onFrame(text, Date.now()),
      });
    }
    if (this.trades) {
      const rec = this.trades;
      this.addSlot("trades", this.tradeSink!, { ...common, name: `${this.market} trades`, url: streamUrl(this.o.wsBase, "publicTrades", this.market) }, {
        onOpen: () => {
          this.live("trades");
          void this.backfill();
        },
        onMessage: (text) => rec.onFrame(text, Date.now()),
      });
    }
    if (this.funding) {
      const rec = this.funding;
      this.addSlot("funding", this.fundingSink!, { ...common, name: `${this.market} funding`, url: streamUrl(this.o.wsBase, "funding", this.market) }, {
        onOpen: () => this.live("funding"),
        onMessage: (text) => rec.onFrame(text, Date.now()),
      });
    }
    for (const s of this.slots) s.ws.start();
    // The first health line's rates cover the time since the streams started.
    this.healthPrev.at = Date.now();
  }

  private addSlot(
    name: Stream,
    sink: StreamSlot["sink"],
    opts: ConstructorParameters<typeof WsStream>[0],
    h: { onOpen(): void; onMessage(text: string): boolean },
  ): void {
    const slot: StreamSlot = { name, sink, downSince: this.restartGapStart.get(name) ?? null, msgs: 0, ws: null as unknown as WsStream };
    slot.ws = new WsStream(opts, {
      onOpen: () => this.guard(() => h.onOpen()),
      onMessage: (text) => {
        slot.msgs++;
        return this.guard(() => h.onMessage(text)) ?? false;
      },
      onLost: (lastLife) => {
        if (slot.downSince === null) slot.downSince = lastLife;
      },
    });
    this.slots.push(slot);
  }

  private slot(name: Stream): StreamSlot | undefined {
    return this.slots.find((s) => s.name === name);
  }

  /** The stream delivers again: log the outage if it was long enough. */
  private live(name: Stream): void {
    const s = this.slot(name);
    if (!s || s.downSince === null) return;
    const now = Date.now();
    if (this.gaps.record(name, s.downSince, now)) log.info(`${this.market} ${name}: outage of ${((now - s.downSince) / 1000).toFixed(1)} s logged to gaps.csv`);
    s.downSince = null;
  }

  /** After a (re)connect: fetch the latest trades over REST and store those not stored yet. */
  private async backfill(): Promise<void> {
    const rec = this.trades;
    if (!rec || this.dedup.highWater < 0n) return;
    // The outage is everything after the newest stored id; the new stream's frames wait until it
    // is stored, so trades stay in time order.
    const afterId = this.dedup.highWater;
    rec.hold();
    try {
      const list = await this.o.rest.trades(this.market).catch(async (err: unknown) => {
        // Rate limited: after a short Retry-After the outage is still within the latest trades,
        // so try once more rather than lose it.
        const wait = err instanceof RestError && err.rateLimited ? (err.retryAfterSeconds ?? Infinity) * 1000 : Infinity;
        if (wait > BACKFILL_RETRY_MAX_MS || this.stopping) throw err;
        log.warn(`${this.market} trades: REST backfill rate limited; retrying in ${(wait / 1000).toFixed(1)} s`);
        await Bun.sleep(wait);
        if (this.stopping) throw err;
        return this.o.rest.trades(this.market);
      });
      if (this.stopping) return;
      const n = this.guard(() => rec.backfill(list, Date.now(), afterId)) ?? 0;
      this.backfilled += n;
      if (n > 0) log.info(`${this.market} trades: backfilled ${n} trade${n > 1 ? "s" : ""} over REST`);
    } catch (err) {
      log.warn(`${this.market} trades: REST backfill failed (${describeError(err)})`);
    } finally {
      if (!this.stopping) this.guard(() => rec.release());
    }
  }

  /** Runs `f`; a storage failure stops the whole run (exit 1) instead of being lost in a callback. */
  private guard<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (err) {
      this.o.onFatal(err);
      return undefined;
    }
  }

  private roll<B extends { length: number }>(sink: PartSink<B> | null): void {
    if (!sink) return;
    sink
      .roll()
      .then((part) => {
        if (!part) return;
        // the crash-between-publish-and-upload test: the part is published, its journal gone, nothing uploaded
        if (process.env.EXTENDED_MM_TEST_KILL_AFTER_PUBLISH === "1") process.kill(process.pid, "SIGKILL");
        this.o.uploader?.enqueue(part.path);
      })
      .catch((err) => this.o.onFatal(err));
  }

  /** Queues every part still on local disk for upload (start-up after recovery, shutdown). */
  queueUploads(): void {
    if (!this.o.uploader) return;
    for (const s of ["orderbook", "trades", "funding"] as const) this.o.uploader.scan(this.paths(s).partsDir);
  }

  /**
   * journal_flush_ms tick: makes every received row durable, and records each stream's last sign
   * of life with its journal (the start of the outage should the process die now).
   */
  flush(): void {
    this.guard(() => {
      this.bookSink?.flush();
      this.tradeSink?.flush();
      this.fundingSink?.flush();
      for (const s of this.slots) s.sink.stampLife(s.downSince ?? s.ws.lastLifeMs);
    });
  }

  /** part_roll_seconds tick: publish parts that are old enough, then save the state. */
  rollDue(now: number): void {
    const limit = this.o.config.part_roll_seconds * 1000;
    for (const s of [this.bookSink, this.tradeSink, this.fundingSink] as (PartSink<{ length: number }> | null)[]) {
      if (s && s.n > 0 && now - s.partStartedMs >= limit) this.roll(s);
    }
    this.guard(() => this.saveState());
  }

  /** Writes state.json; journals are flushed first so the state never claims undurable rows. */
  saveState(): void {
    this.bookSink?.flush();
    this.tradeSink?.flush();
    this.fundingSink?.flush();
    const s = this.state;
    if (this.book) {
      if (this.book.lastSeq !== null) s.last_orderbook_seq = this.book.lastSeq;
      if (this.book.lastTs !== null) s.last_orderbook_timestamp = this.book.lastTs;
      s.orderbook_updates_count = this.base.book + this.book.rows;
      s.orderbook_part_counter = this.bookSink!.part;
    }
    if (this.trades) {
      if (this.dedup.highWater >= 0n) s.last_trade_id = this.dedup.highWater;
      s.last_trade_timestamp = this.trades.lastTradeTs;
      s.trades_count = this.base.trades + this.trades.stored;
      s.trades_part_counter = this.tradeSink!.part;
      s.trade_dedup = this.dedup.snapshot(DEDUP_PERSISTED);
    }
    if (this.funding) {
      s.funding_count = this.base.funding + this.funding.stored;
      s.funding_part_counter = this.fundingSink!.part;
      s.last_funding_timestamp = this.funding.lastTs;
    }
    s.updated_ms = Date.now();
    saveState(this.dir, s);
  }

  /** One line: rates since the last call, rows, reconnects, last seq, journal lag. */
  healthLine(now: number): string {
    const dt = Math.max(1e-3, (now - (this.healthPrev.at || now - 1000)) / 1000);
    const parts: string[] = [];
    for (const s of this.slots) {
      const prev = this.healthPrev.msgs.get(s.name) ?? 0;
      parts.push(`${s.name} ${((s.msgs - prev) / dt).toFixed(1)} msg/s${s.ws.connected ? "" : " (down)"}`);
      this.healthPrev.msgs.set(s.name, s.msgs);
    }
    this.healthPrev.at = now;
    const rows = [
      this.book ? `book ${this.base.book + this.book.rows}` : null,
      this.trades ? `trades ${this.base.trades + this.trades.stored}` : null,
      this.funding ? `funding ${this.base.funding + this.funding.stored}` : null,
    ].filter(Boolean);
    const reconnects = this.slots.map((s) => `${s.name} ${s.ws.reconnects}`).join(" ");
    const pending = [this.bookSink, this.tradeSink, this.fundingSink].reduce((n, s) => n + (s ? s.pendingRows : 0), 0);
    const bad = [this.book?.bad.total ?? 0, this.trades?.bad.total ?? 0, this.funding?.bad.total ?? 0].reduce((a, b) => a + b, 0);
    return `${this.market}: ${parts.join(", ")} | rows ${rows.join(" ")} | reconnects ${reconnects} | last seq ${this.book?.lastSeq ?? "-"} | journal lag ${pending} rows (flushed every ${this.o.config.journal_flush_ms} ms)${bad ? ` | bad frames ${bad}` : ""}`;
  }

  /** Stop reading (no frame is processed after this returns). */
  stopStreams(): void {
    this.stopping = true;
    for (const s of this.slots) s.ws.stop();
  }

  /** Final flush: publish the open parts, write the state, release the lock. */
  async close(): Promise<void> {
    this.stopStreams();
    this.trades?.releaseAll(); // frames received while a backfill was still running
    for (const s of [this.bookSink, this.tradeSink, this.fundingSink] as (PartSink<{ length: number }> | null)[]) {
      if (s) await s.close();
    }
    this.saveState();
    this.lock?.release();
    this.lock = null;
  }

  /** After a fatal storage error: keep journals as they are for the next start, just unlock. */
  abandon(): void {
    this.stopStreams();
    this.lock?.release();
    this.lock = null;
  }

  get streams(): readonly { name: Stream; ws: WsStream }[] {
    return this.slots;
  }
}

function ensureDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw storageError(err, `cannot create ${dir}`);
  }
  return dir;
}
