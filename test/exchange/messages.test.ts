import { describe, expect, test } from "bun:test";
import {
  encodeFundingMessage,
  encodeOrderbookMessage,
  encodeRestTrades,
  encodeTradesMessage,
} from "../../src/exchange/encode.ts";
import {
  decodeFundingMessage,
  decodeMarketsResponse,
  decodeOrderbookMessage,
  decodeRestOrderbook,
  decodeRestTrades,
  decodeTradesMessage,
  type PublicTrade,
} from "../../src/exchange/messages.ts";

const err = (d: { ok: boolean; error?: string }) => {
  expect(d.ok).toBe(false);
  return (d as { error: string }).error;
};

describe("orderbook frames", () => {
  test("the documented example decodes", () => {
    const d = decodeOrderbookMessage(
      '{"ts": 1701563440000, "type": "SNAPSHOT", "data": {"t": "SNAPSHOT", "m": "BTC-USD", "b": [{"p": "25670", "q": "0.1"}], "a": [{"p": "25770", "q": "0.1"}]}, "seq": 1}',
    );
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value).toEqual({
      ts: 1701563440000,
      type: "SNAPSHOT",
      market: "BTC-USD",
      seq: 1,
      bids: [{ p: "25670", q: "0.1" }],
      asks: [{ p: "25770", q: "0.1" }],
    });
  });

  test("encode → decode is the identity, with c and signed q on deltas", () => {
    const m = {
      ts: 5,
      type: "DELTA" as const,
      market: "NVDA_24_5-USD",
      seq: 9,
      bids: [{ p: "1.5", q: "-0.25", c: "0" }],
      asks: [{ p: "2", q: "3", c: "3" }, { p: "2.5", q: "0.001" }],
    };
    const d = decodeOrderbookMessage(encodeOrderbookMessage(m));
    expect(d).toEqual({ ok: true, value: m });
  });

  test("property: random frames survive encode → decode unchanged", () => {
    let x = 12345;
    const r = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const dec = (neg: boolean) => `${neg && r() < 0.5 ? "-" : ""}${Math.floor(r() * 1e6)}${r() < 0.7 ? `.${String(Math.floor(r() * 1e8)).padStart(8, "0")}` : ""}`;
    for (let k = 0; k < 300; k++) {
      const type = r() < 0.2 ? ("SNAPSHOT" as const) : ("DELTA" as const);
      const side = () =>
        Array.from({ length: Math.floor(r() * 25) }, () => {
          const l: { p: string; q: string; c?: string } = { p: `${1 + Math.floor(r() * 1e5)}.${Math.floor(r() * 10)}`, q: dec(type === "DELTA") };
          if (type === "DELTA" && r() < 0.5) l.c = dec(false);
          return l;
        });
      const m = { ts: Math.floor(r() * 2e12), type, market: "BTC-USD", seq: 1 + Math.floor(r() * 1e9), bids: side(), asks: side() };
      expect(decodeOrderbookMessage(encodeOrderbookMessage(m))).toEqual({ ok: true, value: m });
    }
  });

  test("absent b/a mean no levels", () => {
    const d = decodeOrderbookMessage('{"ts":1,"type":"DELTA","data":{"m":"X"},"seq":2}');
    expect(d.ok && d.value.bids.length === 0 && d.value.asks.length === 0).toBe(true);
  });

  test("every malformed case gives one clear line", () => {
    const base = { ts: 1, type: "DELTA", data: { t: "DELTA", m: "BTC-USD", b: [{ p: "1", q: "1" }], a: [] }, seq: 2 };
    const mut = (f: (o: any) => void) => {
      const o = structuredClone(base) as any;
      f(o);
      return JSON.stringify(o);
    };
    const cases: [string, RegExp][] = [
      ['{"ts":1,', /malformed JSON/],
      ["not json", /malformed JSON/],
      ["[]", /message: expected an object, got an array/],
      ["null", /message: expected an object/],
      [mut((o) => (o.type = "FOO")), /unknown message type "FOO"/],
      [mut((o) => delete o.type), /type: expected a non-empty string, got missing/],
      [mut((o) => (o.ts = "1")), /ts: expected a non-negative integer, got "1"/],
      [mut((o) => (o.ts = -1)), /ts: expected a non-negative integer/],
      [mut((o) => (o.seq = 1.5)), /seq: expected a non-negative integer/],
      [mut((o) => (o.seq = 0)), /seq: expected ≥ 1/],
      [mut((o) => delete o.seq), /seq: .*missing/],
      [mut((o) => delete o.data), /data: expected an object, got missing/],
      [mut((o) => delete o.data.m), /data\.m: expected a non-empty string/],
      [mut((o) => (o.data.t = "SNAPSHOT")), /data\.t "SNAPSHOT" disagrees with type "DELTA"/],
      [mut((o) => (o.data.b = {})), /data\.b: expected an array, got an object/],
      [mut((o) => (o.data.b = [5])), /data\.b\[0\]: expected an object/],
      [mut((o) => (o.data.b[0].p = 1)), /data\.b\[0\]\.p: expected a decimal string, got 1/],
      [mut((o) => (o.data.b[0].p = "-1")), /data\.b\[0\]\.p: expected a positive decimal/],
      [mut((o) => (o.data.b[0].p = "0")), /data\.b\[0\]\.p: expected a positive decimal/],
      [mut((o) => delete o.data.b[0].q), /data\.b\[0\]\.q: expected a decimal string, got missing/],
      [mut((o) => (o.data.b[0].q = "1e3")), /data\.b\[0\]\.q: expected a decimal string/],
      [mut((o) => (o.data.b[0].c = "-2")), /data\.b\[0\]\.c: negative size "-2"/],
      [mut((o) => ((o.type = "SNAPSHOT"), (o.data.t = "SNAPSHOT"), (o.data.b[0].q = "-0.5"))), /data\.b\[0\]\.q: negative size "-0.5"/],
    ];
    for (const [text, re] of cases) {
      const e = err(decodeOrderbookMessage(text));
      expect(e).toMatch(re);
      expect(e).not.toContain("\n");
      expect(e.length).toBeLessThan(160);
    }
    // a negative q is a legal DELTA change
    expect(decodeOrderbookMessage(mut((o) => (o.data.b[0].q = "-0.5"))).ok).toBe(true);
  });
});

