// SPDX-License-Identifier: MIT
// The facade: validates every argument once, then runs the Newton loop on an engine.
import { regularizedCertificate } from "./certificate.js";
import { asCsr, toSquaredWeights, toVector } from "./csr.js";
import { DenseWork } from "./dense.js";
import type { Engine } from "./engine/engine.js";
import { LocalEngine } from "./engine/local.js";
import { describe, HyperregRangeError, HyperregTypeError } from "./errors.js";
import { chooseHessian } from "./hessian.js";
import { newKernels } from "./kernel-module.js";
import { F_CODE } from "./kernels.js";
import { newton } from "./newton.js";
import { createObjective } from "./objective.js";
import { createPool } from "./pool/pool.js";
import { attachProblem } from "./sensitivity.js";
import type { CsrMatrix, HessianMode, HessianUsed, ProblemKind, SolveOptions, SolveProblem, SolveResult } from "./types.js";

const HESSIAN_MODES: readonly HessianMode[] = ["auto", "exact", "sketch", "sketch-pcg"];
const FUNCTIONS = ["exp", "cosh", "sinh"] as const;
const PROBLEMS: readonly ProblemKind[] = ["regularized", "rescaled"];

/**
 * The d x d work (the Hessian model and its Cholesky factor, 16 d^2 bytes) lives in one 32-bit
 * WebAssembly memory of at most 4 GiB, so d stops at 16000; far below that, the O(d^3) factorization
 * of every step is what limits d in practice.
 */
const MAX_COLUMNS = 16000;

/** @internal The facade's check of A's shape, for solve() and for a pool's load(). */
export function checkShape(A: CsrMatrix): void {
  if (A.nrows === 0 || A.ncols === 0) throw invalid("A", `${A.nrows} x ${A.ncols}`, "at least one row and one column");
  if (A.ncols > MAX_COLUMNS) {
    throw new HyperregRangeError(
      "ERR_INVALID_VALUE",
      `invalid A.ncols: expected at most ${MAX_COLUMNS} columns, received ${A.ncols}: the d x d Hessian and its factor (16 d^2 bytes) must fit in a 4 GiB WebAssembly memory; drop or merge columns`,
      { argument: "A.ncols", value: A.ncols },
    );
  }
}

function invalid(argument: string, value: unknown, expected: string): HyperregRangeError {
  return new HyperregRangeError("ERR_INVALID_VALUE", `invalid ${argument}: expected ${expected}, received ${describe(value)}`, { argument, value });
}

function optionalNumber(options: SolveOptions, key: "eps" | "sketchSize" | "seed" | "tol" | "maxIterations" | "threads" | "blockNnz", ok: (v: number) => boolean, expected: string): number | undefined {
  const v: unknown = options[key];
  if (v === undefined) return undefined;
  if (typeof v !== "number") throw new HyperregTypeError("ERR_INVALID_TYPE", `invalid options.${key}: expected a number, received ${describe(v)}`, { argument: `options.${key}`, value: v });
  if (!ok(v)) throw invalid(`options.${key}`, v, expected);
  return v;
}

/**
 * @internal
 * Everything a solve needs, validated and copied (the caller's arrays are never touched). `loaded`
 * is the matrix of a pool's model, which `problem.A` may repeat but not replace.
 */
export function prepare(problem: SolveProblem, options: SolveOptions, loaded?: CsrMatrix) {
  if (typeof problem !== "object" || problem === null) {
    throw new HyperregTypeError("ERR_INVALID_TYPE", `invalid problem: expected an object { problem, f, A, b, w }, received ${describe(problem)}`, { argument: "problem", value: problem });
  }
  const kind = problem.problem ?? "regularized";
  if (!PROBLEMS.includes(kind)) throw invalid("problem.problem", kind, `"regularized" or "rescaled"`);
  if (!FUNCTIONS.includes(problem.f)) throw invalid("problem.f", problem.f, `one of "exp", "cosh", "sinh"`);
  if (loaded !== undefined && problem.A !== loaded) throw invalid("problem.A", problem.A, "the matrix the model was loaded with (or none)");
  const A = loaded ?? asCsr(problem.A);
  checkShape(A);
  const b = toVector("b", problem.b, A.nrows, "A.nrows");
  const w2 = toSquaredWeights(problem.w, A.nrows);

  if (typeof options !== "object" || options === null) throw new HyperregTypeError("ERR_INVALID_TYPE", `invalid options: expected an object, received ${describe(options)}`, { argument: "options", value: options });
  const hessian = options.hessian ?? "auto";
  if (!HESSIAN_MODES.includes(hessian)) throw invalid("options.hessian", hessian, `one of ${HESSIAN_MODES.map((m) => `"${m}"`).join(", ")}`);
  const eps = optionalNumber(options, "eps", (v) => v > 0 && v < 1, "a number in (0, 1)") ?? 0.5;
  const sketchSize = optionalNumber(options, "sketchSize", (v) => Number.isInteger(v) && v >= 1, "a positive integer");
  const seed = optionalNumber(options, "seed", (v) => Number.isSafeInteger(v) && v >= 0, "a non-negative integer") ?? 1;
  const tol = optionalNumber(options, "tol", (v) => v > 0 && Number.isFinite(v), "a positive finite number");
  const maxIterations = optionalNumber(options, "maxIterations", (v) => Number.isInteger(v) && v >= 0, "a non-negative integer") ?? 100;
  if (options.lineSearch !== undefined && typeof options.lineSearch !== "boolean") throw invalid("options.lineSearch", options.lineSearch, "true or false");
  if (options.onIteration !== undefined && typeof options.onIteration !== "function") throw invalid("options.onIteration", options.onIteration, "a function");
  const signal = options.signal;
  if (signal !== undefined && (typeof signal !== "object" || signal === null || typeof signal.aborted !== "boolean")) throw invalid("options.signal", signal, "an AbortSignal");
  const threads = optionalNumber(options, "threads", (v) => Number.isInteger(v) && v >= 0 && v <= 256, "an integer from 0 to 256") ?? 0;
  const blockNnz = optionalNumber(options, "blockNnz", (v) => Number.isInteger(v) && v >= 1, "a positive integer");
  const x0 = options.x0 === undefined ? new Float64Array(A.ncols) : toVector("x0", options.x0, A.ncols, "A.ncols");

  // The expected sample count for a (1 +- eps) spectral approximation: s ~ 3.6 d / eps^2 (math.md section 3).
  const sampleSize = sketchSize ?? Math.ceil((3.6 * A.ncols) / (eps * eps));
  return { kind, f: problem.f, A, b, w2, hessian, sampleSize, seed, tol, maxIterations, lineSearch: options.lineSearch ?? true, onIteration: options.onIteration, signal, x0, threads, blockNnz };
}

