/**
 * Live session: one WebSocket connection to a market's order-book stream, every frame decoded and
 * fed to LiveComparer, for a fixed time. Prices and sizes become integer steps of 10^-8 (exact for
 * any decimal the exchange sends with ≤ 8 decimals; a finer value is counted as undecodable).
 */
import { DecimalScale } from "../exchange/decimal.ts";
import { decodeOrderbookMessage, type Level } from "../exchange/messages.ts";
import { orderbookStreamUrl, wsOptions } from "../exchange/urls.ts";
import { log } from "../log.ts";
import { LiveComparer, type LiveStats, type Mismatch } from "./live_compare.ts";

const LIVE_SCALE = DecimalScale.ofDecimals(8);

export interface LiveOptions {
  wsBase: string;
  market: string;
  userAgent: string;
  seconds: number;
  maxListed?: number;
}

export interface LiveReport {
  url: string;
  market: string;
  seconds: number;
  connected: boolean;
  /** Why the connection ended early, if it did. */
  closedEarly: string | null;
  frames: number;
  undecodable: number;
  firstUndecodable: string | null;
  stats: LiveStats;
  /** First mismatching levels; prices and sizes as exact decimal text. */
  mismatches: (Omit<Mismatch, "price" | "deltaQty" | "snapshotQty"> & { price: string; deltaQty: string; snapshotQty: string })[];
  /** Problems counted against --max-errors. */
  problems: number;
}

function toLevels(levels: Level[], withAbs: boolean): { px: Float64Array; qty: Float64Array; abs?: Float64Array } | null {
  const px = new Float64Array(levels.length);
  const qty = new Float64Array(levels.length);
  const abs = withAbs ? new Float64Array(levels.length) : undefined;
  for (let i = 0; i < levels.length; i++) {
    const p = LIVE_SCALE.toSteps(levels[i].p);
    const q = LIVE_SCALE.toSteps(levels[i].q);
    if (p === null || q === null) return null;
    px[i] = p;
    qty[i] = q;
    if (abs) {
      const c = levels[i].c;
      const a = c === undefined ? NaN : LIVE_SCALE.toSteps(c);
      if (a === null) return null;
      abs[i] = a;
    }
  }
  return { px, qty, abs };
}

export function runLiveCheck(opts: LiveOptions): Promise<LiveReport> {
  const url = orderbookStreamUrl(opts.wsBase, opts.market);
  const cmp = new LiveComparer(opts.maxListed ?? 50);
  const report: LiveReport = {
    url,
    market: opts.market,
    seconds: opts.seconds,
    connected: false,
    closedEarly: null,
    frames: 0,
    undecodable: 0,
    firstUndecodable: null,
    stats: cmp.stats,
    mismatches: [],
    problems: 0,
  };
  return new Promise((resolve) => {
    let finished = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const ws = new WebSocket(url, wsOptions(opts.userAgent) as unknown as string[]);
    const finish = (early: string | null) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      report.closedEarly = early;
      try {
        ws.close();
      } catch {
        // already closed
      }
      const s = cmp.stats;
      report.mismatches = cmp.mismatches.map((m) => ({ ...m, price: LIVE_SCALE.format(m.price), deltaQty: LIVE_SCALE.format(m.deltaQty), snapshotQty: LIVE_SCALE.format(m.snapshotQty) }));
      report.problems = s.mismatchedSnapshots + s.seqGaps + s.seqRegressions + s.crossedAfterDelta + s.deltaSizeConflicts + report.undecodable;
      resolve(report);
    };
    const bad = (why: string) => {
      report.undecodable++;
      if (report.firstUndecodable === null) report.firstUndecodable = why;
    };
    ws.onopen = () => {
      report.connected = true;
      log.info(`connected to ${url}; comparing for ${opts.seconds} s`);
      timer = setTimeout(() => finish(null), opts.seconds * 1000);
    };
    ws.onmessage = (ev) => {
      if (finished) return;
      report.frames++;
      const text = typeof ev.data === "string" ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer);
      const d = decodeOrderbookMessage(text);
      if (!d.ok) return bad(d.error);
      const m = d.value;
      const snapshot = m.type === "SNAPSHOT";
      const bids = toLevels(m.bids, !snapshot);
      const asks = toLevels(m.asks, !snapshot);
      if (!bids || !asks) return bad(`seq ${m.seq}: a price or size with more than 8 decimals`);
      if (snapshot) {
        const n = cmp.onSnapshot(m.seq, bids, asks);
        if (n > 0) log.warn(`SNAPSHOT seq ${m.seq}: ${n} level(s) differ from the delta-built book`);
      } else cmp.onDelta(m.seq, bids, asks);
    };
    ws.onerror = () => {
      if (!report.connected) finish(`cannot connect to ${url}`);
    };
    ws.onclose = (ev) => finish(report.connected ? `connection closed by the server (code ${ev.code})` : `cannot connect to ${url}`);
  });
}
