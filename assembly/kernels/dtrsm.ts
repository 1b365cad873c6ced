// SPDX-License-Identifier: MIT
import { daxpy } from "../simd";

/**
 * Solves L^T X = B in place for k right-hand sides (BLAS dtrsm, side = 'L', uplo = 'L', trans = 'T').
 * With L L^T = G^T G this gives X = L^{-T} B, the map whose row products give approximate leverage
 * scores (dcsrlev).
 *
 *   L[n*n]  f64  row-major lower triangle from dpotrf
 *   X[n*k]  f64  row-major; B on entry, X on exit
 *
 * Complexity: n^2 k / 2 multiply-adds, SIMD along the k columns.
 */
export function dtrsm(n: i32, k: i32, L: usize, X: usize): void {
  for (let i = n - 1; i >= 0; i--) {
    const Li = L + ((<usize>i * <usize>n) << 3);
    const Xi = X + ((<usize>i * <usize>k) << 3);
    const inv = 1.0 / load<f64>(Li + (<usize>i << 3));
    for (let c = 0; c < k; c++) store<f64>(Xi + (<usize>c << 3), load<f64>(Xi + (<usize>c << 3)) * inv);
    for (let j = 0; j < i; j++) {
      const lij = load<f64>(Li + (<usize>j << 3));
      if (lij != 0.0) daxpy(k, -lij, Xi, X + ((<usize>j * <usize>k) << 3));
    }
  }
}
