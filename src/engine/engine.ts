// SPDX-License-Identifier: MIT
// The engine: every per-iteration quantity of the Newton loop is a sum over row blocks. A
// BlockEngine runs one BlockSet method over every block (in the calling thread, or one coarse call
// per worker) and reduces the blocks' partials here, in block order, so the sums are bitwise the
// same however the blocks are spread over threads.
import { PASSES } from "./blockset.js";
import type { BlockSet, EvalPartial, Key, ProblemData, ResEvalPartial, ResLinePartial, ResSamplePartial, ResSumsPartial, SamplePartial } from "./blockset.js";

export interface Evaluation {
  loss: number;
  grad: Float64Array;
  /** First row (global index) whose f(Ax) or Hessian weight overflowed, or -1. */
  overflowRow: number;
  minB: number;
  /** Rows with a non-positive Hessian weight B_i (rescaled: e_i). */
  negatives: number;
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
  | "evaluate" | "exactGram" | "negativeGram" | "sketch" | "sampleGram" | "hessVec"
  | "resEvaluate" | "resStep" | "resWeigh" | "resLossAt" | "resDirection" | "resCgDirection" | "resSketch" | "resSampleGram";

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

  /** Evaluates the regularized loss at x (one pass: z = A x). */
  async evaluate(x: Float64Array): Promise<Evaluation> {
    return this.call("evaluate", [x], reduceEval);
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

  async sampleGram(Q: Float64Array, kq: number, scale: number, key: Key): Promise<{ gram: Float64Array; kept: number }> {
    return this.call("sampleGram", [Q, kq, scale, key], reduceSample);
  }

  /** H v; with `carry` also builds dz = A dx inside CG (see BlockSet.hessVec). */
  async hessVec(v: Float64Array, modified: boolean, carry?: number | null): Promise<Float64Array> {
    return this.call("hessVec", [v, modified, carry], sumInOrder);
  }

  // Rescaled regression: an evaluation is two passes (block sums, then the weights given alpha and
  // <c,b>); the line search's loss is centred on the alpha of the point it starts from.

  /** Evaluates the rescaled loss at x; bb = ||b||^2. */
  async resEvaluate(x: Float64Array, bb: number): Promise<Evaluation> {
    return this.resWeigh(await this.call("resEvaluate", [x], reduceResSums), bb);
  }

  /** Evaluates the rescaled loss at x + t dx for the dx of the last resDirection. */
  async resStep(t: number, bb: number): Promise<Evaluation> {
    return this.resWeigh(await this.call("resStep", [t], reduceResSums), bb);
  }

  private async resWeigh(sums: ResSumsPartial, bb: number): Promise<Evaluation> {
    const alpha = sums.u;
    const cb = sums.ub - alpha * bb;
    const ev = await this.call("resWeigh", [alpha, cb], (parts) => reduceResEval(parts, alpha, cb, bb));
    if (sums.overflowRow >= 0) ev.overflowRow = sums.overflowRow;
    return ev;
  }

  async resLossAt(t: number, alpha0: number, bb: number): Promise<LineValue> {
    return this.call("resLossAt", [t, alpha0], (parts) => reduceResLine(parts, alpha0, bb));
  }

  async resDirection(dx: Float64Array, alpha0: number, bb: number): Promise<LineValue> {
    return this.call("resDirection", [dx, alpha0], (parts) => reduceResLine(parts, alpha0, bb));
  }

  async resCgDirection(carry: number, alpha0: number, bb: number): Promise<LineValue> {
    return this.call("resCgDirection", [carry, alpha0], (parts) => reduceResLine(parts, alpha0, bb));
  }

  async resSketch(m: number, keyE: Key, keyJ: Key, p1: Float64Array): Promise<Float64Array> {
    return this.call("resSketch", [m, keyE, keyJ, p1], sumInOrder);
  }

  async resSampleGram(Q: Float64Array, kq: number, pq: Float64Array, scale: number, keyE: Key, keyJ: Key): Promise<{ gram: Float64Array; y: Float64Array; beta: number; kept: number }> {
    return this.call("resSampleGram", [Q, kq, pq, scale, keyE, keyJ], (parts) => reduceResSample(parts, this.ncols));
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

export function reduceEval(parts: readonly EvalPartial[]): Evaluation {
  return { ...reduceStats(parts), grad: sumInOrder(parts.map((p) => p.grad)) };
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

export function reduceResSums(parts: readonly ResSumsPartial[]): ResSumsPartial {
  let u = 0;
  let ub = 0;
  let overflowRow = -1;
  for (const p of parts) {
    u += p.u;
    ub += p.ub;
    if (overflowRow < 0) overflowRow = p.overflowRow;
  }
  return { u, ub, overflowRow };
}

export function reduceResEval(parts: readonly ResEvalPartial[], alpha: number, cb: number, bb: number): Evaluation {
  let minB = Infinity;
  let minRow = -1;
  let reg = 0;
  for (const p of parts) {
    if (p.minB < minB) {
      minB = p.minB;
      minRow = p.minRow;
    }
    reg += p.reg;
  }
  // A^T r, p1 and p2 summed as one 3d vector: the bits of three sums of d.
  const sums = sumInOrder(parts.map((p) => p.sums));
  const d = sums.length / 3;
  return { ...reduceStats(parts), grad: sums.slice(0, d), rescaled: { alpha, cb, bb, p1: sums.slice(d, 2 * d), p2: sums.slice(2 * d), minRow, reg } };
}

/** The loss at z + t dz from the centred sums: ||c||^2 = ||v||^2 - 2 delta <v,b> + delta^2 ||b||^2. */
export function reduceResLine(parts: readonly ResLinePartial[], alpha0: number, bb: number): LineValue {
  let vv = 0;
  let vb = 0;
  let u = 0;
  let reg = 0;
  let overflowRow = -1;
  for (const p of parts) {
    vv += p.vv;
    vb += p.vb;
    u += p.u;
    reg += p.reg;
    if (overflowRow < 0) overflowRow = p.overflowRow;
  }
  const delta = u - alpha0;
  const loss = 0.5 * (vv - 2 * delta * vb + delta * delta * bb) + 0.5 * reg;
  return { loss: overflowRow >= 0 || !Number.isFinite(loss) ? Infinity : loss, overflowRow };
}

export function reduceResSample(parts: readonly ResSamplePartial[], d: number): { gram: Float64Array; y: Float64Array; beta: number; kept: number } {
  const gramY = sumInOrder(parts.map((p) => p.gramY));
  return { gram: gramY.slice(0, d * d), y: gramY.slice(d * d), beta: parts.reduce((s, p) => s + p.beta, 0), kept: parts.reduce((s, p) => s + p.kept, 0) };
}
