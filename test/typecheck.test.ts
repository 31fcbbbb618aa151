import { expect, test } from "bun:test";
import { join } from "node:path";

// Bun runs TypeScript without checking it; strict types are only a guarantee if something checks them.
test("the whole project type-checks under strict mode", () => {
  const root = join(import.meta.dir, "..");
  const r = Bun.spawnSync([join(root, "node_modules/.bin/tsc"), "--noEmit", "-p", root], { cwd: root });
  const out = r.stdout.toString() + r.stderr.toString();
  expect(out.split("\n").filter((l) => l.includes("error TS")).slice(0, 10)).toEqual([]);
  expect(r.exitCode).toBe(0);
}, 300_000);
