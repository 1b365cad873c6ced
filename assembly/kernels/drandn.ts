// SPDX-License-Identifier: MIT
import { hash64, uniform01 } from "../rng";

/**
 * out[i] = a standard normal draw for counter (counter0 + i) under a 64-bit key, by Box-Muller on
 * two counter-based uniforms: a pure function of (key, counter), for the JL matrix of dcsrlev.
 *
 *   keyLo, keyHi u32, counter0 i32, n i32, out[n] f64 written. Complexity: O(n).
 */
export function drandn(keyLo: u32, keyHi: u32, counter0: i32, n: i32, out: usize): void {
  const key = (<u64>keyHi << 32) | <u64>keyLo;
  for (let i = 0; i < n; i++) {
    const c = <u64>(counter0 + i) << 1;
    const u1 = uniform01(hash64(key, c));
    const u2 = uniform01(hash64(key, c + 1));
    const r = Math.sqrt(-2.0 * Math.log(1.0 - u1));
    store<f64>(out + (<usize>i << 3), r * Math.cos(6.283185307179586 * u2));
  }
}
