// SPDX-License-Identifier: MIT
import { ddot, daxpy, rowTimesQ8, rowTimesQs } from "../simd";

/**
 * The JL row products behind approximate leverage scores of G = diag(sqrt(D)) A, for a CSR row block:
 *
 *   tt[i] = || a_i^T Q ||^2,   Q = R^{-1} Pi  (d x k)
 *
 * where R^T R approximates G^T G (from a sketch) and Pi is a d x k Gaussian JL matrix scaled by
 * 1/sqrt(k); row i's score is D[i] tt[i] (dlevsample), and the scores sum to about rank(G) (math.md
 * section 3, step 1). Every row's product is formed, whatever its weight now, so that tt scores later
 * weights against the same Q without this pass. With `single` (k a multiple of 8) Q holds f32 and
 * the row products are summed in f32: half the instructions, for scores that only need a constant
 * factor; the caller decides when R is conditioned well enough.
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block
 *   Q[d*k]      f64 (f32 when single)  row-major
 *   tmp[max(k, 16)] f64  scratch
 *   tt[nrows]   f64  written
 *
 * Complexity: O(nnz k), SIMD along k (k a multiple of 8 keeps its sums in registers, 8 columns at a
 * time, 16 when single).
 */
export function dcsrlev(nrows: i32, Ap: usize, Aj: usize, Ax: usize, Q: usize, k: i32, single: bool, tmp: usize, tt: usize): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    let li = 0.0;
    if (end > start && single) {
      // Sixteen columns of f32 sums a chunk, eight for a tail of 8.
      let ss = 0.0;
      let c = 0;
      for (; c + 16 <= k; c += 16) ss += rowTimesQs(start, end, Ax, Aj, Q + (<usize>c << 2), k, true, tmp);
      if (c < k) ss += rowTimesQs(start, end, Ax, Aj, Q + (<usize>c << 2), k, false, tmp);
      li = ss;
    } else if (end > start && (k & 7) == 0) {
      // k a multiple of 8 (the common JL widths): eight columns of a_i^T Q at a time, their running
      // sums in four registers; the row stays in cache between the chunks.
      let ss = 0.0;
      for (let c = 0; c < k; c += 8) {
        ss += rowTimesQ8(start, end, Ax, Aj, Q + (<usize>c << 3), k, tmp);
      }
      li = ss;
    } else if (end > start) {
      memory.fill(tmp, 0, <usize>k << 3);
      for (let p = start; p < end; p++) {
        const j = <usize>load<i32>(Aj + (<usize>p << 2));
        daxpy(k, load<f64>(Ax + (<usize>p << 3)), Q + ((j * <usize>k) << 3), tmp);
      }
      li = ddot(k, tmp, tmp);
    }
    store<f64>(tt + (<usize>i << 3), li);
    start = end;
  }
}
