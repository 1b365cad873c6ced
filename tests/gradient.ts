// SPDX-License-Identifier: MIT
// The gradient and loss of both problems recomputed in plain float64 TypeScript from the caller's own
// arrays (math.md sections 1 and 2), with a bound on the rounding of either computation. It imports
// no code, so the portable suite (tests/portable), which meets only the built bundle, can use it too.
import type { HyperbolicFunction, ProblemKind } from "hyperreg";

/** A matrix as the caller gave it: CSR arrays, possibly unsorted or with repeated columns (they add). */
export interface RawCsr {
  nrows: number;
  ncols: number;
  indptr: ArrayLike<number>;
  indices: ArrayLike<number>;
  data: ArrayLike<number>;
}

export interface RawProblem {
  problem?: ProblemKind;
  f: HyperbolicFunction;
  A: RawCsr;
  b: ArrayLike<number>;
  w: ArrayLike<number> | number;
}

export interface GradientCheck {
  /** ||grad||_2 at x, computed here. */
  gradNorm: number;
  /** The loss at x, computed here. */
  loss: number;
  /**
   * A bound on |this gradNorm - the library's| from rounding: a first-order forward error bound
   * (Higham, Accuracy and Stability, ch. 3: a sum of m terms errs by at most m eps sum |terms|),
   * propagated term by term through the formula, doubled because both computations round.
   */
  slack: number;
}

const EPS = Number.EPSILON;

function fns(f: HyperbolicFunction): [(z: number) => number, (z: number) => number] {
  if (f === "exp") return [Math.exp, Math.exp];
  if (f === "cosh") return [Math.cosh, Math.sinh];
  return [Math.sinh, Math.cosh];
}

/**
 * The gradient of the regularized or rescaled loss at x, straight from math.md:
 *   regularized: g = A^T [ (f(z) - b) f'(z) + w^2 z ],  z = A x
 *   rescaled:    g = A^T [ f'(z) q + w^2 z ],  q = c - <c,b> 1,  c = u - <u,1> b,  u = f(z)
 * Error magnitudes (in units of eps) travel beside each quantity: dz for z, du for u, and so on.
 */
export function referenceGradient(p: RawProblem, x: ArrayLike<number>): GradientCheck {
  const { nrows: n, ncols: d, indptr, indices, data } = p.A;
  const w2 = Float64Array.from({ length: n }, (_, i) => (typeof p.w === "number" ? p.w : p.w[i]!) ** 2);
  const b = p.b;
  const [f, fp] = fns(p.f);
  const z = new Float64Array(n);
  const dz = new Float64Array(n);
  const colCount = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let abs = 0;
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) {
      const t = data[k]! * x[indices[k]!]!;
      s += t;
      abs += Math.abs(t);
      colCount[indices[k]!]! += 1;
    }
    z[i] = s;
    dz[i] = (indptr[i + 1]! - indptr[i]! + 1) * abs;
  }
  const u = z.map(f);
  const up = z.map(fp);
  // f evaluates to within an ulp or two; its derivative is f' (and f'' = f for all three).
  const du = u.map((v, i) => Math.abs(up[i]!) * dz[i]! + 2 * Math.abs(v));
  const dup = up.map((v, i) => Math.abs(u[i]!) * dz[i]! + 2 * Math.abs(v));
  const r = new Float64Array(n);
  const dr = new Float64Array(n);
  let loss = 0;
  if ((p.problem ?? "regularized") === "regularized") {
    for (let i = 0; i < n; i++) {
      const res = u[i]! - b[i]!;
      const dres = du[i]! + 2 * Math.abs(res);
      r[i] = res * up[i]! + w2[i]! * z[i]!;
      dr[i] = Math.abs(up[i]!) * dres + Math.abs(res) * dup[i]! + w2[i]! * dz[i]! + 2 * (Math.abs(res * up[i]!) + w2[i]! * Math.abs(z[i]!));
      loss += 0.5 * res * res + 0.5 * w2[i]! * z[i]! * z[i]!;
    }
  } else {
    let alpha = 0;
    let dalpha = 0;
    for (let i = 0; i < n; i++) {
      alpha += u[i]!;
      dalpha += du[i]! + n * Math.abs(u[i]!);
    }
    const c = new Float64Array(n);
    const dc = new Float64Array(n);
    let cb = 0;
    let dcb = 0;
    for (let i = 0; i < n; i++) {
      c[i] = u[i]! - alpha * b[i]!;
      dc[i] = du[i]! + Math.abs(b[i]!) * dalpha + 2 * (Math.abs(u[i]!) + Math.abs(alpha * b[i]!));
      cb += c[i]! * b[i]!;
      dcb += Math.abs(b[i]!) * dc[i]! + n * Math.abs(c[i]! * b[i]!);
    }
    for (let i = 0; i < n; i++) {
      const q = c[i]! - cb;
      const dq = dc[i]! + dcb + 2 * (Math.abs(c[i]!) + Math.abs(cb));
      r[i] = up[i]! * q + w2[i]! * z[i]!;
      dr[i] = Math.abs(up[i]!) * dq + Math.abs(q) * dup[i]! + w2[i]! * dz[i]! + 2 * (Math.abs(up[i]! * q) + w2[i]! * Math.abs(z[i]!));
      loss += 0.5 * c[i]! * c[i]! + 0.5 * w2[i]! * z[i]! * z[i]!;
    }
  }
  const g = new Float64Array(d);
  const dg = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) {
      const j = indices[k]!;
      g[j]! += data[k]! * r[i]!;
      dg[j]! += Math.abs(data[k]!) * (dr[i]! + colCount[j]! * Math.abs(r[i]!));
    }
  }
  let gg = 0;
  let ee = 0;
  for (let j = 0; j < d; j++) {
    gg += g[j]! * g[j]!;
    ee += dg[j]! * dg[j]!;
  }
  return { gradNorm: Math.sqrt(gg), loss, slack: 2 * EPS * Math.sqrt(ee) };
}
