// SPDX-License-Identifier: MIT
import { expx2 } from "../exp";
import { coshSinh, coshSinhx2, SINH, SINH2 } from "../hyperbolic";

/** f codes shared with src/kernels.ts. f'' = f for exp; cosh and sinh swap roles in f'. */
export const F_EXP = 0;
export const F_COSH = 1;
export const F_SINH = 2;

/**
 * The pointwise pass of the regularized loss L = 0.5 ||f(z) - b||^2 + 0.5 ||w z||^2 at z = A x:
 *
 *   r[i] = (f(z_i) - b_i) f'(z_i) + w2_i z_i                 gradient weights: g = A^T r
 *   B[i] = f'(z_i)^2 + (f(z_i) - b_i) f''(z_i) + w2_i        Hessian weights:  H = A^T diag(B) A
 *
 *   f        i32  F_EXP | F_COSH | F_SINH
 *   z[n], b[n], w2[n] f64  (w2 = w squared)
 *   r[n], B[n]        f64  written
 *   out[3]            f64  written: loss sum, min_i B[i], count of B[i] <= 0 (before modification)
 *   modify            i32  if 1, every B[i] <= 0 is replaced by the Gauss-Newton weight
 *                          f'(z_i)^2 + w2_i, so A^T diag(B) A stays PSD (math.md section 4)
 *
 * Returns 0, or i + 1 for the first row whose loss term or Hessian weight is not finite
 * (f(z) overflows double near z = 709.8 and its square near z = 354.9).
 * Complexity: O(n) with one exponential per row (cosh and sinh share it: hyperbolic.ts).
 */
export function dhypweights(f: i32, n: i32, z: usize, b: usize, w2: usize, r: usize, B: usize, out: usize, modify: i32): i32 {
  store<f64>(out, 0.0);
  store<f64>(out, Infinity, 8);
  store<f64>(out, 0.0, 16);
  return hypweightsOn(f, n, z, b, w2, r, B, out, modify);
}

/**
 * dhypweights continuing the sums in out[3] (loss, min B, count of B <= 0) rather than starting
 * them: a caller that takes the rows in runs gets the bits one call over all of them gives.
 */
// @ts-ignore: decorator
@inline export function hypweightsOn(f: i32, n: i32, z: usize, b: usize, w2: usize, r: usize, B: usize, out: usize, modify: i32): i32 {
  let loss = load<f64>(out);
  let minB = load<f64>(out, 8);
  let negatives = <i32>load<f64>(out, 16);
  let info = 0;
  let i = 0;
  // Two rows at a time (expx2, coshSinhx2: the scalar functions' bits): the same operations in the
  // same order as the loop below, the loss summed row after row, so the bits are the same.
  const half = f64x2.splat(0.5);
  const zero = f64x2.splat(0.0);
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    const zi = v128.load(z + o);
    const wi = v128.load(w2 + o);
    let u: v128, up: v128, upp: v128;
    if (f == F_EXP) {
      u = expx2(zi);
      up = u;
      upp = u;
    } else if (f == F_COSH) {
      u = coshSinhx2(zi);
      up = SINH2;
      upp = u;
    } else {
      up = coshSinhx2(zi);
      u = SINH2;
      upp = u;
    }
    const res = f64x2.sub(u, v128.load(b + o));
    const gn = f64x2.add(f64x2.mul(up, up), wi);
    let Bi = f64x2.add(gn, f64x2.mul(res, upp));
    const li = f64x2.add(f64x2.mul(f64x2.mul(half, res), res), f64x2.mul(f64x2.mul(f64x2.mul(half, wi), zi), zi));
    // x - x is 0 exactly when x is finite.
    if (info == 0 && !i64x2.all_true(v128.and(f64x2.eq(f64x2.sub(li, li), zero), f64x2.eq(f64x2.sub(Bi, Bi), zero)))) {
      const l0 = f64x2.extract_lane(li, 0);
      const b0 = f64x2.extract_lane(Bi, 0);
      info = isFinite(l0) && isFinite(b0) ? i + 2 : i + 1;
    }
    loss += f64x2.extract_lane(li, 0);
    loss += f64x2.extract_lane(li, 1);
    const b0 = f64x2.extract_lane(Bi, 0);
    const b1 = f64x2.extract_lane(Bi, 1);
    if (b0 < minB) minB = b0;
    if (b1 < minB) minB = b1;
    const low = f64x2.le(Bi, zero);
    if (v128.any_true(low)) {
      negatives += select<i32>(1, 0, b0 <= 0.0) + select<i32>(1, 0, b1 <= 0.0);
      if (modify) Bi = v128.bitselect(gn, Bi, low);
    }
    v128.store(r + o, f64x2.add(f64x2.mul(res, up), f64x2.mul(wi, zi)));
    v128.store(B + o, Bi);
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    const zi = load<f64>(z + o);
    const wi = load<f64>(w2 + o);
    let u: f64, up: f64, upp: f64;
    if (f == F_EXP) {
      u = Math.exp(zi);
      up = u;
      upp = u;
    } else if (f == F_COSH) {
      u = coshSinh(zi);
      up = SINH;
      upp = u;
    } else {
      up = coshSinh(zi);
      u = SINH;
      upp = u;
    }
    const res = u - load<f64>(b + o);
    const gn = up * up + wi;
    let Bi = gn + res * upp;
    const li = 0.5 * res * res + 0.5 * wi * zi * zi;
    if (info == 0 && !(isFinite(li) && isFinite(Bi))) info = i + 1;
    loss += li;
    if (Bi < minB) minB = Bi;
    if (Bi <= 0.0) {
      negatives++;
      if (modify) Bi = gn;
    }
    store<f64>(r + o, res * up + wi * zi);
    store<f64>(B + o, Bi);
  }
  store<f64>(out, loss);
  store<f64>(out, minB, 8);
  store<f64>(out, <f64>negatives, 16);
  return info;
}
