// SPDX-License-Identifier: MIT
// The engine: every per-iteration quantity of the Newton loop is a sum over row blocks. A
// BlockEngine runs one BlockSet method over every block (in the calling thread, or one coarse call
// per worker) and reduces the blocks' partials here, in block order, so the sums are bitwise the
// same however the blocks are spread over threads.
import { PASSES } from "./blockset.js";
import type { BlockSet, EvalPartial, JlMap, Key, ProblemData, ResGradPartial, ResSamplePartial, ResWeighPartial, SamplePartial } from "./blockset.js";

export interface Evaluation {
  loss: number;
  grad: Float64Array;
  /** First row (global index) whose f(Ax) or Hessian weight overflowed, or -1. */
  overflowRow: number;
  minB: number;
  /** Rows with a non-positive Hessian weight B_i (rescaled: e_i). */
  negatives: number;
  /** diag(A^T diag(B) A) (unmodified B), when the evaluation was asked for it (regularized only). */
  diag?: Float64Array;
  /** Rescaled problem only: the global quantities of math.md section 2 at this point. */
  rescaled?: RescaledTerms;
}

/** What the rescaled loss's Hessian and line search need beyond the block sums. */
export interface RescaledTerms {
  /** alpha = <u,1>, cb = <c,b>, bb = ||b||^2. */
  alpha: number;
  cb: number;
  bb: number;
  /** H = A^T diag(u'^2 + e) A + P C P^T with P = [p1, p2] = [A^T u', A^T (u' b)], C = [[bb, -1], [-1, 0]]. */
  p1: Float64Array;
  p2: Float64Array;
  /** Row where e is smallest (minB holds that e). */
  minRow: number;
  /** The regularizer's share of the loss, 0.5 ||w z||^2. */
  reg: number;
}

export interface LineValue {
  loss: number;
  overflowRow: number;
}

/** The BlockSet methods that return per-block partials (everything but loading and setProblem). */
export type BlockMethod =
  | "evaluate" | "exactGram" | "negativeGram" | "sketch" | "sampleGram" | "resampleGram" | "hessVec" | "hessDiag"
  | "resGrad" | "resWeigh" | "resSketch" | "resSampleGram" | "resResampleGram";

/** Runs `method` on every block and resolves to the partials in block order. */
export type BlockCall = <M extends BlockMethod>(method: M, args: Parameters<BlockSet[M]>) => Promise<ReturnType<BlockSet[M]>>;

export interface EngineShape {
  readonly nrows: number;
  readonly ncols: number;
  readonly nnz: number;
  /** sum_i k_i^2 over rows: the cost of an exact Gram, for the `auto` cost model. */
  readonly rowNnzSquares: number;
  /** Worker threads doing the passes (0: the calling thread). */
  readonly threads: number;
}

export abstract class BlockEngine implements EngineShape {
  abstract readonly nrows: number;
  abstract readonly ncols: number;
  abstract readonly nnz: number;
  abstract readonly rowNnzSquares: number;
  abstract readonly threads: number;
  protected abstract readonly run: BlockCall;
  /**
   * Whether the blocks are worked in this thread, so that every call resolves at once and a solve
   * must yield now and then for events (an abort) to run.
   */
  get inThread(): boolean {
    return this.threads === 0;
  }

  /** Full passes over A's nonzeros made so far (see PASSES), for a solve's `passes`. */
  passes = 0;
  /** Loads f, b and w^2 (full length; each block takes its rows); `rescaled` as in BlockSet.setProblem. */
  abstract setProblem(f: number, b: Float64Array, w2: Float64Array, rescaled?: boolean): Promise<void>;

  /** Runs `method` on every block and reduces the partials, which are then handed to `recycle`. */
  private async call<M extends BlockMethod, R>(method: M, args: Parameters<BlockSet[M]>, reduce: (parts: ReturnType<BlockSet[M]>) => R): Promise<R> {
    this.passes += PASSES[method];
    const parts = await this.run(method, args);
    const out = reduce(parts);
    this.recycle(parts);
    return out;
  }

  /** Takes partials that are reduced and no longer read (a pool hands their buffers back to the workers). */
  protected recycle(_parts: unknown): void {}

