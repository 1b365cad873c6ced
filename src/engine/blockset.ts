// SPDX-License-Identifier: MIT
// Row blocks of A resident in one kernel instance, and the per-block work of a Newton step.
// This is the code a worker runs for the blocks it owns; in the calling thread one BlockSet
// holds every block. Each method does one pass over its blocks and returns one partial result
// per block (copied out of Wasm memory), which the caller reduces in block order.
import type { Arena } from "../kernels.js";
import type { RowBlock } from "./tiling.js";

/** One row block's slice of A, in plain arrays (block-local indptr). */
export interface BlockData {
  readonly block: RowBlock;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float64Array;
}

export interface ProblemData {
  /** b and w^2 for the block's rows. */
  readonly b: Float64Array;
  readonly w2: Float64Array;
}

export interface EvalPartial {
  loss: number;
  /** Global index of the first row whose terms are not finite, or -1. */
  overflowRow: number;
  minB: number;
  negatives: number;
  grad: Float64Array;
}

export interface LinePartial {
  loss: number;
  overflowRow: number;
}

export interface SamplePartial {
  gram: Float64Array;
  kept: number;
}

/** A 64-bit key as two unsigned 32-bit halves (Wasm i64 would need BigInt at the boundary). */
export type Key = readonly [number, number];

interface Resident {
  block: RowBlock;
  nrows: number;
  Ap: number;
  Aj: number;
  Ax: number;
  b: number;
  w2: number;
  z: number;
  dz: number;
  r: number;
  B: number;
  /**
   * Below the certificate some B_i <= 0 (math.md section 4). Then Bmod replaces those by Gauss-Newton
   * weights f'(z)^2 + w^2 (a PSD model), Bpos = max(B, 0) is what sampling sees, and Bneg / Gneg hold
   * B / the Gauss-Newton weight on the non-positive rows only (0 elsewhere), added to a sampled
   * Gram exactly. Without such rows all four are the pointer B (`split` keeps the buffers for reuse).
   */
  Bmod: number;
  Bpos: number;
  Bneg: number;
  Gneg: number;
  split: { Bmod: number; Bpos: number; Bneg: number; Gneg: number } | null;
  hasNegatives: boolean;
  lev: number;
  Dt: number;
}

export class BlockSet {
  private readonly blocks: Resident[] = [];
  private f = 0;
  // Scratch shared by all blocks, sized by ncols.
  private readonly x: number;
  private readonly vec: number;
  private readonly out: number;
  private gram = 0;
  private sketchPtr = 0;
  private sketchLen = 0;
  private qPtr = 0;
  private qLen = 0;

  constructor(
    private readonly arena: Arena,
    readonly ncols: number,
    data: readonly BlockData[],
  ) {
    for (const blk of data) {
      const nrows = blk.block.rowEnd - blk.block.rowStart;
      const a = arena;
      this.blocks.push({
        block: blk.block,
        nrows,
        Ap: a.putI32(blk.indptr),
        Aj: a.putI32(blk.indices),
        Ax: a.putF64(blk.data),
        b: a.allocF64(nrows),
        w2: a.allocF64(nrows),
        z: a.allocF64(nrows),
        dz: a.allocF64(nrows),
        r: a.allocF64(nrows),
        B: a.allocF64(nrows),
        Bmod: 0,
        Bpos: 0,
        Bneg: 0,
        Gneg: 0,
        split: null,
        hasNegatives: false,
        lev: 0,
        Dt: 0,
      });
      const last = this.blocks[this.blocks.length - 1]!;
      last.Bmod = last.Bpos = last.Bneg = last.Gneg = last.B;
    }
    this.x = arena.allocF64(ncols);
    this.vec = arena.allocF64(ncols);
    this.out = arena.allocF64(4);
  }

