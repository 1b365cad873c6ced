// SPDX-License-Identifier: MIT
// The engine: every per-iteration quantity of the Newton loop is a sum over row blocks. A
// BlockEngine runs one BlockSet method over every block (in the calling thread, or one coarse call
// per worker) and reduces the blocks' partials here, in block order, so the sums are bitwise the
// same however the blocks are spread over threads.
import { PASSES } from "./blockset.js";
import type { BlockSet, EvalPartial, Key, LinePartial, ProblemData, ResEvalPartial, ResLinePartial, ResSamplePartial, ResSumsPartial, SamplePartial } from "./blockset.js";

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
  /** The evaluation at the full step, when it was taken ahead of the verdict (tryDirection). */
  atFullStep?: Evaluation;
}

/** The BlockSet methods that return per-block partials (everything but loading and setProblem). */
export type BlockMethod =
  | "evaluate" | "step" | "exactGram" | "negativeGram" | "sketch" | "sampleGram" | "hessVec" | "direction" | "lossAt"
  | "tryDirection"
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

  private call<M extends BlockMethod>(method: M, args: Parameters<BlockSet[M]>): Promise<ReturnType<BlockSet[M]>> {
    this.passes += PASSES[method];
    return this.run(method, args);
  }

  /** Evaluates at x (one pass: z = A x). */
  async evaluate(x: Float64Array): Promise<Evaluation> {
    return reduceEval(await this.call("evaluate", [x]));
  }

  /** Evaluates at x + t dx for the dx of the last `direction` (z += t A dx, no pass over A). */
  async step(t: number): Promise<Evaluation> {
    return reduceEval(await this.call("step", [t]));
  }

  async exactGram(modified: boolean): Promise<Float64Array> {
    return sumInOrder(await this.call("exactGram", [modified]));
  }

  async negativeGram(psd: boolean): Promise<Float64Array> {
    return sumInOrder(await this.call("negativeGram", [psd]));
  }

  async sketch(m: number, key: Key): Promise<Float64Array> {
    return sumInOrder(await this.call("sketch", [m, key]));
  }

  async sampleGram(Q: Float64Array, kq: number, scale: number, key: Key): Promise<{ gram: Float64Array; kept: number }> {
    return reduceSample(await this.call("sampleGram", [Q, kq, scale, key]));
  }

  /** H v; with `carry` also builds dz = A dx inside CG (see BlockSet.hessVec). */
  async hessVec(v: Float64Array, modified: boolean, carry?: number | null): Promise<Float64Array> {
    return sumInOrder(await this.call("hessVec", [v, modified, carry]));
  }

  /** Computes dz = A dx (one pass) and returns the loss at x + dx. */
  async direction(dx: Float64Array): Promise<LineValue> {
    return reduceLine(await this.call("direction", [dx]));
  }


  /**
   * `direction` that also evaluates at the full step x + dx (BlockSet.tryDirection): when the line
   * search takes t = 1, the next iterate costs no request of its own.
   */
  async tryDirection(dx: Float64Array): Promise<LineValue> {
    return fullStep(reduceEval(await this.call("tryDirection", [dx])));
  }

  async lossAt(t: number): Promise<LineValue> {
    return reduceLine(await this.call("lossAt", [t]));
  }

  // Rescaled regression: an evaluation is two passes (block sums, then the weights given alpha and
  // <c,b>); the line search's loss is centred on the alpha of the point it starts from.

  /** Evaluates the rescaled loss at x; bb = ||b||^2. */
  async resEvaluate(x: Float64Array, bb: number): Promise<Evaluation> {
    return this.resWeigh(reduceResSums(await this.call("resEvaluate", [x])), bb);
  }

  /** Evaluates the rescaled loss at x + t dx for the dx of the last resDirection. */
  async resStep(t: number, bb: number): Promise<Evaluation> {
    return this.resWeigh(reduceResSums(await this.call("resStep", [t])), bb);
  }

  private async resWeigh(sums: ResSumsPartial, bb: number): Promise<Evaluation> {
    const alpha = sums.u;
    const cb = sums.ub - alpha * bb;
    const ev = reduceResEval(await this.call("resWeigh", [alpha, cb]), alpha, cb, bb);
    if (sums.overflowRow >= 0) ev.overflowRow = sums.overflowRow;
    return ev;
  }

  async resLossAt(t: number, alpha0: number, bb: number): Promise<LineValue> {
    return reduceResLine(await this.call("resLossAt", [t, alpha0]), alpha0, bb);
  }

  async resDirection(dx: Float64Array, alpha0: number, bb: number): Promise<LineValue> {
    return reduceResLine(await this.call("resDirection", [dx, alpha0]), alpha0, bb);
  }

  async resCgDirection(carry: number, alpha0: number, bb: number): Promise<LineValue> {
    return reduceResLine(await this.call("resCgDirection", [carry, alpha0]), alpha0, bb);
  }

  async resSketch(m: number, keyE: Key, keyJ: Key, p1: Float64Array): Promise<Float64Array> {
    return sumInOrder(await this.call("resSketch", [m, keyE, keyJ, p1]));
  }

  async resSampleGram(Q: Float64Array, kq: number, pq: Float64Array, scale: number, keyE: Key, keyJ: Key): Promise<{ gram: Float64Array; y: Float64Array; beta: number; kept: number }> {
    return reduceResSample(await this.call("resSampleGram", [Q, kq, pq, scale, keyE, keyJ]));
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
  return { loss, grad: sumInOrder(parts.map((p) => p.grad)), overflowRow, minB, negatives };
}

function fullStep(ev: Evaluation): LineValue {
  return { loss: ev.overflowRow >= 0 ? Infinity : ev.loss, overflowRow: ev.overflowRow, atFullStep: ev };
}

export function reduceLine(parts: readonly LinePartial[]): LineValue {
  let loss = 0;
  let overflowRow = -1;
  for (const p of parts) {
    loss += p.loss;
    if (overflowRow < 0) overflowRow = p.overflowRow;
  }
  return { loss: overflowRow >= 0 ? Infinity : loss, overflowRow };
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
  const p1 = sumInOrder(parts.map((p) => p.p1));
  const p2 = sumInOrder(parts.map((p) => p.p2));
  return { ...reduceEval(parts), rescaled: { alpha, cb, bb, p1, p2, minRow, reg } };
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

export function reduceResSample(parts: readonly ResSamplePartial[]): { gram: Float64Array; y: Float64Array; beta: number; kept: number } {
  return { ...reduceSample(parts), y: sumInOrder(parts.map((p) => p.y)), beta: parts.reduce((s, p) => s + p.beta, 0) };
}