  /**
   * Evaluates the regularized loss at x (one pass: z = A x); with `diag`, also H's diagonal (the
   * Jacobi scaling of CG) from the same pass.
   */
  async evaluate(x: Float64Array, diag = false): Promise<Evaluation> {
    return this.call("evaluate", [x, diag], (parts) => reduceEval(parts, this.ncols));
  }

  async exactGram(modified: boolean): Promise<Float64Array> {
    return this.call("exactGram", [modified], sumInOrder);
  }

  async negativeGram(psd: boolean): Promise<Float64Array> {
    return this.call("negativeGram", [psd], sumInOrder);
  }

  async sketch(m: number, key: Key): Promise<Float64Array> {
    return this.call("sketch", [m, key], sumInOrder);
  }

  async sampleGram(Q: JlMap, kq: number, scale: number, key: Key): Promise<{ gram: Float64Array; kept: number }> {
    return this.call("sampleGram", [Q, kq, scale, key], reduceSample);
  }

  /** sampleGram with the last one's Q at the current weights (no pass over A). */
  async resampleGram(scale: number, key: Key): Promise<{ gram: Float64Array; kept: number }> {
    return this.call("resampleGram", [scale, key], reduceSample);
  }

  async hessVec(v: Float64Array, modified: boolean): Promise<Float64Array> {
    return this.call("hessVec", [v, modified], sumInOrder);
  }

  /** The diagonal of A^T diag(B) A (the rescaled rank-2 part is not in it: see jacobi in hessian.ts). */
  async hessDiag(modified: boolean): Promise<Float64Array> {
    return this.call("hessDiag", [modified], sumInOrder);
  }

  // Rescaled regression: a pass at x centred on a nearby point's alpha and <c,b> gives the loss, the
  // gradient and the rank-2 vectors (BlockSet.resGrad); the Hessian weights need one O(n) request more.

  /** The rescaled loss, gradient and sums at x, centred on (alpha0, cb0); bb = ||b||^2. */
  async resTrial(x: Float64Array, alpha0: number, cb0: number, bb: number): Promise<ResTrial> {
    return this.call("resGrad", [x, alpha0, cb0], (parts) => reduceResGrad(parts, alpha0, cb0, bb));
  }

  /** The evaluation at the trial's point (the last resTrial): its Hessian weights and certificate. */
  async resWeigh(trial: ResTrial): Promise<Evaluation> {
    const { alpha, cb, bb, p1, p2, reg } = trial;
    return this.call("resWeigh", [alpha, cb], (parts) => {
      let cc = 0;
      let minB = Infinity;
      let minRow = -1;
      let negatives = 0;
      let overflowRow = trial.overflowRow;
      for (const p of parts) {
        cc += p.cc;
        if (p.minB < minB) {
          minB = p.minB;
          minRow = p.minRow;
        }
        negatives += p.negatives;
        if (overflowRow < 0) overflowRow = p.overflowRow;
      }
      return { loss: cc + reg, grad: trial.grad, overflowRow, minB, negatives, rescaled: { alpha, cb, bb, p1, p2, minRow, reg } };
    });
  }

  async resSketch(m: number, key: Key, p1: Float64Array): Promise<Float64Array> {
    return this.call("resSketch", [m, key, p1], sumInOrder);
  }

  async resSampleGram(Q: JlMap, kq: number, pq: Float64Array, scale: number, keyE: Key, keyJ: Key): Promise<{ gram: Float64Array; y: Float64Array; beta: number; kept: number }> {
    return this.call("resSampleGram", [Q, kq, pq, scale, keyE, keyJ], (parts) => reduceResSample(parts, this.ncols));
  }

  /** resSampleGram with the last one's Q at the current weights: v = Q pq, pp = ||pq||^2 for this step's pq = Q^T p1. */
  async resResampleGram(v: Float64Array, pp: number, scale: number, keyE: Key, keyJ: Key): Promise<{ gram: Float64Array; y: Float64Array; beta: number; kept: number }> {
    return this.call("resResampleGram", [v, pp, scale, keyE, keyJ], (parts) => reduceResSample(parts, this.ncols));
  }
}

export type Engine = BlockEngine;

