/**
 * A tiny scripted Extended-protocol server for collector tests that need exact control over
 * frames per connection (bad input, seq gaps, drops). The replaying server with fault injection
 * is src/serve; this one only plays what a test hands it.
 */
import type { Server, ServerWebSocket } from "bun";

export interface ScriptCtx {
  ws: ServerWebSocket<unknown>;
  /** 0 for the first connection to this stream, 1 for the reconnect, … */
  conn: number;
  send(frames: string[], gapMs?: number): Promise<void>;
}

export interface ScriptServerOptions {
  market: string;
  /** Per stream kind ("orderbooks" | "publicTrades" | "funding"); absent kinds are refused. */
  scripts: Record<string, (ctx: ScriptCtx) => void | Promise<void>>;
  restTrades?: () => string;
  /** Answer REST trades only after this long (so stream frames of the same reconnect arrive first). */
  restTradesDelayMs?: number;
  marketsResponse?: string;
}

export interface ScriptServer {
  wsBase: string;
  restBase: string;
  connections: Record<string, number>;
  userAgents: string[];
  /** Every request's path and query, in arrival order. */
  requests: string[];
  stop(): void;
}

export function startScriptServer(o: ScriptServerOptions): ScriptServer {
  const connections: Record<string, number> = {};
  const upgrades: Record<string, number> = {};
  const userAgents: string[] = [];
  const requests: string[] = [];
  const server: Server<{ kind: string }> = Bun.serve<{ kind: string }>({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req, srv) {
      const url = new URL(req.url);
      userAgents.push(req.headers.get("user-agent") ?? "");
      requests.push(url.pathname + url.search);
      const ws = /^\/stream\.extended\.exchange\/v1\/(orderbooks|publicTrades|funding)\/([^/?]+)$/.exec(url.pathname);
      if (ws) {
        if (!o.scripts[ws[1]]) return new Response("no such stream", { status: 404 });
        // A reconnect's handshake takes a few ms, as over any real network: on a loaded machine an
        // in-process client could otherwise see the old socket's last frame and the new socket's
        // open in the same millisecond, a zero-length outage that gaps.csv rightly does not log.
        if ((upgrades[ws[1]] = (upgrades[ws[1]] ?? 0) + 1) > 1) await Bun.sleep(5);
        return srv.upgrade(req, { data: { kind: ws[1] } }) ? undefined : new Response("upgrade failed", { status: 400 });
      }
      if (url.pathname === "/api/v1/info/markets") {
        return new Response(
          o.marketsResponse ??
            JSON.stringify({
              status: "OK",
              data: [{ name: o.market, status: "ACTIVE", active: true, tradingConfig: { minPriceChange: "0.1", minOrderSizeChange: "0.0001", minOrderSize: "0.0001" } }],
            }),
        );
      }
      if (url.pathname === `/api/v1/info/markets/${o.market}/trades`) {
        if (o.restTradesDelayMs) await Bun.sleep(o.restTradesDelayMs);
        return new Response(o.restTrades?.() ?? '{"status":"OK","data":[]}');
      }
      return new Response("not found", { status: 404 });
    },
    websocket: {
      open(ws) {
        const kind = ws.data.kind;
        const conn = connections[kind] ?? 0;
        connections[kind] = conn + 1;
        const send = async (frames: string[], gapMs = 0) => {
          for (const f of frames) {
            if (ws.readyState !== 1) return;
            ws.send(f);
            if (gapMs) await Bun.sleep(gapMs);
          }
        };
        void o.scripts[kind]({ ws: ws as ServerWebSocket<unknown>, conn, send });
      },
      message() {},
    },
  });
  return {
    wsBase: `ws://127.0.0.1:${server.port}/stream.extended.exchange/v1`,
    restBase: `http://127.0.0.1:${server.port}/api/v1`,
    connections,
    userAgents,
    requests,
    stop: () => server.stop(true),
  };
}
