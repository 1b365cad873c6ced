// SPDX-License-Identifier: MIT
import { ddot } from "../simd";

/**
 * Cholesky factorization A = L L^T in place (LAPACK dpotrf, uplo = 'U' in column-major terms).
 *
 *   n        i32
 *   A[n*n]   f64  row-major; reads the lower triangle, overwrites it with L; upper part untouched
 *
 * Returns the LAPACK info: 0 on success, k > 0 if the leading minor of order k is not positive
 * definite (the factorization stops there; a NaN pivot counts as not positive definite).
 * Row-oriented (Cholesky-Crout) so that every inner product runs over contiguous memory.
 * Complexity: n^3 / 6 multiply-adds.
 * see: LAPACK dpotf2; Golub and Van Loan, Algorithm 4.2.1.
 */
export function dpotrf(n: i32, A: usize): i32 {
  for (let i = 0; i < n; i++) {
    const Li = A + ((<usize>i * <usize>n) << 3);
    for (let j = 0; j < i; j++) {
      const Lj = A + ((<usize>j * <usize>n) << 3);
      const s = load<f64>(Li + (<usize>j << 3)) - ddot(j, Li, Lj);
      store<f64>(Li + (<usize>j << 3), s / load<f64>(Lj + (<usize>j << 3)));
    }
    const s = load<f64>(Li + (<usize>i << 3)) - ddot(i, Li, Li);
    if (!(s > 0.0)) return i + 1;
    store<f64>(Li + (<usize>i << 3), Math.sqrt(s));
  }
  return 0;
}
