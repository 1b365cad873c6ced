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
  /** A^T r, then, when the pass was asked for it, the block's diag(A^T diag(B) A) (d more). */
  grad: Float64Array;
}

export interface SamplePartial {
  gram: Float64Array;
  kept: number;
}

/**
 * Rescaled, the pass at x (assembly/kernels/dresrows.ts, centred on alpha0 and cb0): the block's
 * sums of u, v^2, v b and 0.5 w2 z^2 (alpha and <c,b> need every block), and `sums`: A^T r, then
 * p1 = A^T u' and p2 = A^T (u' b), the block's share of the gradient and of the Hessian's rank-2 part (3d).
 */
export interface ResGradPartial {
  u: number;
  vv: number;
  vb: number;
  reg: number;
  overflowRow: number;
  sums: Float64Array;
}

/** Rescaled, once alpha and <c,b> are known: sum 0.5 c^2, and `minB`, `negatives` about e (the certificate's weights). */
export interface ResWeighPartial {
  cc: number;
  minB: number;
  /** Global row where e is smallest (the first such row of the block). */
  minRow: number;
  negatives: number;
  overflowRow: number;
}

/**
 * Rescaled sampled Gram of the stacked factor: A^T diag(Dt) A (lower triangle, d x d) followed by
 * the J rows' y = A^T (omega u' b) (d), and beta = sum omega b^2, from which the caller adds the
 * rank-2 remainder.
 */
export interface ResSamplePartial {
  gramY: Float64Array;
  beta: number;
  kept: number;
}

/** A 64-bit key as two unsigned 32-bit halves (Wasm i64 would need BigInt at the boundary). */
export type Key = readonly [number, number];

/** A JL map Q: a Float32Array asks the kernels for single-precision row products. */
export type JlMap = Float64Array | Float32Array;

interface Resident {
  block: RowBlock;
  nrows: number;
  Ap: number;
  Aj: number;
  Ax: number;
  b: number;
  w2: number;
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
  /**
   * Rescaled only (0 until then): u = f(z), u' = f'(z) and the certificate weights e. B holds
   * u'^2 + e there, so the exact Gram and the Hessian-vector products serve both problems.
   */
  u: number;
  up: number;
  e: number;
  /**
   * The JL row products of the last leverage pass (0 until one): tt_i = ||a_i^T Q||^2 (dcsrlev,
   * dcsrjlev), which resampleGram and resResampleGram score at later weights; rescaled also
   * tp_i = <a_i^T Q, Q^T p1> (dcsrjlev), which resResampleGram takes again at a later p1.
   */
  tt: number;
  tp: number;
}

/**
 * Full passes over a block's nonzeros that each method makes (kernels that read every row of A);
 * sampled rows, O(n) vector work and O(d^2) work are not passes. negativeGram counts its pass even
 * where a block has no negative weight and skips it: the figure is an upper bound there. Keep it in
 * step with the methods below: it is what a solve reports as `passes` (benchmarks turn it into bytes).
 */
export const PASSES: Record<BlockMethod, number> = {
  evaluate: 1, // dcsrhypgrad: A x, the weights and A^T r in one pass
  exactGram: 1,
  negativeGram: 1,
  sketch: 1,
  sampleGram: 1, // dcsrlev; the sampled rows' Gram is not a pass
  resampleGram: 0, // the last dcsrlev's row products, scored again in O(n)
  hessVec: 1, // dcsrsymv reads each row once for A v and A^T (D A v)
  hessDiag: 1, // dcsrdiag
  resGrad: 1, // dcsrresgrad: A x, the row terms and three transposed products in one pass
  resWeigh: 0,
  resSketch: 1, // dcsrjsketch: both halves of the stacked factor
  resSampleGram: 1, // dcsrjlev; dcsrmtv reads only the sampled J rows (it skips rows whose weight is 0)
  resResampleGram: 1, // dcsrmv for <t_i, pq> at this step's p1; ||t_i||^2 is the last dcsrjlev's
};

type Scalars<T> = Omit<T, "grad" | "gram" | "sums" | "gramY">;

function mergeSample(a: Scalars<SamplePartial>, v: Scalars<SamplePartial>): Scalars<SamplePartial> {
  return { kept: a.kept + v.kept };
}

function mergeResSample(a: Scalars<ResSamplePartial>, v: Scalars<ResSamplePartial>): Scalars<ResSamplePartial> {
  return { kept: a.kept + v.kept, beta: a.beta + v.beta };
}

