// Writes assembly/generated/layout.ts (the P_*, S_*, F_*, Q_*, R_* constants) from the TypeScript
// definition in src/sim/; run by `build:wasm` before asc. The output is build state (gitignored).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { wasmLayoutSource } from "../src/sim/wasm_layout.ts";

const dir = join(import.meta.dir, "assembly", "generated");
const file = join(dir, "layout.ts");
const text = wasmLayoutSource();
mkdirSync(dir, { recursive: true });
let old = "";
try {
  old = readFileSync(file, "utf8");
} catch {}
if (old !== text) writeFileSync(file, text); // unchanged: keep the mtime, so the build stays fresh