/** Each block's rows of b and w^2. */
export function problemSlices(blocks: readonly { rowStart: number; rowEnd: number }[], b: Float64Array, w2: Float64Array): ProblemData[] {
  return blocks.map((blk) => ({ b: b.subarray(blk.rowStart, blk.rowEnd), w2: w2.subarray(blk.rowStart, blk.rowEnd) }));
}

/** Sum of equal-length vectors in the given (block) order. */
export function sumInOrder(parts: readonly Float64Array[]): Float64Array {
  const first = parts[0];
  if (first === undefined) return new Float64Array(0);
  const out = first.slice();
  for (let p = 1; p < parts.length; p++) {
    const v = parts[p]!;
    for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
  }
  return out;
}

export function reduceEval(parts: readonly EvalPartial[], d: number): Evaluation {
  // A^T r and the diagonal summed as one vector: the bits of two sums of d.
  const sums = sumInOrder(parts.map((p) => p.grad));
  const stats = reduceStats(parts);
  return sums.length > d ? { ...stats, grad: sums.slice(0, d), diag: sums.slice(d) } : { ...stats, grad: sums };
}

/** An evaluation's scalars: sums, the first overflow, the smallest weight. */
function reduceStats(parts: readonly Omit<EvalPartial, "grad">[]): Omit<Evaluation, "grad"> {
  let loss = 0;
  let overflowRow = -1;
  let minB = Infinity;
  let negatives = 0;
  for (const p of parts) {
    loss += p.loss;
    if (overflowRow < 0) overflowRow = p.overflowRow;
    minB = Math.min(minB, p.minB);
    negatives += p.negatives;
  }
  return { loss, overflowRow, minB, negatives };
}

export function reduceSample(parts: readonly SamplePartial[]): { gram: Float64Array; kept: number } {
  return { gram: sumInOrder(parts.map((p) => p.gram)), kept: parts.reduce((s, p) => s + p.kept, 0) };
}

/** A rescaled pass's result: the loss (what a line search compares) and what its evaluation needs. */
export interface ResTrial extends LineValue {
  alpha: number;
  cb: number;
  bb: number;
  grad: Float64Array;
  p1: Float64Array;
  p2: Float64Array;
  reg: number;
}

/**
 * The block sums of a pass centred on (alpha0, cb0), corrected (assembly/kernels/dresrows.ts): with
 * delta = alpha - alpha0 and cb = sum v b - delta ||b||^2, the loss is
 * 0.5 (sum v^2 - 2 delta sum v b + delta^2 ||b||^2) + the regularizer, and g = A^T r - delta p2 - (cb - cb0) p1.
 */
export function reduceResGrad(parts: readonly ResGradPartial[], alpha0: number, cb0: number, bb: number): ResTrial {
  let u = 0;
  let vv = 0;
  let vb = 0;
  let reg = 0;
  let overflowRow = -1;
  for (const p of parts) {
    u += p.u;
    vv += p.vv;
    vb += p.vb;
    reg += p.reg;
    if (overflowRow < 0) overflowRow = p.overflowRow;
  }
  // A^T r, p1 and p2 summed as one 3d vector: the bits of three sums of d.
  const sums = sumInOrder(parts.map((p) => p.sums));
  const d = sums.length / 3;
  const p1 = sums.slice(d, 2 * d);
  const p2 = sums.slice(2 * d);
  const delta = u - alpha0;
  const cb = vb - delta * bb;
  const dcb = cb - cb0;
  const grad = sums.slice(0, d);
  for (let j = 0; j < d; j++) grad[j] = grad[j]! - delta * p2[j]! - dcb * p1[j]!;
  const loss = 0.5 * (vv - 2 * delta * vb + delta * delta * bb) + reg;
  return { loss: overflowRow >= 0 || !Number.isFinite(loss) ? Infinity : loss, overflowRow, alpha: u, cb, bb, grad, p1, p2, reg };
}

export function reduceResSample(parts: readonly ResSamplePartial[], d: number): { gram: Float64Array; y: Float64Array; beta: number; kept: number } {
  const gramY = sumInOrder(parts.map((p) => p.gramY));
  return { gram: gramY.slice(0, d * d), y: gramY.slice(d * d), beta: parts.reduce((s, p) => s + p.beta, 0), kept: parts.reduce((s, p) => s + p.kept, 0) };
}
