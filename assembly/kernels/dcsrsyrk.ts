// SPDX-License-Identifier: MIT
import { daxpy } from "../simd";

/**
 * G += A^T diag(D) A for a CSR row block: the weighted Gram (exact Hessian when D = B, the sampled
 * Hessian when D is the sparse diagonal of leverage-score sampling). Rows with D[i] == 0 are
 * skipped, so a sampled Gram costs O(nrows + sum over sampled rows of k_i^2).
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (column indices sorted in each row)
 *   D[nrows]    f64  row weights
 *   d           i32  ncols
 *   G[d*d]      f64  row-major; only the lower triangle (G[l*d + j], j <= l) is updated
 *
 * Complexity: O(sum_i k_i^2 / 2); SIMD axpy into a row of G when a row of A is one contiguous run.
 * see: CHOLMOD cholmod_aat (A*A' by rows), dsyrk.
 */
export function dcsrsyrk(nrows: i32, Ap: usize, Aj: usize, Ax: usize, D: usize, d: i32, G: usize): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const di = load<f64>(D + (<usize>i << 3));
    if (end > start && di != 0.0) {
      const j0 = load<i32>(Aj + (<usize>start << 2));
      const contiguous = load<i32>(Aj + (<usize>(end - 1) << 2)) - j0 == end - start - 1;
      for (let k2 = start; k2 < end; k2++) {
        const j2 = load<i32>(Aj + (<usize>k2 << 2));
        const c = di * load<f64>(Ax + (<usize>k2 << 3));
        const Grow = G + ((<usize>j2 * <usize>d) << 3);
        if (contiguous) {
          daxpy(k2 - start + 1, c, Ax + (<usize>start << 3), Grow + (<usize>j0 << 3));
        } else {
          for (let k1 = start; k1 <= k2; k1++) {
            const gj = Grow + (<usize>load<i32>(Aj + (<usize>k1 << 2)) << 3);
            store<f64>(gj, load<f64>(gj) + c * load<f64>(Ax + (<usize>k1 << 3)));
          }
        }
      }
    }
    start = end;
  }
}
