/**
 * The `src/` tree of another revision, extracted under bench/.tmp so a bench can import an old
 * implementation next to the current one and time both in one run (this machine's speed drifts
 * by up to 3× between runs, so only same-run comparisons mean anything). Imports inside the old
 * tree resolve against this checkout's node_modules.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

/** Directory holding `src/` of `rev` (extracted once per commit). */
export function oldSourceDir(rev: string): string {
  const sha = Bun.spawnSync(["git", "rev-parse", "--verify", `${rev}^{commit}`], { cwd: ROOT }).stdout.toString().trim();
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`${rev}: not a commit of this repository`);
  const dir = join(ROOT, "bench", ".tmp", `src-${sha.slice(0, 12)}`);
  if (!existsSync(join(dir, ".complete"))) {
    mkdirSync(dir, { recursive: true });
    const archive = Bun.spawnSync(["git", "archive", sha, "src"], { cwd: ROOT });
    if (archive.exitCode !== 0) throw new Error(`git archive ${rev}: ${archive.stderr.toString().trim()}`);
    const untar = Bun.spawnSync(["tar", "-x", "-C", dir], { stdin: archive.stdout });
    if (untar.exitCode !== 0) throw new Error(`tar: ${untar.stderr.toString().trim()}`);
    Bun.spawnSync(["touch", join(dir, ".complete")]);
  }
  return dir;
}