describe("trade frames", () => {
  test("ids above 2^53 are exact (the doc's and the real sample's ids)", () => {
    const text =
      '{"ts":1701563440000,"data":[{"m":"BTC-USD","S":"BUY","tT":"TRADE","T":1701563440000,"p":"25670","q":"0.1","i":1844000421446684673},{"m":"BTC-USD","S":"SELL","tT":"LIQUIDATION","T":1,"p":"1","q":"2","i":9223372036854775807}],"seq":2}';
    const d = decodeTradesMessage(text);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value.trades[0].id).toBe(1844000421446684673n);
    expect(d.value.trades[1].id).toBe(9223372036854775807n);
    expect(d.value.trades[1].side).toBe("SELL");
    expect(d.value.trades[1].type).toBe("LIQUIDATION");
    expect(BigInt(Number(1844000421446684673n))).not.toBe(1844000421446684673n); // why this matters
    expect(BigInt(JSON.parse(text).data[0].i)).not.toBe(1844000421446684673n);
  });

  test("random ids round-trip exactly through encode/decode", () => {
    let x = 0x9e3779b97f4a7c15n;
    const trades: PublicTrade[] = [];
    for (let i = 0; i < 500; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      const id = x >> 1n; // 0 .. 2^63-1
      trades.push({ market: "ETH-USD", side: i % 2 ? "BUY" : "SELL", type: "TRADE", T: 1700000000000 + i, p: "3000.5", q: "0.01", id });
    }
    const d = decodeTradesMessage(encodeTradesMessage({ ts: 1, seq: 3, trades }));
    expect(d).toEqual({ ok: true, value: { ts: 1, seq: 3, trades } });
    const r = decodeRestTrades(encodeRestTrades(trades));
    expect(r).toEqual({ ok: true, value: trades });
  });

  test("the real Extended sample frames decode with snowflake-consistent ids", async () => {
    const path = `${import.meta.dir}/../fixtures/extended-eth-usd-trades-62min/publicTrades.jsonl`;
    const lines = (await Bun.file(path).text()).split("\n").filter(Boolean);
    expect(lines.length).toBe(682);
    for (const line of lines) {
      const d = decodeTradesMessage(line);
      if (!d.ok) throw new Error(d.error);
      for (const t of d.value.trades) {
        expect(t.id > 2n ** 53n).toBe(true);
        expect(Number(t.id >> 22n) + 1288834974657).toBe(t.T);
        expect(line).toContain(`"i":${t.id}`);
      }
    }
  });

  test("malformed trades are rejected clearly", () => {
    const good = { m: "BTC-USD", S: "BUY", tT: "TRADE", T: 1, p: "1", q: "1", i: 5 };
    const frame = (t: Record<string, unknown>) => JSON.stringify({ ts: 1, data: [t], seq: 1 });
    const cases: [string, RegExp][] = [
      ["{", /malformed JSON/],
      [JSON.stringify({ ts: 1, data: {}, seq: 1 }), /data: expected an array/],
      [frame({ ...good, S: "buy" }), /data\[0\]\.S: expected BUY or SELL, got "buy"/],
      [frame({ ...good, tT: "X" }), /data\[0\]\.tT: expected TRADE, LIQUIDATION or DELEVERAGE/],
      [frame({ ...good, i: 1.5 }), /data\[0\]\.i: expected a non-negative integer trade id, got "1.5"/],
      [frame({ ...good, i: -3 }), /data\[0\]\.i: expected a non-negative integer trade id/],
      [frame({ ...good, i: "abc" }), /data\[0\]\.i: expected a non-negative integer trade id/],
      [frame({ ...good, i: undefined }), /data\[0\]\.i: .*missing/],
      [frame({ ...good, q: "-1" }), /data\[0\]\.q: expected a positive decimal/],
      [frame({ ...good, p: 5 }), /data\[0\]\.p: expected a decimal string, got 5/],
      [frame({ ...good, T: "1" }), /data\[0\]\.T: expected a non-negative integer/],
      [frame({ ...good, m: "" }), /data\[0\]\.m: expected a non-empty string/],
      ['{"ts":1,"data":[{"m":"B","S":"BUY","tT":"TRADE","T":1,"p":"1","q":"1","i":99999999999999999999}],"seq":1}', /exceeds 2\^63-1/],
    ];
    for (const [text, re] of cases) expect(err(decodeTradesMessage(text))).toMatch(re);
    // ids given as strings (some API versions) are accepted exactly
    const d = decodeTradesMessage(frame({ ...good, i: "1992214670521405446" }));
    expect(d.ok && d.value.trades[0].id).toBe(1992214670521405446n);
  });
});

