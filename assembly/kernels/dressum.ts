// SPDX-License-Identifier: MIT
import { F_EXP, F_COSH } from "./dhypweights";

/**
 * First pass of the rescaled loss L = 0.5 ||u - <u,1> b||^2 + 0.5 ||w z||^2 at z = A x (math.md
 * section 2): u = f(z), u' = f'(z), and the block's share of the two global sums the rest needs,
 *
 *   out[0] = sum_i u_i,   out[1] = sum_i u_i b_i
 *
 * so that alpha = <u,1> and <c,b> = <u,b> - alpha ||b||^2 are known once every block has reported.
 *
 *   f          i32  F_EXP | F_COSH | F_SINH
 *   z[n], b[n] f64
 *   u[n], up[n] f64 written
 *   out[2]     f64  written
 *
 * Returns 0, or i + 1 for the first row where u^2 or u'^2 is not finite (the loss squares u and
 * the Hessian squares u': exp and cosh overflow beyond |z| = 354.9 there).
 * Complexity: O(n), one or two exponentials per row.
 */
export function dressum(f: i32, n: i32, z: usize, b: usize, u: usize, up: usize, out: usize): i32 {
  let su = 0.0;
  let sub = 0.0;
  let info = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const zi = load<f64>(z + o);
    let ui: f64, upi: f64;
    if (f == F_EXP) {
      ui = Math.exp(zi);
      upi = ui;
    } else if (f == F_COSH) {
      ui = Math.cosh(zi);
      upi = Math.sinh(zi);
    } else {
      ui = Math.sinh(zi);
      upi = Math.cosh(zi);
    }
    if (info == 0 && !(isFinite(ui * ui) && isFinite(upi * upi))) info = i + 1;
    su += ui;
    sub += ui * load<f64>(b + o);
    store<f64>(u + o, ui);
    store<f64>(up + o, upi);
  }
  store<f64>(out, su);
  store<f64>(out, sub, 8);
  return info;
}
