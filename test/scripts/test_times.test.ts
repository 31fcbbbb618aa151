import { expect, test } from "bun:test";
import { phases, SERIAL, totals } from "../../scripts/test.ts";
import { slowest } from "../../scripts/test_times.ts";

test("test:times ranks files slowest first", () => {
  const t = { files: { "a.test.ts": 120, "b.test.ts": 9000, "c.test.ts": 450, "d.test.ts": 9000.5 } };
  expect(slowest(t, 3)).toEqual([
    ["d.test.ts", 9000.5],
    ["b.test.ts", 9000],
    ["c.test.ts", 450],
  ]);
  expect(slowest(t, 10).length).toBe(4);
});

test("npm test: the serial files leave the parallel phase and run alone after it; counts add up", () => {
  const [par, ser] = phases([]);
  expect(par).toContain("--parallel");
  for (const f of SERIAL) expect(par).toContain(`--path-ignore-patterns=${f}`);
  expect(ser).toEqual(["test", "--timeout", "120000", ...SERIAL]);
  expect(ser).not.toContain("--parallel");
  // a filter that selects no serial file runs one phase; one that does keeps both
  expect(phases(["test/model"]).length).toBe(1);
  expect(phases(["test/collect"]).length).toBe(2);
  // measuring: the caller's file comes first, so --update-timings writes there
  const [m] = phases([], "/tmp/t.json");
  expect(m.indexOf("/tmp/t.json")).toBeLessThan(m.indexOf("test/timings.json"));
  expect(totals(["x\n 500 pass\n 1 fail\n", " 2 pass\n 0 fail\n"])).toEqual({ pass: 502, fail: 1 });
  expect(totals(["no summary"])).toEqual({ pass: 0, fail: 0 });
});
