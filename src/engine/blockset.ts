// SPDX-License-Identifier: MIT
// Row blocks of A resident in one kernel instance, and the per-block work of a Newton step.
// This is the code a worker runs for the blocks it owns; in the calling thread one BlockSet
// holds every block. Each method does one pass over its blocks and returns one partial result
// per block (copied out of Wasm memory), which the caller reduces in block order; or, when the
// set holds every block ("fold"), the sum itself, added up in Wasm memory in the same order, so
// both give the same bits.
import type { Arena } from "../kernels.js";
import type { BlockMethod } from "./engine.js";
import type { RowBlock } from "./tiling.js";

/** One row block's slice of A, in plain arrays (block-local indptr). */
export interface BlockData {
  readonly block: RowBlock;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float64Array;
}

/**
 * Rows `first`, `first + 1`, ... of a block, for a pool that sends a long block in pieces: `indptr`
 * holds those rows' pointers and one more (block-local, so `indices` and `data` are the block's
 * nonzeros from indptr[0] on), and `nnz` counts the whole block's nonzeros.
 */
export interface BlockPiece extends BlockData {
  readonly first: number;
  readonly nnz: number;
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

/** Rescaled, first pass: the block's sums of u = f(z) and u b (alpha and <c,b> need every block). */
export interface ResSumsPartial {
  u: number;
  ub: number;
  overflowRow: number;
}

/**
 * Rescaled, second pass. `minB` and `negatives` are about e (the certificate's weights); `grad` is
 * A^T r; p1 = A^T u' and p2 = A^T (u' b) are the block's share of the Hessian's rank-2 part.
 */
export interface ResEvalPartial extends EvalPartial {
  /** Global row where e is smallest (the first such row of the block). */
  minRow: number;
  /** The regularizer's share of `loss`: sum 0.5 w2 z^2. */
  reg: number;
  p1: Float64Array;
  p2: Float64Array;
}

/** Rescaled loss along the line, centred on alpha0 (see assembly/kernels/dresloss.ts). */
export interface ResLinePartial {
  /** sum v^2, sum v b, sum u, sum w2 z^2 at z + t dz, with v = u - alpha0 b. */
  vv: number;
  vb: number;
  u: number;
  reg: number;
  overflowRow: number;
}

/**
 * Rescaled sampled Gram of the stacked factor: A^T diag(Dt) A (lower triangle) with the J rows'
 * y = A^T (omega u' b) and beta = sum omega b^2, from which the caller adds the rank-2 remainder.
 */
export interface ResSamplePartial {
  gram: Float64Array;
  y: Float64Array;
  beta: number;
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
  /** A p of the last Hessian-vector product, kept while CG builds dz = A dx (rescaled only; 0 until first used). */
  Av: number;
  /**
   * Rescaled only (0 until then): u = f(z), u' = f'(z), the certificate weights e and u' b. B holds
   * u'^2 + e there, so the exact Gram and the Hessian-vector products serve both problems.
   */
  u: number;
  up: number;
  e: number;
  upb: number;
}

/**
 * Full passes over a block's nonzeros that each method makes (kernels that read every row of A);
 * sampled rows, O(n) vector work and O(d^2) work are not passes. negativeGram counts its pass even
 * where a block has no negative weight and skips it: the figure is an upper bound there. Keep it in
 * step with the methods below: it is what a solve reports as `passes` (benchmarks turn it into bytes).
 */
export const PASSES: Record<BlockMethod, number> = {
  evaluate: 1, // dcsrhypgrad: A x, the weights and A^T r in one pass
  step: 1, // weigh
  exactGram: 1,
  negativeGram: 1,
  sketch: 1,
  sampleGram: 1, // dcsrlev; the sampled rows' Gram is not a pass
  hessVec: 1, // dcsrsymv reads each row once for A v and A^T (D A v)
  direction: 1, // multiply
  lossAt: 0,
  tryDirection: 1, // dcsrhypgrad
  resEvaluate: 1, // multiply
  resStep: 0,
  resWeigh: 1, // dcsrmtv3
  resLossAt: 0,
  resDirection: 1, // multiply
  resCgDirection: 0,
  resSketch: 2, // dcsr_countsketch + dcsrjsketch
  resSampleGram: 1, // dcsrjlev; dcsrmtv reads only the sampled J rows (it skips rows whose weight is 0)
};

/** What a block takes in a kernel instance's memory: A (12 bytes a nonzero, 4 a row pointer), five row vectors, alignment. */
export function residentBytes(nnz: number, nrows: number): number {
  return 12 * nnz + 44 * (nrows + 1) + 160;
}

/** Scratch of at least `len` doubles in a kernel instance's memory, grown (never shrunk) on demand. */
class Scratch {
  private ptr = 0;
  private len = 0;
  constructor(private readonly arena: Arena) {}

