// SPDX-License-Identifier: MIT
import { daxpy, rowAxpy } from "../simd";
import { hash64 } from "../rng";

/**
 * S += Phi J for a CSR row block, Phi a CountSketch, J the lower half of the rescaled Hessian's
 * PSD factor (math.md sections 2-3):
 *
 *   J = diag(up) A - b p^T,   p = A^T u' (a global d-vector: each row of J is dense)
 *
 * Rows of J are never formed: row i adds s_i up_i a_i (sparse) to bucket h(i) and s_i b_i to
 * sb[h(i)]; the dense part is one update S[h,:] -= sb[h] p per bucket at the end, so the cost stays
 * O(nnz + m d) rather than O(nrows d). Signs and buckets come from hash64(key, rowOffset + i)
 * exactly as in dcsr_countsketch, so the blocks' partial sketches add up to one sketch of J for
 * any split of A, and with a second key the two kernels together sketch the stacked factor
 * [diag(sqrt(max(e,0))) A ; J].
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (columns sorted and unique per row)
 *   up[nrows], b[nrows] f64   u' and b on the block's rows (up may be negative: cosh)
 *   p[d]       f64
 *   keyLo, keyHi u32, rowOffset i32   as in dcsr_countsketch
 *   m, d       i32  sketch rows, ncols
 *   sb[m]      f64  scratch
 *   S[m*d]     f64  row-major, updated
 *
 * Complexity: O(nrows + nnz + m d).
 * see: Clarkson and Woodruff, "Low rank approximation and regression in input sparsity time".
 */
export function dcsrjsketch(
  nrows: i32, Ap: usize, Aj: usize, Ax: usize, up: usize, b: usize, p: usize,
  keyLo: u32, keyHi: u32, rowOffset: i32, m: i32, d: i32, sb: usize, S: usize,
): void {
  const key = (<u64>keyHi << 32) | <u64>keyLo;
  memory.fill(sb, 0, <usize>m << 3);
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const h = hash64(key, <u64>(rowOffset + i));
    const bucket = <i32>((h >> 32) % <u64>m);
    const sign: f64 = (h & 1) != 0 ? -1.0 : 1.0;
    const sbj = sb + (<usize>bucket << 3);
    store<f64>(sbj, load<f64>(sbj) + sign * load<f64>(b + (<usize>i << 3)));
    const c = sign * load<f64>(up + (<usize>i << 3));
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