  /** Loads b and w^2 for each block (same order as the constructor's blocks). */
  setProblem(f: number, perBlock: readonly ProblemData[]): void {
    this.f = f;
    perBlock.forEach((p, i) => {
      const r = this.blocks[i]!;
      this.arena.f64(r.b, r.nrows).set(p.b);
      this.arena.f64(r.w2, r.nrows).set(p.w2);
    });
  }

  /** z = A x, loss, gradient and Hessian weights at x. */
  evaluate(x: Float64Array): EvalPartial[] {
    const { k } = this.arena;
    const d = this.ncols;
    this.arena.f64(this.x, d).set(x);
    return this.blocks.map((r) => {
      k.dcsrmv(r.nrows, r.Ap, r.Aj, r.Ax, this.x, r.z);
      const info = k.dhypweights(this.f, r.nrows, r.z, r.b, r.w2, r.r, r.B, this.out, 0);
      const [loss, minB, negatives] = this.arena.f64(this.out, 3);
      r.hasNegatives = negatives! > 0;
      if (r.hasNegatives) this.splitWeights(r);
      else r.Bmod = r.Bpos = r.Bneg = r.Gneg = r.B;
      this.arena.f64(this.vec, d).fill(0);
      k.dcsrmtv(r.nrows, r.Ap, r.Aj, r.Ax, r.r, this.vec);
      return {
        loss: loss!,
        overflowRow: info > 0 ? r.block.rowStart + info - 1 : -1,
        minB: minB!,
        negatives: negatives!,
        grad: this.arena.f64(this.vec, d).slice(),
      };
    });
  }

  private splitWeights(r: Resident): void {
    const a = this.arena;
    r.split ??= { Bmod: a.allocF64(r.nrows), Bpos: a.allocF64(r.nrows), Bneg: a.allocF64(r.nrows), Gneg: a.allocF64(r.nrows) };
    ({ Bmod: r.Bmod, Bpos: r.Bpos, Bneg: r.Bneg, Gneg: r.Gneg } = r.split);
    this.arena.k.dhypweights(this.f, r.nrows, r.z, r.b, r.w2, r.r, r.Bmod, this.out, 1);
    const B = this.arena.f64(r.B, r.nrows);
    const Bmod = this.arena.f64(r.Bmod, r.nrows);
    const Bpos = this.arena.f64(r.Bpos, r.nrows);
    const Bneg = this.arena.f64(r.Bneg, r.nrows);
    const Gneg = this.arena.f64(r.Gneg, r.nrows);
    for (let i = 0; i < r.nrows; i++) {
      const neg = B[i]! <= 0;
      Bpos[i] = neg ? 0 : B[i]!;
      Bneg[i] = neg ? B[i]! : 0;
      Gneg[i] = neg ? Bmod[i]! : 0;
    }
  }

  private weights(r: Resident, modified: boolean): number {
    return modified ? r.Bmod : r.B;
  }

  private gramScratch(): number {
    if (this.gram === 0) this.gram = this.arena.allocF64(this.ncols * this.ncols);
    return this.gram;
  }

  /** Lower triangle of A^T diag(B) A per block (B, or the PSD-modified weights). */
  exactGram(modified: boolean): Float64Array[] {
    const { k } = this.arena;
    const d = this.ncols;
    const G = this.gramScratch();
    return this.blocks.map((r) => {
      this.arena.f64(G, d * d).fill(0);
      k.dcsrsyrk(r.nrows, r.Ap, r.Aj, r.Ax, this.weights(r, modified), d, G);
      return this.arena.f64(G, d * d).slice();
    });
  }

  /**
   * Lower triangle of A^T diag(.) A over the rows with B_i <= 0 only: with their true weights, or with
   * Gauss-Newton weights when `psd`. All zero when there are no such rows.
   */
  negativeGram(psd: boolean): Float64Array[] {
    const { k } = this.arena;
    const d = this.ncols;
    const G = this.gramScratch();
    return this.blocks.map((r) => {
      this.arena.f64(G, d * d).fill(0);
      if (r.hasNegatives) k.dcsrsyrk(r.nrows, r.Ap, r.Aj, r.Ax, psd ? r.Gneg : r.Bneg, d, G);
      return this.arena.f64(G, d * d).slice();
    });
  }

