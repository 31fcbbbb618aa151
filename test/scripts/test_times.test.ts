import { expect, test } from "bun:test";
import { npmTestArgs, slowest, withoutTimings } from "../../scripts/test_times.ts";

test("test:times ranks files slowest first and runs the suite exactly as npm test does", () => {
  const t = { files: { "a.test.ts": 120, "b.test.ts": 9000, "c.test.ts": 450, "d.test.ts": 9000.5 } };
  expect(slowest(t, 3)).toEqual([
    ["d.test.ts", 9000.5],
    ["b.test.ts", 9000],
    ["c.test.ts", 450],
  ]);
  expect(slowest(t, 10).length).toBe(4);
  const args = npmTestArgs();
  expect(args.slice(0, 2)).toEqual(["bun", "test"]);
  expect(args).toContain("--timeout");
  expect(withoutTimings(["bun", "test", "--parallel", "--timings", "t.json", "--timeout", "9"])).toEqual(["bun", "test", "--parallel", "--timeout", "9"]);
  expect(withoutTimings(["bun", "test", "--timings=t.json", "x"])).toEqual(["bun", "test", "x"]);
});