/** @internal */
export type Prepared = ReturnType<typeof prepare>;

/**
 * Fits x to minimize 0.5 ||f(Ax) - b||^2 + 0.5 ||diag(w) A x||^2 (problem "regularized", the
 * default) or 0.5 ||u - <u,1> b||^2 + 0.5 ||diag(w) A x||^2 with u = f(Ax) (problem "rescaled") by
 * (sketched) Newton steps.
 * With `threads` the row blocks of A are spread over that many workers for this solve (a pool from
 * `createPool` keeps them loaded across solves); the answer is the same bits for every thread count.
 *
 * @example
 * const A = csr({ nrows: 3, ncols: 2, indptr: [0, 2, 3, 5], indices: [0, 1, 0, 0, 1], data: [1, 0.5, 1, 0.2, 1] });
 * const r = await solve({ f: "exp", A, b: [1.5, 2, 1], w: 1 }, { hessian: "exact" });
 * if (r.status === "converged") console.log(r.x, r.loss);
 */
export async function solve(problem: SolveProblem, options: SolveOptions = {}): Promise<SolveResult> {
  const t0 = performance.now();
  const p = prepare(problem, options);
  if (p.threads > 0) {
    const pool = await createPool({ threads: p.threads });
    try {
      const model = await pool.load(p.A, p.blockNnz === undefined ? {} : { blockNnz: p.blockNnz });
      return await model.solvePrepared(p, t0);
    } finally {
      await pool.close();
    }
  }
  return run(await LocalEngine.create(p.A, p.blockNnz), new DenseWork(await newKernels(), p.A.ncols), p, t0);
}

/** @internal The Newton loop for a prepared problem on a loaded engine. */
export async function run(engine: Engine, dense: DenseWork, p: Prepared, t0: number): Promise<SolveResult> {
  return withProblem(await runNewton(engine, dense, p, t0), p);
}

/** @internal What sensitivity() needs, in plain arrays: the engine's Wasm memory goes with the solve. */
export function withProblem(result: SolveResult, p: Prepared): SolveResult {
  return attachProblem(result, { kind: p.kind, f: p.f, A: p.A, b: p.b, w2: p.w2, x: result.x.slice(), blockNnz: p.blockNnz });
}

/** @internal What the Newton loop reads of a prepared problem (a shared solve's workers get no A). */
export type NewtonInput = Omit<Prepared, "A" | "threads">;

/** @internal The Newton loop alone: `run` without what sensitivity() keeps (a worker runs this). */
export async function runNewton(engine: Engine, dense: DenseWork, p: NewtonInput, t0: number): Promise<SolveResult> {
  await engine.setProblem(F_CODE[p.f], p.b, p.w2, p.kind === "rescaled");
  let used: Exclude<HessianUsed, "cg">;
  let plainFirst = false;
  let reason: string;
  if (p.hessian === "auto") {
    ({ used, plainFirst, reason } = chooseHessian(engine.nrows, engine.ncols, engine.nnz, engine.rowNnzSquares, p.sampleSize));
  } else {
    used = p.hessian;
    reason = "as requested";
  }
  return newton(
    engine,
    createObjective(p.kind, engine, p.b, p.f),
    dense,
    {
      f: p.f,
      requested: p.hessian,
      used,
      plainFirst,
      reason,
      sampleSize: p.sampleSize,
      seed: p.seed,
      lineSearch: p.lineSearch,
      x0: p.x0,
      tol: p.tol,
      maxIterations: p.maxIterations,
      onIteration: p.onIteration,
      signal: p.signal,
      b: p.b,
      certificate: p.kind === "regularized" ? regularizedCertificate(p.f, p.b, p.w2) : null,
    },
    performance.now() - t0,
  );
}
