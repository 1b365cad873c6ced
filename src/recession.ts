// SPDX-License-Identifier: MIT
// Detects the rescaled exp loss running off to its infimum instead of towards a minimizer.
//
// Without regularization, L(x) = 0.5 ||u - <u,1> b||^2 with u = exp(A x) has no minimizer when some
// direction v has A v < 0 (an intercept column is enough): along x + s v every u_i shrinks, c = u -
// alpha b shrinks with it, and L falls to 0 as s grows (math.md section 2). Newton then walks off at
// a steady pace: along an intercept the loss is L0 e^{2s}, and each full step moves s by -1/2, so
// alpha = <u,1> and the loss fall by constant factors (e^{-1/2}, e^{-1}) while ||x|| grows. The
// gradient falls as fast, so left alone the loop would stop with "converged" at a far-off x of
// loss ~ 0, or run to the iteration limit.
//
// The signature watched for: over RUN consecutive steps, alpha and the loss both fall by at least
// the factor SHRINK, ||x|| grows, and the regularizer is a negligible share of the loss (with any
// w > 0 that the walk can feel, 0.5 ||w A x||^2 grows until it stops the walk at a minimizer). A
// healthy fit keeps alpha near the scale of f(A x*); a far start falling towards the minimizer
// shrinks ||x|| or soon meets the regularizer.

/** Consecutive steps the signature must hold for. */
const RUN = 5;
/** Per-step factor alpha and the loss must both fall by (pure recession: 0.61 and 0.37). */
const SHRINK = 0.8;
/** The regularizer's share of the loss below which it cannot be what stops the walk. */
const REG_SHARE = 1e-3;

export interface RecessionPoint {
  loss: number;
  alpha: number;
  reg: number;
  xNorm: number;
}

export class RecessionWatch {
  private prev: RecessionPoint | null = null;
  private start: RecessionPoint | null = null;
  private run = 0;

  /** Records the next iterate; returns the start of the run once the signature held RUN times. */
  update(p: RecessionPoint): RecessionPoint | null {
    const q = this.prev;
    this.prev = p;
    const receding = q !== null && p.alpha > 0 && p.alpha <= SHRINK * q.alpha && p.loss <= SHRINK * q.loss && p.xNorm > q.xNorm && p.reg <= REG_SHARE * p.loss;
    if (!receding) {
      this.run = 0;
      return null;
    }
    if (this.run === 0) this.start = q;
    this.run++;
    return this.run >= RUN ? this.start : null;
  }
}
