/**
 * One supervised WebSocket: connect with a User-Agent, watch liveness, reconnect with backoff.
 *
 * Liveness: any message, server ping or pong counts as a sign of life; the client also pings every
 * idle/3 so a quiet but healthy stream (a trades stream at night) keeps answering. Nothing for
 * `idleMs` → reconnect. Every reconnect logs its reason. Events of a socket that has been replaced
 * are ignored (a generation counter), so a slow close never delivers stale frames.
 */
import { describeError } from "../errors.ts";
import { log } from "../log.ts";
import { Backoff } from "./backoff.ts";

export interface StreamHandlers {
  /** The socket is open (before any message); may fetch a backfill. */
  onOpen(conn: WsStream): void;
  /** One text frame. Must not throw; call `conn.drop(reason)` to resubscribe. */
  onMessage(text: string, conn: WsStream): void;
  /** The socket is gone; `lastAliveMs` is the last sign of life of that connection. */
  onLost(lastAliveMs: number, reason: string, conn: WsStream): void;
}

export interface WsStreamOptions {
  name: string;
  url: string;
  userAgent: string;
  idleMs: number;
  maxBackoffMs: number;
  /** Connect attempt timeout. */
  connectTimeoutMs?: number;
  baseBackoffMs?: number;
  healthyMs?: number;
}

export class WsStream {
  private ws: WebSocket | null = null;
  private gen = 0;
  private stopped = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private openedAt = 0;
  private lastPing = 0;
  readonly backoff: Backoff;
  lastAliveMs = 0;
  connected = false;
  /** Successful opens. */
  opens = 0;
  /** Connections lost or dropped (each followed by a reconnect unless stopping). */
  reconnects = 0;
  messages = 0;
  lastReason = "";
  private stoppedResolve: (() => void) | null = null;

  constructor(
    readonly opts: WsStreamOptions,
    private readonly handlers: StreamHandlers,
  ) {
    this.backoff = new Backoff({ baseMs: opts.baseBackoffMs ?? 500, maxMs: opts.maxBackoffMs, healthyMs: opts.healthyMs ?? 60_000 });
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
    const started = Date.now();
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opts.url, { headers: { "User-Agent": this.opts.userAgent } } as unknown as string[]);
    } catch (err) {
      this.lost(gen, `cannot connect: ${describeError(err)}`);
      return;
    }
    this.ws = ws;
    this.lastAliveMs = started;
    const alive = () => {
      if (gen === this.gen) this.lastAliveMs = Date.now();
    };
    ws.addEventListener("open", () => {
      if (gen !== this.gen || this.stopped) return;
      this.connected = true;
      this.opens++;
      this.openedAt = Date.now();
      this.lastAliveMs = this.openedAt;
      this.backoff.connected(this.openedAt);
      this.handlers.onOpen(this);
    });
    ws.addEventListener("message", (ev: MessageEvent) => {
      if (gen !== this.gen || this.stopped) return;
      this.lastAliveMs = Date.now();
      this.messages++;
      const d = ev.data;
      this.handlers.onMessage(typeof d === "string" ? d : new TextDecoder().decode(d as ArrayBuffer), this);
    });
    ws.addEventListener("ping" as "open", alive);
    ws.addEventListener("pong" as "open", alive);
    ws.addEventListener("error", () => {
      if (gen === this.gen) this.lost(gen, this.connected ? "socket error" : `cannot connect to ${this.opts.url}`);
    });
    ws.addEventListener("close", (ev: CloseEvent) => {
      if (gen === this.gen) this.lost(gen, `closed by server (code ${ev.code}${ev.reason ? `, ${ev.reason}` : ""})`);
    });
  }

  private checkIdle(): void {
    if (this.stopped || !this.ws) return;
    const now = Date.now();
    const limit = this.connected ? this.opts.idleMs : (this.opts.connectTimeoutMs ?? Math.max(this.opts.idleMs, 10_000));
    if (now - this.lastAliveMs > limit) {
      this.drop(this.connected ? `no data for ${Math.round((now - this.lastAliveMs) / 1000)} s` : "connect timeout");
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

  /** Abandons the current socket (reason logged) and reconnects after the backoff delay. */
  drop(reason: string): void {
    if (this.stopped) return;
    this.lost(this.gen, reason);
  }

  private lost(gen: number, reason: string): void {
    if (gen !== this.gen || this.stopped) return;
    const wasConnected = this.connected;
    this.gen++; // every later event of this socket is stale
    const ws = this.ws;
    this.ws = null;
    this.connected = false;
    kill(ws);
    this.reconnects++;
    this.lastReason = reason;
    const delay = this.backoff.nextDelay(Date.now());
    log.warn(`${this.opts.name}: reconnecting in ${(delay / 1000).toFixed(1)} s (${reason})`);
    if (wasConnected) this.handlers.onLost(this.lastAliveMs, reason, this);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, delay);
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
    this.stoppedResolve?.();
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
