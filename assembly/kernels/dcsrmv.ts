// SPDX-License-Identifier: MIT
import { ddot } from "../simd";

/**
 * y = A x for a CSR row block.
 *
 *   Ap[nrows+1] i32  row pointers, block-local (Ap[0] = 0)
 *   Aj[nnz]     i32  column indices, each < ncols, sorted and unique within a row (a row whose
 *                    first and last columns are len - 1 apart is taken as one contiguous run)
 *   Ax[nnz]     f64  values
 *   x[ncols]    f64
 *   y[nrows]    f64  written
 *
 * Complexity: O(nrows + nnz) reads of A plus one gather of x per nonzero. Rows whose columns form
 * one contiguous run (dense rows) take the SIMD dot product; other rows gather x[Aj[k]] lane by lane.
 * see: scipy sparsetools csr_matvec.
 */
export function dcsrmv(nrows: i32, Ap: usize, Aj: usize, Ax: usize, x: usize, y: usize): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const len = end - start;
    let s = 0.0;
    if (len > 0) {
      const j0 = load<i32>(Aj + (<usize>start << 2));
      const j1 = load<i32>(Aj + (<usize>(end - 1) << 2));
      if (j1 - j0 == len - 1) {
        s = ddot(len, Ax + (<usize>start << 3), x + (<usize>j0 << 3));
      } else {
        let s0 = 0.0;
        let s1 = 0.0;
        let k = start;
        for (; k + 2 <= end; k += 2) {
          const jk = <usize>load<i32>(Aj + (<usize>k << 2));
          const jl = <usize>load<i32>(Aj + (<usize>k << 2), 4);
          s0 += load<f64>(Ax + (<usize>k << 3)) * load<f64>(x + (jk << 3));
          s1 += load<f64>(Ax + (<usize>k << 3), 8) * load<f64>(x + (jl << 3));
        }
        if (k < end) {
          s0 += load<f64>(Ax + (<usize>k << 3)) * load<f64>(x + (<usize>load<i32>(Aj + (<usize>k << 2)) << 3));
        }
        s = s0 + s1;
      }
    }
    store<f64>(y + (<usize>i << 3), s);
    start = end;
  }
}
