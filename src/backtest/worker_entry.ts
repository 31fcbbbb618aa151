/**
 * The URL of a worker entry point, `name` being its path under src/. From sources it is the file
 * itself; in a binary built with `bun build --compile` and the entries of scripts/release.ts
 * `ENTRY_POINTS`, every module's import.meta.url is the executable and entry points are named
 * relative to their common root, src/ (docs/platform.md).
 */
export function workerEntry(name: string): string {
  const compiled = import.meta.path.includes("$bunfs") || import.meta.path.includes("~BUN");
  return compiled ? `./${name}` : new URL(`../${name}`, import.meta.url).href;
}
