// SPDX-License-Identifier: MIT
import { ddot, daxpy, rowTimesQ8, rowTimesQs } from "../simd";

/** <t, pq> over eight lanes (f64). */
// @ts-ignore: decorator
@inline function dot8(t: usize, pq: usize): f64 {
  const s0 = f64x2.add(f64x2.mul(v128.load(t), v128.load(pq)), f64x2.mul(v128.load(t, 16), v128.load(pq, 16)));
  const s1 = f64x2.add(f64x2.mul(v128.load(t, 32), v128.load(pq, 32)), f64x2.mul(v128.load(t, 48), v128.load(pq, 48)));
  const s = f64x2.add(s0, s1);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

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
 * b_i tp_i + b_i^2 ||pq||^2 (dreslev). So tt carries the scores to later weights e, up against the same Q, and
 * for a later p the cross term is a_i^T (Q pq), one matvec instead of this O(nnz k) pass. With
 * `single` (k a multiple of 8) Q holds f32 and a_i^T Q is summed in f32, as in dcsrlev.
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block
 *   Q[d*k]     f64 (f32 when single)  row-major
 *   pq[k]      f64
 *   tmp[max(k, 16)] f64  scratch
 *   tt[nrows], tp[nrows] f64  written
 *
 * Complexity: O(nnz k + nrows k), SIMD along k (k a multiple of 8 keeps its sums in registers, 8
 * columns at a time, 16 when single).
 */
export function dcsrjlev(
  nrows: i32, Ap: usize, Aj: usize, Ax: usize, Q: usize, k: i32, pq: usize, single: bool, tmp: usize, tt: usize, tp: usize,
): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    let ss = 0.0;
    let sp = 0.0;
    if ((k & 7) == 0) {
      // k a multiple of 8 (the common JL widths): columns of t_i in chunks summed in four registers
      // (eight f64 sums, or sixteen f32 ones when single); both sums run over the chunks.
      for (let c = 0; c < k; ) {
        let n = 8;
        if (!single) {
          ss += rowTimesQ8(start, end, Ax, Aj, Q + (<usize>c << 3), k, tmp);
        } else if (c + 16 <= k) {
          ss += rowTimesQs(start, end, Ax, Aj, Q + (<usize>c << 2), k, true, tmp);
          n = 16;
        } else {
          ss += rowTimesQs(start, end, Ax, Aj, Q + (<usize>c << 2), k, false, tmp);
        }
        const pc = pq + (<usize>c << 3);
        sp += dot8(tmp, pc);
        if (n == 16) sp += dot8(tmp + 64, pc + 64);
        c += n;
      }
    } else {
      memory.fill(tmp, 0, <usize>k << 3);
      for (let q = start; q < end; q++) {
        const j = <usize>load<i32>(Aj + (<usize>q << 2));
        daxpy(k, load<f64>(Ax + (<usize>q << 3)), Q + ((j * <usize>k) << 3), tmp);
      }
      ss = ddot(k, tmp, tmp);
      sp = ddot(k, tmp, pq);
    }
    const o = <usize>i << 3;
    store<f64>(tt + o, ss);
    store<f64>(tp + o, sp);
    start = end;
  }
}
