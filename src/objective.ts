// SPDX-License-Identifier: MIT
// The loss the Newton loop minimizes, as the engine passes that evaluate it along a line. Every
// trial is a whole evaluation at x + t dx (one pass over A); the accepted trial is the next
// iterate's evaluation. The rescaled loss (math.md section 2) couples the rows through alpha = <u,1>
// and <c,b>, so its pass is centred on those of the point the line starts from (see dresrows), and
// the Hessian weights of the accepted point take one O(n) request more.
import type { Engine, Evaluation, LineValue, ResTrial } from "./engine/engine.js";
import type { HyperbolicFunction, ProblemKind } from "./types.js";

export interface Objective {
  readonly kind: ProblemKind;
  /**
   * Evaluates at x. With `diag` the regularized evaluation also brings H's diagonal from its pass
   * (Evaluation.diag); the rescaled one never does (its weights need alpha, known after the pass).
   */
  evaluate(x: Float64Array, diag?: boolean): Promise<Evaluation>;
  /** The loss at x + t dx (the bits of x + t dx are what the Newton loop stores when it accepts); `diag` as in evaluate, for accept(). */
  trial(x: Float64Array, dx: Float64Array, t: number, diag?: boolean): Promise<LineValue>;
  /** The evaluation at the last trial's point, once the line search has accepted it. */
  accept(): Promise<Evaluation>;
}

function along(x: Float64Array, dx: Float64Array, t: number): Float64Array {
  const xt = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) xt[i] = x[i]! + t * dx[i]!;
  return xt;
}

export function createObjective(kind: ProblemKind, engine: Engine, b: Float64Array, f: HyperbolicFunction): Objective {
  if (kind === "regularized") {
    let last: Evaluation | null = null;
    return {
      kind,
      evaluate: (x, diag) => engine.evaluate(x, diag),
      trial: async (x, dx, t, diag) => {
        last = await engine.evaluate(along(x, dx, t), diag);
        return { loss: last.overflowRow >= 0 ? Infinity : last.loss, overflowRow: last.overflowRow };
      },
      accept: async () => last!,
    };
  }
  // ||b||^2 in row order: the same bits however A is tiled.
  let bb = 0;
  for (let i = 0; i < b.length; i++) bb += b[i]! * b[i]!;
  // The centre: alpha and <c,b> of the last accepted point.
  let alpha0 = 0;
  let cb0 = 0;
  let last: ResTrial | null = null;
  const accept = async () => {
    const ev = await engine.resWeigh(last!);
    ({ alpha: alpha0, cb: cb0 } = ev.rescaled!);
    return ev;
  };
  return {
    kind,
    evaluate: async (x) => {
      if (x.every((v) => v === 0)) {
        // At x = 0 (the default x0), z = A x is 0 on every row: u = f(0), so alpha = n f(0) and
        // <c,b> = <u,b> - alpha ||b||^2 = f(0) (<b,1> - n ||b||^2) need no pass.
        const f0 = f === "sinh" ? 0 : 1;
        let sb = 0;
        for (let i = 0; i < b.length; i++) sb += b[i]!;
        last = await engine.resTrial(x, b.length * f0, f0 * (sb - b.length * bb), bb);
      } else {
        // Away from any centre: a first pass gives alpha and <c,b> here, a second is centred on them.
        last = await engine.resTrial(x, alpha0, cb0, bb);
        if (last.overflowRow < 0) last = await engine.resTrial(x, last.alpha, last.cb, bb);
      }
      return accept();
    },
    trial: async (x, dx, t) => {
      last = await engine.resTrial(along(x, dx, t), alpha0, cb0, bb);
      return { loss: last.loss, overflowRow: last.overflowRow };
    },
    accept,
  };
}
