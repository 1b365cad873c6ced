// SPDX-License-Identifier: MIT

/**
 * Leverage scores of the rows of J = diag(up) A - b p^T, the lower half of the rescaled Hessian's
 * stacked PSD factor (math.md section 3, last paragraph), from the JL row products of dcsrjlev
 * (tt_i = ||t_i||^2, tp_i = <t_i, pq>, t_i = a_i^T Q, pq = p^T Q):
 *
 *   levJ[i] = max(up_i^2 tt_i - 2 up_i b_i tp_i + b_i^2 pp, 0) = ||up_i t_i - b_i pq||^2
 *
 * with pp = ||pq||^2. (The upper half's scores are e_i tt_i, formed by dlevsample.) The weights up
 * may be later ones than those of the pass that gave tt: the scores are then those of the current
 * factor measured against the earlier R, which sampling needs only to a constant factor. Where the
 * expansion cancels below its rounding (a J row of negligible score) it is clamped at 0.
 *
 *   tt[n], tp[n], up[n], b[n] f64
 *   pp         f64
 *   levJ[n]    f64  written
 *
 * Complexity: O(n).
 */
export function dreslev(n: i32, tt: usize, tp: usize, up: usize, b: usize, pp: f64, levJ: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const u = load<f64>(up + o);
    const bi = load<f64>(b + o);
    store<f64>(levJ + o, max(u * u * load<f64>(tt + o) - 2.0 * u * bi * load<f64>(tp + o) + bi * bi * pp, 0.0));
  }
}
