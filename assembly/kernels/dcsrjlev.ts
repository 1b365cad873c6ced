// SPDX-License-Identifier: MIT
import { rowProducts } from "../simd";

/**
 * The JL row products behind the leverage scores of the rescaled Hessian's stacked PSD factor
 * [diag(sqrt(max(e,0))) A ; J], J = diag(up) A - b p^T (math.md section 3, last paragraph), for a
 * CSR row block, in input-sparsity time: with t_i = a_i^T Q and pq = p^T Q (a k-vector, formed once
 * by the caller),
 *
 *   tt[i] = ||t_i||^2,   tp[i] = <t_i, pq>
 *
 * where Q = R^{-1} Pi (d x k), R^T R approximating the factor's Gram, Pi a JL map scaled by 1/sqrt(k).
 * Row i's scores are then max(e_i, 0) tt_i (dlevsample) and ||j_i^T Q||^2 = up_i^2 tt_i - 2 up_i
 * b_i tp_i + b_i^2 ||pq||^2 (dreslev). So tt carries the scores to later weights e, up against the
 * same Q, and for a later p the cross term is a_i^T (Q pq), one matvec instead of this O(nnz k)
 * pass. With `single` (k a multiple of 8) Q holds f32 and a_i^T Q is summed in f32, as in dcsrlev.
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block
 *   Q[d*k]     f64 (f32 when single)  row-major
 *   pq[k]      f64
 *   tmp[max(k, 16)] f64  scratch
 *   tt[nrows], tp[nrows] f64  written
 *
 * Complexity: O(nnz k + nrows k), SIMD along k (rowProducts).
 */
export function dcsrjlev(
  nrows: i32, Ap: usize, Aj: usize, Ax: usize, Q: usize, k: i32, pq: usize, single: bool, tmp: usize, tt: usize, tp: usize,
): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const o = <usize>i << 3;
    store<f64>(tt + o, rowProducts(start, end, Ax, Aj, Q, k, single, pq, tmp, tp + o));
    start = end;
  }
}