  at(len: number): number {
    if (len > this.len) {
      this.ptr = this.arena.allocF64(len);
      this.len = len;
    }
    return this.ptr;
  }
}

export class BlockSet {
  private readonly blocks: Resident[] = [];
  private f = 0;
  /**
   * Whether the last line was weighed at its full step z + dz ahead of the line search (tryDirection)
   * while z stayed the line's start. lossAt and step continue that line from z; a call that writes
   * dz (the next line, or CG building one) first moves z to the full step, which the line search
   * must then have accepted (settle); the Gram and sketch passes read neither z nor dz.
   */
  private speculative = false;
  // Scratch shared by all blocks.
  private readonly x: number;
  private readonly out: number;
  private partial = { ptr: 0, total: 0, len: 0 };
  /** The JL map Q and the sampling kernels' small vectors after it. */
  private readonly q: Scratch;
  /**
   * The residual of the block being weighed: it lives from the weights kernel to the transposed
   * product right after it, so one buffer for the longest block serves them all (8 bytes a row less).
   */
  private readonly residual: Scratch;
  /** dcsrjsketch's m bucket sums. */
  private readonly sb: Scratch;
  /**
   * The sampling kernels' row vectors (leverage scores, sample weights; the J half's too): they live
   * within one block's turn, so buffers for the longest block serve every block (up to 32 bytes a
   * row less than keeping them per block).
   */
  private readonly rows: Scratch;
  /** Rows of the longest block: row scratch is sized by it at once, so it grows (and leaves memory behind) once. */
  private longest = 0;

  /**
   * @param fold  return each method's sum over the blocks (one element) instead of one partial per
   *              block; only right when this set holds every block of A.
   */
  constructor(
    private readonly arena: Arena,
    readonly ncols: number,
    data: readonly BlockData[],
    private readonly fold = false,
    /** Bytes to reserve at once when more blocks will be appended (see `append`). */
    reserveBytes?: number,
  ) {
    arena.reserve(reserveBytes ?? data.reduce((s, blk) => s + residentBytes(blk.data.length, blk.indptr.length - 1), 0));
    this.append(data);
    this.x = arena.allocF64(ncols);
    this.out = arena.allocF64(8);
    this.q = new Scratch(arena);
    this.residual = new Scratch(arena);
    this.sb = new Scratch(arena);
    this.rows = new Scratch(arena);
  }

  /** `count` row vectors, each long enough for any block, in the shared row scratch. */
  private rowScratch(count: number): number[] {
    const longest = this.longest;
    const stride = 8 * (longest + (longest & 1)); // 16-byte aligned for the SIMD kernels
    const base = this.rows.at((count * stride) / 8);
    return Array.from({ length: count }, (_, i) => base + i * stride);
  }

