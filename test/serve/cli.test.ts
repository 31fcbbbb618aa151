import { expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeOrderbookMessage } from "../../src/exchange/messages.ts";
import { orderbookStreamUrl } from "../../src/exchange/urls.ts";
import { receive, STANDX } from "./helpers.ts";

const ROOT = join(import.meta.dir, "../..");

test("`serve --port 0 --json` prints its URLs, serves the data dir, and stops on SIGTERM with exit 0", async () => {
  const proc = Bun.spawn(
    [process.execPath, "src/main.ts", "serve", "--data-dir", STANDX, "--port", "0", "--json", "--speed", "0", "--to", "1767653700000", "--skip-seq-every", "5"],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
  );
  try {
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    const info = JSON.parse(out.split("\n")[0]) as { ws_base: string; rest_base: string; markets: string[] };
    expect(info.markets).toEqual(["BTC-USD"]);
    expect(info.ws_base).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/stream\.extended\.exchange\/v1$/);
    const r = await receive(orderbookStreamUrl(info.ws_base, "BTC-USD"), (f) => f.length >= 20);
    const seqs = r.frames.map((f) => (decodeOrderbookMessage(f) as { value: { seq: number } }).value.seq);
    expect(seqs[0]).toBe(1);
    expect(seqs.some((s, i) => i > 0 && s - seqs[i - 1] === 2)).toBe(true); // the fault flag took effect
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  } finally {
    // an assertion that failed above must not leave the server (and its port) behind
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill(9);
      await proc.exited;
    }
  }
});

test("`serve` with a bad flag value or missing data exits 2 / 3 with one line", async () => {
  const run = (args: string[]) => Bun.spawnSync([process.execPath, "src/main.ts", "serve", ...args], { cwd: ROOT });
  const bad = run(["--malformed-every", "0"]);
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr.toString()).toContain("--malformed-every: expected a number > 0");
  const missing = run(["--data-dir", "/nonexistent-dir", "--port", "0"]);
  expect(missing.exitCode).toBe(3);
  expect(missing.stderr.toString().trim().split("\n").length).toBe(1);
});

test("`serve` refuses values it would silently misread: negative/odd --from, timer overflows, a port in use", async () => {
  const run = (args: string[]) => Bun.spawnSync([process.execPath, "src/main.ts", "serve", "--data-dir", STANDX, "--port", "0", ...args], { cwd: ROOT, timeout: 20_000 });
  const cases: [string[], string][] = [
    [["--from", "-5"], "--from"], // Date.parse("-5") is year −5
    [["--to", "Tuesday"], "--to"],
    [["--duration", "1e20"], "--duration"], // setTimeout would fire after 1 ms
    [["--ping-interval", "1e12"], "--ping-interval"],
  ];
  for (const [args, flag] of cases) {
    const r = run(args);
    expect([args.join(" "), r.exitCode]).toEqual([args.join(" "), 2]);
    const errors = r.stderr.toString().trim().split("\n").filter((l) => l.includes("[error]"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(flag);
  }
  // a port already taken: a runtime error (exit 1) naming the port, not a stack trace
  const taken = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("x") });
  try {
    const r = Bun.spawnSync([process.execPath, "src/main.ts", "serve", "--data-dir", STANDX, "--port", String(taken.port), "--duration", "1"], { cwd: ROOT, timeout: 20_000 });
    expect(r.exitCode).toBe(1);
    const err = r.stderr.toString();
    expect(err).toContain(String(taken.port));
    expect(err).not.toContain("    at ");
    expect(err.trim().split("\n").filter((l) => l.includes("[error]"))).toHaveLength(1);
  } finally {
    taken.stop(true);
  }
});

test("`serve` says when a market.json cannot be read (tick/step then come from the data)", async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, copyFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "serve-mj-"));
  mkdirSync(join(dir, "btc"));
  copyFileSync(join(STANDX, "trades.parquet"), join(dir, "btc", "trades.parquet"));
  writeFileSync(join(dir, "btc", "market.json"), "{not json");
  const r = Bun.spawnSync([process.execPath, "src/main.ts", "serve", "--data-dir", join(dir, "btc"), "--port", "0", "--duration", "0.2"], { cwd: ROOT, timeout: 20_000 });
  expect(r.exitCode).toBe(0);
  expect(r.stderr.toString()).toMatch(/\[warn\].*market\.json/);
});

test("`serve` over markets recorded in disjoint periods warns that the shared replay clock leaves one silent", () => {
  // BTC-USD books (2026-01) beside ETH-USD trades (2025-11), as two market folders of one data dir
  const dir = mkdtempSync(join(tmpdir(), "serve-disjoint-"));
  cpSync(STANDX, join(dir, "standx"), { recursive: true });
  cpSync(join(STANDX, "../extended-eth-usd-trades-62min"), join(dir, "eth"), { recursive: true });
  try {
    const r = Bun.spawnSync([process.execPath, "src/main.ts", "serve", "--data-dir", dir, "--port", "0", "--duration", "0.2"], { cwd: ROOT, timeout: 20_000 });
    expect(r.exitCode).toBe(0);
    const err = r.stderr.toString();
    expect(err).toMatch(/\[warn\].*BTC-USD.*starts .* days after .*ETH-USD/);
    // at speed 0 every stream starts at its own first row: nothing to warn about
    const r0 = Bun.spawnSync([process.execPath, "src/main.ts", "serve", "--data-dir", dir, "--port", "0", "--duration", "0.2", "--speed", "0"], { cwd: ROOT, timeout: 20_000 });
    expect(r0.stderr.toString()).not.toContain("days after");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("`serve --from/--to` without a zone are UTC (as backtest's), whatever the machine's TZ", () => {
  // the last 46 s of the StandX recording (it ends 2026-01-06T00:54:46Z); read as New York time it would be empty
  const args = ["src/main.ts", "serve", "--data-dir", STANDX, "--port", "0", "--duration", "0.2", "--from", "2026-01-06T00:54:00", "--to", "2026-01-06T00:55:00"];
  const r = Bun.spawnSync([process.execPath, ...args], { cwd: ROOT, timeout: 20_000, env: { ...process.env, TZ: "America/New_York" } });
  expect(r.stderr.toString()).not.toContain("no data in the window");
  expect(r.exitCode).toBe(0);
});
