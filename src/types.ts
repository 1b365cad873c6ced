// SPDX-License-Identifier: MIT
// The public vocabulary: the matrix, the problem, the options and the result of `solve`.

/** A sparse matrix in compressed sparse row form (scipy's names). Build one with `csr()`. */
export interface CsrMatrix {
  readonly nrows: number;
  readonly ncols: number;
  /** Row pointers, length nrows + 1; row i holds entries indptr[i] .. indptr[i+1]-1. */
  readonly indptr: Int32Array;
  /** Column indices, sorted and unique within each row. */
  readonly indices: Int32Array;
  readonly data: Float64Array;
}

/** A CSR matrix in plain arrays: what csr() checks and copies (solve() does so itself when given one). */
export interface CsrInput {
  nrows: number;
  ncols: number;
  indptr: ArrayLike<number>;
  indices: ArrayLike<number>;
  data: ArrayLike<number>;
}

export type HyperbolicFunction = "exp" | "cosh" | "sinh";
export type ProblemKind = "regularized" | "rescaled";
export type HessianMode = "auto" | "exact" | "sketch" | "sketch-pcg";
/**
 * The mode an iteration actually used (`auto` resolves to one of these). "cg": Newton-CG on the exact
 * Hessian scaled by its diagonal (Jacobi), which `auto` runs first while CG contracts fast (never
 * requested).
 */
export type HessianUsed = "exact" | "sketch" | "sketch-pcg" | "cg";

export type Status =
  | "converged" //            ||grad||_2 <= tol at the returned x
  | "max-iterations" //       maxIterations reached first
  | "not-positive-definite" //the Hessian model could not be factored even after regularizing it
  | "overflow" //             f(Ax) overflows double at x0, or every step would overflow
  | "line-search-failed" //   no step along the Newton direction decreased the loss
  | "no-minimizer"; //        the loss keeps falling along a direction (rescaled exp without regularization)

export interface SolveProblem {
  problem?: ProblemKind;
  f: HyperbolicFunction;
  /** From csr() or a parser, or plain arrays, which are checked and copied. */
  A: CsrMatrix | CsrInput;
  b: ArrayLike<number>;
  /** Regularization weights: one per row, or one number for all rows. */
  w: ArrayLike<number> | number;
}

export interface SolveOptions {
  hessian?: HessianMode;
  /** Target spectral accuracy of the sketched Hessian (1 +- eps); sets the sample size 3.6 d / eps^2. */
  eps?: number;
  /** Expected number of sampled rows; overrides `eps`. */
  sketchSize?: number;
  seed?: number;
  /** Backtracking (Armijo) line search; `false` takes the papers' full Newton step. */
  lineSearch?: boolean;
  x0?: ArrayLike<number>;
  /** Absolute bound on ||grad||_2; default 1e-8 * max(1, ||grad(x0)||_2). */
  tol?: number;
  maxIterations?: number;
  onIteration?: (info: IterationInfo) => void;
  signal?: AbortSignal;
  /**
   * Worker threads for this solve (0, the default: the calling thread). For many solves on one
   * matrix, `createPool` and `pool.load(A)` keep the row blocks in the workers instead.
   */
  threads?: number;
  /**
   * Target nonzeros per row block (default 524288). The tiling fixes the order of every sum, so the
   * result depends on it, never on the thread count.
   */
  blockNnz?: number;
}

export interface IterationInfo {
  /** 0 for the starting point, then 1, 2, ... after each step. */
  iteration: number;
  loss: number;
  gradNorm: number;
  /** Step length taken to reach this iterate (0 for the start). */
  step: number;
  /** Hessian model used for the step that reached this iterate (null for the start). */
  hessian: HessianUsed | null;
  /** Rows in the sampled Hessian (sketch modes), else null. */
  sketchRows: number | null;
  /**
   * Whether the Hessian model was built for this step from a sketch of its own: sketch-pcg reuses its
   * model while CG stays fast; the plain sketch draws a new sample at every step, but once
   * Newton converges scores it against an earlier step's sketch (false then).
   */
  sketchFresh: boolean;
  /** Conjugate-gradient iterations (sketch-pcg, cg; 0 where a diagonal H made the scaled step exact), else null. */
  cgIterations: number | null;
  /** Whether every Hessian weight was positive at this iterate (the local certificate). */
  convexHere: boolean;
  /** Wall time of the step that reached this iterate, in milliseconds. */
  ms: number;
}

export interface Certificate {
  /**
   * "everywhere" (regularized): B_i > 0 for every x, a global convexity certificate.
   * "at-x" (rescaled): e_i > 0 at the returned x, so the Hessian is positive definite there.
   */
  scope: "everywhere" | "at-x";
  /** The condition holds on every row. */
  holds: boolean;
  /** Regularized: min_i (w_i^2 - phi_f(b_i)). Rescaled: min_i e_i at x. Positive when it holds. */
  margin: number;
  /** The row where the margin is smallest. */
  row: number;
  /** Rows that violate the condition. */
  violations: number;
}

export interface SolveResult {
  x: Float64Array;
  loss: number;
  gradNorm: number;
  iterations: number;
  status: Status;
  /** What happened, and what to change when it is not `converged`. */
  message: string;
  /**
   * "global" when the regularized certificate holds (strictly convex), "local" otherwise; always
   * "local" for the rescaled problem, whose certificate holds at a point, not everywhere.
   */
  minimizer: "global" | "local";
  certificate: Certificate;
  /** The Hessian mode requested, and what `auto` chose with its reason. */
  hessian: { requested: HessianMode; used: HessianUsed; reason: string };
  /** The tolerance the gradient was held to. */
  tol: number;
  history: IterationInfo[];
  timings: { totalMs: number; setupMs: number; hessianMs: number; solveMs: number; lineSearchMs: number };
  /**
   * Full passes over A's nonzeros the solve made (each reads a value per nonzero, 8 bytes, and its
   * column index, 4 more, except inside a row whose columns form one contiguous run, where the
   * kernels read only the first and the last): with the time, how close a solve came to the
   * machine's memory bandwidth.
   */
  passes: number;
  /** Worker threads that did the passes over A (0: the calling thread). */
  threads: number;
}

/** What `sensitivity(result, db)` returns. */
export interface SensitivityResult {
  /** "ok", or "not-positive-definite" when the exact Hessian at x is not (then dx and bound are NaN). */
  status: "ok" | "not-positive-definite";
  /** Empty when all is well; otherwise what happened and what to change. */
  message: string;
  /** First-order change of the minimizer for the change db of b: -H^{-1} (d_b g) db. */
  dx: Float64Array;
  /** ||d_b g|| ||db|| / lambda_min(H): bounds ||dx|| for every db of this norm. */
  bound: number;
  /** The spectral norm of d_b g (d x n), by power iteration. */
  dbGradNorm: number;
  /** The smallest eigenvalue of the exact Hessian at x, by inverse iteration with its Cholesky factor. */
  lambdaMin: number;
}