  /**
   * Copies more blocks in, after those already here (in block order), or pieces of them in row order.
   * A pool's worker receives its blocks a piece a request into memory reserved for all of them, so
   * that neither side holds a second copy of its share of A, nor more than a piece of garbage, while
   * loading.
   */
  append(data: readonly (BlockData | BlockPiece)[]): void {
    const a = this.arena;
    for (const blk of data) {
      const first = "first" in blk ? blk.first : 0;
      if (first > 0) {
        this.copyRows(this.blocks.at(-1)!, blk, first);
        continue;
      }
      const nrows = blk.block.rowEnd - blk.block.rowStart;
      const nnz = "nnz" in blk ? blk.nnz : blk.indices.length;
      this.longest = Math.max(this.longest, nrows);
      const B = a.allocF64(nrows);
      const r: Resident = {
        block: blk.block,
        nrows,
        Ap: a.alloc(4 * (nrows + 1), false),
        Aj: a.alloc(4 * nnz, false),
        Ax: a.alloc(8 * nnz, false),
        b: a.allocF64(nrows),
        w2: a.allocF64(nrows),
        z: a.allocF64(nrows),
        dz: a.allocF64(nrows),
        B,
        Bmod: B,
        Bpos: B,
        Bneg: B,
        Gneg: B,
        split: null,
        hasNegatives: false,
        Av: 0,
        u: 0,
        up: 0,
        e: 0,
        upb: 0,
      };
      this.blocks.push(r);
      this.copyRows(r, blk, 0);
    }
  }

  /** Rows `first`, ... of a block into its resident arrays. */
  private copyRows(r: Resident, blk: BlockData, first: number): void {
    const a = this.arena;
    const p0 = blk.indptr[0]!;
    a.i32(r.Ap + 4 * first, blk.indptr.length).set(blk.indptr);
    a.i32(r.Aj + 4 * p0, blk.indices.length).set(blk.indices);
    a.f64(r.Ax + 8 * p0, blk.data.length).set(blk.data);
  }

  /**
   * Runs `compute(block, out)` on a zeroed `len`-vector per block and returns the partials (or, when
   * folding, their sum: total = p0, then total += p_b in block order, as `sumInOrder` does).
   */
  private partials(len: number, compute: (r: Resident, out: number) => void): Float64Array[] {
    const a = this.arena;
    if (len > this.partial.len) this.partial = { ptr: a.allocF64(len), total: a.allocF64(len), len };
    const { ptr, total } = this.partial;
    const parts: Float64Array[] = [];
    this.blocks.forEach((r, i) => {
      a.f64(ptr, len).fill(0);
      compute(r, ptr);
      if (!this.fold) parts.push(a.f64(ptr, len).slice());
      else if (i === 0) a.f64(total, len).set(a.f64(ptr, len));
      else a.k.daxpy(len, 1, ptr, total);
    });
    return this.fold ? [a.f64(total, len).slice()] : parts;
  }

  /** Per-block scalars in the same shape as `partials`: summed in block order when folding. */
  private scalars<T extends object>(values: T[], sum: (acc: T, v: T) => T): T[] {
    return this.fold && values.length > 0 ? [values.reduce(sum)] : values;
  }

  /**
   * Loads b and w^2 for blocks `first`, `first + 1`, ... (in the constructor's block order); a pool
   * sends a worker's share in a few such requests. `rescaled` readies the buffers of the rescaled
   * problem (its methods are the res* ones; the Gram and Hessian-vector methods serve both).
   */
  setProblem(f: number, perBlock: readonly ProblemData[], rescaled = false, first = 0): void {
    this.f = f;
    this.speculative = false;
    perBlock.forEach((p, i) => {
      const r = this.blocks[first + i]!;
      this.arena.f64(r.b, r.nrows).set(p.b);
      this.arena.f64(r.w2, r.nrows).set(p.w2);
      if (rescaled && r.u === 0) {
        r.u = this.arena.allocF64(r.nrows);
        r.up = this.arena.allocF64(r.nrows);
        r.e = this.arena.allocF64(r.nrows);
        r.upb = this.arena.allocF64(r.nrows);
      }
    });
  }