  /** CountSketch (m rows) of diag(sqrt(max(B, 0))) A, per block. */
  sketch(m: number, key: Key): Float64Array[] {
    const { k } = this.arena;
    const len = m * this.ncols;
    if (len > this.sketchLen) {
      this.sketchPtr = this.arena.allocF64(len);
      this.sketchLen = len;
    }
    return this.blocks.map((r) => {
      this.arena.f64(this.sketchPtr, len).fill(0);
      k.dcsr_countsketch(r.nrows, r.Ap, r.Aj, r.Ax, r.Bpos, key[0], key[1], r.block.rowStart, m, this.ncols, this.sketchPtr);
      return this.arena.f64(this.sketchPtr, len).slice();
    });
  }

  /**
   * Leverage-score sampling of diag(sqrt(max(B, 0))) A with Q = R^{-1} Pi (d x kq), keeping row i with
   * probability min(1, scale * lev_i); returns each block's sampled Gram (lower triangle).
   */
  sampleGram(Q: Float64Array, kq: number, scale: number, key: Key): SamplePartial[] {
    const { k } = this.arena;
    const d = this.ncols;
    if (Q.length > this.qLen) {
      this.qPtr = this.arena.allocF64(Q.length + kq);
      this.qLen = Q.length;
    }
    this.arena.f64(this.qPtr, Q.length).set(Q);
    const tmp = this.qPtr + Q.length * 8;
    const G = this.gramScratch();
    return this.blocks.map((r) => {
      if (r.lev === 0) {
        r.lev = this.arena.allocF64(r.nrows);
        r.Dt = this.arena.allocF64(r.nrows);
      }
      k.dcsrlev(r.nrows, r.Ap, r.Aj, r.Ax, r.Bpos, this.qPtr, kq, tmp, r.lev);
      const kept = k.dlevsample(r.nrows, r.lev, r.Bpos, scale, key[0], key[1], r.block.rowStart, r.Dt);
      this.arena.f64(G, d * d).fill(0);
      if (kept > 0) k.dcsrsyrk(r.nrows, r.Ap, r.Aj, r.Ax, r.Dt, d, G);
      return { gram: this.arena.f64(G, d * d).slice(), kept };
    });
  }

  /** A^T diag(B) A v per block. */
  hessVec(v: Float64Array, modified: boolean): Float64Array[] {
    const { k } = this.arena;
    const d = this.ncols;
    this.arena.f64(this.x, d).set(v);
    return this.blocks.map((r) => {
      this.arena.f64(this.vec, d).fill(0);
      k.dcsrsymv(r.nrows, r.Ap, r.Aj, r.Ax, this.weights(r, modified), this.x, this.vec);
      return this.arena.f64(this.vec, d).slice();
    });
  }

  /** dz = A dx (kept for the line search) and the loss at z + dz. */
  direction(dx: Float64Array): LinePartial[] {
    const { k } = this.arena;
    this.arena.f64(this.x, this.ncols).set(dx);
    for (const r of this.blocks) k.dcsrmv(r.nrows, r.Ap, r.Aj, r.Ax, this.x, r.dz);
    return this.lossAt(1);
  }

  /** Loss at z + t dz, O(n) per trial. */
  lossAt(t: number): LinePartial[] {
    const { k } = this.arena;
    return this.blocks.map((r) => {
      const info = k.dhyploss(this.f, r.nrows, r.z, r.dz, t, r.b, r.w2, this.out);
      return { loss: this.arena.f64(this.out, 1)[0]!, overflowRow: info > 0 ? r.block.rowStart + info - 1 : -1 };
    });
  }

  /** Whether any block saw a non-positive Hessian weight at the last evaluation. */
  anyNegatives(): boolean {
    return this.blocks.some((r) => r.hasNegatives);
  }
}
