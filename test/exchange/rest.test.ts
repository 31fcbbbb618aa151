import { afterAll, describe, expect, test } from "bun:test";
import { Secret } from "../../src/config/secrets.ts";
import { quoteIds } from "../../src/exchange/messages.ts";
import { RateLimit } from "../../src/exchange/rate_limit.ts";
import { createRestClient, parseRetryAfter, RestError } from "../../src/exchange/rest.ts";
import { endpoints, marketsUrl, orderbookStreamUrl, publicTradesStreamUrl, restTradesUrl } from "../../src/exchange/urls.ts";

const seen: { ua: string | null; key: string | null; path: string }[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const url = new URL(req.url);
    seen.push({ ua: req.headers.get("user-agent"), key: req.headers.get("x-api-key"), path: url.pathname + url.search });
    if (url.pathname.includes("/limited/")) return new Response("slow down", { status: 429, headers: { "Retry-After": "7" } });
    if (url.pathname.includes("/briefly/")) return new Response("slow down", { status: 429, headers: { "Retry-After": "0.3" } });
    if (url.pathname.includes("/unsaid/")) return new Response("slow down", { status: 429 });
    if (url.pathname.includes("ECHO-USD")) return new Response(`you sent key ${req.headers.get("x-api-key")} and X-Api-Key: ${req.headers.get("x-api-key")}`, { status: 502 });
    if (url.pathname.includes("BAD-USD")) return new Response('{"status":"ERROR","error":{"code":1001,"message":"Market not found"}}', { status: 404 });
    if (url.pathname.includes("SLOW-USD")) {
      await Bun.sleep(300);
      return new Response("{}");
    }
    if (url.pathname.includes("JUNK-USD")) return new Response('{"status":"OK","data":[{"i":1}]}');
    if (url.pathname.endsWith("/trades"))
      return new Response('{"status":"OK","data":[{"i":1992214670521405446,"m":"BTC-USD","S":"SELL","tT":"TRADE","T":1,"p":"1.5","q":"2"}]}');
    return new Response("{}");
  },
});
afterAll(() => server.stop(true));
const base = `http://127.0.0.1:${server.port}/api/v1`;

