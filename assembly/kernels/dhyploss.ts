// SPDX-License-Identifier: MIT
import { F_EXP, F_COSH } from "./dhypweights";

/**
 * The regularized loss along a search line, without touching A (math.md section 4: a line-search
 * trial costs O(n) once dz = A dx is known):
 *
 *   out[0] = sum_i 0.5 (f(z_i + t dz_i) - b_i)^2 + 0.5 w2_i (z_i + t dz_i)^2
 *
 *   f i32, z[n], dz[n], b[n], w2[n] f64, t f64, out[1] f64 written.
 *
 * Returns 0, or i + 1 for the first row whose term is not finite (overflow: reject the trial).
 * Complexity: O(n).
 */
export function dhyploss(f: i32, n: i32, z: usize, dz: usize, t: f64, b: usize, w2: usize, out: usize): i32 {
  let loss = 0.0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const zi = load<f64>(z + o) + t * load<f64>(dz + o);
    const u = f == F_EXP ? Math.exp(zi) : f == F_COSH ? Math.cosh(zi) : Math.sinh(zi);
    const res = u - load<f64>(b + o);
    const li = 0.5 * res * res + 0.5 * load<f64>(w2 + o) * zi * zi;
    if (!isFinite(li)) {
      store<f64>(out, Infinity);
      return i + 1;
    }
    loss += li;
  }
  store<f64>(out, loss);
  return 0;
}
