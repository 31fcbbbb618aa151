import { redactSecrets, type Secret } from "../config/secrets.ts";
import { AppError, describeError } from "../errors.ts";
import { truncate } from "./decimal.ts";
import {
  type Decoded,
  decodeMarketsResponse,
  decodeRestOrderbook,
  decodeRestTrades,
  type MarketDescription,
  type PublicTrade,
  type RestOrderbook,
} from "./messages.ts";
import type { RateLimit } from "./rate_limit.ts";
import { marketsUrl, requestHeaders, restOrderbookUrl, restTradesUrl } from "./urls.ts";

/**
 * Public REST client: `fetch` with a timeout and the mandatory User-Agent; `X-Api-Key` only when a
 * key is given (public endpoints need none). The key is a `Secret`, revealed only into the header,
 * never into an error or log line. Every failure is a one-line `RestError` naming the status; the
 * response body is never quoted raw, only with anything that looks like a key masked
 * (a server that echoes request headers would otherwise put the key into the log).
 */

export interface RestClientOptions {
  /** e.g. `https://api.starknet.extended.exchange/api/v1` or `http://127.0.0.1:8765/api/v1`. */
  restBase: string;
  userAgent: string;
  apiKey?: Secret;
  /** Per request; default 30 000 ms like the original. */
  timeoutMs?: number;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /**
   * Shared rate limit: a 429 notes its Retry-After here, and a call made while it runs waits for
   * it first (or fails at once when the wait is longer than the timeout).
   */
  rateLimit?: RateLimit;
}

/** Without a Retry-After, a 429 holds further calls back this long. */
const RATE_LIMIT_FALLBACK_MS = 60_000;

/** `Retry-After`: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/** A failed REST call. `status` is the HTTP status (undefined for network errors/timeouts). */
export class RestError extends AppError {
  constructor(
    message: string,
    readonly status?: number,
    /** From `Retry-After` on a 429, in seconds, when the server sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
  /** True for 429 (rate limited: 1,000 requests/minute per IP). */
  get rateLimited(): boolean {
    return this.status === 429;
  }
}

export interface RestClient {
  /** `GET /info/markets[?market=m]`. */
  markets(market?: string): Promise<MarketDescription[]>;
  /** `GET /info/markets/{m}/trades`: the latest public trades (ids exact). */
  trades(market: string): Promise<PublicTrade[]>;
  /** `GET /info/markets/{m}/orderbook`. */
  orderbook(market: string): Promise<RestOrderbook>;
}

export function createRestClient(opts: RestClientOptions): RestClient {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 30_000;

  async function get<T>(url: string, decode: (text: string) => Decoded<T>): Promise<T> {
    const headers = { ...requestHeaders(opts.userAgent, opts.apiKey), Accept: "application/json" };
    const wait = opts.rateLimit?.remaining(Date.now()) ?? 0;
    if (wait > timeoutMs) throw new RestError(`GET ${url}: rate limited (HTTP 429) for ${Math.ceil(wait / 1000)} s more`, 429, wait / 1000);
    if (wait > 0) await Bun.sleep(wait);
    let res: Response;
    try {
      res = await doFetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new RestError(timedOut ? `GET ${url}: no answer within ${timeoutMs} ms` : `GET ${url}: ${redactSecrets(describeError(err))}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new RestError(`GET ${url}: HTTP ${res.status}, body unreadable: ${describeError(err)}`, res.status);
    }
    if (res.status === 429) {
      const ra = parseRetryAfter(res.headers.get("retry-after"), Date.now());
      opts.rateLimit?.note(Date.now(), ra, RATE_LIMIT_FALLBACK_MS);
      throw new RestError(`GET ${url}: rate limited (HTTP 429${ra === undefined ? "" : `, retry after ${ra} s`})`, 429, ra);
    }
    if (!res.ok) {
      throw new RestError(`GET ${url}: HTTP ${res.status} ${truncate(redactSecrets(text.replace(/\s+/g, " ")), 120)}`, res.status);
    }
    const d = decode(text);
    if (!d.ok) throw new RestError(`GET ${url}: HTTP ${res.status}, bad response: ${redactSecrets(d.error)}`, res.status);
    return d.value;
  }

  return {
    markets: (market) => get(marketsUrl(opts.restBase, market), decodeMarketsResponse),
    trades: (market) => get(restTradesUrl(opts.restBase, market), decodeRestTrades),
    orderbook: (market) => get(restOrderbookUrl(opts.restBase, market), decodeRestOrderbook),
  };
}
