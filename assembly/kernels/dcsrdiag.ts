// SPDX-License-Identifier: MIT
import { dsqaxpy } from "../simd";

/**
 * y += diag(A^T diag(D) A) for a CSR row block: y_j += sum_i D_i a_ij^2, the diagonal of the Gram
 * form whose product dcsrsymv takes (the Jacobi preconditioner of conjugate gradients).
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (see dcsrmv: columns sorted and unique per row)
 *   D[nrows]    f64  row weights
 *   y[ncols]    f64  updated
 *
 * Complexity: O(nrows + nnz); one scatter into y per nonzero, SIMD on rows of contiguous columns.
 * see: dcsrmtv (the same loops, with a_ij^2 for a_ij).
 */
export function dcsrdiag(nrows: i32, Ap: usize, Aj: usize, Ax: usize, D: usize, y: usize): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const len = end - start;
    const di = load<f64>(D + (<usize>i << 3));
    if (len > 0 && di != 0.0) {
      const j0 = load<i32>(Aj + (<usize>start << 2));
      if (load<i32>(Aj + (<usize>(end - 1) << 2)) - j0 == len - 1) {
        dsqaxpy(len, di, Ax + (<usize>start << 3), y + (<usize>j0 << 3));
      } else {
        for (let k = start; k < end; k++) {
          const yj = y + (<usize>load<i32>(Aj + (<usize>k << 2)) << 3);
          const a = load<f64>(Ax + (<usize>k << 3));
          store<f64>(yj, load<f64>(yj) + di * (a * a));
        }
      }
    }
    start = end;
  }
}
