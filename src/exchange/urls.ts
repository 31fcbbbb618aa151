import type { Config } from "../config/schema.ts";
import { assertMarketName } from "../config/market.ts";
import type { Secret } from "../config/secrets.ts";

/**
 * Where the Extended exchange lives and how its public endpoints are spelled
 * (docs/exchange.md "Hosts"; docs/original.md §3.1, §3.14). Every URL the collector or the local
 * server uses is built here so the two can never disagree on a path.
 */

/** Path prefix of every stream, on the exchange and on `serve`. */
export const STREAM_PATH = "/stream.extended.exchange/v1";
/** Path prefix of the public REST API, on the exchange and on `serve`. */
export const REST_PATH = "/api/v1";

export const NETWORKS = {
  mainnet: {
    wsBase: `wss://api.starknet.extended.exchange${STREAM_PATH}`,
    restBase: `https://api.starknet.extended.exchange${REST_PATH}`,
  },
  testnet: {
    wsBase: `wss://starknet.sepolia.extended.exchange${STREAM_PATH}`,
    restBase: `https://api.starknet.sepolia.extended.exchange${REST_PATH}`,
  },
} as const;

export interface Endpoints {
  /** e.g. `wss://api.starknet.extended.exchange/stream.extended.exchange/v1` (no trailing slash). */
  wsBase: string;
  /** e.g. `https://api.starknet.extended.exchange/api/v1` (no trailing slash). */
  restBase: string;
}

const trimSlash = (s: string) => s.replace(/\/+$/, "");

/** The network's bases, each overridden by an explicit `ws_base` / `rest_base` config key. */
export function endpoints(config: Pick<Config, "network" | "ws_base" | "rest_base">): Endpoints {
  const net = NETWORKS[config.network];
  return {
    wsBase: trimSlash(config.ws_base ?? net.wsBase),
    restBase: trimSlash(config.rest_base ?? net.restBase),
  };
}

/** The public streams this project uses; the market is part of the path (no subscribe message). */
export type StreamKind = "orderbooks" | "publicTrades" | "funding";

function seg(market: string): string {
  assertMarketName(market);
  return encodeURIComponent(market);
}

/** `{ws}/orderbooks/{m}`; `depth1` adds `?depth=1` (best bid/ask only, always SNAPSHOTs). */
export function orderbookStreamUrl(wsBase: string, market: string, opts: { depth1?: boolean } = {}): string {
  return `${trimSlash(wsBase)}/orderbooks/${seg(market)}${opts.depth1 ? "?depth=1" : ""}`;
}

/** `{ws}/publicTrades/{m}`. */
export function publicTradesStreamUrl(wsBase: string, market: string): string {
  return `${trimSlash(wsBase)}/publicTrades/${seg(market)}`;
}

/** `{ws}/funding/{m}`. */
export function fundingStreamUrl(wsBase: string, market: string): string {
  return `${trimSlash(wsBase)}/funding/${seg(market)}`;
}

/** Any of the three stream URLs by kind. */
export function streamUrl(wsBase: string, kind: StreamKind, market: string, opts: { depth1?: boolean } = {}): string {
  if (kind === "orderbooks") return orderbookStreamUrl(wsBase, market, opts);
  return kind === "publicTrades" ? publicTradesStreamUrl(wsBase, market) : fundingStreamUrl(wsBase, market);
}

/** `GET {rest}/info/markets[?market=m]`. */
export function marketsUrl(restBase: string, market?: string): string {
  return `${trimSlash(restBase)}/info/markets${market === undefined ? "" : `?market=${seg(market)}`}`;
}

/** `GET {rest}/info/markets/{m}/trades` — the latest public trades (backfill). */
export function restTradesUrl(restBase: string, market: string): string {
  return `${trimSlash(restBase)}/info/markets/${seg(market)}/trades`;
}

/** `GET {rest}/info/markets/{m}/orderbook` — the current book. */
export function restOrderbookUrl(restBase: string, market: string): string {
  return `${trimSlash(restBase)}/info/markets/${seg(market)}/orderbook`;
}

/**
 * Headers of every request and handshake: the User-Agent the exchange's firewall requires, and
 * `X-Api-Key` only when a key is given (public data needs none). The key is revealed here only.
 */
export function requestHeaders(userAgent: string, apiKey?: Secret): Record<string, string> {
  const h: Record<string, string> = { "User-Agent": userAgent };
  if (apiKey) h["X-Api-Key"] = apiKey.reveal();
  return h;
}

/** Options for Bun's `new WebSocket(url, options)` (Bun accepts `headers`; the DOM typings do not know it). */
export function wsOptions(userAgent: string, apiKey?: Secret): { headers: Record<string, string> } {
  return { headers: requestHeaders(userAgent, apiKey) };
}