  /** z = A x (or dz = A x) in every block: the one pass that starts an evaluation or a line. */
  private multiply(x: Float64Array, into: "z" | "dz"): void {
    const { k } = this.arena;
    this.arena.f64(this.x, this.ncols).set(x);
    for (const r of this.blocks) k.dcsrmv(r.nrows, r.Ap, r.Aj, r.Ax, this.x, r[into]);
  }

  /** Adds CG's last step to the dz it built (see hessVec): dz = A dx without a pass over A. */
  private completeCgDz(carry: number): void {
    for (const r of this.blocks) this.arena.k.daxpy(r.nrows, carry, r.Av, r.dz);
  }

  /** z = A x, then loss, gradient and Hessian weights at x (one pass). */
  evaluate(x: Float64Array): EvalPartial[] {
    this.speculative = false;
    return this.weigh(x);
  }

  /** Takes the step x + t dx of the last direction: z += t dz (no pass over A), then evaluates. */
  step(t: number): EvalPartial[] {
    for (const r of this.blocks) this.arena.k.daxpy(r.nrows, t, r.dz, r.z);
    this.speculative = false;
    return this.weigh();
  }

  /**
   * dz = A dx, then the full step taken ahead of the line search's verdict: z + dz evaluated as
   * `step(1)` would: the weights kernel reads z_i + dz_i, the bits z += 1 dz stores (so the same
   * bits), and z itself stays the line's start. When the line search accepts t = 1 the caller has
   * the next evaluation without another request, and the next call moves z (settle); otherwise
   * lossAt and step work from z. No copy of z is kept: 8 bytes a row less.
   */
  tryDirection(dx: Float64Array): EvalPartial[] {
    this.settle();
    this.speculative = true;
    return this.weigh(dx);
  }

  /** Moves z to the full step weighed by the last tryDirection, which the line search accepted. */
  private settle(): void {
    if (!this.speculative) return;
    for (const r of this.blocks) this.arena.k.daxpy(r.nrows, 1, r.dz, r.z);
    this.speculative = false;
  }

  /**
   * Loss, gradient and Hessian weights at z (z + dz while speculative). With `x`, z = A x (dz = A x
   * while speculative) first, in the same pass (dcsrhypgrad: the bits of the product, the weights and
   * A^T r made one after another).
   */
  private weigh(x?: Float64Array): EvalPartial[] {
    const { k } = this.arena;
    if (x !== undefined) this.arena.f64(this.x, this.ncols).set(x);
    const stats: Omit<EvalPartial, "grad">[] = [];
    const grads = this.partials(
      this.ncols,
      (r, g) => {
        const res = this.residual.at(this.longest);
        const dz = this.speculative ? r.dz : 0;
        const info =
          x === undefined
            ? k.dhypweights(this.f, r.nrows, r.z, dz, r.b, r.w2, res, r.B, this.out, 0)
            : k.dcsrhypgrad(this.f, r.nrows, r.Ap, r.Aj, r.Ax, this.x, r.z, dz, r.b, r.w2, res, r.B, g, this.out);
        const [loss, minB, negatives] = this.arena.f64(this.out, 3);
        stats.push({ loss: loss!, overflowRow: info > 0 ? r.block.rowStart + info - 1 : -1, minB: minB!, negatives: negatives! });
        r.hasNegatives = negatives! > 0;
        if (r.hasNegatives) this.splitWeights(r, res);
        else r.Bmod = r.Bpos = r.Bneg = r.Gneg = r.B;
        // splitWeights rewrites res with the same values, so dcsrhypgrad's A^T r stands.
        if (x === undefined) k.dcsrmtv(r.nrows, r.Ap, r.Aj, r.Ax, res, g);
      },
    );
    const merged = this.scalars(stats, (a, v) => ({
      loss: a.loss + v.loss,
      overflowRow: a.overflowRow >= 0 ? a.overflowRow : v.overflowRow,
      minB: Math.min(a.minB, v.minB),
      negatives: a.negatives + v.negatives,
    }));
    return merged.map((m, i) => ({ ...m, grad: grads[i]! }));
  }

