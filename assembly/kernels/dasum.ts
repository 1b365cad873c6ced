// SPDX-License-Identifier: MIT

/**
 * Returns sum_i |x[i]| for x[n] f64: a plain streaming read, the bandwidth yardstick that the
 * benchmarks hold the sparse passes against (BLAS dasum).
 *
 * Complexity: n reads, four f64x2 accumulators so the adds do not serialize.
 */
export function dasum(n: i32, x: usize): f64 {
  let a0 = f64x2.splat(0.0);
  let a1 = f64x2.splat(0.0);
  let a2 = f64x2.splat(0.0);
  let a3 = f64x2.splat(0.0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = x + (<usize>i << 3);
    a0 = f64x2.add(a0, f64x2.abs(v128.load(p)));
    a1 = f64x2.add(a1, f64x2.abs(v128.load(p, 16)));
    a2 = f64x2.add(a2, f64x2.abs(v128.load(p, 32)));
    a3 = f64x2.add(a3, f64x2.abs(v128.load(p, 48)));
  }
  const a = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (; i < n; i++) s += Math.abs(load<f64>(x + (<usize>i << 3)));
  return s;
}
