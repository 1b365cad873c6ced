// SPDX-License-Identifier: MIT
import { rowAxpy } from "../simd";
import { hash64 } from "../rng";

/**
 * S += Phi diag(sqrt(D)) A for a CSR row block, Phi a CountSketch: row i of the whole matrix goes to
 * bucket h(i) in [0, m) with sign s(i), both drawn from hash64(key, rowOffset + i). Because the
 * draw depends only on the global row index, the sum of the blocks' partial sketches is the same
 * sketch for any split of A into blocks or threads.
 *
 *   Ap[nrows+1] i32, Aj[nnz] i32, Ax[nnz] f64   the block (columns sorted and unique per row)
 *   D[nrows]    f64  non-negative row weights
 *   keyLo, keyHi u32 the 64-bit sketch key; rowOffset i32 global index of the block's first row
 *   m, d        i32  sketch rows, ncols
 *   S[m*d]      f64  row-major, updated
 *
 * Complexity: O(nrows + nnz).
 * see: Clarkson and Woodruff, "Low rank approximation and regression in input sparsity time".
 */
export function dcsr_countsketch(
  nrows: i32, Ap: usize, Aj: usize, Ax: usize, D: usize,
  keyLo: u32, keyHi: u32, rowOffset: i32, m: i32, d: i32, S: usize,
): void {
  const key = (<u64>keyHi << 32) | <u64>keyLo;
  let start = load<i32>(Ap);
  for (let i = 0; i < nrows; i++) {
    const end = load<i32>(Ap + ((<usize>i + 1) << 2));
    const di = load<f64>(D + (<usize>i << 3));
    if (end > start && di > 0.0) {
      const h = hash64(key, <u64>(rowOffset + i));
      const bucket = <i32>((h >> 32) % <u64>m);
      const c = (h & 1) != 0 ? -Math.sqrt(di) : Math.sqrt(di);
      rowAxpy(start, end, c, Aj, Ax, S + ((<usize>bucket * <usize>d) << 3));
    }
    start = end;
  }
}
