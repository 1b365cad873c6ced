// SPDX-License-Identifier: MIT

/**
 * Three transposed products in one pass over a CSR row block (accumulating):
 *
 *   y0 += A^T v0,   y1 += A^T v1,   y2 += A^T v2
 *
 * The rescaled gradient and the two vectors of its Hessian's rank-2 part (math.md section 2) are
 * A^T r, A^T u' and A^T (u' b) at the same point; as three dcsrmtv calls they stream A from memory
 * three times, here once (each row is read once and scattered into the three outputs). Every
 * output entry gets the same operations in the same order as dcsrmtv, so the bits are dcsrmtv's.
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (see dcsrmv: columns sorted and unique per row)
 *   v0[nrows], v1[nrows], v2[nrows] f64
 *   y0[ncols], y1[ncols], y2[ncols] f64  updated
 *
 * Complexity: O(nrows + nnz) reads of A, 3 nnz multiply-adds; SIMD on contiguous rows.
 * see: dcsrmtv; scipy sparsetools csr_matvecs (several vectors per pass).
 */
export function dcsrmtv3(
  nrows: i32, Ap: usize, Aj: usize, Ax: usize, v0: usize, v1: usize, v2: usize, y0: usize, y1: usize, y2: usize,
): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const len = end - start;
    const o = <usize>i << 3;
    const c0 = load<f64>(v0 + o);
    const c1 = load<f64>(v1 + o);
    const c2 = load<f64>(v2 + o);
    if (len > 0 && (c0 != 0.0 || c1 != 0.0 || c2 != 0.0)) {
      const j0 = load<i32>(Aj + (<usize>start << 2));
      const j1 = load<i32>(Aj + (<usize>(end - 1) << 2));
      const row = Ax + (<usize>start << 3);
      if (j1 - j0 == len - 1) {
        // As daxpy, three outputs per load of the row; a zero weight leaves its output alone as
        // dcsrmtv would (it skips the row).
        const a0 = f64x2.splat(c0);
        const a1 = f64x2.splat(c1);
        const a2 = f64x2.splat(c2);
        const u0 = y0 + (<usize>j0 << 3);
        const u1 = y1 + (<usize>j0 << 3);
        const u2 = y2 + (<usize>j0 << 3);
        const all = c0 != 0.0 && c1 != 0.0 && c2 != 0.0;
        let k = 0;
        if (all) {
          for (; k + 2 <= len; k += 2) {
            const q = <usize>k << 3;
            const x = v128.load(row + q);
            v128.store(u0 + q, f64x2.add(v128.load(u0 + q), f64x2.mul(a0, x)));
            v128.store(u1 + q, f64x2.add(v128.load(u1 + q), f64x2.mul(a1, x)));
            v128.store(u2 + q, f64x2.add(v128.load(u2 + q), f64x2.mul(a2, x)));
          }
          for (; k < len; k++) {
            const q = <usize>k << 3;
            const x = load<f64>(row + q);
            store<f64>(u0 + q, load<f64>(u0 + q) + c0 * x);
            store<f64>(u1 + q, load<f64>(u1 + q) + c1 * x);
            store<f64>(u2 + q, load<f64>(u2 + q) + c2 * x);
          }
        } else {
          for (; k < len; k++) {
            const q = <usize>k << 3;
            const x = load<f64>(row + q);
            if (c0 != 0.0) store<f64>(u0 + q, load<f64>(u0 + q) + c0 * x);
            if (c1 != 0.0) store<f64>(u1 + q, load<f64>(u1 + q) + c1 * x);
            if (c2 != 0.0) store<f64>(u2 + q, load<f64>(u2 + q) + c2 * x);
          }
        }
      } else {
        for (let k = start; k < end; k++) {
          const q = <usize>load<i32>(Aj + (<usize>k << 2)) << 3;
          const x = load<f64>(Ax + (<usize>k << 3));
          if (c0 != 0.0) store<f64>(y0 + q, load<f64>(y0 + q) + c0 * x);
          if (c1 != 0.0) store<f64>(y1 + q, load<f64>(y1 + q) + c1 * x);
          if (c2 != 0.0) store<f64>(y2 + q, load<f64>(y2 + q) + c2 * x);
        }
      }
    }
    start = end;
  }
}
