// SPDX-License-Identifier: MIT
// The engine interface: every per-iteration quantity of the Newton loop is a sum over row blocks.
// The calling-thread engine (local.ts) and the worker pool implement it alike; both reduce the
// blocks' partials here, in block order, so the sums are bitwise the same however the blocks are
// spread over threads.
import type { EvalPartial, Key, LinePartial, SamplePartial } from "./blockset.js";

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

export interface Engine {
  readonly nrows: number;
  readonly ncols: number;
  readonly nnz: number;
  /** sum_i k_i^2 over rows: the cost of an exact Gram, for the `auto` cost model. */
  readonly rowNnzSquares: number;
  readonly threads: number;
  setProblem(f: number, b: Float64Array, w2: Float64Array): Promise<void>;
  /** Evaluates at x (one pass: z = A x). */
  evaluate(x: Float64Array): Promise<Evaluation>;
  /** Evaluates at x + t dx for the dx of the last `direction` (z += t A dx, no pass over A). */
  step(t: number): Promise<Evaluation>;
  exactGram(modified: boolean): Promise<Float64Array>;
  negativeGram(psd: boolean): Promise<Float64Array>;
  sketch(m: number, key: Key): Promise<Float64Array>;
  sampleGram(Q: Float64Array, kq: number, scale: number, key: Key): Promise<{ gram: Float64Array; kept: number }>;
  /** H v; with `carry` also builds dz = A dx inside CG (see BlockSet.hessVec). */
  hessVec(v: Float64Array, modified: boolean, carry?: number | null): Promise<Float64Array>;
  /** Computes dz = A dx (one pass) and returns the loss at x + dx. */
  direction(dx: Float64Array): Promise<LineValue>;
  /** Finishes the dz built by CG with its last step length and returns the loss at x + dx. */
  cgDirection(carry: number): Promise<LineValue>;
  lossAt(t: number): Promise<LineValue>;
  close(): Promise<void>;
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
