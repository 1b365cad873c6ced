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
 * Leading zeros of a row of A stay zeros of L (its envelope), so each row's work starts at its
 * first nonzero, rounded down to a multiple of 4: ddot's lanes then meet the same products in the
 * same order, and the skipped ones are exact zeros, so the bits are those of the full loops.
 * Complexity: n^3 / 6 multiply-adds for a full matrix; O(n^2) for a diagonal one (the Gram of
 * one-hot rows), sum_i (i - f_i)^2 / 2 for rows whose first nonzero is f_i.
 * see: LAPACK dpotf2; Golub and Van Loan, Algorithm 4.2.1; George and Liu, envelope methods.
 */
export function dpotrf(n: i32, A: usize): i32 {
  for (let i = 0; i < n; i++) {
    const Li = A + ((<usize>i * <usize>n) << 3);
    let first = 0;
    while (first < i && load<f64>(Li + (<usize>first << 3)) == 0.0) first++;
    const k0 = first & ~3;
    const Lk = Li + (<usize>k0 << 3);
    for (let j = first; j < i; j++) {
      const Lj = A + ((<usize>j * <usize>n) << 3);
      const s = load<f64>(Li + (<usize>j << 3)) - ddot(j - k0, Lk, Lj + (<usize>k0 << 3));
      store<f64>(Li + (<usize>j << 3), s / load<f64>(Lj + (<usize>j << 3)));
    }
    const s = load<f64>(Li + (<usize>i << 3)) - ddot(i - k0, Lk, Lk);
    if (!(s > 0.0)) return i + 1;
    store<f64>(Li + (<usize>i << 3), Math.sqrt(s));
  }
  return 0;
}
