// SPDX-License-Identifier: MIT
// The Newton outer loop: evaluate, build a direction from the chosen Hessian model, backtrack on
// the true loss, repeat until the gradient test holds. Numerical trouble ends the loop with a
// status and a message; only misuse and aborts throw.
import type { DenseWork } from "./dense.js";
import type { Engine, Evaluation } from "./engine/engine.js";
import { HyperregError } from "./errors.js";
import { newStepState, newtonStep, type StepConfig, wantsJacobi } from "./hessian.js";
import type { Objective } from "./objective.js";
import { RecessionWatch } from "./recession.js";
import { dot, norm2 } from "./vec.js";
import type { Certificate, HessianMode, HessianUsed, HyperbolicFunction, IterationInfo, ProblemKind, SolveResult, Status } from "./types.js";

export interface NewtonConfig {
  f: HyperbolicFunction;
  requested: HessianMode;
  /** The model of every step, or, with plainFirst, after CG with Jacobi scaling gave up. */
  used: Exclude<HessianUsed, "cg">;
  plainFirst: boolean;
  reason: string;
  sampleSize: number;
  seed: number;
  lineSearch: boolean;
  x0: Float64Array;
  tol: number | undefined;
  maxIterations: number;
  onIteration: ((info: IterationInfo) => void) | undefined;
  signal: AbortSignal | undefined;
  /** The targets, for messages that must say when b is the trouble. */
  b: Float64Array;
  /** The regularized problem's global certificate; null for rescaled, whose certificate is e > 0 at the returned x. */
  certificate: Certificate | null;
}

/** Armijo's sufficient-decrease constant and the backtracking budget (each trial at most halves t). */
const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 40;

/**
 * The next trial step after step t failed Armijo's test: the minimizer of the quadratic through the
 * loss at 0, its slope there and the loss at t, kept within [t / 4, t / 2] (the safeguarded
 * interpolation of Nocedal and Wright, section 3.5). Where halving spends a trial (a pass) per factor
 * of two, the fit goes straight to where the loss turns. Along an exponential loss the curvature grows
 * with the step, so the fit lands below the longest acceptable step; the floor of a quarter keeps it
 * from cutting a step that is nearly right by 10x. Measured on skewed one-hot rows (the only bench
 * family that backtracks), halving took 38 passes and 139 at twice the radius; fits floored at a
 * tenth, 35 and 124 (shorter steps, more of them); at a quarter, 34 and 86. A trial that overflowed
 * has no loss to fit: it is halved.
 */
/** @internal */
export function backtrack(t: number, loss0: number, slope: number, trial: { loss: number; overflowRow: number }): number {
  if (trial.overflowRow >= 0 || !Number.isFinite(trial.loss)) return 0.5 * t;
  const curvature = trial.loss - loss0 - slope * t;
  const fit = curvature > 0 ? (-slope * t * t) / (2 * curvature) : 0.5 * t;
  return Math.min(0.5 * t, Math.max(0.25 * t, fit));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HyperregError("ERR_ABORTED", "the solve was aborted by its AbortSignal");
}

/**
 * Lets timers and events run. In the calling thread every engine call resolves at once, so a whole
 * solve is one chain of microtasks: a timer or a click that would abort it could never run. With a
 * signal, each Newton step therefore yields one macrotask (setImmediate where there is one; a
 * MessageChannel elsewhere, which browsers do not clamp to 4 ms as they do nested timeouts).
 */
