// SPDX-License-Identifier: MIT
// The hand-written baseline: what a user who needs exp/cosh/sinh regression writes in plain
// TypeScript on Float64Arrays. Loss and gradient by CSR loops (math.md sections 1 and 2), exact
// Newton with the dense Gram A^T diag(B) A and a Cholesky factor, Armijo backtracking along
// z + t A dx (a trial costs O(n), not a pass over A). The same evaluator checks every contender's
// answer, so all of them are judged by one loss and one gradient.
import type { CsrMatrix, HyperbolicFunction, ProblemKind } from "../../src/index.js";

export interface Instance {
  problem: ProblemKind;
  f: HyperbolicFunction;
  A: CsrMatrix;
  b: Float64Array;
  /** w_i^2: the weights enter squared. */
  w2: Float64Array;
}

const FUNCTIONS: Record<HyperbolicFunction, [(z: number) => number, (z: number) => number]> = {
  exp: [Math.exp, Math.exp],
  cosh: [Math.cosh, Math.sinh],
  sinh: [Math.sinh, Math.cosh],
};

/** y = A x. */
export function matVec(A: CsrMatrix, x: ArrayLike<number>, y: Float64Array): void {
  const { indptr, indices, data } = A;
  for (let i = 0; i < A.nrows; i++) {
    let s = 0;
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) s += data[k]! * x[indices[k]!]!;
    y[i] = s;
  }
}

/** y = A^T v (y is overwritten). */
export function matTVec(A: CsrMatrix, v: Float64Array, y: Float64Array): void {
  const { indptr, indices, data } = A;
  y.fill(0);
  for (let i = 0; i < A.nrows; i++) {
    const vi = v[i]!;
    if (vi === 0) continue;
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) y[indices[k]!]! += data[k]! * vi;
  }
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/**
 * Loss, gradient and Hessian weights of one instance, keeping z = A x and the row weights of the
 * last evaluation. `passes` counts reads of A (A x, A^T r, the Gram: one each).
 */
export class Objective {
  readonly n: number;
  readonly d: number;
  readonly z: Float64Array;
  readonly r: Float64Array;
  /** Hessian weights at z: B (regularized) or u'^2 + e (rescaled). */
  readonly D: Float64Array;
  /** Gauss-Newton weights where the Hessian weight is not positive: f'^2 + w^2, or u'^2 + w^2. */
  readonly gn: Float64Array;
  readonly up: Float64Array;
  passes = 0;
  private readonly fn: (z: number) => number;
  private readonly fp: (z: number) => number;
  private readonly bb: number;

  constructor(readonly inst: Instance) {
    this.n = inst.A.nrows;
    this.d = inst.A.ncols;
    this.z = new Float64Array(this.n);
    this.r = new Float64Array(this.n);
    this.D = new Float64Array(this.n);
    this.gn = new Float64Array(this.n);
    this.up = new Float64Array(this.n);
    [this.fn, this.fp] = FUNCTIONS[inst.f];
    let bb = 0;
    for (let i = 0; i < this.n; i++) bb += inst.b[i]! ** 2;
    this.bb = bb;
  }

  /** The loss at z (O(n), no pass over A). */
  lossAt(z: Float64Array): number {
    const { b, w2 } = this.inst;
    let reg = 0;
    for (let i = 0; i < this.n; i++) reg += w2[i]! * z[i]! * z[i]!;
    let s = 0;
    if (this.inst.problem === "rescaled") {
      let alpha = 0;
      for (let i = 0; i < this.n; i++) alpha += this.fn(z[i]!);
      for (let i = 0; i < this.n; i++) s += (this.fn(z[i]!) - alpha * b[i]!) ** 2;
    } else {
      for (let i = 0; i < this.n; i++) s += (this.fn(z[i]!) - b[i]!) ** 2;
    }
    return 0.5 * (s + reg);
  }