describe("REST client", () => {
  test("sends User-Agent, X-Api-Key only when given, and decodes ids exactly", async () => {
    const anon = createRestClient({ restBase: base, userAgent: "ua-test/1" });
    const t = await anon.trades("BTC-USD");
    expect(t[0].id).toBe(1992214670521405446n);
    expect(seen.at(-1)).toEqual({ ua: "ua-test/1", key: null, path: "/api/v1/info/markets/BTC-USD/trades" });
    const keyed = createRestClient({ restBase: base, userAgent: "ua-test/1", apiKey: new Secret("s3cret") });
    await keyed.trades("BTC-USD");
    expect(seen.at(-1)?.key).toBe("s3cret");
  });

  test("429, non-2xx, timeouts and bad bodies are one-line RestErrors without the key", async () => {
    const c = createRestClient({ restBase: base, userAgent: "x", apiKey: new Secret("s3cret"), timeoutMs: 100 });
    const limited = createRestClient({ restBase: `${base}/limited`, userAgent: "x" });
    const e429 = (await limited.markets().catch((e) => e)) as RestError;
    expect(e429).toBeInstanceOf(RestError);
    expect(e429.rateLimited).toBe(true);
    expect(e429.retryAfterSeconds).toBe(7);
    const e404 = (await c.trades("BAD-USD").catch((e) => e)) as RestError;
    expect(e404.status).toBe(404);
    expect(e404.message).toContain("HTTP 404");
    expect(e404.message).toContain("Market not found");
    const eSlow = (await c.trades("SLOW-USD").catch((e) => e)) as RestError;
    expect(eSlow.message).toContain("no answer within 100 ms");
    const eJunk = (await c.trades("JUNK-USD").catch((e) => e)) as RestError;
    expect(eJunk.message).toMatch(/bad response: data\[0\]\.S/);
    for (const e of [e429, e404, eSlow, eJunk]) {
      expect(e.message).not.toContain("s3cret");
      expect(e.message).not.toContain("\n");
    }
    const unsaid = (await createRestClient({ restBase: `${base}/unsaid`, userAgent: "x" }).markets().catch((e) => e)) as RestError;
    expect(unsaid.rateLimited).toBe(true);
    expect(unsaid.retryAfterSeconds).toBeUndefined(); // not 0: an absent header is not "retry now"
    const down = createRestClient({ restBase: "http://127.0.0.1:1/api/v1", userAgent: "x" });
    expect(((await down.markets().catch((e) => e)) as Error).message).toMatch(/^GET http:\/\/127\.0\.0\.1:1\/api\/v1\/info\/markets: /);
  });

  test("a body that echoes the key is logged with its status and the key masked", async () => {
    const c = createRestClient({ restBase: base, userAgent: "x", apiKey: new Secret("k-5f0c2b9e7a41d3c8") });
    const e = (await c.trades("ECHO-USD").catch((x) => x)) as RestError;
    expect(e.status).toBe(502);
    expect(e.message).toContain("HTTP 502 you sent key *** and X-Api-Key: ***");
    expect(e.message).not.toContain("5f0c2b9e");
  });

  test("Retry-After: seconds or an HTTP date; a shared RateLimit holds later calls back until then", async () => {
    expect(parseRetryAfter("7", 0)).toBe(7);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60);
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
    const gate = new RateLimit();
    const briefly = createRestClient({ restBase: `${base}/briefly`, userAgent: "x", rateLimit: gate });
    expect(((await briefly.markets().catch((e) => e)) as RestError).retryAfterSeconds).toBe(0.3);
    expect(gate.remaining(Date.now())).toBeGreaterThan(200);
    const other = createRestClient({ restBase: base, userAgent: "x", rateLimit: gate });
    const t0 = Date.now();
    await other.trades("BTC-USD"); // waits for the Retry-After first
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    gate.note(Date.now(), 60, 0);
    const e = (await createRestClient({ restBase: base, userAgent: "x", rateLimit: gate, timeoutMs: 1000 }).trades("BTC-USD").catch((x) => x)) as RestError;
    expect(e.message).toMatch(/rate limited \(HTTP 429\) for 60 s more/); // longer than the timeout: fails at once
  });
});

describe("URLs", () => {
  test("network defaults and explicit overrides", () => {
    expect(endpoints({ network: "mainnet" })).toEqual({
      wsBase: "wss://api.starknet.extended.exchange/stream.extended.exchange/v1",
      restBase: "https://api.starknet.extended.exchange/api/v1",
    });
    expect(endpoints({ network: "testnet" }).wsBase).toBe("wss://starknet.sepolia.extended.exchange/stream.extended.exchange/v1");
    const local = endpoints({ network: "mainnet", ws_base: "ws://127.0.0.1:9/stream.extended.exchange/v1/", rest_base: "http://127.0.0.1:9/api/v1" });
    expect(orderbookStreamUrl(local.wsBase, "BTC-USD")).toBe("ws://127.0.0.1:9/stream.extended.exchange/v1/orderbooks/BTC-USD");
    expect(orderbookStreamUrl(local.wsBase, "BTC-USD", { depth1: true })).toEndWith("/orderbooks/BTC-USD?depth=1");
    expect(publicTradesStreamUrl(local.wsBase, "ETH-USD")).toEndWith("/v1/publicTrades/ETH-USD");
    expect(marketsUrl(local.restBase, "BTC-USD")).toBe("http://127.0.0.1:9/api/v1/info/markets?market=BTC-USD");
    expect(restTradesUrl(local.restBase, "NVDA_24_5-USD")).toBe("http://127.0.0.1:9/api/v1/info/markets/NVDA_24_5-USD/trades");
    expect(() => restTradesUrl(local.restBase, "../etc")).toThrow(/invalid market name/);
  });

  test("regex fallback for id parsing quotes only id literals", () => {
    const text = '{"data":[{"m":"A\\"i\\":5","i":1992214670521405446},{"i":7}]}';
    const out = JSON.parse(quoteIds(text));
    expect(out.data[0].i.rawId).toBe("1992214670521405446");
    expect(out.data[0].m).toBe('A"i":5');
    expect(out.data[1].i.rawId).toBe("7");
  });
});
