// SPDX-License-Identifier: MIT
import { hash64, uniform01 } from "../rng";

/**
 * Independent leverage-score row sampling of diag(sqrt(D)) A: row i scores lev_i = D[i] tt[i] (0 where
 * D[i] <= 0), is kept with probability p_i = min(1, scale * lev_i) and then weighted by 1 / p_i, so
 * that A^T diag(Dt) A is an unbiased estimate of A^T diag(max(D, 0)) A. Drawing each row on its own
 * (Bernoulli) rather than s rows with replacement keeps the draw a function of the global row index
 * alone, hence identical across blocks and threads.
 *
 *   tt[n]            f64  the rows' JL products ||a_i^T Q||^2 (dcsrlev, dcsrjlev)
 *   D[n]             f64  row weights
 *   scale            f64  s / sum(lev) for an expected sample size s
 *   keyLo, keyHi u32, rowOffset i32   as in dcsr_countsketch
 *   Dt[n]            f64  written: D[i] / p_i for kept rows, 0 otherwise
 *
 * Returns the number of kept rows. Complexity: O(n).
 * see: Cohen, Musco, Musco, "Input sparsity time low-rank approximation via ridge leverage score
 * sampling" (independent sampling); math.md section 3, step 2.
 */
export function dlevsample(n: i32, tt: usize, D: usize, scale: f64, keyLo: u32, keyHi: u32, rowOffset: i32, Dt: usize): i32 {
  const key = (<u64>keyHi << 32) | <u64>keyLo;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const di = load<f64>(D + o);
    const li = di > 0.0 ? di * load<f64>(tt + o) : 0.0;
    let wi = 0.0;
    if (li > 0.0) {
      const p = min(1.0, scale * li);
      if (uniform01(hash64(key, <u64>(rowOffset + i))) < p) {
        wi = di / p;
        kept++;
      }
    }
    store<f64>(Dt + o, wi);
  }
  return kept;
}