/**
 * How the scalars of two blocks' partials combine, `a` the earlier block (a partial's vector is
 * always summed). Folding, reducing in the engine and a shared solve's chain (shared.ts) all take
 * these, so all three give the same bits.
 */
export const MERGE = {
  evaluate: (a: Scalars<EvalPartial>, v: Scalars<EvalPartial>): Scalars<EvalPartial> => ({
    loss: a.loss + v.loss,
    overflowRow: a.overflowRow >= 0 ? a.overflowRow : v.overflowRow,
    minB: Math.min(a.minB, v.minB),
    negatives: a.negatives + v.negatives,
  }),
  sampleGram: mergeSample,
  resampleGram: mergeSample,
  resGrad: (a: Scalars<ResGradPartial>, v: Scalars<ResGradPartial>): Scalars<ResGradPartial> => ({
    u: a.u + v.u,
    vv: a.vv + v.vv,
    vb: a.vb + v.vb,
    reg: a.reg + v.reg,
    overflowRow: a.overflowRow >= 0 ? a.overflowRow : v.overflowRow,
  }),
  resWeigh: (a: ResWeighPartial, v: ResWeighPartial): ResWeighPartial => ({
    cc: a.cc + v.cc,
    minB: Math.min(a.minB, v.minB),
    minRow: v.minB < a.minB ? v.minRow : a.minRow,
    negatives: a.negatives + v.negatives,
    overflowRow: a.overflowRow >= 0 ? a.overflowRow : v.overflowRow,
  }),
  resSampleGram: mergeResSample,
  resResampleGram: mergeResSample,
};

/**
 * Where each method's partial keeps its vector: "" when the partial is the vector itself, null
 * when it has none.
 */
export const VECTOR: Record<BlockMethod, string | null> = {
  evaluate: "grad",
  exactGram: "",
  negativeGram: "",
  sketch: "",
  sampleGram: "gram",
  resampleGram: "gram",
  hessVec: "",
  hessDiag: "",
  resGrad: "sums",
  resWeigh: null,
  resSketch: "",
  resSampleGram: "gramY",
  resResampleGram: "gramY",
};

