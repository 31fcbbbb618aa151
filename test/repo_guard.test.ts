/**
 * A clone with nothing beside it must be complete: no source, test, bench or CI file may reach
 * outside the repository root for data or documents. This caught 17 test files and 3 benches
 * reading the workspace's sibling `shared/data` folder, which only the developers' workspace has. Likewise every document a
 * file cites (`*.md`) must be in the repository, and every section of docs/original.md that is
 * cited must exist there — 15 files once cited documents a reader of a clone could not open.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const SCANNED = ["src", "test", "bench", "scripts", ".ci"];
/** Where documents may be cited from (README.md is added as a file). */
const CITING = ["src", "test", "bench", "scripts", "docs", "wasm/assembly", "deploy", ".ci"];
const TEXT = /\.(ts|js|mjs|cjs|json|sh|toml|md|service|ya?ml)$|^run$/;

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

/**
 * `*.md` names cited in `text` that resolve to no file (from the citing file's folder, the root or
 * docs/), and paths under docs/, src/, test/, bench/, scripts/ or wasm/assembly/ that do not exist.
 */
export function missingDocuments(file: string, text: string, exists = existsSync, root = ROOT): string[] {
  const missing: string[] = [];
  for (const m of text.matchAll(/[\w./-]*[\w-]\.md\b/g)) {
    const ref = m[0].replace(/^\.\//, "");
    // an absolute path (e.g. the install prefix in a unit file) counts if its tail is in the repository
    const parts = ref.split("/").filter(Boolean);
    const tails = ref.startsWith("/") ? parts.map((_, i) => parts.slice(i).join("/")) : [ref];
    const found = tails.some((t) => [dirname(file), root, join(root, "docs")].some((d) => exists(resolve(d, t))));
    if (!found) missing.push(ref);
  }
  // repository files (docs/x.png, src/y.ts, …): a moved or renamed file leaves no stale pointer.
  // Only names with an extension count ("bench/1" is a user agent, "src/storage/parquet/_" a prefix).
  for (const m of text.matchAll(/(?<![\w/.@-])(?:docs|src|test|bench|scripts|wasm\/assembly)\/(?:[\w-]+\/)*[\w-]+(?:\.\w+)+/g)) {
    if (!m[0].endsWith(".md") && !exists(join(root, m[0]))) missing.push(m[0]);
  }
  return missing;
}

/** Section ids of a document's headings: "## 4. …" → "4", "### 4.2 …" → "4.2", "### A.1 …" → "A.1". */
export function headingIds(doc: string): Set<string> {
  const ids = new Set<string>();
  for (const m of doc.matchAll(/^#{2,4}\s+(?:Appendix\s+)?([0-9]+(?:\.[0-9]+)?|[A-Z](?:\.[0-9]+)?)(?=[.\s])/gm)) ids.add(m[1]!);
  return ids;
}

/**
 * Sections cited right after a mention of original.md (up to the next document name on the line),
 * or anywhere in original.md itself (`self`) except after another document's name, that are not
 * headings of it. "§9.1-4" is item 4 of §9.1; "§4.2–4.3" (en dash) is a range whose
 * two ends must exist; "Appendix A.1–A.4" likewise.
 */
export function missingSections(text: string, ids: Set<string>, self = false): string[] {
  const missing: string[] = [];
  const check = (spans: string[]) => {
    for (const span of spans) {
      for (const m of span.matchAll(/§\s?([0-9]+(?:\.[0-9]+)?)(?:–([0-9]+(?:\.[0-9]+)?))?/g)) {
        for (const id of [m[1], m[2]]) if (id && !ids.has(id)) missing.push(`§${id}`);
      }
      for (const m of span.matchAll(/Appendix\s+([A-Z](?:\.[0-9]+)?)(?:–([A-Z]\.[0-9]+))?/g)) {
        for (const id of [m[1], m[2]]) if (id && !ids.has(id)) missing.push(`Appendix ${id}`);
      }
    }
  };
  for (const line of text.split("\n")) {
    // [own text, name, text after it, name, …]: text after a name is cited from that document
    const parts = line.split(/([\w./-]*\.md)\b/);
    const spans = self ? [parts[0]!] : [];
    for (let i = 1; i < parts.length; i += 2) if (/(^|\/)original\.md$/.test(parts[i]!)) spans.push(parts[i + 1]!);
    check(spans);
  }
  return missing;
}

/** test/timings.json only orders files for `npm test`; a stale entry there is harmless. */
function citingFiles(): string[] {
  const out = [join(ROOT, "README.md")];
  for (const top of CITING) if (existsSync(join(ROOT, top))) out.push(...files(join(ROOT, top)));
  return out.filter((f) => f !== join(ROOT, "test/timings.json"));
}

/**
 * Tracked entries (`git ls-files -s` lines) a clone must not get: symbolic links (one to a local
 * node_modules was once committed from a worktree) and what `npm ci` or a build writes.
 */
function trackedOffenders(lsFiles: string): string[] {
  return lsFiles.split("\n").filter((l) => l.startsWith("120000 ") || /\t(node_modules|dist|wasm\/build)(\/|$)/.test(l));
}

describe("repository is self-contained", () => {
  test("no file under src/, test/, bench/, scripts/ or .ci/ names a path outside the repository", () => {
    const offenders: string[] = [];
    for (const top of SCANNED) {
      for (const f of files(join(ROOT, top))) {
        if (f === import.meta.path) continue; // this file spells the patterns out
        for (const ref of outsideReferences(f, readFileSync(f, "utf8"))) offenders.push(`${relative(ROOT, f)}: ${ref}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test("git tracks no symbolic link and nothing that npm ci or a build writes", () => {
    expect(trackedOffenders("120000 b594ab9cf29859485dd173b5a78678931b870c6c 0\tnode_modules")).toHaveLength(1);
    expect(trackedOffenders("100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\tdist/extended-mm")).toHaveLength(1);
    expect(trackedOffenders("100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\tsrc/dist.ts")).toEqual([]);
    const r = Bun.spawnSync(["git", "ls-files", "-s"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) return; // a source archive, not a git checkout: nothing is tracked
    expect(trackedOffenders(r.stdout.toString())).toEqual([]);
  });

  test("the guard itself flags what it is meant to", () => {
    const f = join(ROOT, "test/backtest/x.test.ts");
    // spelled in parts so that this file does not itself name the sibling folder
    const sibling = ["..", "..", "..", "shared", "data", "a"].join("/");
    expect(outsideReferences(f, `join(import.meta.dir, "${sibling}")`).length).toBeGreaterThan(0);
    expect(outsideReferences(f, `const p = "/work/shared/data/x.parquet"`)).toEqual(["/work/shared/data/x.parquet"]);
    expect(outsideReferences(f, `join(import.meta.dir, "../../../elsewhere")`)).toEqual([`"../../../elsewhere"`]);
    expect(outsideReferences(f, `join(import.meta.dir, "../fixtures/standx-btc-usd-2h")`)).toEqual([]);
    expect(outsideReferences(f, `join(import.meta.dir, "../../src/main.ts")`)).toEqual([]);
  });

  test("every document cited under src/, test/, bench/, docs/, wasm/, deploy/ and in README.md exists", () => {
    const offenders: string[] = [];
    for (const f of citingFiles()) {
      if (f === import.meta.path) continue; // this file spells out names that must not exist
      for (const ref of missingDocuments(f, readFileSync(f, "utf8"))) offenders.push(`${relative(ROOT, f)}: ${ref}`);
    }
    expect(offenders).toEqual([]);
  });

  test("every cited section of docs/original.md is a heading of it", () => {
    const original = readFileSync(join(ROOT, "docs/original.md"), "utf8");
    const ids = headingIds(original);
    const offenders = missingSections(original, ids, true).map((s) => `docs/original.md: ${s}`);
    for (const f of citingFiles()) {
      if (f === import.meta.path || f.endsWith(`${sep}original.md`)) continue;
      for (const s of missingSections(readFileSync(f, "utf8"), ids)) offenders.push(`${relative(ROOT, f)}: ${s}`);
    }
    expect(offenders).toEqual([]);
    // the sections the code leans on most, so an accidental renumbering is caught here by name
    for (const id of ["2", "3.15", "4.2", "4.3", "4.4", "5.4", "6.5", "9.1", "A.1", "A.2", "A.3", "A.4"]) expect(ids.has(id)).toBe(true);
  });

  test("the citation guards flag a missing document or section", () => {
    const f = join(ROOT, "src/model/x.ts");
    expect(missingDocuments(f, "see docs/original.md and docs/model.md")).toEqual([]);
    expect(missingDocuments(f, "as in original-system.md §4.4")).toEqual(["original-system.md"]);
    expect(missingDocuments(f, "see docs/nowhere.md")).toEqual(["docs/nowhere.md"]);
    expect(missingDocuments(f, "Documentation=file:///opt/extended-mm/docs/collect.md")).toEqual([]);
    expect(missingDocuments(f, "file:///opt/x/docs/gone.md")).toEqual(["///opt/x/docs/gone.md"]);
    expect(missingDocuments(f, "chart in docs/img/none.png, see docs/")).toEqual(["docs/img/none.png"]);
    expect(missingDocuments(f, "the merge (src/storage/merge.ts) and src/storage/events.ts")).toEqual(["src/storage/merge.ts"]);
    const ids = headingIds("## 4. Calibration\n### 4.2 Realized\n## Appendix A. Golden\n### A.1 Vol\n");
    expect([...ids].sort()).toEqual(["4", "4.2", "A", "A.1"]);
    expect(missingSections("(docs/original.md §4.2, §9.1-4)", ids)).toEqual(["§9.1"]);
    expect(missingSections("docs/original.md §4.2–4.3 and Appendix A.1–A.4", ids)).toEqual(["§4.3", "Appendix A.4"]);
    // sections cited after another document's name belong to that document
    expect(missingSections("docs/original.md §4.2; docs/references.md §5.4", ids)).toEqual([]);
    expect(missingSections("as §4.2 says, not §7 (docs/platform.md §2.2)", ids, true)).toEqual(["§7"]);
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
