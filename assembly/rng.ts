// SPDX-License-Identifier: MIT
// Counter-based random numbers: every value is a pure function of (key, counter), so a sketch
// drawn for row i of block b is the same whichever thread draws it and in whatever order.
// see: Steele, Lea, Flood, "Fast splittable pseudorandom number generators" (splitmix64 finalizer).

// @ts-ignore: decorator
@inline export function mix64(x: u64): u64 {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

/** 64 random bits for (key, counter). */
// @ts-ignore: decorator
@inline export function hash64(key: u64, counter: u64): u64 {
  return mix64(key + (counter + 1) * 0x9e3779b97f4a7c15);
}

/** Uniform in [0, 1) with 53 random bits. */
// @ts-ignore: decorator
@inline export function uniform01(bits: u64): f64 {
  return <f64>(bits >> 11) * 1.1102230246251565e-16;
}
