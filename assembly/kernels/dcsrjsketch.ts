// SPDX-License-Identifier: MIT
import { daxpy, rowAxpy } from "../simd";
import { hash64 } from "../rng";

/**
 * S += Phi_E diag(sqrt(max(e,0))) A + Phi_J J for a CSR row block, Phi_E and Phi_J two CountSketches
 * into the same m buckets: one sketch of the rescaled Hessian's stacked PSD factor
 * [diag(sqrt(max(e,0))) A ; J] (math.md sections 2-3), whose lower half is
 *
 *   J = diag(up) A - b p^T,   p = A^T u' (a global d-vector: each row of J is dense)
 *
 * Both halves of row i come from a_i, so one pass over A sketches the whole factor. Rows of J are
 * never formed: row i adds s_i up_i a_i (sparse) to bucket h(i) and s_i b_i to sb[h(i)]; the dense
 * part is one update S[h,:] -= sb[h] p per bucket at the end, so the cost stays O(nnz + m d) rather
 * than O(nrows d). Each half's signs and buckets come from hash64(its key, rowOffset + i) exactly as
 * in dcsr_countsketch (the upper half is dcsr_countsketch with D = max(e, 0) and keyE), so the
 * blocks' partial sketches add up to one sketch for any split of A.
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (columns sorted and unique per row)
 *   e[nrows]   f64  the rescaled weights (rows with e_i <= 0 add nothing to the upper half)
 *   up[nrows], b[nrows] f64   u' and b on the block's rows (up may be negative: cosh)
 *   p[d]       f64
 *   keyELo, keyEHi, keyLo, keyHi u32   the upper and lower halves' keys
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
  keyELo: u32, keyEHi: u32, keyLo: u32, keyHi: u32, rowOffset: i32, m: i32, d: i32, sb: usize, S: usize,
): void {
  const keyE = (<u64>keyEHi << 32) | <u64>keyELo;
  const key = (<u64>keyHi << 32) | <u64>keyLo;
  memory.fill(sb, 0, <usize>m << 3);
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const ei = load<f64>(e + (<usize>i << 3));
    if (end > start && ei > 0.0) {
      const hE = hash64(keyE, <u64>(rowOffset + i));
      const bucketE = <i32>((hE >> 32) % <u64>m);
      rowAxpy(start, end, (hE & 1) != 0 ? -Math.sqrt(ei) : Math.sqrt(ei), Aj, Ax, S + ((<usize>bucketE * <usize>d) << 3));
    }
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
