// SPDX-License-Identifier: MIT
// The d x d side of a Newton step, in the calling thread on its own kernel instance: Cholesky
// factors of the Hessian model, triangular solves, the Gram of a sketch and the JL map for
// leverage scores. Symmetric matrices are row-major with the lower triangle in use.
import type { Arena } from "./kernels.js";

/**
 * The two O(d^3) parts done elsewhere (a pool's worker), so that a page's main thread never holds
 * a frame for a large d. Both run the same kernels as here: the bits do not depend on where.
 */
export interface DenseOffload {
  /** LAPACK's info and the factor of G + shift I (row-major lower triangle). */
  factor(d: number, G: Float64Array, shift: number): Promise<{ info: number; L: Float64Array }>;
  sketchGram(d: number, S: Float64Array, m: number): Promise<Float64Array>;
}

/** Below this d a message round trip costs more than the O(d^3) work it would move. */
const OFFLOAD_MIN_D = 96;

export class DenseWork {
  private readonly slots: number[];
  private readonly rhs: number;
  private sketchPtr = 0;
  private sketchLen = 0;
  private qPtr = 0;
  private qLen = 0;

  private readonly offload: DenseOffload | null;

  constructor(private readonly arena: Arena, readonly d: number, offload?: DenseOffload) {
    this.offload = offload !== undefined && d >= OFFLOAD_MIN_D ? offload : null;
    this.slots = [arena.allocF64(d * d), arena.allocF64(d * d)];
    this.rhs = arena.allocF64(d);
  }

  /**
   * Factors G + shift I (lower triangle of G used) into `slot`; returns LAPACK's info
   * (0 ok, k > 0: leading minor k not positive definite).
   */
  async factor(slot: number, G: Float64Array, shift = 0): Promise<number> {
    if (this.offload === null) return this.factorHere(slot, G, shift);
    const { info, L } = await this.offload.factor(this.d, G, shift);
    this.arena.f64(this.slots[slot]!, this.d * this.d).set(L);
    return info;
  }

  /** `factor` in this thread; the factor's lower triangle is then `factorOf(slot)`. */
  factorHere(slot: number, G: Float64Array, shift = 0): number {
    const d = this.d;
    const L = this.slots[slot]!;
    const view = this.arena.f64(L, d * d);
    view.set(G);
    if (shift !== 0) for (let i = 0; i < d; i++) view[i * d + i]! += shift;
    return this.arena.k.dpotrf(d, L);
  }

  /** Solves (L L^T) x = rhs with the factor in `slot`. */
  solve(slot: number, rhs: Float64Array): Float64Array {
    const d = this.d;
    this.arena.f64(this.rhs, d).set(rhs);
    this.arena.k.dpotrs(d, this.slots[slot]!, this.rhs);
    return this.arena.f64(this.rhs, d).slice();
  }

  /** A copy of the factor in `slot`. */
  factorOf(slot: number): Float64Array {
    return this.arena.f64(this.slots[slot]!, this.d * this.d).slice();
  }

  /** Lower triangle of S^T S for a sketch S (m x d, row-major). */
  sketchGram(S: Float64Array, m: number): Promise<Float64Array> {
    return this.offload === null ? Promise.resolve(this.sketchGramHere(S, m)) : this.offload.sketchGram(this.d, S, m);
  }

  sketchGramHere(S: Float64Array, m: number): Float64Array {
    const d = this.d;
    if (S.length > this.sketchLen) {
      this.sketchPtr = this.arena.allocF64(S.length);
      this.sketchLen = S.length;
    }
    this.arena.f64(this.sketchPtr, S.length).set(S);
    const C = this.arena.allocF64(d * d);
    this.arena.k.dsyrk(m, d, this.sketchPtr, C);
    const out = this.arena.f64(C, d * d).slice();
    this.arena.release(C);
    return out;
  }

  /**
   * Q = L^{-T} Pi^T / sqrt(kq) (d x kq, row-major) with the factor in `slot` and a Gaussian Pi drawn
   * from `key`: row products a_i^T Q give JL estimates of leverage scores (math.md section 3).
   */
  jlMap(slot: number, kq: number, key: readonly [number, number]): Float64Array {
    const len = this.d * kq;
    if (len > this.qLen) {
      this.qPtr = this.arena.allocF64(len);
      this.qLen = len;
    }
    const { k } = this.arena;
    k.drandn(key[0], key[1], 0, len, this.qPtr);
    const view = this.arena.f64(this.qPtr, len);
    const scale = 1 / Math.sqrt(kq);
    for (let i = 0; i < len; i++) view[i]! *= scale;
    k.dtrsm(this.d, kq, this.slots[slot]!, this.qPtr);
    return this.arena.f64(this.qPtr, len).slice();
  }
}