  /** Sets this.z = z and the gradient and Hessian weights there; returns the loss. */
  weigh(z: Float64Array): number {
    const { b, w2 } = this.inst;
    const { fn, fp, r, D, gn, up } = this;
    if (z !== this.z) this.z.set(z);
    let s = 0;
    let reg = 0;
    if (this.inst.problem === "rescaled") {
      let alpha = 0;
      for (let i = 0; i < this.n; i++) alpha += fn(z[i]!);
      let cb = 0;
      for (let i = 0; i < this.n; i++) {
        const c = fn(z[i]!) - alpha * b[i]!;
        cb += c * b[i]!;
        s += c * c;
      }
      for (let i = 0; i < this.n; i++) {
        const zi = z[i]!;
        const u = fn(zi);
        const q = u - alpha * b[i]! - cb;
        const d = fp(zi);
        up[i] = d;
        r[i] = d * q + w2[i]! * zi;
        const e = u * q + w2[i]!;
        D[i] = d * d + e;
        gn[i] = d * d + Math.max(e, w2[i]!);
        reg += w2[i]! * zi * zi;
      }
    } else {
      for (let i = 0; i < this.n; i++) {
        const zi = z[i]!;
        const u = fn(zi);
        const d = fp(zi);
        const res = u - b[i]!;
        s += res * res;
        reg += w2[i]! * zi * zi;
        r[i] = res * d + w2[i]! * zi;
        // f'' = f for exp, cosh and sinh.
        D[i] = d * d + res * u + w2[i]!;
        gn[i] = D[i]! > 0 ? D[i]! : d * d + w2[i]!;
      }
    }
    return 0.5 * (s + reg);
  }

  /** Loss and gradient at x from a fresh z = A x: two passes. */
  lossGrad(x: ArrayLike<number>, g: Float64Array): number {
    matVec(this.inst.A, x, this.z);
    const loss = this.weigh(this.z);
    matTVec(this.inst.A, this.r, g);
    this.passes += 2;
    return loss;
  }

  /** The loss at x: one pass. */
  loss(x: ArrayLike<number>): number {
    matVec(this.inst.A, x, this.z);
    this.passes += 1;
    return this.lossAt(this.z);
  }

  /**
   * H = A^T diag(weights) A (+ the rescaled rank-2 term), upper triangle filled, row-major d x d.
   * Returns false, H unfinished, once performance.now() passes `deadline`.
   */
  hessian(weights: Float64Array, H: Float64Array, deadline = Infinity): boolean {
    const { A } = this.inst;
    const { indptr, indices, data } = A;
    const d = this.d;
    H.fill(0);
    for (let i = 0; i < this.n; i++) {
      if ((i & 1023) === 0 && performance.now() > deadline) return false;
      const wi = weights[i]!;
      const end = indptr[i + 1]!;
      for (let p = indptr[i]!; p < end; p++) {
        const s = wi * data[p]!;
        const row = indices[p]! * d;
        for (let q = p; q < end; q++) H[row + indices[q]!]! += s * data[q]!;
      }
    }
    this.passes += 1;
    if (this.inst.problem === "rescaled") {
      // P C P^T with P = [A^T u', A^T (u' b)], C = [[||b||^2, -1], [-1, 0]] (math.md section 2).
      const p1 = new Float64Array(d);
      const p2 = new Float64Array(d);
      const { b } = this.inst;
      for (let i = 0; i < this.n; i++) {
        const u = this.up[i]!;
        const ub = u * b[i]!;
        for (let k = indptr[i]!; k < indptr[i + 1]!; k++) {
          p1[indices[k]!]! += data[k]! * u;
          p2[indices[k]!]! += data[k]! * ub;
        }
      }
      this.passes += 1;
      for (let j = 0; j < d; j++) {
        for (let k = j; k < d; k++) H[j * d + k]! += this.bb * p1[j]! * p1[k]! - p1[j]! * p2[k]! - p2[j]! * p1[k]!;
      }
    }
    return true;
  }
}

