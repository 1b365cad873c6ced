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
  /** Evaluates at x + t dx for the dx of the last `direction` (z += t dz). */
  step(t: number): Promise<Evaluation>;
  /** dz = A dx and the loss at x + dx. */
  direction(dx: Float64Array): Promise<LineValue>;
  /**
   * Completes the dz = A dx that CG built in the engine and returns the loss at x + dx. Only where
   * `direction` would spend a pass on A dx alone (rescaled): the regularized `direction` forms A dx
   * inside the pass it makes anyway (dcsrhypgrad), so CG there keeps no A p (8 bytes a row).
   */
  cgDirection?(carry: number): Promise<LineValue>;
  /** The loss at x + t dx, O(n). */
  lossAt(t: number): Promise<LineValue>;
}

export function createObjective(kind: ProblemKind, engine: Engine, b: Float64Array): Objective {
  if (kind === "regularized") {
    return {
      kind,
      evaluate: (x) => engine.evaluate(x),
      step: (t) => engine.step(t),
      // The full step is evaluated with the line's first trial: one request per Newton step fewer.
      direction: (dx) => engine.tryDirection(dx),
      lossAt: (t) => engine.lossAt(t),
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
    evaluate: async (x) => remember(await engine.resEvaluate(x, bb)),
    step: async (t) => remember(await engine.resStep(t, bb)),
    direction: (dx) => engine.resDirection(dx, alpha0, bb),
    cgDirection: (carry) => engine.resCgDirection(carry, alpha0, bb),
    lossAt: (t) => engine.resLossAt(t, alpha0, bb),
  };
}
