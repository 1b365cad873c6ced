// SPDX-License-Identifier: MIT
// d-vector arithmetic of the Newton loop (d is small next to n: plain loops are enough here).

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm2(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}