  /** A block's buffers for the split weights, made the first time some weight is not positive. */
  private splitOf(r: Resident): NonNullable<Resident["split"]> {
    const a = this.arena;
    r.split ??= { Bmod: a.allocF64(r.nrows), Bpos: a.allocF64(r.nrows), Bneg: a.allocF64(r.nrows), Gneg: a.allocF64(r.nrows) };
    return r.split;
  }

  private splitWeights(r: Resident, res: number): void {
    const a = this.arena;
    ({ Bmod: r.Bmod, Bpos: r.Bpos, Bneg: r.Bneg, Gneg: r.Gneg } = this.splitOf(r));
    a.k.dhypweights(this.f, r.nrows, r.z, this.speculative ? r.dz : 0, r.b, r.w2, res, r.Bmod, this.out, 1);
    const B = a.f64(r.B, r.nrows);
    const Bmod = a.f64(r.Bmod, r.nrows);
    const Bpos = a.f64(r.Bpos, r.nrows);
    const Bneg = a.f64(r.Bneg, r.nrows);
    const Gneg = a.f64(r.Gneg, r.nrows);
    for (let i = 0; i < r.nrows; i++) {
      const neg = B[i]! <= 0;
      Bpos[i] = neg ? 0 : B[i]!;
      Bneg[i] = neg ? B[i]! : 0;
      Gneg[i] = neg ? Bmod[i]! : 0;
    }
  }

  /** Lower triangle of A^T diag(B) A per block (B, or the PSD-modified weights). */
  exactGram(modified: boolean): Float64Array[] {
    const d = this.ncols;
    return this.partials(d * d, (r, G) => this.arena.k.dcsrsyrk(r.nrows, r.Ap, r.Aj, r.Ax, modified ? r.Bmod : r.B, d, G));
  }

  /**
   * Lower triangle of A^T diag(.) A over the rows with B_i <= 0 only: with their true weights, or with
   * Gauss-Newton weights when `psd`. All zero when there are no such rows.
   */
  negativeGram(psd: boolean): Float64Array[] {
    const d = this.ncols;
    return this.partials(d * d, (r, G) => {
      if (r.hasNegatives) this.arena.k.dcsrsyrk(r.nrows, r.Ap, r.Aj, r.Ax, psd ? r.Gneg : r.Bneg, d, G);
    });
  }

  /** CountSketch (m rows) of diag(sqrt(max(B, 0))) A, per block. */
  sketch(m: number, key: Key): Float64Array[] {
    const d = this.ncols;
    return this.partials(m * d, (r, S) => this.arena.k.dcsr_countsketch(r.nrows, r.Ap, r.Aj, r.Ax, r.Bpos, key[0], key[1], r.block.rowStart, m, d, S));
  }

  /**
   * Leverage-score sampling of diag(sqrt(max(B, 0))) A with Q = R^{-1} Pi (d x kq), keeping row i with
   * probability min(1, scale * lev_i); returns each block's sampled Gram (lower triangle).
   */
  sampleGram(Q: Float64Array, kq: number, scale: number, key: Key): SamplePartial[] {
    const a = this.arena;
    const d = this.ncols;
    const qPtr = this.q.at(Q.length + kq);
    a.f64(qPtr, Q.length).set(Q);
    const tmp = qPtr + Q.length * 8;
    const kept: { kept: number }[] = [];
    const grams = this.partials(d * d, (r, G) => {
      const [lev, Dt] = this.rowScratch(2) as [number, number];
      a.k.dcsrlev(r.nrows, r.Ap, r.Aj, r.Ax, r.Bpos, qPtr, kq, tmp, lev);
      const n = a.k.dlevsample(r.nrows, lev, r.Bpos, scale, key[0], key[1], r.block.rowStart, Dt);
      if (n > 0) a.k.dcsrsyrk(r.nrows, r.Ap, r.Aj, r.Ax, Dt, d, G);
      kept.push({ kept: n });
    });
    return this.scalars(kept, (s, v) => ({ kept: s.kept + v.kept })).map((c, i) => ({ gram: grams[i]!, kept: c.kept }));
  }

