// SPDX-License-Identifier: MIT
import { rowProducts } from "../simd";

/**
 * The JL row products behind approximate leverage scores of G = diag(sqrt(D)) A, for a CSR row block:
 *
 *   tt[i] = || a_i^T Q ||^2,   Q = R^{-1} Pi  (d x k)
 *
 * where R^T R approximates G^T G (from a sketch) and Pi is a d x k Gaussian JL matrix scaled by
 * 1/sqrt(k); row i's score is D[i] tt[i] (dlevsample), and the scores sum to about rank(G) (math.md
 * section 3, step 1). Every row's product is formed, whatever its weight now, so that tt scores later
 * weights against the same Q without this pass. With `single` (k a multiple of 8) Q holds f32 and
 * the row products are summed in f32: half the instructions, for scores that only need a constant
 * factor; the caller decides when R is conditioned well enough.
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block
 *   Q[d*k]      f64 (f32 when single)  row-major
 *   tmp[max(k, 16)] f64  scratch
 *   tt[nrows]   f64  written
 *
 * Complexity: O(nnz k), SIMD along k (rowProducts).
 */
export function dcsrlev(nrows: i32, Ap: usize, Aj: usize, Ax: usize, Q: usize, k: i32, single: bool, tmp: usize, tt: usize): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    store<f64>(tt + (<usize>i << 3), rowProducts(start, end, Ax, Aj, Q, k, single, 0, tmp, 0));
    start = end;
  }
}
