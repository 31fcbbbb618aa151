/**
 * `npm run release`: the `extended-mm` binary for every supported platform, cross-compiled by
 * `bun build --compile --target=…` into dist/release/, plus SHA256SUMS in `sha256sum` format.
 *
 * Cross-compiling needs the target's Bun runtime: bun fetches it once from registry.npmjs.org
 * (package `@oven/bun-<target>` of the running bun's version) and caches it under
 * ~/.bun/install/cache. bun does not follow npm's registry settings, so when its own download
 * fails (a mirror, a proxy) the runtime is fetched with `npm pack`, which does, and put into that
 * cache (docs/platform.md §1).
 *
 *   bun scripts/release.ts [--targets linux-x64,darwin-arm64] [--out dist/release]
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

/** Release name → bun's compile target. The name is what users download. */
export const TARGETS: Record<string, string> = {
  "linux-x64": "bun-linux-x64",
  "linux-x64-baseline": "bun-linux-x64-baseline",
  "linux-arm64": "bun-linux-arm64",
  "linux-x64-musl": "bun-linux-x64-musl",
  "darwin-x64": "bun-darwin-x64",
  "darwin-arm64": "bun-darwin-arm64",
  "windows-x64": "bun-windows-x64",
};

export const binaryName = (platform: string) => `extended-mm-${platform}${platform.startsWith("windows") ? ".exe" : ""}`;

/** bun's name for a target's runtime: bun-linux-arm64 → bun-linux-aarch64 (npm package @oven/bun-linux-aarch64). */
const runtimeName = (target: string) => target.replace(/-arm64\b/, "-aarch64");

/** Puts the target's runtime into bun's cache through npm (used only when bun's own download failed). */
export function fetchRuntimeWithNpm(target: string): void {
  const name = runtimeName(target);
  const cache = process.env.BUN_INSTALL_CACHE_DIR ?? join(homedir(), ".bun/install/cache");
  const tmp = mkdtempSync(join(tmpdir(), "emm-runtime-"));
  try {
    const pack = Bun.spawnSync(["npm", "pack", `@oven/${name}@${Bun.version}`, "--silent"], { cwd: tmp, stdout: "pipe", stderr: "pipe" });
    if (pack.exitCode !== 0) throw new Error(`npm pack @oven/${name}@${Bun.version} failed: ${pack.stderr.toString().trim().split("\n").at(-1)}`);
    const tgz = pack.stdout.toString().trim().split("\n").at(-1)!;
    const exe = target.includes("windows") ? "bun.exe" : "bun";
    if (Bun.spawnSync(["tar", "-xzf", tgz, `package/bin/${exe}`], { cwd: tmp }).exitCode !== 0) throw new Error(`${tgz} has no bin/${exe}`);
    mkdirSync(cache, { recursive: true });
    copyFileSync(join(tmp, "package/bin", exe), join(cache, `${name}-v${Bun.version}`));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The binary's entry points, as in `npm run build`: the CLI and the worker threads, which a
 * compiled binary cannot load from a source path (docs/platform.md, src/backtest/worker_entry.ts).
 */
export const ENTRY_POINTS = ["src/main.ts", "src/sweep/worker.ts", "src/backtest/garch_worker.ts"];

/** Compiles one platform's binary into `outDir`. */
export function buildRelease(platform: string, outDir: string): string {
  const target = TARGETS[platform];
  if (!target) throw new Error(`unknown platform ${platform}; one of ${Object.keys(TARGETS).join(", ")}`);
  const out = join(outDir, binaryName(platform));
  const build = () =>
    Bun.spawnSync([process.execPath, "build", "--compile", "--minify", `--target=${target}`, ...ENTRY_POINTS, "--outfile", out], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
  let r = build();
  const cached = join(process.env.BUN_INSTALL_CACHE_DIR ?? join(homedir(), ".bun/install/cache"), `${runtimeName(target)}-v${Bun.version}`);
  if (r.exitCode !== 0 && !existsSync(cached)) {
    fetchRuntimeWithNpm(target);
    r = build();
  }
  if (r.exitCode !== 0) {
    const msg = (r.stderr.toString() + r.stdout.toString()).trim().split("\n").filter(Boolean).at(-1) ?? `exit ${r.exitCode}`;
    throw new Error(`${platform}: bun build --target=${target} failed: ${msg}`);
  }
  return out;
}

/** Writes SHA256SUMS for every binary in `dir` ("<hex>  <name>", as `sha256sum` prints and `-c` reads). */
export function writeChecksums(dir: string): string {
  const lines = readdirSync(dir)
    .filter((f) => f.startsWith("extended-mm-"))
    .sort()
    .map((f) => `${createHash("sha256").update(readFileSync(join(dir, f))).digest("hex")}  ${f}`);
  const path = join(dir, "SHA256SUMS");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.main) {
  const platforms = flag("--targets")?.split(",") ?? Object.keys(TARGETS);
  const outDir = resolve(flag("--out") ?? join(ROOT, "dist/release"));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  try {
    for (const p of platforms) {
      const t0 = performance.now();
      const out = buildRelease(p, outDir);
      const mb = (Bun.file(out).size / 1e6).toFixed(1);
      console.log(`${binaryName(p).padEnd(34)} ${mb.padStart(6)} MB  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    console.log(`${outDir}/SHA256SUMS written; verify a download with: sha256sum -c SHA256SUMS --ignore-missing`);
    writeChecksums(outDir);
  } catch (e) {
    console.error(`release: ${(e as Error).message}`);
    process.exit(1);
  }
}