  /**
   * A^T diag(B) A v per block. With `carry` (inside conjugate gradients) it also builds dz = A dx for
   * dx = sum_k alpha_k p_k without a pass of its own: `carry` null starts dz = 0, a number adds
   * carry * (A v of the previous call) to dz; either way this call keeps A v for the next one.
   */
  hessVec(v: Float64Array, modified: boolean, carry?: number | null): Float64Array[] {
    if (carry !== undefined) this.settle();
    const a = this.arena;
    a.f64(this.x, this.ncols).set(v);
    return this.partials(this.ncols, (r, y) => {
      let keep = 0;
      if (carry !== undefined) {
        if (r.Av === 0) r.Av = a.allocF64(r.nrows);
        if (carry === null) a.f64(r.dz, r.nrows).fill(0);
        else a.k.daxpy(r.nrows, carry, r.Av, r.dz);
        keep = r.Av;
      }
      a.k.dcsrsymv(r.nrows, r.Ap, r.Aj, r.Ax, modified ? r.Bmod : r.B, this.x, y, keep);
    });
  }

  /** dz = A dx and the loss at z + dz: one pass over A (the pool's benchmark times it). */
  direction(dx: Float64Array): LinePartial[] {
    this.settle();
    this.multiply(dx, "dz");
    return this.lossAt(1);
  }

  /** Loss at z + t dz, O(n) per trial. */
  lossAt(t: number): LinePartial[] {
    const { k } = this.arena;
    const values = this.blocks.map((r) => {
      const info = k.dhyploss(this.f, r.nrows, r.z, r.dz, t, r.b, r.w2, this.out);
      return { loss: this.arena.f64(this.out, 1)[0]!, overflowRow: info > 0 ? r.block.rowStart + info - 1 : -1 };
    });
    return this.scalars(values, (a, v) => ({ loss: a.loss + v.loss, overflowRow: a.overflowRow >= 0 ? a.overflowRow : v.overflowRow }));
  }

  // -------------------------------------------------------------------------------------------------
  // Rescaled regression (math.md section 2). An evaluation takes two passes: resEvaluate / resStep
  // give each block's sums of u and u b; with alpha and <c,b> from all blocks, resWeigh gives the
  // gradient, the rank-2 vectors and the Hessian weights.

  /** z = A x, u = f(z), u' = f'(z), and the block sums of u and u b. */
  resEvaluate(x: Float64Array): ResSumsPartial[] {
    this.multiply(x, "z");
    return this.resSums();
  }

  /** The step x + t dx of the last direction (z += t dz), then as resEvaluate. */
  resStep(t: number): ResSumsPartial[] {
    for (const r of this.blocks) this.arena.k.daxpy(r.nrows, t, r.dz, r.z);
    return this.resSums();
  }

  private resSums(): ResSumsPartial[] {
    const values = this.blocks.map((r) => {
      const info = this.arena.k.dressum(this.f, r.nrows, r.z, r.b, r.u, r.up, this.out);
      const [u, ub] = this.arena.f64(this.out, 2);
      return { u: u!, ub: ub!, overflowRow: info > 0 ? r.block.rowStart + info - 1 : -1 };
    });
    return this.scalars(values, (a, v) => ({ u: a.u + v.u, ub: a.ub + v.ub, overflowRow: a.overflowRow >= 0 ? a.overflowRow : v.overflowRow }));
  }

