/**
 * The import rule of docs/architecture.md ("Layers"), read from that document: a folder of src/
 * imports only from its own layer and the layers below; no cycle between folders; the private files
 * of storage/parquet/ are imported only from inside that folder.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const SRC = join(ROOT, "src");

/** Layers from the doc's ```layers block, lowest first; each a set of folders (or root files without .ts). */
export function parseLayers(doc: string): string[][] {
  const m = /```layers\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error("docs/architecture.md: no ```layers block");
  // "a b" on a line: peers, which must not import each other; "a+b": one layer over several folders
  return m[1]!.trim().split("\n").reverse().map((line) => line.trim().split(/\s+/));
}

/** The unit a src-relative path belongs to: its top folder, or the file name for root files. */
export function unitOf(srcRel: string): string {
  const parts = srcRel.split("/");
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, "") : parts[0]!;
}

/** Relative import specifiers of a source text: static, re-export, dynamic and side-effect imports. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bfrom\s+["'](\.[^"']+)["']|\bimport\s*\(\s*["'](\.[^"']+)["']\s*\)|\bimport\s+["'](\.[^"']+)["']/g)) {
    out.push(m[1] ?? m[2] ?? m[3]!);
  }
  return out;
}

export interface Edge {
  file: string;
  target: string;
  from: string;
  to: string;
}

/** Folder-to-folder import edges of `files` (src-relative path → text); imports leaving src/ are ignored. */
export function edgesOf(files: Map<string, string>): Edge[] {
  const edges: Edge[] = [];
  for (const [file, text] of files) {
    for (const spec of importsOf(text)) {
      const target = relative(SRC, resolve(SRC, dirname(file), spec));
      if (target.startsWith("..")) continue; // wasm/build, package.json
      edges.push({ file, target, from: unitOf(file), to: unitOf(target) });
    }
  }
  return edges;
}

/** Every edge that breaks the layering, as "file → target (from layer → to layer)". */
export function violations(edges: Edge[], layers: string[][]): string[] {
  const rank = new Map<string, { layer: number; group: string }>();
  layers.forEach((peers, layer) => {
    for (const group of peers) for (const unit of group.split("+")) rank.set(unit, { layer, group });
  });
  const out: string[] = [];
  for (const e of edges) {
    if (e.from === e.to) continue;
    const a = rank.get(e.from), b = rank.get(e.to);
    if (!a) out.push(`${e.file}: folder ${e.from} is not in docs/architecture.md's layers`);
    else if (!b) out.push(`${e.file} → ${e.target}: folder ${e.to} is not in docs/architecture.md's layers`);
    else if (a.group === b.group) continue;
    else if (b.layer > a.layer) out.push(`${e.file} → ${e.target}: ${e.from} imports ${e.to}, a higher layer`);
    else if (b.layer === a.layer) out.push(`${e.file} → ${e.target}: ${e.from} imports its peer ${e.to}`);
  }
  return out;
}

/** Folder cycles (a multi-folder layer counts as one node). */
export function cycles(edges: Edge[], layers: string[][]): string[][] {
  const node = (u: string) => layers.flat().find((g) => g.split("+").includes(u)) ?? u;
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    const a = node(e.from), b = node(e.to);
    if (a !== b) (next.get(a) ?? next.set(a, new Set()).get(a)!).add(b);
  }
  const found: string[][] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      if (state.get(m) === 1) found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of next.keys()) if (!state.has(n)) visit(n);
  return found;
}

function sources(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name === ".tmp" || name === "node_modules") continue; // scratch and generated data, not code
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts")) out.set(relative(SRC, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}

const layers = parseLayers(readFileSync(join(ROOT, "docs/architecture.md"), "utf8"));

describe("layering (docs/architecture.md)", () => {
  test("the checker finds an upward import, a peer import, an unknown folder and a cycle", () => {
    const fake = new Map([
      ["storage/a.ts", `import { x } from "../model/b.ts";`],
      ["model/b.ts", `import type { Y } from "../storage/a.ts";\nconst z = await import("../collect/c.ts");`],
      ["core/d.ts", `export { w } from "../backtest/e.ts";`],
      ["backtest/e.ts", `import "../core/d.ts";`],
      ["nowhere/f.ts", `import { q } from "../config/g.ts";`],
    ]);
    const edges = edgesOf(fake);
    expect(edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(["backtest>core", "core>backtest", "model>collect", "model>storage", "nowhere>config", "storage>model"]);
    expect(violations(edges, layers)).toEqual([
      "storage/a.ts → model/b.ts: storage imports model, a higher layer",
      "model/b.ts → collect/c.ts: model imports its peer collect",
      "core/d.ts → backtest/e.ts: core imports backtest, a higher layer",
      "nowhere/f.ts: folder nowhere is not in docs/architecture.md's layers",
    ]);
    expect(cycles(edges, layers)).toEqual([["storage", "model", "storage"], ["core", "backtest", "core"]]);
  });

  const edges = edgesOf(sources(SRC));

  test("every src/ folder is a layer; no import goes up or sideways", () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(violations(edges, layers)).toEqual([]);
  });

  test("no import cycle between folders", () => {
    expect(cycles(edges, layers)).toEqual([]);
  });

  test("storage/parquet/'s private files are imported only from inside it (src/ and bench/)", () => {
    const bad: string[] = [];
    // sources() names files relative to src/: "storage/x.ts", "../bench/y.ts"
    const files = [...sources(SRC), ...sources(join(ROOT, "bench"))].map(([k, v]) => [join("src", k), v] as const);
    for (const [file, text] of files) {
      for (const spec of importsOf(text)) {
        const target = join(dirname(file), spec);
        if (target.startsWith("src/storage/parquet/_") && dirname(file) !== "src/storage/parquet") bad.push(`${file} → ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
