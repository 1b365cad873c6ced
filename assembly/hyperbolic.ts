// SPDX-License-Identifier: MIT
// cosh and sinh of one argument together, for the pointwise passes (dhypweights, dresrows) that need
// both at every row: Math.cosh and Math.sinh take an exponential each, and in a pass over rows of
// ten nonzeros those two were half the time.

/** sinh of the last argument of coshSinh. */
export let SINH: f64 = 0.0;

/**
 * Returns cosh(z) and leaves sinh(z) in SINH. Below |z| = 1, with no exponential: sinh from its
 * Taylor series to z^19 (the next term is under 2e-20 of the sum), cosh = sqrt(1 + sinh^2), which
 * a square root does in fewer operations than cosh's own series. Above, from e = exp(|z|):
 * cosh = (e + 1/e) / 2, a sum of positives, and sinh = (e - 1/e) / 2, whose difference loses at
 * most coth(1) = 1.31x. Both are within a few ulps; sinh keeps z's sign (sinh(-0) = -0) and
 * NaN stays NaN. Past |z| = 709.78 both are infinite (Math's stay finite to 710.47), where every use
 * squares them and overflows anyway.
 */
// @ts-ignore: decorator
@inline export function coshSinh(z: f64): f64 {
  const a = Math.abs(z);
  let c: f64, s: f64;
  if (a < 1.0) {
    const a2 = a * a;
    // Estrin's scheme: 9 dependent steps where Horner's rule takes 19; the row was latency-bound.
    const a4 = a2 * a2;
    const a8 = a4 * a4;
    const p01 = 1.0 + a2 * 0.16666666666666666;
    const p23 = 0.008333333333333333 + a2 * 0.0001984126984126984;
    const p45 = 2.7557319223985893e-6 + a2 * 2.505210838544172e-8;
    const p67 = 1.6059043836821613e-10 + a2 * 7.647163731819816e-13;
    const p89 = 2.8114572543455206e-15 + a2 * 8.22063524662433e-18;
    s = a * ((p01 + a4 * p23) + a8 * ((p45 + a4 * p67) + a8 * p89));
    c = Math.sqrt(1.0 + s * s);
  } else {
    const e = Math.exp(a);
    const ie = 1.0 / e;
    c = 0.5 * (e + ie);
    s = 0.5 * (e - ie);
  }
  SINH = copysign<f64>(s, z);
  return c;
}
