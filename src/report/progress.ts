/**
 * A one-line progress bar on stderr, only when stderr is a terminal and not --quiet; redraws at
 * most every 100 ms and only once the run has lasted 1.5 s, so short runs stay silent.
 */
export interface Progress {
  update(phase: string, frac: number | null, detail?: string): void;
  done(): void;
}

const NOOP: Progress = { update() {}, done() {} };

export function progressBar(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return NOOP;
  const t0 = performance.now();
  let last = 0, drawn = false;
  return {
    update(phase, frac, detail = "") {
      const now = performance.now();
      if (now - t0 < 1500 || now - last < 100) return;
      last = now;
      const w = 24;
      const bar = frac === null ? "" : `[${"#".repeat(Math.round(frac * w)).padEnd(w, ".")}] ${(frac * 100).toFixed(0).padStart(3)}% `;
      process.stderr.write(`\r\x1b[2K${phase.padEnd(10)} ${bar}${detail}`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write("\r\x1b[2K");
    },
  };
}