  /** With alpha = <u,1> and cb = <c,b>: loss, gradient A^T r, p1 = A^T u', p2 = A^T (u' b), weights. */
  resWeigh(alpha: number, cb: number): ResEvalPartial[] {
    const { k } = this.arena;
    const d = this.ncols;
    const stats: Omit<ResEvalPartial, "grad" | "p1" | "p2">[] = [];
    const parts = this.partials(3 * d, (r, g) => {
      const res = this.residual.at(this.longest);
      const info = k.dresweights(r.nrows, r.u, r.up, r.z, r.b, r.w2, alpha, cb, res, r.e, r.B, r.upb, this.out);
      const [loss, minE, negatives, minRow, reg] = this.arena.f64(this.out, 5);
      stats.push({ loss: loss!, reg: reg!, overflowRow: info > 0 ? r.block.rowStart + info - 1 : -1, minB: minE!, minRow: r.block.rowStart + minRow!, negatives: negatives! });
      r.hasNegatives = negatives! > 0;
      // Sampling reads e itself: the sketch kernels skip rows whose weight is not positive.
      if (r.hasNegatives) this.splitRescaled(r);
      else r.Bmod = r.Bneg = r.Gneg = r.B;
      r.Bpos = r.e;
      // One pass over the block for the three transposed products.
      k.dcsrmtv3(r.nrows, r.Ap, r.Aj, r.Ax, res, r.up, r.upb, g, g + 8 * d, g + 16 * d);
    });
    const merged = this.scalars(stats, (a, v) => ({
      loss: a.loss + v.loss,
      reg: a.reg + v.reg,
      overflowRow: a.overflowRow >= 0 ? a.overflowRow : v.overflowRow,
      minB: Math.min(a.minB, v.minB),
      minRow: v.minB < a.minB ? v.minRow : a.minRow,
      negatives: a.negatives + v.negatives,
    }));
    return merged.map((m, i) => {
      const g = parts[i]!;
      return { ...m, grad: g.slice(0, d), p1: g.slice(d, 2 * d), p2: g.slice(2 * d) };
    });
  }

  /**
   * Rows with e <= 0: the PSD model gives them Gauss-Newton weights, which for the rescaled loss
   * keep J^T J and replace e by w^2 (D = u'^2 + w^2); Bneg / Gneg hold e / w^2 on those rows only.
   */
  private splitRescaled(r: Resident): void {
    const a = this.arena;
    ({ Bmod: r.Bmod, Bneg: r.Bneg, Gneg: r.Gneg } = this.splitOf(r));
    const e = a.f64(r.e, r.nrows);
    const D = a.f64(r.B, r.nrows);
    const up = a.f64(r.up, r.nrows);
    const w2 = a.f64(r.w2, r.nrows);
    const Bmod = a.f64(r.Bmod, r.nrows);
    const Bneg = a.f64(r.Bneg, r.nrows);
    const Gneg = a.f64(r.Gneg, r.nrows);
    for (let i = 0; i < r.nrows; i++) {
      const neg = e[i]! <= 0;
      Bmod[i] = neg ? up[i]! * up[i]! + w2[i]! : D[i]!;
      Bneg[i] = neg ? e[i]! : 0;
      Gneg[i] = neg ? w2[i]! : 0;
    }
  }

  /** The rescaled loss terms at z + t dz, centred on alpha0 (the alpha at t = 0), O(n) per trial. */
  resLossAt(t: number, alpha0: number): ResLinePartial[] {
    const { k } = this.arena;
    const values = this.blocks.map((r) => {
      const info = k.dresloss(this.f, r.nrows, r.z, r.dz, t, r.b, r.w2, alpha0, this.out);
      const [vv, vb, u, reg] = this.arena.f64(this.out, 4);
      return { vv: vv!, vb: vb!, u: u!, reg: reg!, overflowRow: info > 0 ? r.block.rowStart + info - 1 : -1 };
    });
    return this.scalars(values, (a, v) => ({ vv: a.vv + v.vv, vb: a.vb + v.vb, u: a.u + v.u, reg: a.reg + v.reg, overflowRow: a.overflowRow >= 0 ? a.overflowRow : v.overflowRow }));
  }

