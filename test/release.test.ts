/**
 * `npm run release` (scripts/release.ts): a cross-compiled target is a real executable of its
 * platform, SHA256SUMS verifies with `sha256sum -c`, and the linux-x64 builds run from a directory
 * that holds nothing but the binary — including the sweep, whose worker is a second entry point.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binaryName, TARGETS } from "../scripts/release.ts";

const ROOT = join(import.meta.dir, "..");
const BUILT = ["linux-x64", "linux-x64-baseline", "darwin-arm64"];
const out = mkdtempSync(join(tmpdir(), "emm-release-"));
let build: { code: number | null; out: string; err: string };

beforeAll(() => {
  const r = Bun.spawnSync([process.execPath, "scripts/release.ts", "--targets", BUILT.join(","), "--out", out], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  build = { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}, 300_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

function head(path: string, n: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(n);
    readSync(fd, b, 0, n, 0);
    return b;
  } finally {
    closeSync(fd);
  }
}

describe("npm run release", () => {
  test("covers the seven platforms with names that show the platform", () => {
    expect(Object.keys(TARGETS).map(binaryName)).toEqual([
      "extended-mm-linux-x64",
      "extended-mm-linux-x64-baseline",
      "extended-mm-linux-arm64",
      "extended-mm-linux-x64-musl",
      "extended-mm-darwin-x64",
      "extended-mm-darwin-arm64",
      "extended-mm-windows-x64.exe",
    ]);
  });

  test("builds the requested targets and a SHA256SUMS that sha256sum -c accepts", () => {
    expect(build.err).toBe("");
    expect(build.code).toBe(0);
    const sums = readFileSync(join(out, "SHA256SUMS"), "utf8").trim().split("\n");
    expect(sums.map((l) => l.split("  ")[1]).sort()).toEqual(BUILT.map(binaryName).sort());
    for (const l of sums) expect(l).toMatch(/^[0-9a-f]{64} {2}extended-mm-[\w.-]+$/);
    const check = Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS", "--ignore-missing"], { cwd: out, stdout: "pipe" });
    expect(check.exitCode).toBe(0);
    expect(check.stdout.toString().trim().split("\n").filter((l) => l.endsWith(": OK")).length).toBe(BUILT.length);
  }, 60_000);

  test("the darwin-arm64 build (not this host's platform) is a 64-bit arm64 Mach-O executable", () => {
    const bin = join(out, "extended-mm-darwin-arm64");
    const h = head(bin, 16);
    expect(h.readUInt32LE(0)).toBe(0xfeedfacf); // MH_MAGIC_64
    expect(h.readUInt32LE(4)).toBe(0x0100000c); // CPU_TYPE_ARM64
    expect(h.readUInt32LE(12)).toBe(2); // MH_EXECUTE
    // the runtime alone is ~60 MB; with the embedded program and its wasm it is ~95 MB
    expect(statSync(bin).size).toBeGreaterThan(80e6);
  });

  for (const platform of ["linux-x64", "linux-x64-baseline"]) {
    test(`${platform}: runs from a bare directory (--version, backtest --help, a sweep with workers)`, () => {
      const dir = mkdtempSync(join(tmpdir(), "emm-bare-"));
      try {
        const bin = join(dir, "extended-mm");
        copyFileSync(join(out, binaryName(platform)), bin);
        Bun.spawnSync(["chmod", "755", bin]);
        const h = head(bin, 20);
        expect(h.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
        expect(h.readUInt16LE(18)).toBe(62); // EM_X86_64
        const run = (args: string[], cwd = dir) => {
          const r = Bun.spawnSync([bin, ...args], { cwd, env: { PATH: "/usr/bin:/bin", HOME: dir }, stdout: "pipe", stderr: "pipe" });
          return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
        };
        const v = run(["--version"]);
        expect(v.code).toBe(0);
        expect(v.out.trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
        const help = run(["backtest", "--help"]);
        expect(help.code).toBe(0);
        expect(help.out + help.err).toContain("--orderbook");
        const work = join(dir, "work");
        mkdirSync(work);
        for (const f of ["orderbook.parquet", "trades.parquet"]) copyFileSync(join(ROOT, "src/demo/sample", f), join(work, f));
        const sweep = run(
          ["sweep", "--market", "BTC-USD", "--orderbook", "orderbook.parquet", "--trades", "trades.parquet", "--param", "risk_aversion_gamma=0.1,1", "--threads", "2", "--min-fills", "1"],
          work,
        );
        expect(sweep.err).not.toContain("[error]");
        expect(sweep.code).toBe(0);
        expect(readFileSync(join(work, "sweep-output/sweep_results.csv"), "utf8").trim().split("\n").length).toBe(3);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
