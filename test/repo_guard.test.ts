/**
 * A clone with nothing beside it must be complete: no source, test, bench or CI file may reach
 * outside the repository root for data or documents. This caught 17 test files and 3 benches
 * reading `../shared/data`, which only the developers' workspace has.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const SCANNED = ["src", "test", "bench", ".ci"];
const TEXT = /\.(ts|js|mjs|cjs|json|sh|toml|md)$|^run$/;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === ".tmp") continue;
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) out.push(...files(p));
    else if (TEXT.test(name) && s.size < 1_000_000) out.push(p);
  }
  return out;
}

/** Paths outside the root named in `text`, as found in a file at `file`. */
export function outsideReferences(file: string, text: string, root = ROOT): string[] {
  const found: string[] = [];
  // 1. the workspace's sibling folders and absolute data/home paths, by name
  for (const m of text.matchAll(/(?:\.\.\/)+shared\b[^"'`\s]*|\/work\/[\w./-]+|\/(?:home|root)\/[\w.-]+\/[\w./-]+/g)) found.push(m[0]);
  // 2. any relative literal that climbs above the root from the file's own folder
  for (const m of text.matchAll(/["'`]((?:\.\.\/)+)[^"'`\s]*["'`]/g)) {
    const target = resolve(dirname(file), m[1]!);
    const rel = relative(root, target);
    if (rel === ".." || rel.startsWith(`..${sep}`)) found.push(m[0]);
  }
  return found;
}

describe("repository is self-contained", () => {
  test("no file under src/, test/, bench/ or .ci/ names a path outside the repository", () => {
    const offenders: string[] = [];
    for (const top of SCANNED) {
      for (const f of files(join(ROOT, top))) {
        if (f === import.meta.path) continue; // this file spells the patterns out
        for (const ref of outsideReferences(f, readFileSync(f, "utf8"))) offenders.push(`${relative(ROOT, f)}: ${ref}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test("the guard itself flags what it is meant to", () => {
    const f = join(ROOT, "test/backtest/x.test.ts");
    expect(outsideReferences(f, `join(import.meta.dir, "../../../shared/data/a")`).length).toBeGreaterThan(0);
    expect(outsideReferences(f, `const p = "/work/shared/data/x.parquet"`)).toEqual(["/work/shared/data/x.parquet"]);
    expect(outsideReferences(f, `join(import.meta.dir, "../../../elsewhere")`)).toEqual([`"../../../elsewhere"`]);
    expect(outsideReferences(f, `join(import.meta.dir, "../fixtures/standx-btc-usd-2h")`)).toEqual([]);
    expect(outsideReferences(f, `join(import.meta.dir, "../../src/main.ts")`)).toEqual([]);
  });

  test("the fixtures the suite reads are in the repository", () => {
    for (const p of [
      "test/fixtures/standx-btc-usd-2h/orderbook.parquet",
      "test/fixtures/standx-btc-usd-2h/trades.parquet",
      "test/fixtures/extended-eth-usd-trades-62min/trades.csv",
      "test/fixtures/extended-eth-usd-trades-62min/publicTrades.jsonl",
      "test/fixtures/compat-micro/orderbook_depth.csv",
    ]) expect(statSync(join(ROOT, p)).size).toBeGreaterThan(0);
  });
});
