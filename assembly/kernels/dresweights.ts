// SPDX-License-Identifier: MIT

/**
 * Second pass of the rescaled loss at z = A x, once alpha = <u,1> and cb = <c,b> are known
 * (math.md section 2; c = u - alpha b, q = c - cb 1, f'' = f for exp, cosh and sinh):
 *
 *   r[i]   = u'_i q_i + w2_i z_i          gradient weights:  g = A^T r
 *   e[i]   = u_i q_i + w2_i               H = A^T diag(e) A + J^T J
 *   D[i]   = u'_i^2 + e[i]                H = A^T diag(D) A + P C P^T  (the rank-2 part is added by the caller)
 *   upb[i] = u'_i b_i                     P = [A^T u', A^T upb]
 *
 *   u[n], up[n], z[n], b[n], w2[n] f64    u = f(z), up = f'(z) from dressum
 *   alpha, cb  f64
 *   r[n], e[n], D[n], upb[n] f64  written
 *   out[5]     f64  written: sum_i 0.5 c_i^2 + 0.5 w2_i z_i^2, min_i e_i, count of e_i <= 0,
 *                   the first i where e_i is smallest, sum_i 0.5 w2_i z_i^2 (the regularizer alone)
 *
 * Returns 0, or i + 1 for the first row whose loss term or weights are not finite.
 * Complexity: O(n).
 */
export function dresweights(
  n: i32, u: usize, up: usize, z: usize, b: usize, w2: usize, alpha: f64, cb: f64,
  r: usize, e: usize, D: usize, upb: usize, out: usize,
): i32 {
  let loss = 0.0;
  let minE = Infinity;
  let minRow = 0;
  let negatives = 0;
  let reg = 0.0;
  let info = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const ui = load<f64>(u + o);
    const upi = load<f64>(up + o);
    const zi = load<f64>(z + o);
    const bi = load<f64>(b + o);
    const wi = load<f64>(w2 + o);
    const ci = ui - alpha * bi;
    const qi = ci - cb;
    const ei = ui * qi + wi;
    const Di = upi * upi + ei;
    const ri = 0.5 * wi * zi * zi;
    const li = 0.5 * ci * ci + ri;
    if (info == 0 && !(isFinite(li) && isFinite(Di))) info = i + 1;
    loss += li;
    reg += ri;
    if (ei < minE) {
      minE = ei;
      minRow = i;
    }
    if (ei <= 0.0) negatives++;
    store<f64>(r + o, upi * qi + wi * zi);
    store<f64>(e + o, ei);
    store<f64>(D + o, Di);
    store<f64>(upb + o, upi * bi);
  }
  store<f64>(out, loss);
  store<f64>(out, minE, 8);
  store<f64>(out, <f64>negatives, 16);
  store<f64>(out, <f64>minRow, 24);
  store<f64>(out, reg, 32);
  return info;
}
