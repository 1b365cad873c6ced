// SPDX-License-Identifier: MIT
import { daxpy } from "../simd";

/**
 * y += A^T v for a CSR row block (accumulates: the caller zeroes y for a plain product).
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (see dcsrmv: columns sorted and unique per row)
 *   v[nrows]    f64
 *   y[ncols]    f64  updated
 *
 * Complexity: O(nrows + nnz); one scatter into y per nonzero, SIMD axpy on contiguous rows.
 * see: scipy sparsetools csr_matvec on the transpose (csc_matvec).
 */
export function dcsrmtv(nrows: i32, Ap: usize, Aj: usize, Ax: usize, v: usize, y: usize): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const len = end - start;
    const vi = load<f64>(v + (<usize>i << 3));
    if (len > 0 && vi != 0.0) {
      const j0 = load<i32>(Aj + (<usize>start << 2));
      const j1 = load<i32>(Aj + (<usize>(end - 1) << 2));
      if (j1 - j0 == len - 1) {
        daxpy(len, vi, Ax + (<usize>start << 3), y + (<usize>j0 << 3));
      } else {
        for (let k = start; k < end; k++) {
          const yj = y + (<usize>load<i32>(Aj + (<usize>k << 2)) << 3);
          store<f64>(yj, load<f64>(yj) + vi * load<f64>(Ax + (<usize>k << 3)));
        }
      }
    }
    start = end;
  }
}
