// SPDX-License-Identifier: MIT
import { expx2 } from "../exp";
import { coshSinh, coshSinhx2, SINH, SINH2 } from "../hyperbolic";
import { F_COSH, F_EXP } from "./dhypweights";

/**
 * The row terms of the rescaled loss L = 0.5 ||u - <u,1> b||^2 + 0.5 ||w z||^2 at z = A x (math.md
 * section 2) that need no global sum, centred on (alpha0, cb0), the alpha = <u,1> and <c,b> of a
 * nearby point (the start of a line, or zeros):
 *
 *   u[i]   = f(z_i),  up[i] = f'(z_i),  upb[i] = u'_i b_i,  v_i = u_i - alpha0 b_i
 *   r[i]   = u'_i (v_i - cb0) + w2_i z_i
 *   out   += [sum u_i, sum v_i^2, sum v_i b_i, sum 0.5 w2_i z_i^2]   (accumulated: runs of rows continue the sums)
 *
 * With alpha = sum u, delta = alpha - alpha0 and cb = <c,b> = sum v b - delta ||b||^2, the gradient's
 * weights are r - delta u'b - (cb - cb0) u', so g = A^T r - delta A^T(u'b) - (cb - cb0) A^T u': the
 * three products of one pass, corrected once the sums are known; and the loss is
 * 0.5 (sum v^2 - 2 delta sum v b + delta^2 ||b||^2) + the regularizer. Centred on a nearby point the
 * corrections are small, so neither cancels the digits that the plain expansions (alpha0 = cb0 = 0)
 * would lose near a good fit.
 *
 *   f             i32  F_EXP | F_COSH | F_SINH
 *   z[n], b[n], w2[n] f64
 *   alpha0, cb0   f64
 *   u[n], up[n], r[n], upb[n] f64 written
 *   out[4]        f64  updated
 *
 * Returns 0, or i + 1 for the first row where u^2, u'^2, v^2 or r is not finite (the loss squares u
 * and the Hessian u': exp and cosh overflow beyond |z| = 354.9 there).
 * Complexity: O(n), one exponential per row, two rows at a time (cosh and sinh share one: hyperbolic.ts).
 */
export function dresrows(
  f: i32, n: i32, z: usize, b: usize, w2: usize, alpha0: f64, cb0: f64,
  u: usize, up: usize, r: usize, upb: usize, out: usize,
): i32 {
  let su = load<f64>(out);
  let vv = load<f64>(out, 8);
  let vb = load<f64>(out, 16);
  let reg = load<f64>(out, 24);
  let info = 0;
  {
    // f and f' first, two rows at a time into u and up (expx2, coshSinhx2: the scalar functions'
    // bits), read back below from cache.
    let i = 0;
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      const zi = v128.load(z + o);
      if (f == F_EXP) {
        const e = expx2(zi);
        v128.store(u + o, e);
        v128.store(up + o, e);
      } else if (f == F_COSH) {
        v128.store(u + o, coshSinhx2(zi));
        v128.store(up + o, SINH2);
      } else {
        v128.store(up + o, coshSinhx2(zi));
        v128.store(u + o, SINH2);
      }
    }
    if (i < n) {
      const o = <usize>i << 3;
      const zi = load<f64>(z + o);
      if (f == F_EXP) {
        const e = Math.exp(zi);
        store<f64>(u + o, e);
        store<f64>(up + o, e);
      } else if (f == F_COSH) {
        store<f64>(u + o, coshSinh(zi));
        store<f64>(up + o, SINH);
      } else {
        store<f64>(up + o, coshSinh(zi));
        store<f64>(u + o, SINH);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const zi = load<f64>(z + o);
    const ui = load<f64>(u + o);
    const upi = load<f64>(up + o);
    const bi = load<f64>(b + o);
    const wi = load<f64>(w2 + o);
    const vi = ui - alpha0 * bi;
    const ri = upi * (vi - cb0) + wi * zi;
    if (info == 0 && !(isFinite(ui * ui) && isFinite(upi * upi) && isFinite(vi * vi) && isFinite(ri))) info = i + 1;
    su += ui;
    vv += vi * vi;
    vb += vi * bi;
    reg += 0.5 * wi * zi * zi;
    store<f64>(r + o, ri);
    store<f64>(upb + o, upi * bi);
  }
  store<f64>(out, su);
  store<f64>(out, vv, 8);
  store<f64>(out, vb, 16);
  store<f64>(out, reg, 24);
  return info;
}
