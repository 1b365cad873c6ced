// SPDX-License-Identifier: MIT
import { ddot, daxpy, rowTimesQ8, rowTimesQs } from "../simd";

/** || up t - b pq ||^2 over eight lanes of t and pq (f64). */
// @ts-ignore: decorator
@inline function jnorm8(t: usize, pq: usize, up: f64, b: f64): f64 {
  const u = f64x2.splat(up);
  const bv = f64x2.splat(b);
  const j0 = f64x2.sub(f64x2.mul(u, v128.load(t)), f64x2.mul(bv, v128.load(pq)));
  const j1 = f64x2.sub(f64x2.mul(u, v128.load(t, 16)), f64x2.mul(bv, v128.load(pq, 16)));
  const j2 = f64x2.sub(f64x2.mul(u, v128.load(t, 32)), f64x2.mul(bv, v128.load(pq, 32)));
  const j3 = f64x2.sub(f64x2.mul(u, v128.load(t, 48)), f64x2.mul(bv, v128.load(pq, 48)));
  const s = f64x2.add(f64x2.add(f64x2.mul(j0, j0), f64x2.mul(j1, j1)), f64x2.add(f64x2.mul(j2, j2), f64x2.mul(j3, j3)));
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/**
 * Approximate leverage scores of the rescaled Hessian's stacked PSD factor
 * [diag(sqrt(max(e,0))) A ; J], J = diag(up) A - b p^T (math.md section 3, last paragraph), for a
 * CSR row block, in input-sparsity time: with t_i = a_i^T Q and pq = p^T Q (a k-vector, formed
 * once by the caller),
 *
 *   lev[i]  = max(e_i, 0) ||t_i||^2                row i of the upper half
 *   levJ[i] = || up_i t_i - b_i pq ||^2            row i of J:  j_i^T Q = up_i t_i - b_i pq
 *
 * where Q = R^{-1} Pi (d x k), R^T R approximating the factor's Gram, Pi a JL map scaled by 1/sqrt(k).
 * With `single` (k a multiple of 8) Q holds f32 and a_i^T Q is summed in f32, as in dcsrlev.
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block
 *   e[nrows], up[nrows], b[nrows] f64
 *   Q[d*k]     f64 (f32 when single)  row-major
 *   pq[k]      f64
 *   tmp[max(k, 16)] f64  scratch
 *   lev[nrows], levJ[nrows] f64  written
 *
 * Complexity: O(nnz k + nrows k), SIMD along k (k a multiple of 8 keeps its sums in registers, 8
 * columns at a time, 16 when single).
 */
export function dcsrjlev(
  nrows: i32, Ap: usize, Aj: usize, Ax: usize, e: usize, up: usize, b: usize,
  Q: usize, k: i32, pq: usize, single: bool, tmp: usize, lev: usize, levJ: usize,
): void {
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const o = <usize>i << 3;
    const ei = load<f64>(e + o);
    const upi = load<f64>(up + o);
    const bi = load<f64>(b + o);
    let tt = 0.0;
    let jj = 0.0;
    if ((k & 7) == 0) {
      // k a multiple of 8 (the common JL widths): columns of t_i in chunks summed in four registers
      // (eight f64 sums, or sixteen f32 ones when single), then j_i^T Q = up_i t_i - b_i pq eight
      // lanes at a time; both norms are sums over the chunks.
      for (let c = 0; c < k; ) {
        let n = 8;
        if (!single) {
          tt += rowTimesQ8(start, end, Ax, Aj, Q + (<usize>c << 3), k, tmp);
        } else if (c + 16 <= k) {
          tt += rowTimesQs(start, end, Ax, Aj, Q + (<usize>c << 2), k, true, tmp);
          n = 16;
        } else {
          tt += rowTimesQs(start, end, Ax, Aj, Q + (<usize>c << 2), k, false, tmp);
        }
        const pc = pq + (<usize>c << 3);
        jj += jnorm8(tmp, pc, upi, bi);
        if (n == 16) jj += jnorm8(tmp + 64, pc + 64, upi, bi);
        c += n;
      }
    } else {
      memory.fill(tmp, 0, <usize>k << 3);
      for (let q = start; q < end; q++) {
        const j = <usize>load<i32>(Aj + (<usize>q << 2));
        daxpy(k, load<f64>(Ax + (<usize>q << 3)), Q + ((j * <usize>k) << 3), tmp);
      }
      tt = ddot(k, tmp, tmp);
      for (let c = 0; c < k; c++) {
        const v = upi * load<f64>(tmp + (<usize>c << 3)) - bi * load<f64>(pq + (<usize>c << 3));
        jj += v * v;
      }
    }
    store<f64>(lev + o, ei > 0.0 ? ei * tt : 0.0);
    store<f64>(levJ + o, jj);
    start = end;
  }
}
