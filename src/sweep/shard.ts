/**
 * A sweep split over n independent processes that share nothing but the output location.
 *
 *   shard i of n runs the combinations k with k mod n = i (deterministic, and interleaved so that
 *   every shard gets a similar mix of cheap and expensive corners of the grid);
 *   each shard writes `shards/shard_{i}_of_{n}.json` (its rows, in combination numbering);
 *   `mergeShards` checks that shards 0..n-1 are each there exactly once, for the same grid and
 *   market, and returns the rows of the whole grid — ranked and written exactly as a one-machine
 *   sweep (same rows in, same CSV out: numbers survive JSON exactly, NaN and ±Infinity as strings).
 */
import { DataError, UsageError } from "../errors.ts";
import type { DataQuality } from "../sim/data.ts";
import type { SweepParam } from "./grid.ts";
import type { RunMetrics, SweepRow } from "./rank.ts";

export interface Shard {
  index: number;
  count: number;
}

const FORMAT = "extended-mm-sweep-shard/1";
export const SHARD_DIR = "shards";

/**
 * `--shard i/n`; else `--shards n` with the index from JOB_COMPLETION_INDEX (Kubernetes Indexed
 * Jobs; AWS_BATCH_JOB_ARRAY_INDEX for AWS Batch array jobs); else null (the whole grid).
 */
export function parseShard(shard: string | undefined, shards: string | undefined, env: Record<string, string | undefined>): Shard | null {
  if (shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(shard.trim());
    if (!m) throw new UsageError(`--shard: expected i/n (e.g. 0/8), got ${JSON.stringify(shard)}`);
    if (shards !== undefined) throw new UsageError("--shard and --shards are exclusive (--shards takes the index from JOB_COMPLETION_INDEX)");
    return checked(Number(m[1]), Number(m[2]), "--shard");
  }
  if (shards === undefined) return null;
  const n = /^\d+$/.test(shards.trim()) ? Number(shards) : NaN;
  const raw = env.JOB_COMPLETION_INDEX ?? env.AWS_BATCH_JOB_ARRAY_INDEX;
  if (raw === undefined) throw new UsageError("--shards: the shard index comes from JOB_COMPLETION_INDEX (or AWS_BATCH_JOB_ARRAY_INDEX), which is not set; give --shard i/n");
  const i = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  return checked(i, n, "--shards");
}

function checked(i: number, n: number, flag: string): Shard {
  if (!(Number.isInteger(n) && n >= 1)) throw new UsageError(`${flag}: the shard count must be an integer ≥ 1, got ${n}`);
  if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new UsageError(`${flag}: the shard index must be 0..${n - 1}, got ${i}`);
  return { index: i, count: n };
}

/** Combination indices of a shard, ascending. */
export function shardIndices(total: number, s: Shard): number[] {
  const out: number[] = [];
  for (let k = s.index; k < total; k += s.count) out.push(k);
  return out;
}

export const shardFileName = (s: Shard) => `shard_${s.index}_of_${s.count}.json`;

export interface ShardFile {
  format: typeof FORMAT;
  shard: number;
  shards: number;
  market: string;
  /** Combinations in the whole grid. */
  grid: number;
  params: SweepParam[];
  rows: SweepRow[];
  dataQuality: DataQuality;
  threads: number;
  timings: { wallMs: number; loadMs: number; calibrateMs: number; runMs: number };
}

/** JSON has no NaN or ±Infinity: those metrics are written as strings and read back. */
const encodeNum = (x: number) => (Number.isFinite(x) ? x : String(x));
const decodeNum = (x: unknown) => (typeof x === "number" ? x : x === "NaN" ? NaN : x === "Infinity" ? Infinity : x === "-Infinity" ? -Infinity : NaN);

export function encodeShard(f: Omit<ShardFile, "format">): string {
  const rows = f.rows.map((r) => ({ ...r, metrics: r.metrics && Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, encodeNum(v)])) }));
  return JSON.stringify({ format: FORMAT, ...f, rows });
}

export function decodeShard(name: string, text: string): ShardFile {
  let j: ShardFile;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${name}: not a sweep shard file (${(e as Error).message})`);
  }
  if (j?.format !== FORMAT || !Array.isArray(j.rows) || !Array.isArray(j.params)) throw new DataError(`${name}: not a sweep shard file (format ${JSON.stringify(j?.format)})`);
  j.rows = j.rows.map((r) => ({ ...r, metrics: r.metrics && (Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, decodeNum(v)])) as unknown as RunMetrics) }));
  return j;
}

export interface Merged {
  market: string;
  params: SweepParam[];
  rows: SweepRow[];
  dataQuality: DataQuality;
  shards: ShardFile[];
}

const gridKey = (f: ShardFile) => JSON.stringify([f.market, f.grid, f.params.map((p) => [p.key, p.values])]);

/** The whole grid from its shards; a missing, duplicated or foreign shard is a DataError naming it by number. */
export function mergeShards(files: { name: string; text: string }[], where: string): Merged {
  if (files.length === 0) throw new DataError(`sweep merge: no shard files in ${where}`);
  const shards = files.map((f) => ({ name: f.name, s: decodeShard(f.name, f.text) }));
  const n = shards[0]!.s.shards;
  const other = shards.find((x) => x.s.shards !== n);
  if (other) throw new DataError(`sweep merge: ${other.name} is shard ${other.s.shard} of ${other.s.shards}, ${shards[0]!.name} of ${n}: shards of different runs in ${where}`);
  const key = gridKey(shards[0]!.s);
  const foreign = shards.find((x) => gridKey(x.s) !== key);
  if (foreign) throw new DataError(`sweep merge: ${foreign.name} (shard ${foreign.s.shard}) is for another grid or market than ${shards[0]!.name}`);
  const seen = new Map<number, string>();
  for (const x of shards) {
    const prev = seen.get(x.s.shard);
    if (prev !== undefined) throw new DataError(`sweep merge: shard ${x.s.shard} of ${n} is duplicated (${prev}, ${x.name})`);
    seen.set(x.s.shard, x.name);
  }
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new DataError(`sweep merge: missing shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${n} in ${where}`);
  const ordered = shards.map((x) => x.s).sort((a, b) => a.shard - b.shard);
  const first = ordered[0]!;
  const rows: SweepRow[] = new Array(first.grid);
  for (const s of ordered) {
    const want = shardIndices(first.grid, { index: s.shard, count: n });
    if (s.rows.length !== want.length || s.rows.some((r, k) => r.index !== want[k])) throw new DataError(`sweep merge: shard ${s.shard} of ${n} does not hold combinations ${want.slice(0, 3).join(", ")}… of the grid`);
    for (const r of s.rows) rows[r.index] = r;
  }
  return { market: first.market, params: first.params, rows, dataQuality: first.dataQuality, shards: ordered };
}
