// SPDX-License-Identifier: MIT
import { runEnd } from "../runs";
import { dcsrmtv3 } from "./dcsrmtv3";
import { dcsrmv } from "./dcsrmv";
import { dresrows } from "./dresrows";

/**
 * One pass over a CSR row block for the rescaled loss: z = A x, the centred row terms of dresrows,
 * and the three products y0 += A^T r, y1 += A^T u', y2 += A^T (u' b), taken in runs of rows so that
 * each run is read from memory once and from cache the second time. The result is the bits of
 * dcsrmv, then dresrows, then dcsrmtv3 over the whole block (each run repeats their code on its
 * rows, and the sums continue from run to run).
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
    dcsrmv(n, ap, Aj, Ax, x, z + o);
    const bad = dresrows(f, n, z + o, b + o, w2 + o, alpha0, cb0, u + o, up + o, r + o, upb + o, out);
    if (info == 0 && bad != 0) info = i0 + bad;
    dcsrmtv3(n, ap, Aj, Ax, r + o, up + o, upb + o, y0, y1, y2);
    i0 = i1;
  }
  return info;
}