/** What a block takes in a kernel instance's memory: A (12 bytes a nonzero, 4 a row pointer), b, w^2 and B, alignment. */
export function residentBytes(nnz: number, nrows: number): number {
  return 12 * nnz + 28 * (nrows + 1) + 96;
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
  // Scratch shared by all blocks.
  private readonly x: number;
  private readonly out: number;
  private partial = { ptr: 0, total: 0, len: 0 };
  /**
   * Buffers of earlier partials that the caller handed back (`recycle`), by length: a worker copies
   * partials into them rather than into new ones, so that a pass leaves no garbage of d x d buffers
   * behind in either thread (its Gram partials are 8 d^2 bytes a block).
   */
  private readonly spare = new Map<number, Float64Array[]>();
  /** The JL map Q and the sampling kernels' small vectors after it. */
  private readonly q: Scratch;
  /** dcsrjsketch's m bucket sums. */
  private readonly sb: Scratch;
  /**
   * Row vectors that live within one block's turn of a method: z = A x and the gradient's weights
   * (the rescaled u' b too), the sampling kernels' leverage scores and sample weights (the J half's too). Buffers for the
   * longest block serve every block (up to 32 bytes a row less than keeping them per block).
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
    this.sb = new Scratch(arena);
    this.rows = new Scratch(arena);
  }

  /** The row blocks held here, in block order. */
  get rowBlocks(): RowBlock[] {
    return this.blocks.map((r) => r.block);
  }

  /** `count` row vectors, each long enough for any block, in the shared row scratch. */
  private rowScratch(count: number): number[] {
    const longest = this.longest;
    const stride = 8 * (longest + (longest & 1)); // 16-byte aligned for the SIMD kernels
    const base = this.rows.at((count * stride) / 8);
    return Array.from({ length: count }, (_, i) => base + i * stride);
  }

  /**
   * Lays out a leverage pass's inputs in the JL scratch: Q in its own precision (`single` when f32),
   * then pq when given (else `pq` is 0), then the kernels' scratch `tmp`.
   */
  private putJl(Q: JlMap, kq: number, pq: Float64Array | null): { qPtr: number; single: boolean; pqPtr: number; tmp: number } {
    const a = this.arena;
    const pqLen = pq === null ? 0 : kq;
    const qPtr = this.q.at(Q.length + pqLen + Math.max(kq, 16));
    const single = Q instanceof Float32Array;
    if (single) a.f32(qPtr, Q.length).set(Q);
    else a.f64(qPtr, Q.length).set(Q);
    const pqPtr = pq === null ? 0 : qPtr + Q.length * 8;
    if (pq !== null) a.f64(pqPtr, kq).set(pq);
    return { qPtr, single, pqPtr, tmp: qPtr + (Q.length + pqLen) * 8 };
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
        B,
        Bmod: B,
        Bpos: B,
        Bneg: B,
        Gneg: B,
        split: null,
        hasNegatives: false,
        u: 0,
        up: 0,
        e: 0,
        tt: 0,
        tp: 0,
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
      if (!this.fold) {
        const out = this.spare.get(len)?.pop() ?? new Float64Array(len);
        out.set(a.f64(ptr, len));
        parts.push(out);
      }
      else if (i === 0) a.f64(total, len).set(a.f64(ptr, len));
      else a.k.daxpy(len, 1, ptr, total);
    });
    return this.fold ? [a.f64(total, len).slice()] : parts;
  }

  /** Takes back the buffers of partials this set returned earlier, to copy later partials into. */
  recycle(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) {
      const v = new Float64Array(buffer);
      const list = this.spare.get(v.length) ?? [];
      // One call takes at most one buffer of a length per block.
      if (list.length < this.blocks.length) list.push(v);
      this.spare.set(v.length, list);
    }
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
    perBlock.forEach((p, i) => {
      const r = this.blocks[first + i]!;
      this.arena.f64(r.b, r.nrows).set(p.b);
      this.arena.f64(r.w2, r.nrows).set(p.w2);
      if (rescaled && r.u === 0) {
        r.u = this.arena.allocF64(r.nrows);
        r.up = this.arena.allocF64(r.nrows);
        r.e = this.arena.allocF64(r.nrows);
        r.tp = this.arena.allocF64(r.nrows);
      }
    });
  }

  /**
   * z = A x, then loss, gradient and Hessian weights at x, in one pass (dcsrhypgrad: the bits of the
   * product, the weights and A^T r made one after another); z lives in row scratch for the block's
   * turn only. Each line-search trial is one of these at x + t dx: a pass, where keeping z and
   * dz = A dx would make trials O(n) but cost 16 bytes a row, and Newton's lines seldom backtrack.
   * An accepted trial is the next iterate's evaluation as it stands.
   */
  evaluate(x: Float64Array, diag = false): EvalPartial[] {
    const { k } = this.arena;
    const d = this.ncols;
    this.arena.f64(this.x, d).set(x);
    const stats: Omit<EvalPartial, "grad">[] = [];
    const grads = this.partials(diag ? 2 * d : d, (r, g) => {
      const [z, res] = this.rowScratch(2) as [number, number];
      const info = k.dcsrhypgrad(this.f, r.nrows, r.Ap, r.Aj, r.Ax, this.x, z, r.b, r.w2, res, r.B, g, this.out, diag ? g + 8 * d : 0);
      const [loss, minB, negatives] = this.arena.f64(this.out, 3);
      stats.push({ loss: loss!, overflowRow: info > 0 ? r.block.rowStart + info - 1 : -1, minB: minB!, negatives: negatives! });
      r.hasNegatives = negatives! > 0;
      // splitWeights rewrites res with the same values: the A^T r above stands.
      if (r.hasNegatives) this.splitWeights(r, z, res);
      else r.Bmod = r.Bpos = r.Bneg = r.Gneg = r.B;
    });
    const merged = this.scalars(stats, MERGE.evaluate);
    return merged.map((m, i) => ({ ...m, grad: grads[i]! }));
  }

  /** A block's buffers for the split weights, made the first time some weight is not positive. */
  private splitOf(r: Resident): NonNullable<Resident["split"]> {
    const a = this.arena;
    r.split ??= { Bmod: a.allocF64(r.nrows), Bpos: a.allocF64(r.nrows), Bneg: a.allocF64(r.nrows), Gneg: a.allocF64(r.nrows) };
    return r.split;
  }

  private splitWeights(r: Resident, z: number, res: number): void {
    const a = this.arena;
    ({ Bmod: r.Bmod, Bpos: r.Bpos, Bneg: r.Bneg, Gneg: r.Gneg } = this.splitOf(r));
    a.k.dhypweights(this.f, r.nrows, z, r.b, r.w2, res, r.Bmod, this.out, 1);
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
   * probability min(1, scale * lev_i); returns each block's sampled Gram (lower triangle). The pass's
   * row products stay with the blocks for resampleGram.
   */
  sampleGram(Q: JlMap, kq: number, scale: number, key: Key): SamplePartial[] {
    const { qPtr, single, tmp } = this.putJl(Q, kq, null);
    return this.draw(scale, key, (r) => this.arena.k.dcsrlev(r.nrows, r.Ap, r.Aj, r.Ax, qPtr, kq, single, tmp, this.products(r)));
  }

  /** sampleGram with the Q of the last one, at the current weights: its row products scored again, no pass. */
  resampleGram(scale: number, key: Key): SamplePartial[] {
    return this.draw(scale, key, () => {});
  }

  /** Samples each block by its row products (after `products` has written them) and forms its sampled Gram. */
  private draw(scale: number, key: Key, products: (r: Resident) => void): SamplePartial[] {
    const a = this.arena;
    const d = this.ncols;
    const kept: { kept: number }[] = [];
    const grams = this.partials(d * d, (r, G) => {
      const [Dt] = this.rowScratch(1) as [number];
      products(r);
      const n = a.k.dlevsample(r.nrows, r.tt, r.Bpos, scale, key[0], key[1], r.block.rowStart, Dt);
      if (n > 0) a.k.dcsrsyrk(r.nrows, r.Ap, r.Aj, r.Ax, Dt, d, G);
      kept.push({ kept: n });
    });
    return this.scalars(kept, MERGE.sampleGram).map((c, i) => ({ gram: grams[i]!, kept: c.kept }));
  }

  /** A block's row-product vector tt, allocated at its first leverage pass. */
  private products(r: Resident): number {
    if (r.tt === 0) r.tt = this.arena.allocF64(r.nrows);
    return r.tt;
  }

  /** diag(A^T diag(B) A) per block. */
  hessDiag(modified: boolean): Float64Array[] {
    const a = this.arena;
    return this.partials(this.ncols, (r, y) => a.k.dcsrdiag(r.nrows, r.Ap, r.Aj, r.Ax, modified ? r.Bmod : r.B, y));
  }

  /** A^T diag(B) A v per block. */
  hessVec(v: Float64Array, modified: boolean): Float64Array[] {
    const a = this.arena;
    a.f64(this.x, this.ncols).set(v);
    return this.partials(this.ncols, (r, y) => a.k.dcsrsymv(r.nrows, r.Ap, r.Aj, r.Ax, modified ? r.Bmod : r.B, this.x, y));
  }

  // -------------------------------------------------------------------------------------------------
  // Rescaled regression (math.md section 2). alpha = <u,1> and <c,b> are sums over every block, so
  // a pass at x (resGrad) takes its row terms centred on those of a nearby point and reports the
  // block sums that correct them; with alpha and <c,b> known, resWeigh forms the Hessian weights in
  // O(n). Each line-search trial is such a pass at x + t dx, as for the regularized loss; the last
  // one, accepted, is weighed.

  /**
   * z = A x (row scratch), u = f(z), u' = f'(z), and per block the centred sums and the products A^T r,
   * A^T u', A^T (u' b) of dcsrresgrad, for the centre (alpha0, cb0).
   */
  resGrad(x: Float64Array, alpha0: number, cb0: number): ResGradPartial[] {
    const { k } = this.arena;
    const d = this.ncols;
    this.arena.f64(this.x, d).set(x);
    const stats: Omit<ResGradPartial, "sums">[] = [];
    const parts = this.partials(3 * d, (r, g) => {
      const [z, res, upb] = this.rowScratch(3) as [number, number, number];
      const info = k.dcsrresgrad(this.f, r.nrows, r.Ap, r.Aj, r.Ax, this.x, z, r.b, r.w2, alpha0, cb0, r.u, r.up, res, upb, g, g + 8 * d, g + 16 * d, this.out);
      const [u, vv, vb, reg] = this.arena.f64(this.out, 4);
      stats.push({ u: u!, vv: vv!, vb: vb!, reg: reg!, overflowRow: info > 0 ? r.block.rowStart + info - 1 : -1 });
    });
    const merged = this.scalars(stats, MERGE.resGrad);
    return merged.map((m, i) => ({ ...m, sums: parts[i]! }));
  }

  /** The Hessian weights e and D = u'^2 + e at the point of the last resGrad, given its alpha and cb = <c,b>. */
  resWeigh(alpha: number, cb: number): ResWeighPartial[] {
    const { k } = this.arena;
    const values = this.blocks.map((r) => {
      const info = k.dresweights(r.nrows, r.u, r.up, r.b, r.w2, alpha, cb, r.e, r.B, this.out);
      const [cc, minE, negatives, minRow] = this.arena.f64(this.out, 4);
      r.hasNegatives = negatives! > 0;
      // Sampling reads e itself: the sketch kernels skip rows whose weight is not positive.
      if (r.hasNegatives) this.splitRescaled(r);
      else r.Bmod = r.Bneg = r.Gneg = r.B;
      r.Bpos = r.e;
      return { cc: cc!, minB: minE!, minRow: r.block.rowStart + minRow!, negatives: negatives!, overflowRow: info > 0 ? r.block.rowStart + info - 1 : -1 };
    });
    return this.scalars(values, MERGE.resWeigh);
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

  /**
   * CountSketch (m rows) of the stacked factor [diag(sqrt(max(e,0))) A ; J], J = diag(u') A - b p1^T:
   * both halves of a row in one bucket, with independent signs (dcsrjsketch).
   */
  resSketch(m: number, key: Key, p1: Float64Array): Float64Array[] {
    const a = this.arena;
    const d = this.ncols;
    a.f64(this.x, d).set(p1);
    const sb = this.sb.at(m);
    return this.partials(m * d, (r, S) => {
      a.k.dcsrjsketch(r.nrows, r.Ap, r.Aj, r.Ax, r.e, r.up, r.b, this.x, key[0], key[1], r.block.rowStart, m, d, sb, S);
    });
  }

  /**
   * Leverage-score sampling of the stacked factor with Q = R^{-1} Pi (d x kq) and pq = Q^T p1: the
   * upper half's rows kept with keyE, J's rows with keyJ, each with probability min(1, scale * lev).
   * The pass's row products stay with the blocks for resResampleGram.
   */
  resSampleGram(Q: JlMap, kq: number, pq: Float64Array, scale: number, keyE: Key, keyJ: Key): ResSamplePartial[] {
    const { qPtr, single, pqPtr, tmp } = this.putJl(Q, kq, pq);
    let pp = 0;
    for (let c = 0; c < kq; c++) pp += pq[c]! * pq[c]!;
    return this.resDraw(pp, scale, keyE, keyJ, (r) => this.arena.k.dcsrjlev(r.nrows, r.Ap, r.Aj, r.Ax, qPtr, kq, pqPtr, single, tmp, this.products(r), r.tp));
  }

  /**
   * resSampleGram with the Q of the last one, at this step's weights and p1: ||a_i^T Q||^2 stays
   * from that pass, and <a_i^T Q, pq> = a_i^T (Q pq) comes from one product with v = Q pq (pq = Q^T p1,
   * pp = ||pq||^2), a matvec instead of k of them.
   */
  resResampleGram(v: Float64Array, pp: number, scale: number, keyE: Key, keyJ: Key): ResSamplePartial[] {
    const a = this.arena;
    a.f64(this.x, this.ncols).set(v);
    return this.resDraw(pp, scale, keyE, keyJ, (r) => a.k.dcsrmv(r.nrows, r.Ap, r.Aj, r.Ax, this.x, r.tp));
  }

  /** Scores each block from its row products (after `products` has written them), samples it and forms its sampled Gram. */
  private resDraw(pp: number, scale: number, keyE: Key, keyJ: Key, products: (r: Resident) => void): ResSamplePartial[] {
    const a = this.arena;
    const d = this.ncols;
    const stats: { kept: number; beta: number }[] = [];
    const parts = this.partials(d * d + d, (r, G) => {
      const [Dt, levJ, vJ] = this.rowScratch(3) as [number, number, number];
      products(r);
      a.k.dreslev(r.nrows, r.tt, r.tp, r.up, r.b, pp, levJ);
      const keptE = a.k.dlevsample(r.nrows, r.tt, r.e, scale, keyE[0], keyE[1], r.block.rowStart, Dt);
      const keptJ = a.k.djsample(r.nrows, levJ, r.up, r.b, scale, keyJ[0], keyJ[1], r.block.rowStart, Dt, vJ, this.out);
      stats.push({ kept: keptE + keptJ, beta: a.f64(this.out, 1)[0]! });
      if (keptE + keptJ > 0) a.k.dcsrsyrk(r.nrows, r.Ap, r.Aj, r.Ax, Dt, d, G);
      if (keptJ > 0) a.k.dcsrmtv(r.nrows, r.Ap, r.Aj, r.Ax, vJ, G + 8 * d * d);
    });
    return this.scalars(stats, MERGE.resSampleGram).map((c, i) => ({ gramY: parts[i]!, beta: c.beta, kept: c.kept }));
  }
}