/**
 * In-place Cholesky H = R^T R of the upper triangle (row-major, right-looking so that the inner
 * loops run along rows); false when H is not positive definite.
 */
export function cholesky(d: number, H: Float64Array): boolean {
  for (let j = 0; j < d; j++) {
    const s = H[j * d + j]!;
    if (!(s > 0)) return false;
    const rjj = Math.sqrt(s);
    H[j * d + j] = rjj;
    const rj = j * d;
    for (let k = j + 1; k < d; k++) H[rj + k]! /= rjj;
    for (let i = j + 1; i < d; i++) {
      const a = H[rj + i]!;
      if (a === 0) continue;
      const ri = i * d;
      for (let k = i; k < d; k++) H[ri + k]! -= a * H[rj + k]!;
    }
  }
  return true;
}

/** Solves R^T R x = v in place, R the upper factor of cholesky(). */
export function choleskySolve(d: number, R: Float64Array, v: Float64Array): void {
  for (let k = 0; k < d; k++) {
    const y = (v[k]! /= R[k * d + k]!);
    for (let i = k + 1; i < d; i++) v[i]! -= R[k * d + i]! * y;
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = v[i]!;
    for (let k = i + 1; k < d; k++) s -= R[i * d + k]! * v[k]!;
    v[i] = s / R[i * d + i]!;
  }
}

export interface PlainResult {
  x: Float64Array;
  converged: boolean;
  iterations: number;
  passes: number;
  message: string;
}

/** Exact Newton from x0 to ||grad|| <= tol, giving up after maxIterations steps or `budgetMs`. */
export function plainNewton(inst: Instance, x0: Float64Array, tol: number, budgetMs: number, maxIterations = 100): PlainResult {
  const t0 = performance.now();
  const obj = new Objective(inst);
  const { n, d } = obj;
  const x = x0.slice();
  const g = new Float64Array(d);
  const dx = new Float64Array(d);
  const dz = new Float64Array(n);
  const zt = new Float64Array(n);
  const H = new Float64Array(d * d);
  let loss = obj.lossGrad(x, g);
  let message = "max iterations";
  let it = 0;
  for (; it < maxIterations; it++) {
    if (norm(g) <= tol) {
      message = "converged";
      break;
    }
    if (!obj.hessian(obj.D, H, t0 + budgetMs)) {
      message = `time budget of ${budgetMs / 1000} s`;
      break;
    }
    if (!cholesky(d, H)) {
      // Not convex here: Gauss-Newton weights on the rows whose Hessian weight is not positive.
      obj.hessian(obj.gn, H);
      let top = 0;
      for (let j = 0; j < d; j++) top = Math.max(top, H[j * d + j]!);
      for (let j = 0; j < d; j++) H[j * d + j]! += 1e-10 * top;
      if (!cholesky(d, H)) {
        message = "Hessian not positive definite";
        break;
      }
    }
    for (let j = 0; j < d; j++) dx[j] = -g[j]!;
    choleskySolve(d, H, dx);
    matVec(inst.A, dx, dz);
    obj.passes += 1;
    let slope = 0;
    for (let j = 0; j < d; j++) slope += g[j]! * dx[j]!;
    let t = 1;
    let trial = NaN;
    for (; t > 1e-12; t *= 0.5) {
      for (let i = 0; i < n; i++) zt[i] = obj.z[i]! + t * dz[i]!;
      trial = obj.lossAt(zt);
      if (trial <= loss + 1e-4 * t * slope) break;
    }
    if (!(t > 1e-12)) {
      message = "line search failed";
      break;
    }
    for (let j = 0; j < d; j++) x[j]! += t * dx[j]!;
    loss = obj.weigh(zt);
    matTVec(inst.A, obj.r, g);
    obj.passes += 1;
  }
  return { x, converged: message === "converged", iterations: it, passes: obj.passes, message };
}
