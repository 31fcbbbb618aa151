/**
 * Every verify check has an id, a severity and a counter; the first few occurrences are kept as
 * examples (file + row + detail) so a report can point at the exact place in the data.
 */

export type Severity = "error" | "warning";

export interface CheckInfo {
  severity: Severity;
  title: string;
}

/** The checks of `verify_orderbook` (files mode), in report order. */
export const CHECKS = {
  // ---- parts (file level) ----
  part_unreadable: { severity: "error", title: "part unreadable (no footer / corrupt)" },
  part_schema: { severity: "error", title: "part schema differs from the expected one" },
  part_empty: { severity: "warning", title: "part with zero rows" },
  part_row_count: { severity: "error", title: "rows read differ from the footer's row count" },
  part_name: { severity: "warning", title: "part name does not match its first row (ts/seq)" },
  // ---- order book rows ----
  book_duplicate: { severity: "error", title: "duplicate book row (same timestamp and seq seen before)" },
  seq_gap: { severity: "warning", title: "seq gap (seq > previous + 1)" },
  seq_reset: { severity: "warning", title: "seq restarts at 1 (a new connection)" },
  seq_regression: { severity: "error", title: "seq regression (seq ≤ previous)" },
  book_ts_regression: { severity: "error", title: "book timestamp regression" },
  crossed: { severity: "error", title: "crossed book (best bid > best ask)" },
  locked: { severity: "warning", title: "locked book (best bid = best ask)" },
  bid_order: { severity: "error", title: "bid levels not strictly descending" },
  ask_order: { severity: "error", title: "ask levels not strictly ascending" },
  book_bad_value: { severity: "error", title: "non-positive or NaN book price/size" },
  book_hole: { severity: "error", title: "hole (empty level before a non-empty one)" },
  outage: { severity: "warning", title: "outage longer than gap_threshold_seconds" },
  // ---- trades ----
  trade_duplicate_id: { severity: "error", title: "trade id seen before" },
  trade_ts_regression: { severity: "error", title: "trade timestamp regression" },
  trade_bad_value: { severity: "error", title: "non-positive or NaN trade price/size" },
  trade_uncovered: { severity: "warning", title: "trade outside any book coverage" },
  trade_off_book: { severity: "warning", title: "trade price far outside the book at that time" },
} as const satisfies Record<string, CheckInfo>;

export type CheckId = keyof typeof CHECKS;
export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

export interface Example {
  file: string;
  /** 0-based row inside the file. */
  row: number;
  detail: string;
}

export class Tally {
  readonly counts = new Map<CheckId, number>();
  readonly examples = new Map<CheckId, Example[]>();

  constructor(readonly maxExamples = 5) {
    for (const id of CHECK_IDS) {
      this.counts.set(id, 0);
      this.examples.set(id, []);
    }
  }

  /** `detail` is a thunk so that building the message costs nothing past the first examples. */
  add(id: CheckId, file: string, row: number, detail: () => string): void {
    this.counts.set(id, this.counts.get(id)! + 1);
    const ex = this.examples.get(id)!;
    if (ex.length < this.maxExamples) ex.push({ file, row, detail: detail() });
  }

  count(id: CheckId): number {
    return this.counts.get(id)!;
  }

  /** Problems of severity `error` (what `--max-errors` is compared with). */
  errors(): number {
    let n = 0;
    for (const id of CHECK_IDS) if (CHECKS[id].severity === "error") n += this.count(id);
    return n;
  }

  warnings(): number {
    let n = 0;
    for (const id of CHECK_IDS) if (CHECKS[id].severity === "warning") n += this.count(id);
    return n;
  }
}
