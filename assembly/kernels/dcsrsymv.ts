// SPDX-License-Identifier: MIT
import { ddot, daxpy, daxpy2 } from "../simd";

/**
 * y += A^T diag(D) A v for a CSR row block: the Hessian-vector product of a Gram form, in one
 * pass over A (each row is read twice while it is in cache instead of two passes over memory).
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (see dcsrmv: columns sorted and unique per row)
 *   D[nrows]    f64  row weights
 *   v[ncols]    f64
 *   y[ncols]    f64  updated
 *
 * Two consecutive short rows over the same contiguous columns (dense rows of at most PAIR_MAX)
 * update y together, y += (c_i a_i + c_{i+1} a_{i+1}), halving the loads and stores of y. Longer
 * rows go one at a time: a pair's update is a stretch of work with no reads from memory twice as
 * long, and past a few KiB the prefetcher no longer covers it (rows of 300-600 ran 30% slower paired
 * on a machine streaming 34 GB/s a thread; rows of 200 gained 10% on one streaming 10 GB/s, and
 * neither gained nor lost on the first). Which rows pair depends on the block's rows alone (the
 * tiling), so the bits still do not depend on the thread count.
 *
 * Complexity: O(nrows + 2 nnz).
 */
const PAIR_MAX = 256;

export function dcsrsymv(nrows: i32, Ap: usize, Aj: usize, Ax: usize, D: usize, v: usize, y: usize): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const len = end - start;
    const di = load<f64>(D + (<usize>i << 3));
    if (len > 0 && di != 0.0) {
      const j0 = load<i32>(Aj + (<usize>start << 2));
      const j1 = load<i32>(Aj + (<usize>(end - 1) << 2));
      const row = Ax + (<usize>start << 3);
      const contiguous = j1 - j0 == len - 1;
      // Two dense rows over the same columns (dense-row matrices): one pass over y for both.
      if (contiguous && len <= PAIR_MAX && i + 1 < nrows) {
        const end2 = load<i32>(Ap + ((<usize>i + 2) << 2));
        const d2 = load<f64>(D + ((<usize>i + 1) << 3));
        if (end2 - end == len && load<i32>(Aj + (<usize>end << 2)) == j0 && load<i32>(Aj + (<usize>(end2 - 1) << 2)) == j1) {
          const row2 = Ax + (<usize>end << 3);
          const s1 = ddot(len, row, v + (<usize>j0 << 3));
          const s2 = ddot(len, row2, v + (<usize>j0 << 3));
          daxpy2(len, di * s1, row, d2 * s2, row2, y + (<usize>j0 << 3));
          start = end2;
          i++;
          continue;
        }
      }
      let s = 0.0;
      if (contiguous) {
        s = ddot(len, row, v + (<usize>j0 << 3));
      } else {
        for (let k = start; k < end; k++) {
          s += load<f64>(Ax + (<usize>k << 3)) * load<f64>(v + (<usize>load<i32>(Aj + (<usize>k << 2)) << 3));
        }
      }
      const c = di * s;
      if (c != 0.0) {
        if (contiguous) {
          daxpy(len, c, row, y + (<usize>j0 << 3));
        } else {
          for (let k = start; k < end; k++) {
            const yj = y + (<usize>load<i32>(Aj + (<usize>k << 2)) << 3);
            store<f64>(yj, load<f64>(yj) + c * load<f64>(Ax + (<usize>k << 3)));
          }
        }
      }
    }
    start = end;
  }
}
