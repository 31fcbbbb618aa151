/**
 * Hands out sweep combinations so that each calibration is computed by as few workers as
 * possible: a worker keeps taking combinations whose calibration it already holds, starts a
 * calibration nobody has started yet when it runs out — the most expensive first (longest
 * processing time first, which balances unequal calibrations across workers) — and only then
 * helps with another worker's group (computing that calibration a second time). Pure; results do
 * not depend on it (they are stored by combination index), only the wall time does.
 */
export class AffinityQueue {
  /** Remaining combination indices per group, ascending. */
  private readonly remaining = new Map<string, number[]>();
  private readonly known: Set<string>[];
  private readonly started = new Set<string>();

  constructor(
    groupOf: readonly string[],
    workers: number,
    sharedGroups: Iterable<string> = [],
    /** Relative cost of computing a group's calibration (default: all equal). */
    private readonly costOf: (group: string) => number = () => 1,
  ) {
    groupOf.forEach((g, i) => {
      const list = this.remaining.get(g);
      if (list) list.push(i);
      else this.remaining.set(g, [i]);
    });
    const shared = [...sharedGroups];
    for (const g of shared) this.started.add(g);
    this.known = Array.from({ length: workers }, () => new Set(shared));
  }

  next(worker: number): number | null {
    const mine = this.known[worker];
    let pick: string | null = null;
    for (const g of mine) if (this.remaining.get(g)?.length) return this.take(g);
    for (const [g, list] of this.remaining) {
      if (!list.length || this.started.has(g)) continue;
      // Map order is first-index order, so a strict comparison keeps the earliest among equals.
      if (pick === null || this.costOf(g) > this.costOf(pick)) pick = g;
    }
    if (pick === null) {
      for (const [g, list] of this.remaining) if (list.length && (pick === null || list.length > this.remaining.get(pick)!.length)) pick = g;
    }
    if (pick === null) return null;
    mine.add(pick);
    this.started.add(pick);
    return this.take(pick);
  }

  private take(g: string): number {
    return this.remaining.get(g)!.shift()!;
  }
}
