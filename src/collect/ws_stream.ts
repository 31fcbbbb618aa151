/**
 * One supervised WebSocket: connect with a User-Agent (and `X-Api-Key` when a key is set), watch
 * liveness, reconnect as the ReconnectPolicy says (backoff.ts).
 *
 * Liveness: any message, server ping or pong counts as a sign of life; the client also pings every
 * idle/3 so a quiet but healthy stream (a trades stream at night) keeps answering. Nothing for
 * `idleMs` → reconnect. Every reconnect logs its reason and delay. Events of a socket that has been
 * replaced are ignored (a generation counter), so a slow close never delivers stale frames.
 * A refused handshake is logged with its HTTP status; the same refusal again is logged at most once
 * per `repeatLogMs` (a stream the server does not offer would otherwise warn on every retry).
 */
import type { Secret } from "../config/secrets.ts";
import { redactSecrets } from "../config/secrets.ts";
import { describeError } from "../errors.ts";
import { wsOptions } from "../exchange/urls.ts";
import { log } from "../log.ts";
import type { RateLimit } from "../exchange/rate_limit.ts";
import { ReconnectPolicy } from "./backoff.ts";

export interface StreamHandlers {
  /** The socket is open (before any message); may fetch a backfill. */
  onOpen(conn: WsStream): void;
  /**
   * One text frame; returns whether it was a valid message (what makes a connection useful to
   * the reconnect policy). Must not throw; call `conn.drop(reason)` to resubscribe.
   */
  onMessage(text: string, conn: WsStream): boolean;
  /** The socket is gone; `lastLifeMs` is the last sign of life of that connection. */
  onLost(lastLifeMs: number, reason: string, conn: WsStream): void;
}

export interface WsStreamOptions {
  name: string;
  url: string;
  userAgent: string;
  apiKey?: Secret;
  idleMs: number;
  maxBackoffMs: number;
  /** Connect attempt timeout. */
  connectTimeoutMs?: number;
  baseBackoffMs?: number;
  /** Shared with the REST client: a 429's Retry-After holds every reconnect back. */
  rateLimit?: RateLimit;
  /** How often an unchanged handshake refusal is logged again; default 10 minutes. */
  repeatLogMs?: number;
}

/** `… failed: Expected 101 status code: 404` (Bun's message for a refused upgrade) → 404. */
export function refusedStatus(message: string): number | null {
  const m = /Expected 101 status code:?\s*(\d{3})/i.exec(message);
  return m ? Number(m[1]) : null;
}

/** Without a Retry-After (the WebSocket client does not expose a refused handshake's headers). */
const RATE_LIMIT_FALLBACK_MS = 60_000;

export class WsStream {
  private ws: WebSocket | null = null;
  private gen = 0;
  private stopped = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  /** Reference for the idle / connect timeout: the last sign of life, or the connect attempt. */
  private idleSince = 0;
  private lastPing = 0;
  private refusal: { status: number; loggedAt: number; repeats: number } | null = null;
  readonly policy: ReconnectPolicy;
  /** Local time of the last sign of life (message, ping, pong) of any connection; 0 = none yet. */
  lastLifeMs = 0;
  connected = false;
  /** Successful opens. */
  opens = 0;
  /** Connections lost or dropped, and attempts that failed (each followed by a reconnect unless stopping). */
  reconnects = 0;
  messages = 0;
  lastReason = "";
  /** The last 1,000 delays chosen by the policy, in order (tests, the benchmark). */
  readonly delays: number[] = [];

  constructor(
    readonly opts: WsStreamOptions,
    private readonly handlers: StreamHandlers,
  ) {
    this.policy = new ReconnectPolicy({ baseMs: opts.baseBackoffMs ?? 500, maxMs: opts.maxBackoffMs });
  }

  start(): void {
    this.connect();
    const tick = Math.max(50, Math.min(1000, Math.floor(this.opts.idleMs / 3)));
    this.timer = setInterval(() => this.checkIdle(), tick);
  }

