// SPDX-License-Identifier: MIT
// How far the minimizer moves when b moves (math.md section 4): at a minimizer g(x*, b) = 0, so to
// first order H dx* + (d_b g) db = 0 and dx* = -H^{-1} (d_b g) db, with
//
//   regularized  g = A^T [(f(z) - b) f'(z) + w^2 z]   d_b g = -A^T diag(f'(z))
//   rescaled     g = A^T [u' q + w^2 z]               d_b g = -A^T diag(u') (alpha (I - 1 b^T) + 1 c^T)
//
// (for the rescaled loss, d_b c = -alpha db and d_b <c,b> = <c,db> - alpha <b,db>, so d_b q =
// -alpha (db - <b,db> 1) - <c,db> 1).
import { csrMatTVec, csrMatVec, toVector } from "./csr.js";
import { DenseWork } from "./dense.js";
import { LocalEngine } from "./engine/local.js";
import type { Engine } from "./engine/engine.js";
import { HyperregError, HyperregTypeError, describe } from "./errors.js";
import { factorExact } from "./hessian.js";
import { newKernels } from "./kernel-module.js";
import { F_CODE } from "./kernels.js";
import { createObjective } from "./objective.js";
import type { CsrMatrix, HyperbolicFunction, ProblemKind, SensitivityResult, SolveResult } from "./types.js";
import { dot, norm2 } from "./vec.js";

/** @internal What a solve leaves on its result for `sensitivity`: plain arrays, no Wasm memory. */
export interface SolvedProblem {
  kind: ProblemKind;
  f: HyperbolicFunction;
  A: CsrMatrix;
  b: Float64Array;
  w2: Float64Array;
  /** The returned x (a private copy: the caller may change result.x). */
  x: Float64Array;
  blockNnz: number | undefined;
  /**
   * Runs work on the engine that solved (a pool's model, in its queue), where there is one; else
   * sensitivity() loads A into the calling thread.
   */
  runner?: Runner;
}

/** @internal */
export type Runner = <T>(work: (engine: Engine, dense: DenseWork) => Promise<T>) => Promise<T>;

const SOLVED = Symbol("hyperreg.solved");

/** @internal Lets sensitivity() factor the Hessian where the result was solved (a pool's workers). */
export function attachRunner(result: SolveResult, runner: Runner): SolveResult {
  const solved = (result as unknown as Record<symbol, SolvedProblem | undefined>)[SOLVED];
  if (solved !== undefined) solved.runner = runner;
  return result;
}

/** @internal Keeps `data` on the result, out of sight of enumeration, JSON and structuredClone. */
export function attachProblem(result: SolveResult, data: SolvedProblem): SolveResult {
  Object.defineProperty(result, SOLVED, { value: data, enumerable: false });
  return result;
}

/** Power and inverse iterations stop when the estimate moves less than this, relatively. */
const EIG_RTOL = 1e-10;
const EIG_MAX_ITER = 300;

/** A fixed start vector with no special direction (no symmetry of A can make it an eigenvector's complement). */
function startVector(d: number): Float64Array {
  const v = Float64Array.from({ length: d }, (_, i) => 1 + ((i * 0.6180339887498949) % 1));
  const s = norm2(v);
  return v.map((x) => x / s);
}

/**
 * The largest eigenvalue of a symmetric PSD operator by power iteration (the Rayleigh quotient, which
 * approaches it from below).
 */
function largestEigenvalue(apply: (v: Float64Array) => Float64Array, d: number): number {
  let v = startVector(d);
  let lambda = 0;
  for (let it = 0; it < EIG_MAX_ITER; it++) {
    const y = apply(v);
    const next = dot(v, y);
    const ny = norm2(y);
    if (!(ny > 0)) return 0;
    v = y.map((t) => t / ny);
    const done = Math.abs(next - lambda) <= EIG_RTOL * next;
    lambda = next;
    if (done) break;
  }
  return lambda;
}

/**
 * Returns the first-order change of the minimizer x* of a solved problem when b changes by db, and
 * a bound on its size:
 *
 *   dx = -H^{-1} (d_b g) db,   bound = ||d_b g|| ||db|| / lambda_min(H)   (||dx|| <= bound)
 *
 * H is the exact Hessian at result.x, factored afresh (in the pool's workers when a model solved) (the solve's last model was built at the
 * previous iterate and may be sampled, shifted or Gauss-Newton-modified; none is the true first-order
 * map at x). lambda_min(H) is found by inverse iteration with that Cholesky factor and ||d_b g||
 * (the spectral norm of the d x n matrix) by power iteration on (d_b g)(d_b g)^T, both run until
 * they move less than 1e-10 relatively: estimates that converge to the true values (from above for
 * lambda_min, from below for ||d_b g||), not guaranteed bounds. The cost is one exact Hessian and a
 * few passes over A per power iteration; `result` keeps only plain arrays, so this works long
 * after the solve.
 *
 * When H is not positive definite at x (x is not a strict local minimizer) the first-order change
 * is not defined: `status` is "not-positive-definite" and dx is NaN.
 *
 * Throws ERR_INVALID_TYPE when `result` is not a result of solve(), and ERR_INVALID_TYPE,
 * ERR_SIZE_MISMATCH or ERR_NOT_FINITE for a bad db.
 *
 * @example
 * const r = await solve({ problem: "rescaled", f: "exp", A, b, w: 1 });
 * const { dx, bound } = await sensitivity(r, db); // x* + dx solves the problem with b + db to first order
 */
