// SPDX-License-Identifier: MIT

/**
 * The rescaled Hessian's weights once alpha = <u,1> and cb = <c,b> are known (math.md section 2;
 * c = u - alpha b, q = c - cb 1, f'' = f for exp, cosh and sinh), from the u and u' of dresrows:
 *
 *   e[i]   = u_i q_i + w2_i               H = A^T diag(e) A + J^T J
 *   D[i]   = u'_i^2 + e[i]                H = A^T diag(D) A + P C P^T  (the rank-2 part is added by the caller)
 *
 *   u[n], up[n], b[n], w2[n] f64
 *   alpha, cb  f64
 *   e[n], D[n] f64  written
 *   out[4]     f64  written: sum_i 0.5 c_i^2 (the loss without its regularizer, each c_i formed
 *                   directly), min_i e_i, count of e_i <= 0, the first i where e_i is smallest
 *
 * Returns 0, or i + 1 for the first row whose loss term or weights are not finite.
 * Complexity: O(n).
 */
export function dresweights(n: i32, u: usize, up: usize, b: usize, w2: usize, alpha: f64, cb: f64, e: usize, D: usize, out: usize): i32 {
  let loss = 0.0;
  let minE = Infinity;
  let minRow = 0;
  let negatives = 0;
  let info = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const ui = load<f64>(u + o);
    const upi = load<f64>(up + o);
    const ci = ui - alpha * load<f64>(b + o);
    const ei = ui * (ci - cb) + load<f64>(w2 + o);
    const Di = upi * upi + ei;
    const li = 0.5 * ci * ci;
    if (info == 0 && !(isFinite(li) && isFinite(Di))) info = i + 1;
    loss += li;
    if (ei < minE) {
      minE = ei;
      minRow = i;
    }
    if (ei <= 0.0) negatives++;
    store<f64>(e + o, ei);
    store<f64>(D + o, Di);
  }
  store<f64>(out, loss);
  store<f64>(out, minE, 8);
  store<f64>(out, <f64>negatives, 16);
  store<f64>(out, <f64>minRow, 24);
  return info;
}
