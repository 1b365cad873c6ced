// SPDX-License-Identifier: MIT
import { daxpy, rowAxpy } from "../simd";
import { hash64 } from "../rng";

/**
 * S += Phi [diag(sqrt(max(e,0))) A ; J] for a CSR row block: a CountSketch of the rescaled Hessian's
 * stacked PSD factor (math.md sections 2-3), whose lower half is
 *
 *   J = diag(up) A - b p^T,   p = A^T u' (a global d-vector: each row of J is dense)
 *
 * Both halves of row i are multiples of a_i (plus J's dense b_i p), so Phi sends them to the same
 * bucket h(i) with independent signs s_i (J) and s'_i (upper half): the row adds
 * (s_i up_i + s'_i sqrt(max(e_i,0))) a_i in one axpy, and s_i b_i to sb[h(i)]; the dense part is one
 * update S[h,:] -= sb[h] p per bucket at the end, so the cost stays O(nnz + m d) rather than
 * O(nrows d). The Gram S^T S is still unbiased for the factor's Gram: the pair's cross term
 * s_i s'_i (u_i j_i^T + j_i u_i^T) has mean zero, and it adds to the sketch's error only about the
 * pair's own leverage, as a collision of two rows would. The sketch only sets R for leverage
 * estimates, which need it to a constant factor. Bucket and signs come from hash64(key, rowOffset
 * + i) (high 32 bits mod m, bit 0, bit 1), so the blocks' partial sketches add up to one sketch for
 * any split of A.
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (columns sorted and unique per row)
 *   e[nrows]   f64  the rescaled weights (rows with e_i <= 0 add nothing to the upper half)
 *   up[nrows], b[nrows] f64   u' and b on the block's rows (up may be negative: cosh)
 *   p[d]       f64
 *   keyLo, keyHi u32
 *   rowOffset  i32  global index of the block's first row
 *   m, d       i32  sketch rows, ncols
 *   sb[m]      f64  scratch
 *   S[m*d]     f64  row-major, updated
 *
 * Complexity: O(nrows + nnz + m d).
 * see: Clarkson and Woodruff, "Low rank approximation and regression in input sparsity time".
 */
export function dcsrjsketch(
  nrows: i32, Ap: usize, Aj: usize, Ax: usize, e: usize, up: usize, b: usize, p: usize,
  keyLo: u32, keyHi: u32, rowOffset: i32, m: i32, d: i32, sb: usize, S: usize,
): void {
  const key = (<u64>keyHi << 32) | <u64>keyLo;
  memory.fill(sb, 0, <usize>m << 3);
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const o = <usize>i << 3;
    const h = hash64(key, <u64>(rowOffset + i));
    const bucket = <i32>((h >> 32) % <u64>m);
    const sign: f64 = (h & 1) != 0 ? -1.0 : 1.0;
    const sbj = sb + (<usize>bucket << 3);
    store<f64>(sbj, load<f64>(sbj) + sign * load<f64>(b + o));
    let c = sign * load<f64>(up + o);
    const ei = load<f64>(e + o);
    if (ei > 0.0) c += (h & 2) != 0 ? -Math.sqrt(ei) : Math.sqrt(ei);
    if (end > start && c != 0.0) {
      rowAxpy(start, end, c, Aj, Ax, S + ((<usize>bucket * <usize>d) << 3));
    }
    start = end;
  }
  for (let r = 0; r < m; r++) {
    const s = load<f64>(sb + (<usize>r << 3));
    if (s != 0.0) daxpy(d, -s, p, S + ((<usize>r * <usize>d) << 3));
  }
}
