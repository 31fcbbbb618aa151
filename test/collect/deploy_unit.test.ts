/**
 * deploy/extended-mm-collect.service: systemd ignores a key in the wrong section (with only a
 * warning in the journal), so a misplaced restart limit silently does not apply.
 */
import { expect, test } from "bun:test";
import { readFileSync, mkdtempSync, copyFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const UNIT = join(import.meta.dir, "../../deploy/extended-mm-collect.service");

function sections(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let cur: Map<string, string> | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const s = /^\[(\w+)\]$/.exec(line);
    if (s) {
      cur = new Map();
      out.set(s[1], cur);
      continue;
    }
    const kv = /^(\w+)=(.*)$/.exec(line);
    expect(kv && cur).toBeTruthy();
    cur!.set(kv![1], kv![2]);
  }
  return out;
}

// Keys systemd reads only from [Unit] (systemd.unit(5)); in [Service] they are "Unknown key … ignoring".
const UNIT_ONLY = ["Description", "Documentation", "Wants", "Requires", "After", "Before", "StartLimitIntervalSec", "StartLimitAction", "OnFailure"];

test("every key of the systemd unit is in the section systemd reads it from", () => {
  const s = sections(readFileSync(UNIT, "utf8"));
  const service = s.get("Service")!;
  for (const k of UNIT_ONLY) expect(service.has(k) ? `${k} in [Service]` : "ok").toBe("ok");
  expect(service.get("ExecStart")).toContain("collect_data");
  expect(service.get("KillSignal")).toBe("SIGTERM");
  expect(service.get("RestartPreventExitStatus")).toBe("2");
  expect(s.get("Install")?.get("WantedBy")).toBe("multi-user.target");
});

test("systemd-analyze (when installed) reports no unknown key", () => {
  const which = Bun.spawnSync(["sh", "-c", "command -v systemd-analyze"]);
  if (which.exitCode !== 0) return; // not a systemd host: the static check above still ran
  const dir = mkdtempSync(join(tmpdir(), "emm-unit-"));
  try {
    copyFileSync(UNIT, join(dir, "extended-mm-collect.service"));
    const r = Bun.spawnSync(["systemd-analyze", "verify", "--man=no", join(dir, "extended-mm-collect.service")]);
    const text = r.stderr.toString() + r.stdout.toString();
    expect(text.split("\n").filter((l) => /Unknown key|Unknown section|Invalid|Failed to parse/.test(l))).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
