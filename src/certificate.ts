// SPDX-License-Identifier: MIT
import type { Certificate, HyperbolicFunction } from "./types.js";

/**
 * phi_f(b): the regularized problem's Hessian weight B_i is positive for every z exactly when
 * w_i^2 > phi_f(b_i) (math.md section 1; the minimum over z of f'^2 + (f - b) f'' is -phi_f(b)).
 */
export function phi(f: HyperbolicFunction, b: number): number {
  if (f === "exp") return b > 0 ? (b * b) / 8 : 0;
  if (f === "cosh") return b <= 4 ? b - 1 : (b * b) / 8 + 1;
  return (b * b) / 8 - 1;
}

/** The global convexity certificate of the regularized problem for given b and w^2. */
export function regularizedCertificate(f: HyperbolicFunction, b: Float64Array, w2: Float64Array): Certificate {
  let margin = Infinity;
  let row = -1;
  let violations = 0;
  for (let i = 0; i < b.length; i++) {
    const m = w2[i]! - phi(f, b[i]!);
    if (m < margin) {
      margin = m;
      row = i;
    }
    if (!(m > 0)) violations++;
  }
  return { scope: "everywhere", holds: violations === 0, margin, row, violations };
}