  /** dz = A dx (kept for the line search) and the rescaled loss terms at z + dz. */
  resDirection(dx: Float64Array, alpha0: number): ResLinePartial[] {
    this.multiply(dx, "dz");
    return this.resLossAt(1, alpha0);
  }

  /** As cgDirection, with the rescaled loss terms. */
  resCgDirection(carry: number, alpha0: number): ResLinePartial[] {
    this.completeCgDz(carry);
    return this.resLossAt(1, alpha0);
  }

  /**
   * CountSketch (m rows) of the stacked factor [diag(sqrt(max(e,0))) A ; J], J = diag(u') A - b p1^T:
   * the upper half hashed with keyE, the rows of J with keyJ, both into the same m buckets.
   */
  resSketch(m: number, keyE: Key, keyJ: Key, p1: Float64Array): Float64Array[] {
    const a = this.arena;
    const d = this.ncols;
    a.f64(this.x, d).set(p1);
    const sb = this.sb.at(m);
    return this.partials(m * d, (r, S) => {
      a.k.dcsr_countsketch(r.nrows, r.Ap, r.Aj, r.Ax, r.e, keyE[0], keyE[1], r.block.rowStart, m, d, S);
      a.k.dcsrjsketch(r.nrows, r.Ap, r.Aj, r.Ax, r.up, r.b, this.x, keyJ[0], keyJ[1], r.block.rowStart, m, d, sb, S);
    });
  }

  /**
   * Leverage-score sampling of the stacked factor with Q = R^{-1} Pi (d x kq) and pq = Q^T p1: the
   * upper half's rows kept with keyE, J's rows with keyJ, each with probability min(1, scale * lev).
   */
  resSampleGram(Q: Float64Array, kq: number, pq: Float64Array, scale: number, keyE: Key, keyJ: Key): ResSamplePartial[] {
    const a = this.arena;
    const d = this.ncols;
    const qPtr = this.q.at(Q.length + 2 * kq);
    a.f64(qPtr, Q.length).set(Q);
    const pqPtr = qPtr + Q.length * 8;
    a.f64(pqPtr, kq).set(pq);
    const tmp = pqPtr + kq * 8;
    const stats: { kept: number; beta: number }[] = [];
    const parts = this.partials(d * d + d, (r, G) => {
      const [lev, Dt, levJ, vJ] = this.rowScratch(4) as [number, number, number, number];
      a.k.dcsrjlev(r.nrows, r.Ap, r.Aj, r.Ax, r.e, r.up, r.b, qPtr, kq, pqPtr, tmp, lev, levJ);
      const keptE = a.k.dlevsample(r.nrows, lev, r.e, scale, keyE[0], keyE[1], r.block.rowStart, Dt);
      const keptJ = a.k.djsample(r.nrows, levJ, r.up, r.b, scale, keyJ[0], keyJ[1], r.block.rowStart, Dt, vJ, this.out);
      stats.push({ kept: keptE + keptJ, beta: a.f64(this.out, 1)[0]! });
      if (keptE + keptJ > 0) a.k.dcsrsyrk(r.nrows, r.Ap, r.Aj, r.Ax, Dt, d, G);
      if (keptJ > 0) a.k.dcsrmtv(r.nrows, r.Ap, r.Aj, r.Ax, vJ, G + 8 * d * d);
    });
    return this.scalars(stats, (s, v) => ({ kept: s.kept + v.kept, beta: s.beta + v.beta })).map((c, i) => ({
      gram: parts[i]!.slice(0, d * d),
      y: parts[i]!.slice(d * d),
      beta: c.beta,
      kept: c.kept,
    }));
  }
}
