// SPDX-License-Identifier: MIT
import { daxpy } from "../simd";

// Rows of M taken per sweep over C: the chunk stays in cache while each row of C is updated.
const CHUNK = 8;

/**
 * C = M^T M for a dense row-major M (m x d): the Gram of a sketch.
 *
 *   M[m*d]  f64
 *   C[d*d]  f64  row-major; the lower triangle (C[l*d + j], j <= l) is overwritten, the rest untouched
 *
 * Complexity: O(m d^2 / 2) multiply-adds, SIMD along rows of C.
 * see: BLAS dsyrk (uplo = 'L', trans = 'T').
 */
export function dsyrk(m: i32, d: i32, M: usize, C: usize): void {
  for (let l = 0; l < d; l++) memory.fill(C + ((<usize>l * <usize>d) << 3), 0, <usize>(l + 1) << 3);
  for (let r0 = 0; r0 < m; r0 += CHUNK) {
    const r1 = min(r0 + CHUNK, m);
    for (let l = 0; l < d; l++) {
      const Crow = C + ((<usize>l * <usize>d) << 3);
      for (let r = r0; r < r1; r++) {
        const Mrow = M + ((<usize>r * <usize>d) << 3);
        const c = load<f64>(Mrow + (<usize>l << 3));
        if (c != 0.0) daxpy(l + 1, c, Mrow, Crow);
      }
    }
  }
}