function yieldToEvents(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (typeof g.setImmediate === "function") return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof MessageChannel === "function") {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * What overflowed and what to change. Usually f(Ax) at a large z; but when b itself is out of
 * scale the loss overflows at every x, and then b is what must change.
 */
function overflowMessage(row: number, where: string, kind: ProblemKind, b: Float64Array): string {
  const at = row >= 0 ? ` (first at row ${row})` : "";
  let largest = 0;
  let sum = 0;
  for (let i = 0; i < b.length; i++) {
    largest = Math.max(largest, Math.abs(b[i]!));
    sum += b[i]!;
  }
  // Without a row of its own, the sum over rows overflowed: then the largest b is the suspect.
  const suspect = row >= 0 ? Math.abs(b[row]!) : largest;
  if (kind === "regularized" && suspect >= B_OVERFLOW_SCALE) {
    const which = row >= 0 ? `, where b[${row}] = ${b[row]!.toExponential(3)}` : ` (largest |b_i| = ${largest.toExponential(3)})`;
    return (
      `the loss overflows double ${where}${at}${which}: (f(z) - b)^2 and b f(z) pass 1.8e308 at every z once |b| nears 1.3e154, ` +
      `and their sum over rows sooner, whatever x is. Fit a smaller b (the scale of b is the scale of f(Ax)).`
    );
  }
  if (kind === "rescaled" && largest >= B_OVERFLOW_SCALE_RESCALED) {
    return (
      `the loss or its gradient overflows double ${where}${at}: b is far out of scale (largest |b_i| = ${largest.toExponential(3)}, sum ${sum.toExponential(3)}), and the terms <u,1> b and <c,b> ` +
      `pass 1.8e308. The rescaled loss compares u = f(Ax) with <u,1> b, so b is a shape that should sum to about 1: divide b by its sum.`
    );
  }
  return (
    `f(Ax) overflows double ${where}${at}: exp and cosh pass 1.8e308 beyond |z| = 709.8 and ` +
    `their squares beyond |z| = 354.9. Start from a smaller x0 (zeros is safe when A's rows are of moderate norm) or rescale the rows of A.`
  );
}

/** |b_i| from which b, not f(Ax), is the likely cause of an overflow (regularized: b^2 / 8 reaches 1e299). */
const B_OVERFLOW_SCALE = 1e150;
/** Rescaled: b of a shape sums to about 1; products of n, alpha and b^2 overflow far below 1e154. */
const B_OVERFLOW_SCALE_RESCALED = 1e50;

/** The rescaled certificate at an evaluated point: e_i > 0 on every row. */
function certificateAt(ev: Evaluation): Certificate {
  return { scope: "at-x", holds: ev.negatives === 0 && ev.minB > 0, margin: ev.minB, row: ev.rescaled!.minRow, violations: ev.negatives };
}

export async function newton(engine: Engine, objective: Objective, dense: DenseWork, cfg: NewtonConfig, setupMs: number): Promise<SolveResult> {
  const start = performance.now();
  const passes = engine.passes;
  const timings = { totalMs: 0, setupMs, hessianMs: 0, solveMs: 0, lineSearchMs: 0 };
  const x = cfg.x0.slice();
  const history: IterationInfo[] = [];
  const notify = (info: IterationInfo) => {
    history.push(info);
    cfg.onIteration?.(info);
  };

  throwIfAborted(cfg.signal);
  const stepState = newStepState(cfg.plainFirst, objective.kind === "regularized" && engine.rowNnzSquares === engine.nnz);
  let ev: Evaluation = await objective.evaluate(x, wantsJacobi(stepState));
  let gradNorm = norm2(ev.grad);
  const gradNorm0 = gradNorm;
  const tol = cfg.tol ?? 1e-8 * Math.max(1, Number.isFinite(gradNorm0) ? gradNorm0 : 1);
  notify({ iteration: 0, loss: ev.loss, gradNorm, step: 0, hessian: null, sketchRows: null, sketchFresh: false, cgIterations: null, convexHere: ev.negatives === 0, ms: performance.now() - start });

  const stepCfg: StepConfig = { mode: cfg.used, sampleSize: cfg.sampleSize, seed: cfg.seed, tol, gradNorm0, signal: cfg.signal };
  let status: Status;
  let message = "";
  let iteration = 0;
  // Only exp's u = f(Ax) can shrink to 0 along a direction, and only the rescaled loss then falls to 0.
  const watch = objective.kind === "rescaled" && cfg.f === "exp" ? new RecessionWatch() : null;
  watch?.update({ loss: ev.loss, alpha: ev.rescaled!.alpha, reg: ev.rescaled!.reg, xNorm: norm2(x) });

  // A loss of Infinity (its terms finite, their sum not) cannot drive a line search either.
  if (ev.overflowRow >= 0 || !Number.isFinite(gradNorm) || !Number.isFinite(ev.loss)) {
    status = "overflow";
    message = overflowMessage(ev.overflowRow, "at x0", objective.kind, cfg.b);
  } else {
    for (;;) {
      if (gradNorm <= tol) {
        status = "converged";
        break;
      }
      if (iteration >= cfg.maxIterations) {
        status = "max-iterations";
        break;
      }
      if (cfg.signal !== undefined && engine.inThread) await yieldToEvents();
      throwIfAborted(cfg.signal);
      const t0 = performance.now();
      const step = await newtonStep(engine, dense, ev, stepCfg, iteration, stepState);
      timings.hessianMs += step.hessianMs;
      timings.solveMs += step.solveMs;
      throwIfAborted(cfg.signal);
      if (step.dx === null) {
        status = "not-positive-definite";
        break;
      }
      const dx = step.dx;

      // Backtracking on the true loss (each trial a pass: see Objective).
      const tl = performance.now();
      const slope = dot(ev.grad, dx);
      let t = 1;
      const diag = wantsJacobi(stepState);
      let trial = await objective.trial(x, dx, t, diag);
      // Roundoff allowance: near the minimizer a step changes the loss by less than the rounding of
      // its n-term sum (about sqrt(n) ulps of the loss), and Armijo's test would reject it at random.
      const slack = 4 * Math.sqrt(engine.nrows) * Number.EPSILON * Math.abs(ev.loss);
      let accepted = !cfg.lineSearch ? trial.overflowRow < 0 : trial.overflowRow < 0 && trial.loss <= ev.loss + ARMIJO * t * slope + slack;
      for (let k = 0; cfg.lineSearch && !accepted && k < MAX_BACKTRACKS; k++) {
        throwIfAborted(cfg.signal);
        t = backtrack(t, ev.loss, slope, trial);
        trial = await objective.trial(x, dx, t, diag);
        accepted = trial.overflowRow < 0 && trial.loss <= ev.loss + ARMIJO * t * slope + slack;
      }
      timings.lineSearchMs += performance.now() - tl;
      if (!accepted) {
        if (trial.overflowRow >= 0 && !cfg.lineSearch) {
          status = "overflow";
          message = overflowMessage(trial.overflowRow, "along the full Newton step", objective.kind, cfg.b) + " Or turn the line search on (lineSearch: true).";
        } else {
          status = "line-search-failed";
          if (trial.overflowRow >= 0) {
            // Every trial overflowed: the direction is far too long, which no Hessian mode or eps fixes.
            message =
              `no step along the Newton direction decreased the loss at ||grad|| = ${gradNorm.toExponential(3)}: every trial down to ${t.toExponential(1)} of the step overflowed f(Ax) (first at row ${trial.overflowRow}), ` +
              `so the step is far too long: the Hessian model is nearly singular here (f(Ax) tiny on rows where w = 0, say). Add regularization w > 0, or start from another x0.`;
          }
        }
        break;
      }
      for (let i = 0; i < x.length; i++) x[i]! += t * dx[i]!;
      ev = await objective.accept();
      gradNorm = norm2(ev.grad);
      iteration++;
      notify({
        iteration,
        loss: ev.loss,
        gradNorm,
        step: t,
        hessian: step.used,
        sketchRows: step.sketchRows,
        sketchFresh: step.sketchFresh,
        cgIterations: step.cgIterations,
        convexHere: ev.negatives === 0,
        ms: performance.now() - t0,
      });
      if (ev.overflowRow >= 0 || !Number.isFinite(gradNorm) || !Number.isFinite(ev.loss)) {
        status = "overflow";
        message = overflowMessage(ev.overflowRow, `at iteration ${iteration}`, objective.kind, cfg.b);
        break;
      }
      const xNorm = norm2(x);
      const from = watch?.update({ loss: ev.loss, alpha: ev.rescaled!.alpha, reg: ev.rescaled!.reg, xNorm });
      if (from != null && gradNorm > tol) {
        status = "no-minimizer";
        message =
          `the loss keeps falling along a direction where exp(Ax) -> 0: over the last steps alpha = <exp(Ax),1> fell from ${from.alpha.toExponential(3)} to ${ev.rescaled!.alpha.toExponential(3)}, ` +
          `the loss from ${from.loss.toExponential(3)} to ${ev.loss.toExponential(3)}, while ||x|| grew from ${from.xNorm.toPrecision(4)} to ${xNorm.toPrecision(4)}. ` +
          `Without regularization the rescaled exp loss has no minimizer when some A v < 0 (an intercept column is enough): its infimum 0 lies at infinity. ` +
          `Add regularization w > 0 (it stops the walk at a unique point), or remove the intercept column.`;
        break;
      }
    }
  }

  timings.totalMs = performance.now() - start + setupMs;
  const certificate = cfg.certificate ?? certificateAt(ev);
  const minimizer = certificate.scope === "everywhere" && certificate.holds ? "global" : "local";
  // What the steps ended on: CG with Jacobi scaling throughout, or the model it gave way to.
  const used: HessianUsed = stepState.plain ? "cg" : cfg.used;
  message ||= describeStatus(status, { iteration, gradNorm, tol, used, lineSearch: cfg.lineSearch });
  if (status === "converged") message += certificateNote(certificate);
  if (objective.kind === "rescaled") message += degenerateNote(cfg.f);
  return {
    x,
    loss: ev.loss,
    gradNorm,
    iterations: iteration,
    status,
    message,
    minimizer,
    certificate,
    hessian: { requested: cfg.requested, used, reason: stepState.plain || !cfg.plainFirst ? cfg.reason : `${cfg.reason}; CG with Jacobi scaling contracted slowly at step ${cgGaveUpAt(history)}` },
    tol,
    history,
    timings,
    passes: engine.passes - passes,
    threads: engine.threads,
  };
}

/** The step where CG with Jacobi scaling gave way to the fallback model. */
function cgGaveUpAt(history: readonly IterationInfo[]): number {
  return history.find((h) => h.iteration > 0 && h.hessian !== "cg")?.iteration ?? history.length;
}

function certificateNote(c: Certificate): string {
  if (c.scope === "everywhere") {
    return c.holds
      ? ""
      : ` The convexity certificate does not hold (w_i^2 <= phi_f(b_i) on ${c.violations} rows; smallest margin ${c.margin.toPrecision(3)} at row ${c.row}),` +
          ` so x is a local minimizer; raise w on those rows for a unique global one.`;
  }
  return c.holds
    ? ` e_i > 0 on every row at x (smallest ${c.margin.toPrecision(3)} at row ${c.row}), so the Hessian is positive definite there: x is a strict local minimizer.`
    : ` The certificate e_i > 0 fails on ${c.violations} rows at x (smallest e ${c.margin.toPrecision(3)} at row ${c.row}), so it does not vouch for x: where e_i <= 0 the steps used` +
        ` Gauss-Newton weights, and x is a stationary point that may be a saddle or a local minimizer; raise w on those rows to make the Hessian certifiably positive definite.`;
}

/** The rescaled problem's trivial cases (math.md section 2), said where they apply. */
function degenerateNote(f: HyperbolicFunction): string {
  if (f === "sinh") return ` Note: for rescaled sinh, x = 0 is always a global minimizer with loss 0 (sinh(0) = 0, so u = 0 fits any b), whatever b and w.`;
  if (f === "cosh") return ` Note: the rescaled cosh loss is even, L(-x) = L(x): -x is an equally good minimizer.`;
  return "";
}

function describeStatus(status: Status, s: { iteration: number; gradNorm: number; tol: number; used: HessianUsed; lineSearch: boolean }): string {
  const g = `||grad|| = ${s.gradNorm.toExponential(3)}`;
  switch (status) {
    case "converged":
      // A start where f(Ax) underflows (exp(z) for z << 0) has a vanishing gradient without being a
      // minimizer: say what the test saw rather than let "converged" vouch for more.
      return s.iteration === 0
        ? `converged at x0: ${g} <= tol ${s.tol.toExponential(3)} there, so no step was taken. If the loss is far above what you expect, x0 sits on a plateau where f(A x0) underflows ` +
            `(exp(z) -> 0 for z << 0): start nearer 0 or pass a smaller tol.`
        : `converged: ${g} <= tol ${s.tol.toExponential(3)} after ${s.iteration} iterations.`;
    case "max-iterations":
      return (
        `stopped after ${s.iteration} iterations with ${g} > tol ${s.tol.toExponential(3)}: raise maxIterations` +
        (s.used === "sketch" ? ", or use hessian 'sketch-pcg' or a smaller eps (the plain sketch converges linearly, at a rate about eps per step)." : ", or loosen tol.")
      );
    case "not-positive-definite":
      return `the Hessian model is not positive definite even with a diagonal shift of 1e-2 * max(diag): A may have (nearly) dependent columns with zero weight on them; add regularization w > 0 or remove dependent columns.`;
    case "line-search-failed":
      return (
        `no step along the Newton direction decreased the loss at ${g}` +
        (s.gradNorm < 1e-6 ? `: the loss is flat to double precision here, so tol ${s.tol.toExponential(3)} is below what can be resolved; raise tol.` : `: try hessian 'exact', or a smaller eps for a more accurate sketch.`)
      );
    default:
      return status;
  }
}
