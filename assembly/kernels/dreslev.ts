// SPDX-License-Identifier: MIT

/**
 * Leverage scores of the rescaled Hessian's stacked PSD factor [diag(sqrt(max(e,0))) A ; J],
 * J = diag(up) A - b p^T, from the JL row products of dcsrjlev (tt_i = ||t_i||^2, tp_i = <t_i, pq>,
 * t_i = a_i^T Q, pq = p^T Q):
 *
 *   lev[i]  = max(e_i, 0) tt_i                                    row i of the upper half
 *   levJ[i] = max(up_i^2 tt_i - 2 up_i b_i tp_i + b_i^2 pp, 0)    row i of J, ||up_i t_i - b_i pq||^2
 *
 * with pp = ||pq||^2. The weights may be later ones than those of the pass that gave tt and tp: the
 * scores are then those of the current factor measured against the earlier R, which sampling needs
 * only to a constant factor. Where J's expansion cancels below its rounding (a J row of negligible
 * score) it is clamped at 0.
 *
 *   tt[n], tp[n], e[n], up[n], b[n] f64
 *   pp         f64
 *   lev[n], levJ[n] f64  written
 *
 * Complexity: O(n).
 */
export function dreslev(n: i32, tt: usize, tp: usize, e: usize, up: usize, b: usize, pp: f64, lev: usize, levJ: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const t = load<f64>(tt + o);
    const ei = load<f64>(e + o);
    const u = load<f64>(up + o);
    const bi = load<f64>(b + o);
    store<f64>(lev + o, ei > 0.0 ? ei * t : 0.0);
    store<f64>(levJ + o, max(u * u * t - 2.0 * u * bi * load<f64>(tp + o) + bi * bi * pp, 0.0));
  }
}