describe("funding frames", () => {
  test("round trip, numbers accepted, garbage rejected", () => {
    const m = { ts: 10, seq: 1, market: "BTC-USD", T: 9, rate: "-0.0000125" };
    expect(decodeFundingMessage(encodeFundingMessage(m))).toEqual({ ok: true, value: m });
    const n = decodeFundingMessage('{"ts":1,"data":{"m":"X","T":1,"f":1e-7},"seq":1}');
    expect(n.ok && n.value.rate).toBe("0.0000001");
    expect(err(decodeFundingMessage('{"ts":1,"data":{"m":"X","T":1,"f":"abc"},"seq":1}'))).toMatch(/data\.f: expected a decimal string/);
    expect(err(decodeFundingMessage('{"ts":1,"data":{"m":"X","f":"1"},"seq":1}'))).toMatch(/data\.T/);
  });
});

describe("REST answers", () => {
  test("markets: tick size and size step as exact text", () => {
    const text = JSON.stringify({
      status: "OK",
      data: [
        {
          name: "BTC-USD",
          status: "ACTIVE",
          active: true,
          marketStats: { lastPrice: "91234.5" },
          tradingConfig: { minOrderSize: "0.0001", minOrderSizeChange: "0.00001", minPriceChange: "1" },
        },
      ],
    });
    const d = decodeMarketsResponse(text);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value[0]).toMatchObject({ name: "BTC-USD", status: "ACTIVE", active: true, tickSize: "1", sizeStep: "0.00001", minOrderSize: "0.0001" });
    expect(err(decodeMarketsResponse('{"status":"ERROR","error":{"code":1001,"message":"Market not found"}}'))).toBe(
      'status "ERROR": Market not found',
    );
    expect(err(decodeMarketsResponse('{"status":"OK","data":[{"name":"X","tradingConfig":{"minPriceChange":"0","minOrderSizeChange":"1"}}]}'))).toMatch(
      /minPriceChange: expected a positive decimal/,
    );
    expect(err(decodeMarketsResponse('{"status":"OK"}'))).toMatch(/data: expected an array, got missing/);
  });

  test("orderbook with and without envelope", () => {
    const inner = { market: "BTC-USD", bid: [{ qty: "0.5", price: "100" }], ask: [{ qty: "1", price: "101" }] };
    for (const text of [JSON.stringify(inner), JSON.stringify({ status: "OK", data: inner })]) {
      const d = decodeRestOrderbook(text);
      expect(d).toEqual({ ok: true, value: { market: "BTC-USD", bids: [{ price: "100", qty: "0.5" }], asks: [{ price: "101", qty: "1" }] } });
    }
    expect(err(decodeRestOrderbook('{"market":"X","bid":[{"qty":"-1","price":"1"}]}'))).toMatch(/data\.bid\[0\]\.qty: negative size/);
  });
});
