// SPDX-License-Identifier: MIT
import { F_EXP, F_COSH } from "./dhypweights";

/**
 * The rescaled loss along a search line in one O(n) pass, without touching A (math.md section 4).
 * alpha(t) = <u(t),1> is a global sum, so the pass centres on alpha0, the alpha of the point the
 * line starts from: with v = u(t) - alpha0 b and delta = alpha(t) - alpha0,
 *
 *   ||u(t) - alpha(t) b||^2 = ||v||^2 - 2 delta <v,b> + delta^2 ||b||^2
 *
 * and every term is a sum over rows. Near a good fit v and delta are small, so this keeps the loss
 * accurate where the plain expansion ||u||^2 - 2 alpha <u,b> + alpha^2 ||b||^2 would cancel away
 * every digit of it.
 *
 *   f i32, z[n], dz[n], b[n], w2[n] f64, t f64, alpha0 f64
 *   out[4] f64 written: sum v_i^2, sum v_i b_i, sum u_i, sum w2_i (z_i + t dz_i)^2
 *
 * Returns 0, or i + 1 for the first row whose u^2 or v^2 is not finite (reject the trial).
 * Complexity: O(n).
 */
export function dresloss(f: i32, n: i32, z: usize, dz: usize, t: f64, b: usize, w2: usize, alpha0: f64, out: usize): i32 {
  let vv = 0.0;
  let vb = 0.0;
  let su = 0.0;
  let reg = 0.0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const zi = load<f64>(z + o) + t * load<f64>(dz + o);
    const u = f == F_EXP ? Math.exp(zi) : f == F_COSH ? Math.cosh(zi) : Math.sinh(zi);
    const bi = load<f64>(b + o);
    const v = u - alpha0 * bi;
    if (!(isFinite(u * u) && isFinite(v * v))) {
      store<f64>(out, Infinity);
      return i + 1;
    }
    vv += v * v;
    vb += v * bi;
    su += u;
    reg += load<f64>(w2 + o) * zi * zi;
  }
  store<f64>(out, vv);
  store<f64>(out, vb, 8);
  store<f64>(out, su, 16);
  store<f64>(out, reg, 24);
  return 0;
}
