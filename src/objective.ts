// SPDX-License-Identifier: MIT
// The loss the Newton loop minimizes, as the engine passes that evaluate it and search along a line.
// The regularized loss is a plain sum over rows; the rescaled one (math.md section 2) couples the
// rows through alpha = <u,1>, so it evaluates in two passes and centres its line search on the alpha
// of the point the line starts from.
import type { Engine, Evaluation, LineValue } from "./engine/engine.js";
import type { ProblemKind } from "./types.js";

export interface Objective {
  readonly kind: ProblemKind;
  /** Evaluates at x (z = A x afresh). */
  evaluate(x: Float64Array): Promise<Evaluation>;
  /**
   * The loss at x + t dx. A line starts with t = 1; with `carry` (not null) the engine completes the
   * dz = A dx that CG built there (`cgBuildsDz`) instead of a pass of its own.
   */
  trial(x: Float64Array, dx: Float64Array, t: number, carry: number | null): Promise<LineValue>;
  /** The evaluation at x + t dx once the line search has accepted its trial there (the last trial). */
  accept(t: number): Promise<Evaluation>;
  /**
   * Whether CG should build dz = A dx alongside its products: only where a line's first trial would
   * spend a pass on A dx alone (rescaled). The regularized trial forms A (x + dx) in the one pass
   * that evaluates there, so CG keeps no A p for it (8 bytes a row).
   */
  readonly cgBuildsDz: boolean;
  /**
   * Whether z is carried along the steps (z += t dz) rather than formed afresh at every point: then
   * a point that passes the gradient test is evaluated once more on z = A x before it is trusted.
   */
  readonly carriesZ: boolean;
}

export function createObjective(kind: ProblemKind, engine: Engine, b: Float64Array): Objective {
  if (kind === "regularized") {
    // Every trial is a whole evaluation at x + t dx (one pass, BlockSet.evaluate): the accepted
    // one is the next iterate's, with no request of its own.
    let last: Evaluation | null = null;
    return {
      kind,
      cgBuildsDz: false,
      carriesZ: false,
      evaluate: (x) => engine.evaluate(x),
      trial: async (x, dx, t) => {
        // The bits of x += t dx, which the Newton loop stores when it accepts.
        const xt = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) xt[i] = x[i]! + t * dx[i]!;
        last = await engine.evaluate(xt);
        return { loss: last.overflowRow >= 0 ? Infinity : last.loss, overflowRow: last.overflowRow };
      },
      accept: async () => last!,
    };
  }
  // ||b||^2 in row order: the same bits however A is tiled.
  let bb = 0;
  for (let i = 0; i < b.length; i++) bb += b[i]! * b[i]!;
  let alpha0 = 0;
  const remember = (ev: Evaluation) => {
    alpha0 = ev.rescaled!.alpha;
    return ev;
  };
  return {
    kind,
    cgBuildsDz: true,
    carriesZ: true,
    evaluate: async (x) => remember(await engine.resEvaluate(x, bb)),
    // The line's first trial forms dz = A dx (or completes CG's); the others are O(n) on z and dz.
    trial: (_x, dx, t, carry) =>
      t !== 1 ? engine.resLossAt(t, alpha0, bb) : carry !== null ? engine.resCgDirection(carry, alpha0, bb) : engine.resDirection(dx, alpha0, bb),
    accept: async (t) => remember(await engine.resStep(t, bb)),
  };
}
