/**
 * `API_KEY` as a user sets it, against a hostile server that echoes every request's headers back
 * in REST bodies and error messages, in a stream frame, in a close reason and in refused
 * handshakes: the key is sent as `X-Api-Key` on REST and WebSocket requests, and appears in no
 * output, log line or file of the collector (a real `collect_data` subprocess).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeOrderbookMessage, encodeTradesMessage } from "../../src/exchange/encode.ts";

const ROOT = join(import.meta.dir, "../..");
const tmp = mkdtempSync(join(tmpdir(), "emm-apikey-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const KEY = "emm-key-5f0c2b9e7a41d3c8b6e2f9a0";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test("X-Api-Key goes out on REST and WebSocket requests; an echoing server cannot get it into stdout, stderr or any file", async () => {
  const seen: { path: string; key: string | null }[] = [];
  // the key first (so no truncation hides it), glued into other text, and in the header list
  const echo = (req: Request) => {
    const key = req.headers.get("x-api-key");
    return JSON.stringify(`X-Api-Key: ${key} token=abc${key}xyz ${JSON.stringify(Object.fromEntries(req.headers.entries()))}`);
  };
  const server = Bun.serve<{ kind: string; headers: string }>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      const url = new URL(req.url);
      seen.push({ path: url.pathname, key: req.headers.get("x-api-key") });
      const ws = /\/stream\.extended\.exchange\/v1\/(\w+)\//.exec(url.pathname);
      if (ws?.[1] === "orderbooks" || ws?.[1] === "publicTrades") return srv.upgrade(req, { data: { kind: ws[1], headers: echo(req) } }) ? undefined : new Response("no", { status: 400 });
      if (ws) return new Response(`refused, you sent ${echo(req)}`, { status: 401 });
      if (url.pathname.endsWith("/info/markets")) return new Response(`oops: ${echo(req)}`, { status: 500 });
      // the exchange's error envelope, its message echoing the headers (trades backfill)
      return Response.json({ status: "ERROR", error: { code: 400, message: echo(req) } });
    },
    websocket: {
      open(ws) {
        ws.send(`{"echo":${ws.data.headers}}`); // a malformed frame: logged (truncated) and skipped
        if (ws.data.kind === "publicTrades") {
          // one trade, then a cut: the reconnect asks REST for a backfill
          ws.send(encodeTradesMessage({ ts: 1, seq: 1, trades: [{ market: "BTC-USD", side: "BUY", type: "TRADE", T: 1, p: "100", q: "1", id: 1992214670521405446n }] }));
          setTimeout(() => ws.terminate(), 200);
          return;
        }
        ws.send(encodeOrderbookMessage({ ts: 1, type: "SNAPSHOT", market: "BTC-USD", seq: 1, bids: [{ p: "100", q: "1" }], asks: [{ p: "101", q: "1" }] }));
        setTimeout(() => ws.close(4000, `bye ${KEY}`), 300);
      },
      message() {},
    },
  });
  const dataDir = join(tmp, "data");
  const cfg = join(tmp, "config.json");
  writeFileSync(
    cfg,
    JSON.stringify({
      markets: ["BTC-USD"],
      ws_base: `ws://127.0.0.1:${server.port}/stream.extended.exchange/v1`,
      rest_base: `http://127.0.0.1:${server.port}/api/v1`,
      reconnect_max_backoff_seconds: 1,
    }),
  );
  const p = Bun.spawn([process.execPath, join(ROOT, "src/main.ts"), "collect_data", "--config", cfg, "--duration", "3", "--log-level", "debug"], {
    cwd: tmp,
    env: { ...process.env, API_KEY: KEY, LOG_LEVEL: "debug" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => p.kill(9), 30_000);
  try {
    const [code, stdout, stderr] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
    expect(code).toBe(0);
    // the key was sent everywhere: market info, trades backfill, each stream's handshake
    const paths = new Set(seen.map((s) => s.path.replace(/BTC-USD/, "{m}")));
    expect([...paths].sort()).toEqual(
      ["/api/v1/info/markets", "/api/v1/info/markets/{m}/trades", "/stream.extended.exchange/v1/funding/{m}", "/stream.extended.exchange/v1/orderbooks/{m}", "/stream.extended.exchange/v1/publicTrades/{m}"].sort(),
    );
    expect(seen.every((s) => s.key === KEY)).toBe(true);
    // what the echoes turned into: a status and a redacted body, never the key
    expect(stderr).toContain("market info unavailable (GET");
    expect(stderr).toContain("REST backfill failed");
    expect(stderr).toContain("HTTP 500");
    expect(stderr).toContain("handshake refused: HTTP 401");
    expect(stderr).toContain("skipped frame");
    expect(stderr).toContain("X-Api-Key: *** token=abc***xyz");
    expect(stderr).toContain("closed by server (code 4000, bye ***)");
    const leaks = (text: string) => [KEY, KEY.slice(0, 12), KEY.slice(-12)].filter((k) => text.includes(k));
    expect(leaks(stdout)).toEqual([]);
    expect(leaks(stderr)).toEqual([]);
    const files = filesUnder(dataDir);
    expect(files.length).toBeGreaterThan(2); // parts, state.json, gaps.csv
    for (const f of files) expect({ f, leaks: leaks(readFileSync(f).toString("latin1")) }).toEqual({ f, leaks: [] });
  } finally {
    clearTimeout(timer);
    p.kill(9);
    server.stop(true);
  }
}, 60_000);
