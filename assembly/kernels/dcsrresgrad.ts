// SPDX-License-Identifier: MIT
import { denseRun, runEnd } from "../runs";
import { daxpy, ddot, ddotAxpy3 } from "../simd";
import { dcsrmtv3 } from "./dcsrmtv3";
import { dcsrmv } from "./dcsrmv";
import { dresrows } from "./dresrows";

/**
 * One pass over a CSR row block for the rescaled loss: z = A x, the centred row terms of dresrows,
 * and the three products y0 += A^T r, y1 += A^T u', y2 += A^T (u' b), taken in runs of rows so that
 * each run is read from memory once and from cache the second time; a run of dense rows goes row by
 * row, as in dcsrhypgrad (ddotAxpy3: 10-31% faster than by runs on 1e5-2e5 dense rows of 100-200).
 * The result is the bits of dcsrmv, then dresrows, then dcsrmtv3
 * over the whole block (each run repeats their arithmetic on its rows, and the sums continue from run
 * to run).
 *
 *   f                 i32  F_EXP | F_COSH | F_SINH
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (see dcsrmv)
 *   x[ncols]          f64
 *   z[nrows]          f64  written: z = A x
 *   b[nrows], w2[nrows] f64, alpha0, cb0 f64    as in dresrows
 *   u, up, r, upb [nrows] f64 written, as in dresrows
 *   y0, y1, y2 [ncols] f64 updated
 *   out[4]            f64  written (from zeros), as in dresrows
 *
 * Returns 0, or i + 1 for the first row whose terms are not finite.
 * Complexity: one pass over the block's nonzeros (O(nrows + nnz)), one exponential a row (cosh and sinh share it: hyperbolic.ts).
 * see: dcsrmv, dresrows, dcsrmtv3, dcsrhypgrad (the regularized loss's pass).
 */
export function dcsrresgrad(
  f: i32, nrows: i32, Ap: usize, Aj: usize, Ax: usize, x: usize, z: usize, b: usize, w2: usize, alpha0: f64, cb0: f64,
  u: usize, up: usize, r: usize, upb: usize, y0: usize, y1: usize, y2: usize, out: usize,
): i32 {
  memory.fill(out, 0, 32);
  let info = 0;
  for (let i0 = 0; i0 < nrows; ) {
    const i1 = runEnd(Ap, i0, nrows);
    const n = i1 - i0;
    const o = <usize>i0 << 3;
    const ap = Ap + (<usize>i0 << 2);
    const len = denseRun(Ap, Aj, i0, i1);
    if (len > 0) {
      // Dense rows, row by row: each row's dot as it arrives, fused with the previous row's three
      // updates when all three of its weights are nonzero; otherwise those updates go first, each
      // skipped where its weight is 0, as dcsrmtv3 skips it.
      const p0 = load<i32>(ap);
      const j0 = <usize>load<i32>(Aj + (<usize>p0 << 2)) << 3;
      let prev: usize = 0;
      let c0 = 0.0;
      let c1 = 0.0;
      let c2 = 0.0;
      for (let i = i0; i < i1; i++) {
        const row = Ax + (<usize>(p0 + (i - i0) * len) << 3);
        const oi = <usize>i << 3;
        if (c0 != 0.0 && c1 != 0.0 && c2 != 0.0) {
          store<f64>(z + oi, ddotAxpy3(len, row, x + j0, c0, c1, c2, prev, y0 + j0, y1 + j0, y2 + j0));
        } else {
          rowUpdates(len, prev, c0, c1, c2, y0 + j0, y1 + j0, y2 + j0);
          store<f64>(z + oi, ddot(len, row, x + j0));
        }
        const bad = dresrows(f, 1, z + oi, b + oi, w2 + oi, alpha0, cb0, u + oi, up + oi, r + oi, upb + oi, out);
        if (info == 0 && bad != 0) info = i + 1;
        c0 = load<f64>(r + oi);
        c1 = load<f64>(up + oi);
        c2 = load<f64>(upb + oi);
        prev = row;
      }
      rowUpdates(len, prev, c0, c1, c2, y0 + j0, y1 + j0, y2 + j0);
    } else {
      dcsrmv(n, ap, Aj, Ax, x, z + o);
      const bad = dresrows(f, n, z + o, b + o, w2 + o, alpha0, cb0, u + o, up + o, r + o, upb + o, out);
      if (info == 0 && bad != 0) info = i0 + bad;
      dcsrmtv3(n, ap, Aj, Ax, r + o, up + o, upb + o, y0, y1, y2);
    }
    i0 = i1;
  }
  return info;
}

/** y_c += c_c * row for each nonzero weight c_c (elementwise, so the bits of dcsrmtv3's row update). */
// @ts-ignore: decorator
@inline function rowUpdates(len: i32, row: usize, c0: f64, c1: f64, c2: f64, y0: usize, y1: usize, y2: usize): void {
  if (c0 != 0.0) daxpy(len, c0, row, y0);
  if (c1 != 0.0) daxpy(len, c1, row, y1);
  if (c2 != 0.0) daxpy(len, c2, row, y2);
}