  private connect(): void {
    if (this.stopped) return;
    const gen = ++this.gen;
    this.connected = false;
    this.idleSince = Date.now();
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opts.url, wsOptions(this.opts.userAgent, this.opts.apiKey) as unknown as string[]);
    } catch (err) {
      this.lost(gen, `cannot connect: ${describeError(err)}`);
      return;
    }
    this.ws = ws;
    const alive = () => {
      if (gen === this.gen) this.idleSince = this.lastLifeMs = Date.now();
    };
    ws.addEventListener("open", () => {
      if (gen !== this.gen || this.stopped) return;
      this.connected = true;
      this.opens++;
      alive();
      this.refusal = null;
      this.policy.opened(this.lastLifeMs);
      this.handlers.onOpen(this);
    });
    ws.addEventListener("message", (ev: MessageEvent) => {
      if (gen !== this.gen || this.stopped) return;
      alive();
      this.messages++;
      const d = ev.data;
      if (this.handlers.onMessage(typeof d === "string" ? d : new TextDecoder().decode(d as ArrayBuffer), this)) this.policy.delivered();
    });
    ws.addEventListener("ping" as "open", alive);
    ws.addEventListener("pong" as "open", alive);
    ws.addEventListener("error", (ev: Event) => {
      if (gen !== this.gen) return;
      if (this.connected) return this.lost(gen, "socket error");
      const message = (ev as ErrorEvent).message ?? "";
      const status = refusedStatus(message);
      if (status === null) {
        const why = message.replace(/^WebSocket connection to '[^']*' failed:?\s*/, "");
        return this.lost(gen, `cannot connect to ${this.opts.url}${why ? ` (${why})` : ""}`);
      }
      if (status === 429) this.opts.rateLimit?.note(Date.now(), undefined, RATE_LIMIT_FALLBACK_MS);
      this.lost(gen, `handshake refused: HTTP ${status}${status === 404 ? " (the server does not offer this stream)" : ""}`, status);
    });
    ws.addEventListener("close", (ev: CloseEvent) => {
      if (gen === this.gen) this.lost(gen, `closed by server (code ${ev.code}${ev.reason ? `, ${ev.reason}` : ""})`);
    });
  }

  private checkIdle(): void {
    if (this.stopped || !this.ws) return;
    const now = Date.now();
    const limit = this.connected ? this.opts.idleMs : (this.opts.connectTimeoutMs ?? Math.max(this.opts.idleMs, 10_000));
    if (now - this.idleSince > limit) {
      this.drop(this.connected ? `no data for ${Math.round((now - this.idleSince) / 1000)} s` : "connect timeout");
      return;
    }
    if (this.connected && now - this.lastPing >= this.opts.idleMs / 3) {
      this.lastPing = now;
      try {
        (this.ws as unknown as { ping(): void }).ping();
      } catch {
        // a failing ping shows up as a close or as idleness
      }
    }
  }

  /** Abandons the current socket (reason logged) and reconnects as the policy says. */
  drop(reason: string): void {
    if (this.stopped) return;
    this.lost(this.gen, reason);
  }

  private lost(gen: number, reason: string, refusedWith?: number): void {
    if (gen !== this.gen || this.stopped) return;
    const wasConnected = this.connected;
    this.gen++; // every later event of this socket is stale
    const ws = this.ws;
    this.ws = null;
    this.connected = false;
    kill(ws);
    this.reconnects++;
    this.lastReason = reason = redactSecrets(reason);
    const now = Date.now();
    const { delayMs, kind } = this.policy.ended(now, this.opts.rateLimit?.remaining(now) ?? 0);
    if (this.delays.push(delayMs) > 1000) this.delays.shift();
    const line = `${this.opts.name}: reconnecting ${delayMs === 0 ? "now" : `in ${(delayMs / 1000).toFixed(1)} s (${kind})`}: ${reason}`;
    if (refusedWith === undefined) log.warn(line);
    else this.logRefusal(refusedWith, line, now);
    if (wasConnected) this.handlers.onLost(this.lastLifeMs, reason, this);
    if (delayMs === 0) {
      this.connect();
      return;
    }
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, delayMs);
  }

  /** The first refusal with a status is logged; the same status again at most once per repeatLogMs. */
  private logRefusal(status: number, line: string, now: number): void {
    const every = this.opts.repeatLogMs ?? 600_000;
    const r = this.refusal;
    if (r && r.status === status && now - r.loggedAt < every) {
      r.repeats++;
      return;
    }
    const again = r && r.status === status ? ` (refused ${r.repeats + 1} times in ${Math.round((now - r.loggedAt) / 60_000)} min)` : "";
    log.warn(`${line}${again}`);
    this.refusal = { status, loggedAt: now, repeats: 0 };
  }

  /** Stops reading: no more messages are delivered, no reconnect. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.gen++;
    if (this.timer) clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    kill(this.ws);
    this.ws = null;
    this.connected = false;
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}

function kill(ws: WebSocket | null): void {
  if (!ws) return;
  try {
    const t = (ws as unknown as { terminate?: () => void }).terminate;
    if (t) t.call(ws);
    else ws.close();
  } catch {
    // already closed
  }
}
