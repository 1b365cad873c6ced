// SPDX-License-Identifier: MIT
import { hash64, uniform01 } from "../rng";

/**
 * Independent leverage-score row sampling: row i is kept with probability p_i = min(1, scale * lev[i])
 * and then weighted by 1 / p_i, so that A^T diag(Dt) A is an unbiased estimate of A^T diag(D) A.
 * Drawing each row on its own (Bernoulli) rather than s rows with replacement keeps the draw a
 * function of the global row index alone, hence identical across blocks and threads.
 *
 *   lev[n], D[n]     f64
 *   scale            f64  s / sum(lev) for an expected sample size s
 *   keyLo, keyHi u32, rowOffset i32   as in dcsr_countsketch
 *   Dt[n]            f64  written: D[i] / p_i for kept rows, 0 otherwise
 *
 * Returns the number of kept rows. Complexity: O(n).
 * see: Cohen, Musco, Musco, "Input sparsity time low-rank approximation via ridge leverage score
 * sampling" (independent sampling); math.md section 3, step 2.
 */
export function dlevsample(n: i32, lev: usize, D: usize, scale: f64, keyLo: u32, keyHi: u32, rowOffset: i32, Dt: usize): i32 {
  const key = (<u64>keyHi << 32) | <u64>keyLo;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const li = load<f64>(lev + o);
    let wi = 0.0;
    if (li > 0.0) {
      const p = min(1.0, scale * li);
      if (uniform01(hash64(key, <u64>(rowOffset + i))) < p) {
        wi = load<f64>(D + o) / p;
        kept++;
      }
    }
    store<f64>(Dt + o, wi);
  }
  return kept;
}
