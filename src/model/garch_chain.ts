/**
 * The GARCH search across a run's calibrations (docs/model.md "Windowed GARCH, warm-started"):
 * the full coarse grid on the first fit, every `fullGridEvery`-th and whenever the window has grown
 * by a quarter since the last full grid; in between, the walk from seeds (the previous optimum,
 * the last full-grid winner, the ridge points). Each fit depends only on the returns it is given
 * and on this state, so the chain can run wherever its inputs are sent, in calibration order
 * (backtest/garch_runner.ts runs it on a worker thread) with the same results.
 */
import { FullHistoryGrid } from "./garch_full.ts";
import type { GarchScreen } from "./garch_batch.ts";
import { GARCH_RIDGE_SEEDS, garchFit, type GarchFit } from "./volatility.ts";

export interface GarchChainOptions {
  /** Full coarse grid every N-th fit (1 = always: the literal search). */
  fullGridEvery: number;
  /** Warm fits also scan every n-th coarse-grid α and β (0 = none). */
  warmStride: number;
  /** Compatibility: the returns are the whole history; the full grid skips points that cannot win (garch_full.ts). */
  fullHistory: boolean;
}

type Point = { alpha: number; beta: number };

export class GarchChain {
  private prev: Point | null = null;
  /** Winner of the last full-grid search: a second seed, so a warm walk cannot stay lost in a worse basin. */
  private lastFull: Point | null = null;
  private lenAtFull = 0;
  private sinceFull = Infinity;
  /** Full-history mode: the coarse grid that skips points proven unable to win. */
  readonly fullGrid = new FullHistoryGrid();

  constructor(
    private readonly o: GarchChainOptions,
    private readonly screen?: GarchScreen,
  ) {}

  /** The fit on returns r[0, len), of which r[0, stable) are final (the rest is the resampler's provisional tail). */
  fit(r: ArrayLike<number>, len: number, stable: number): GarchFit | null {
    const o = this.o;
    // while the window fills, the likelihood surface changes fast and the full grid is cheap
    const full = this.prev === null || this.sinceFull + 1 >= o.fullGridEvery || len > 1.25 * this.lenAtFull;
    const seeds = full ? undefined : [this.prev!, ...(this.lastFull ? [this.lastFull] : []), ...GARCH_RIDGE_SEEDS];
    this.fullGrid.stableLength = stable;
    const fit = garchFit(r, 0, len, seeds, true, o.warmStride, o.fullHistory ? this.fullGrid : undefined, this.screen);
    this.sinceFull = full ? 0 : this.sinceFull + 1;
    if (!fit) return null;
    this.prev = { alpha: fit.alpha, beta: fit.beta };
    if (full) {
      this.lastFull = this.prev;
      this.lenAtFull = len;
    }
    return fit;
  }
}
