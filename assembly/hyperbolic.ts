// SPDX-License-Identifier: MIT
// cosh and sinh of one argument together, for the pointwise passes (dhypweights, dresrows) that need
// both at every row: Math.cosh and Math.sinh take an exponential each, and in a pass over rows of
// ten nonzeros those two were half the time.
import { expx2 } from "./exp";

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

/** sinh of the last argument of coshSinhx2. */
export let SINH2: v128 = f64x2.splat(0.0);

/**
 * coshSinh of both lanes of z, each lane bit for bit coshSinh's (the same operations; expx2 gives
 * Math.exp's bits). A pair on both sides of |z| = 1 takes both branches and each lane keeps its own;
 * the exponential's branch then sees at least 1, so no lane below 1 sends expx2 to its scalar path.
 */
// @ts-ignore: decorator
@inline export function coshSinhx2(z: v128): v128 {
  const a = f64x2.abs(z);
  const small = f64x2.lt(a, f64x2.splat(1.0));
  let c: v128;
  let s: v128;
  if (i64x2.all_true(small)) {
    s = sinhSeriesx2(a);
    c = f64x2.sqrt(f64x2.add(f64x2.splat(1.0), f64x2.mul(s, s)));
  } else if (!v128.any_true(small)) {
    c = coshExpx2(a);
    s = SINH2;
  } else {
    const sSeries = sinhSeriesx2(a);
    const cSeries = f64x2.sqrt(f64x2.add(f64x2.splat(1.0), f64x2.mul(sSeries, sSeries)));
    c = v128.bitselect(cSeries, coshExpx2(f64x2.pmax(a, f64x2.splat(1.0))), small);
    s = v128.bitselect(sSeries, SINH2, small);
  }
  // copysign: s >= 0 (or NaN), so z's sign bit is or-ed in after clearing s's.
  const sign = f64x2.splat(-0.0);
  SINH2 = v128.or(v128.andnot(s, sign), v128.and(z, sign));
  return c;
}

/** coshSinh's series for sinh a, a = |z| < 1, on both lanes. */
// @ts-ignore: decorator
@inline function sinhSeriesx2(a: v128): v128 {
  const a2 = f64x2.mul(a, a);
  const a4 = f64x2.mul(a2, a2);
  const a8 = f64x2.mul(a4, a4);
  const p01 = f64x2.add(f64x2.splat(1.0), f64x2.mul(a2, f64x2.splat(0.16666666666666666)));
  const p23 = f64x2.add(f64x2.splat(0.008333333333333333), f64x2.mul(a2, f64x2.splat(0.0001984126984126984)));
  const p45 = f64x2.add(f64x2.splat(2.7557319223985893e-6), f64x2.mul(a2, f64x2.splat(2.505210838544172e-8)));
  const p67 = f64x2.add(f64x2.splat(1.6059043836821613e-10), f64x2.mul(a2, f64x2.splat(7.647163731819816e-13)));
  const p89 = f64x2.add(f64x2.splat(2.8114572543455206e-15), f64x2.mul(a2, f64x2.splat(8.22063524662433e-18)));
  return f64x2.mul(a, f64x2.add(f64x2.add(p01, f64x2.mul(a4, p23)), f64x2.mul(a8, f64x2.add(f64x2.add(p45, f64x2.mul(a4, p67)), f64x2.mul(a8, p89)))));
}

/** coshSinh's branch from e = exp(a), a = |z| >= 1, on both lanes: returns cosh, leaves sinh in SINH2. */
// @ts-ignore: decorator
@inline function coshExpx2(a: v128): v128 {
  const e = expx2(a);
  const ie = f64x2.div(f64x2.splat(1.0), e);
  const half = f64x2.splat(0.5);
  SINH2 = f64x2.mul(half, f64x2.sub(e, ie));
  return f64x2.mul(half, f64x2.add(e, ie));
}
