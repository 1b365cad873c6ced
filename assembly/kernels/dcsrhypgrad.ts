// SPDX-License-Identifier: MIT
import { denseRun, runEnd } from "../runs";
import { daxpy, ddot, ddotAxpy, dsqaxpy } from "../simd";
import { dcsrdiag } from "./dcsrdiag";
import { dcsrmtv } from "./dcsrmtv";
import { dcsrmv } from "./dcsrmv";
import { hypweightsOn } from "./dhypweights";

/**
 * One pass over a CSR row block for the regularized loss: y = A x, the pointwise weights of
 * dhypweights, and g += A^T r, taken in runs of rows so that each run is read from memory once and
 * from cache the second time; a run of dense rows (one contiguous run of the same columns) goes row
 * by row, each row's dot as it arrives fused with the previous row's update of g (ddotAxpy: 3-10%
 * faster than by runs on 1e5-2e5 dense rows of 100-200). The result is the bits of dcsrmv, then
 * dhypweights, then dcsrmtv over the whole block (each run repeats their arithmetic on its rows, and
 * the sums continue from run to run). With `diag`, also the Jacobi scaling's diag(A^T diag(B) A),
 * with the bits of dcsrdiag after them: CG with that scaling then needs no pass of its own for it.
 *
 *   f                 i32  F_EXP | F_COSH | F_SINH
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (see dcsrmv)
 *   x[ncols]          f64
 *   z[nrows]          f64  written: z = A x, at which the weights are taken
 *   b[nrows], w2[nrows] f64
 *   r[nrows], B[nrows] f64 written, as in dhypweights (modify 0)
 *   g[ncols]          f64  updated: g += A^T r
 *   out[3]            f64  written, as in dhypweights
 *   diag[ncols]       f64  updated: diag += diag(A^T diag(B) A), as dcsrdiag; or 0 for none
 *
 * Returns 0, or i + 1 for the first row whose loss term or Hessian weight is not finite.
 * Complexity: one pass over the block's nonzeros (O(nrows + nnz)), one exponential a row (cosh and sinh share it: hyperbolic.ts).
 * see: dcsrmv, dhypweights, dcsrmtv, dcsrdiag.
 */
export function dcsrhypgrad(
  f: i32, nrows: i32, Ap: usize, Aj: usize, Ax: usize, x: usize,
  z: usize, b: usize, w2: usize, r: usize, B: usize, g: usize, out: usize, diag: usize,
): i32 {
  store<f64>(out, 0.0);
  store<f64>(out, Infinity, 8);
  store<f64>(out, 0.0, 16);
  let info = 0;
  for (let i0 = 0; i0 < nrows; ) {
    const i1 = runEnd(Ap, i0, nrows);
    const n = i1 - i0;
    const o = <usize>i0 << 3;
    const ap = Ap + (<usize>i0 << 2);
    const len = denseRun(Ap, Aj, i0, i1);
    if (len > 0) {
      // Dense rows, row by row: the dot of each row as it arrives, fused with the previous row's
      // update of g (skipped where its r is 0, as dcsrmtv skips it).
      const p0 = load<i32>(ap);
      const j0 = <usize>load<i32>(Aj + (<usize>p0 << 2)) << 3;
      let prev: usize = 0;
      let rprev = 0.0;
      for (let i = i0; i < i1; i++) {
        const row = Ax + (<usize>(p0 + (i - i0) * len) << 3);
        const oi = <usize>i << 3;
        store<f64>(z + oi, rprev != 0.0 ? ddotAxpy(len, row, x + j0, rprev, prev, g + j0) : ddot(len, row, x + j0));
        const bad = hypweightsOn(f, 1, z + oi, b + oi, w2 + oi, r + oi, B + oi, out, 0);
        if (info == 0 && bad != 0) info = i + 1;
        rprev = load<f64>(r + oi);
        prev = row;
        if (diag != 0) {
          // The row is in cache: its share of the diagonal as dcsrdiag adds it (which skips B = 0).
          const Bi = load<f64>(B + oi);
          if (Bi != 0.0) dsqaxpy(len, Bi, row, diag + j0);
        }
      }
      if (rprev != 0.0) daxpy(len, rprev, prev, g + j0);
    } else {
      dcsrmv(n, ap, Aj, Ax, x, z + o);
      const bad = hypweightsOn(f, n, z + o, b + o, w2 + o, r + o, B + o, out, 0);
      if (info == 0 && bad != 0) info = i0 + bad;
      dcsrmtv(n, ap, Aj, Ax, r + o, g);
      if (diag != 0) dcsrdiag(n, ap, Aj, Ax, B + o, diag);
    }
    i0 = i1;
  }
  return info;
}
