// SPDX-License-Identifier: MIT
// The engine: every per-iteration quantity of the Newton loop is a sum over row blocks. A
// BlockEngine runs one BlockSet method over every block (in the calling thread, or one coarse call
// per worker) and reduces the blocks' partials here, in block order, so the sums are bitwise the
// same however the blocks are spread over threads.
import type { BlockSet, EvalPartial, Key, LinePartial, ProblemData, SamplePartial } from "./blockset.js";

export interface Evaluation {
  loss: number;
  grad: Float64Array;
  /** First row (global index) whose f(Ax) or Hessian weight overflowed, or -1. */
  overflowRow: number;
  minB: number;
  /** Rows with a non-positive Hessian weight B_i. */
  negatives: number;
}

export interface LineValue {
  loss: number;
  overflowRow: number;
}

/** The BlockSet methods that return per-block partials (everything but loading and setProblem). */
export type BlockMethod = "evaluate" | "step" | "exactGram" | "negativeGram" | "sketch" | "sampleGram" | "hessVec" | "direction" | "cgDirection" | "lossAt";

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
  /** Loads f, b and w^2 (full length; each block takes its rows). */
  abstract setProblem(f: number, b: Float64Array, w2: Float64Array): Promise<void>;

  /** Evaluates at x (one pass: z = A x). */
  async evaluate(x: Float64Array): Promise<Evaluation> {
    return reduceEval(await this.run("evaluate", [x]));
  }

  /** Evaluates at x + t dx for the dx of the last `direction` (z += t A dx, no pass over A). */
  async step(t: number): Promise<Evaluation> {
    return reduceEval(await this.run("step", [t]));
  }

  async exactGram(modified: boolean): Promise<Float64Array> {
    return sumInOrder(await this.run("exactGram", [modified]));
  }

  async negativeGram(psd: boolean): Promise<Float64Array> {
    return sumInOrder(await this.run("negativeGram", [psd]));
  }

  async sketch(m: number, key: Key): Promise<Float64Array> {
    return sumInOrder(await this.run("sketch", [m, key]));
  }

  async sampleGram(Q: Float64Array, kq: number, scale: number, key: Key): Promise<{ gram: Float64Array; kept: number }> {
    return reduceSample(await this.run("sampleGram", [Q, kq, scale, key]));
  }

  /** H v; with `carry` also builds dz = A dx inside CG (see BlockSet.hessVec). */
  async hessVec(v: Float64Array, modified: boolean, carry?: number | null): Promise<Float64Array> {
    return sumInOrder(await this.run("hessVec", [v, modified, carry]));
  }

  /** Computes dz = A dx (one pass) and returns the loss at x + dx. */
  async direction(dx: Float64Array): Promise<LineValue> {
    return reduceLine(await this.run("direction", [dx]));
  }

  /** Finishes the dz built by CG with its last step length and returns the loss at x + dx. */
  async cgDirection(carry: number): Promise<LineValue> {
    return reduceLine(await this.run("cgDirection", [carry]));
  }

  async lossAt(t: number): Promise<LineValue> {
    return reduceLine(await this.run("lossAt", [t]));
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