export async function sensitivity(result: SolveResult, db: ArrayLike<number>): Promise<SensitivityResult> {
  const solved = typeof result === "object" && result !== null ? (result as unknown as Record<symbol, SolvedProblem | undefined>)[SOLVED] : undefined;
  if (solved === undefined) {
    throw new HyperregTypeError("ERR_INVALID_TYPE", `invalid result: expected the result of solve(), received ${describe(result)}`, { argument: "result", value: result });
  }
  const { kind, f, A, b, w2, x } = solved;
  const delta = toVector("db", db, A.nrows, "A.nrows");
  const d = A.ncols;

  // -(d_b g) db = A^T (u' * s) and the operator K with d_b g = -A^T diag(u') K.
  const z = csrMatVec(A, x);
  const up = z.map(f === "exp" ? Math.exp : f === "cosh" ? Math.sinh : Math.cosh);
  let scaleK = 1;
  let h: Float64Array | null = null;
  let s: Float64Array;
  if (kind === "regularized") {
    s = delta;
  } else {
    const u = z.map(f === "exp" ? Math.exp : f === "cosh" ? Math.cosh : Math.sinh);
    let alpha = 0;
    for (let i = 0; i < u.length; i++) alpha += u[i]!;
    const c = u.map((v, i) => v - alpha * b[i]!);
    const bdb = dot(b, delta);
    const cdb = dot(c, delta);
    s = delta.map((v) => alpha * (v - bdb) + cdb);
    // K = alpha (I - 1 b^T) + 1 c^T = alpha I + 1 h^T with h = c - alpha b.
    scaleK = alpha;
    h = c.map((v, i) => v - alpha * b[i]!);
  }
  const rhs = csrMatTVec(A, s.map((v, i) => v * up[i]!));
  const applyK = (y: Float64Array) => {
    if (h === null) return y;
    const hy = dot(h, y);
    return y.map((v) => scaleK * v + hy);
  };
  const applyKt = (y: Float64Array) => {
    if (h === null) return y;
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i]!;
    return y.map((v, i) => scaleK * v + h[i]! * sum);
  };
  const M = (y: Float64Array) => csrMatTVec(A, applyK(y).map((v, i) => v * up[i]!));
  const Mt = (v: Float64Array) => applyKt(csrMatVec(A, v).map((t, i) => t * up[i]!));
  const dbGradNorm = Math.sqrt(largestEigenvalue((v) => M(Mt(v)), d));

  const local: Runner = async (work) => work(await LocalEngine.create(A, solved.blockNnz), new DenseWork(await newKernels(), d));
  const factorAt: Runner = async (work) => {
    if (solved.runner === undefined) return local(work);
    try {
      return await solved.runner(work);
    } catch (e) {
      // The pool was closed or the model disposed since the solve: do it here instead.
      if (e instanceof HyperregError && e.code === "ERR_ABORTED") return local(work);
      throw e;
    }
  };
  const exact = await factorAt(async (engine, dense) => {
    await engine.setProblem(F_CODE[f], b, w2, kind === "rescaled");
    const ev = await createObjective(kind, engine, b, f).evaluate(x);
    const factored = await factorExact(engine, dense, ev);
    if (factored.shift !== 0 || factored.modified) return null;
    // Inverse iteration: the Rayleigh quotient v^T H^{-1} v rises to 1 / lambda_min.
    return { dx: dense.solve(0, rhs), lambdaMin: 1 / largestEigenvalue((v) => dense.solve(0, v), d) };
  });
  if (exact === null) {
    return {
      status: "not-positive-definite",
      message: `the exact Hessian at x is not positive definite, so x is not a strict local minimizer and its first-order change is not defined; solve to convergence first (status was ${result.status}), or add regularization w > 0.`,
      dx: new Float64Array(d).fill(NaN),
      bound: NaN,
      dbGradNorm,
      lambdaMin: NaN,
    };
  }
  const { dx, lambdaMin } = exact;
  return {
    status: "ok",
    message: result.status === "converged" ? "" : `x was not converged (status ${result.status}): dx is the first-order change at this x, not at a minimizer.`,
    dx,
    bound: (dbGradNorm * norm2(delta)) / lambdaMin,
    dbGradNorm,
    lambdaMin,
  };
}
