// SPDX-License-Identifier: MIT
import { daxpy as axpy } from "../simd";

/**
 * y += a x for x[n], y[n] f64 (BLAS daxpy). Moves z = A x along an accepted step, z += t A dx,
 * without another pass over A.
 *
 * Complexity: O(n), SIMD.
 */
export function daxpy(n: i32, a: f64, x: usize, y: usize): void {
  axpy(n, a, x, y);
}
