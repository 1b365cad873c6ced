// SPDX-License-Identifier: MIT
import { hash64, uniform01 } from "../rng";

/**
 * Independent leverage-score sampling of the rows j_i = up_i a_i - b_i p of J (the lower half of the
 * rescaled Hessian's stacked factor, math.md section 3): row i is kept with probability
 * p_i = min(1, scale * levJ[i]) and weight omega_i = 1 / p_i. The sampled Gram
 *
 *   sum_kept omega_i j_i j_i^T = A^T diag(omega up^2) A - (A^T v) p^T - p (A^T v)^T + beta p p^T,
 *   v = omega up b,  beta = sum omega b^2
 *
 * is assembled from sparse pieces, so the dense rows of J are never formed. The draw is keyed by
 * the global row index as in dlevsample (use another key than the upper half's).
 *
 *   levJ[n], up[n], b[n] f64
 *   scale      f64
 *   keyLo, keyHi u32, rowOffset i32
 *   Dt[n]      f64  updated: Dt[i] += omega_i up_i^2 on kept rows (it holds the upper half's sample)
 *   v[n]       f64  written: omega_i up_i b_i on kept rows, 0 elsewhere
 *   out[1]     f64  written: beta
 *
 * Returns the number of kept rows. Complexity: O(n).
 * see: dlevsample; Cohen, Musco, Musco (independent leverage-score sampling).
 */
export function djsample(
  n: i32, levJ: usize, up: usize, b: usize, scale: f64,
  keyLo: u32, keyHi: u32, rowOffset: i32, Dt: usize, v: usize, out: usize,
): i32 {
  const key = (<u64>keyHi << 32) | <u64>keyLo;
  let kept = 0;
  let beta = 0.0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const li = load<f64>(levJ + o);
    let vi = 0.0;
    if (li > 0.0) {
      const p = min(1.0, scale * li);
      if (uniform01(hash64(key, <u64>(rowOffset + i))) < p) {
        const omega = 1.0 / p;
        const upi = load<f64>(up + o);
        const bi = load<f64>(b + o);
        store<f64>(Dt + o, load<f64>(Dt + o) + omega * upi * upi);
        vi = omega * upi * bi;
        beta += omega * bi * bi;
        kept++;
      }
    }
    store<f64>(v + o, vi);
  }
  store<f64>(out, beta);
  return kept;
}
