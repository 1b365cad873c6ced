// SPDX-License-Identifier: MIT
import { ddot, daxpy } from "../simd";

/**
 * Solves L L^T x = b in place with the factor from dpotrf (LAPACK dpotrs, one right-hand side).
 *
 *   L[n*n]  f64  row-major lower triangle from dpotrf
 *   x[n]    f64  b on entry, the solution on exit
 *
 * Forward substitution by inner products over rows of L, backward substitution by axpys over
 * rows of L, so both sweeps read L contiguously. Complexity: n^2 multiply-adds.
 */
export function dpotrs(n: i32, L: usize, x: usize): void {
  for (let i = 0; i < n; i++) {
    const Li = L + ((<usize>i * <usize>n) << 3);
    const xi = x + (<usize>i << 3);
    store<f64>(xi, (load<f64>(xi) - ddot(i, Li, x)) / load<f64>(Li + (<usize>i << 3)));
  }
  for (let i = n - 1; i >= 0; i--) {
    const Li = L + ((<usize>i * <usize>n) << 3);
    const xi = x + (<usize>i << 3);
    const v = load<f64>(xi) / load<f64>(Li + (<usize>i << 3));
    store<f64>(xi, v);
    daxpy(i, -v, Li, x);
  }
}
