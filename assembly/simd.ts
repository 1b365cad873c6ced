// SPDX-License-Identifier: MIT
// Dense level-1 helpers shared by the kernels. Inlined, so each kernel stays one
// allocation-free loop nest. Bodies run two lanes of f64x2 at a time with a scalar tail.

/** Returns sum_k x[k] * y[k] for x[n], y[n] (byte pointers). */
// @ts-ignore: decorator
@inline export function ddot(n: i32, x: usize, y: usize): f64 {
  let acc0 = f64x2.splat(0.0);
  let acc1 = f64x2.splat(0.0);
  let k = 0;
  // Two accumulators hide the latency of the dependent adds.
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
  }
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  acc0 = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
  for (; k < n; k++) {
    const o = <usize>k << 3;
    s += load<f64>(x + o) * load<f64>(y + o);
  }
  return s;
}

/**
 * Returns ddot(n, x, y) and does daxpy(n, a, p, q), with the bits of each, in one loop: a fused pass
 * over dense rows takes the dot of the row arriving from memory while the row before it, already in
 * cache, is added into q, so the loads of the one overlap the arithmetic of the other.
 */
// @ts-ignore: decorator
@inline export function ddotAxpy(n: i32, x: usize, y: usize, a: f64, p: usize, q: usize): f64 {
  const av = f64x2.splat(a);
  let acc0 = f64x2.splat(0.0);
  let acc1 = f64x2.splat(0.0);
  let k = 0;
  // The same accumulators and order as ddot.
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
    v128.store(q + o, f64x2.add(v128.load(q + o), f64x2.mul(av, v128.load(p + o))));
    v128.store(q + o, f64x2.add(v128.load(q + o, 16), f64x2.mul(av, v128.load(p + o, 16))), 16);
  }
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    v128.store(q + o, f64x2.add(v128.load(q + o), f64x2.mul(av, v128.load(p + o))));
  }
  acc0 = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
  for (; k < n; k++) {
    const o = <usize>k << 3;
    s += load<f64>(x + o) * load<f64>(y + o);
    store<f64>(q + o, load<f64>(q + o) + a * load<f64>(p + o));
  }
  return s;
}

/**
 * Returns ddot(n, x, y) and does q_c[k] += a_c * p[k] for c = 0, 1, 2, with the bits of ddot and of
 * three daxpy calls, in one loop (ddotAxpy with the three outputs of the rescaled pass).
 */
// @ts-ignore: decorator
@inline export function ddotAxpy3(n: i32, x: usize, y: usize, a0: f64, a1: f64, a2: f64, p: usize, q0: usize, q1: usize, q2: usize): f64 {
  const v0 = f64x2.splat(a0);
  const v1 = f64x2.splat(a1);
  const v2 = f64x2.splat(a2);
  let acc0 = f64x2.splat(0.0);
  let acc1 = f64x2.splat(0.0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
    const pa = v128.load(p + o);
    const pb = v128.load(p + o, 16);
    v128.store(q0 + o, f64x2.add(v128.load(q0 + o), f64x2.mul(v0, pa)));
    v128.store(q0 + o, f64x2.add(v128.load(q0 + o, 16), f64x2.mul(v0, pb)), 16);
    v128.store(q1 + o, f64x2.add(v128.load(q1 + o), f64x2.mul(v1, pa)));
    v128.store(q1 + o, f64x2.add(v128.load(q1 + o, 16), f64x2.mul(v1, pb)), 16);
    v128.store(q2 + o, f64x2.add(v128.load(q2 + o), f64x2.mul(v2, pa)));
    v128.store(q2 + o, f64x2.add(v128.load(q2 + o, 16), f64x2.mul(v2, pb)), 16);
  }
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(x + o), v128.load(y + o)));
    const pa = v128.load(p + o);
    v128.store(q0 + o, f64x2.add(v128.load(q0 + o), f64x2.mul(v0, pa)));
    v128.store(q1 + o, f64x2.add(v128.load(q1 + o), f64x2.mul(v1, pa)));
    v128.store(q2 + o, f64x2.add(v128.load(q2 + o), f64x2.mul(v2, pa)));
  }
  acc0 = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
  for (; k < n; k++) {
    const o = <usize>k << 3;
    s += load<f64>(x + o) * load<f64>(y + o);
    const pk = load<f64>(p + o);
    store<f64>(q0 + o, load<f64>(q0 + o) + a0 * pk);
    store<f64>(q1 + o, load<f64>(q1 + o) + a1 * pk);
    store<f64>(q2 + o, load<f64>(q2 + o) + a2 * pk);
  }
  return s;
}

/** y[k] += a * x[k] for k < n (byte pointers). */
// @ts-ignore: decorator
@inline export function daxpy(n: i32, a: f64, x: usize, y: usize): void {
  const av = f64x2.splat(a);
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(av, v128.load(x + o))));
  }
  for (; k < n; k++) {
    const o = <usize>k << 3;
    store<f64>(y + o, load<f64>(y + o) + a * load<f64>(x + o));
  }
}

/** y[k] += a * x[k] + b * z[k] for k < n (byte pointers): two rows into y with one pass over y. */
// @ts-ignore: decorator
@inline export function daxpy2(n: i32, a: f64, x: usize, b: f64, z: usize, y: usize): void {
  const av = f64x2.splat(a);
  const bv = f64x2.splat(b);
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.add(f64x2.mul(av, v128.load(x + o)), f64x2.mul(bv, v128.load(z + o)))));
  }
  for (; k < n; k++) {
    const o = <usize>k << 3;
    store<f64>(y + o, load<f64>(y + o) + (a * load<f64>(x + o) + b * load<f64>(z + o)));
  }
}

/**
 * y[Aj[k]] += c * Ax[k] for the nonzeros k in [start, end) of one CSR row (byte pointers; y indexed by
 * column): a SIMD axpy when the row's columns form one contiguous run, a scatter otherwise.
 */
// @ts-ignore: decorator
@inline export function rowAxpy(start: i32, end: i32, c: f64, Aj: usize, Ax: usize, y: usize): void {
  const j0 = load<i32>(Aj + (<usize>start << 2));
  if (load<i32>(Aj + (<usize>(end - 1) << 2)) - j0 == end - start - 1) {
    daxpy(end - start, c, Ax + (<usize>start << 3), y + (<usize>j0 << 3));
  } else {
    for (let k = start; k < end; k++) {
      const yj = y + (<usize>load<i32>(Aj + (<usize>k << 2)) << 3);
      store<f64>(yj, load<f64>(yj) + c * load<f64>(Ax + (<usize>k << 3)));
    }
  }
}

/**
 * out[0..8) = sum_p Ax[p] * Qc[Aj[p] * k .. + 8) over the nonzeros p in [start, end) of one CSR row
 * (byte pointers; Qc points at column c of a row-major d x k matrix Q): eight columns of a_i^T Q,
 * summed in four registers while the row streams from cache. Returns their sum of squares.
 */
// @ts-ignore: decorator
@inline export function rowTimesQ8(start: i32, end: i32, Ax: usize, Aj: usize, Qc: usize, k: i32, out: usize): f64 {
  let t0 = f64x2.splat(0.0);
  let t1 = f64x2.splat(0.0);
  let t2 = f64x2.splat(0.0);
  let t3 = f64x2.splat(0.0);
  for (let p = start; p < end; p++) {
    const a = f64x2.splat(load<f64>(Ax + (<usize>p << 3)));
    const q = Qc + ((<usize>load<i32>(Aj + (<usize>p << 2)) * <usize>k) << 3);
    t0 = f64x2.add(t0, f64x2.mul(a, v128.load(q)));
    t1 = f64x2.add(t1, f64x2.mul(a, v128.load(q, 16)));
    t2 = f64x2.add(t2, f64x2.mul(a, v128.load(q, 32)));
    t3 = f64x2.add(t3, f64x2.mul(a, v128.load(q, 48)));
  }
  v128.store(out, t0);
  v128.store(out, t1, 16);
  v128.store(out, t2, 32);
  v128.store(out, t3, 48);
  const s = f64x2.add(f64x2.add(f64x2.mul(t0, t0), f64x2.mul(t1, t1)), f64x2.add(f64x2.mul(t2, t2), f64x2.mul(t3, t3)));
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/**
 * Stores four f32 lanes as f64 at out + 8 * lane and returns their squares, pairwise summed, in f64
 * (squares of f32 sums can leave f32's range).
 */
// @ts-ignore: decorator
@inline function storeSq4(out: usize, t: v128): v128 {
  const lo = f64x2.promote_low_f32x4(t);
  const hi = f64x2.promote_low_f32x4(f32x4.shuffle(t, t, 2, 3, 2, 3));
  v128.store(out, lo);
  v128.store(out, hi, 16);
  return f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi));
}

/**
 * rowTimesQ8 in single precision, for eight columns or, when `wide`, sixteen: out[0..8|16) f64 =
 * the f32 sums of f32(Ax[p]) * Qc[Aj[p] * k ..] over the nonzeros of one CSR row, Qc pointing at
 * column c of a row-major d x k matrix of f32. Four lanes a register fit sixteen sums in the four
 * registers that hold eight f64 ones, so a nonzero costs half the instructions. Returns the sum of
 * their squares. A row whose sums leave f32's range (a square sum outside [1e-60, 1e60], or not
 * finite: extreme entries of A) is summed again in f64. `wide` is a constant at every call site, so
 * each inlined copy keeps only its own registers.
 */
// @ts-ignore: decorator
@inline export function rowTimesQs(start: i32, end: i32, Ax: usize, Aj: usize, Qc: usize, k: i32, wide: bool, out: usize): f64 {
  let t0 = f32x4.splat(0.0);
  let t1 = f32x4.splat(0.0);
  let t2 = f32x4.splat(0.0);
  let t3 = f32x4.splat(0.0);
  for (let p = start; p < end; p++) {
    const a = f32x4.splat(<f32>load<f64>(Ax + (<usize>p << 3)));
    const q = Qc + ((<usize>load<i32>(Aj + (<usize>p << 2)) * <usize>k) << 2);
    t0 = f32x4.add(t0, f32x4.mul(a, v128.load(q)));
    t1 = f32x4.add(t1, f32x4.mul(a, v128.load(q, 16)));
    if (wide) {
      t2 = f32x4.add(t2, f32x4.mul(a, v128.load(q, 32)));
      t3 = f32x4.add(t3, f32x4.mul(a, v128.load(q, 48)));
    }
  }
  let s = f64x2.add(storeSq4(out, t0), storeSq4(out + 32, t1));
  if (wide) s = f64x2.add(s, f64x2.add(storeSq4(out + 64, t2), storeSq4(out + 96, t3)));
  const ss = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  return ss >= 1e-60 && ss <= 1e60 ? ss : rowTimesQsF64(start, end, Ax, Aj, Qc, k, wide ? 16 : 8, out);
}

/** rowTimesQs's sums in f64 (Q still f32), for the rare row beyond f32's range. */
function rowTimesQsF64(start: i32, end: i32, Ax: usize, Aj: usize, Qc: usize, k: i32, n: i32, out: usize): f64 {
  memory.fill(out, 0, <usize>n << 3);
  for (let p = start; p < end; p++) {
    const a = load<f64>(Ax + (<usize>p << 3));
    const q = Qc + ((<usize>load<i32>(Aj + (<usize>p << 2)) * <usize>k) << 2);
    for (let c = 0; c < n; c++) {
      const o = out + (<usize>c << 3);
      store<f64>(o, load<f64>(o) + a * <f64>load<f32>(q + (<usize>c << 2)));
    }
  }
  let ss = 0.0;
  for (let c = 0; c < n; c++) {
    const t = load<f64>(out + (<usize>c << 3));
    ss += t * t;
  }
  return ss;
}

/** <t, pq> over eight lanes (f64). */
// @ts-ignore: decorator
@inline function dot8(t: usize, pq: usize): f64 {
  const s0 = f64x2.add(f64x2.mul(v128.load(t), v128.load(pq)), f64x2.mul(v128.load(t, 16), v128.load(pq, 16)));
  const s1 = f64x2.add(f64x2.mul(v128.load(t, 32), v128.load(pq, 32)), f64x2.mul(v128.load(t, 48), v128.load(pq, 48)));
  const s = f64x2.add(s0, s1);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/**
 * The JL row products of one CSR row, t = a_i^T Q (Q d x k, row-major; f32 when `single`, which
 * needs k a multiple of 8): returns ||t||^2 and, when pq is not 0, stores <t, pq> (pq[k] f64) at
 * tp. A k that is a multiple of 8 (the common JL widths) takes the columns in chunks summed in four
 * registers, eight f64 sums or sixteen f32 ones (eight for a tail of 8), the row staying in cache
 * between the chunks; other k go a nonzero at a time. tmp[max(k, 16)] f64 is scratch.
 */
// @ts-ignore: decorator
@inline export function rowProducts(start: i32, end: i32, Ax: usize, Aj: usize, Q: usize, k: i32, single: bool, pq: usize, tmp: usize, tp: usize): f64 {
  let ss = 0.0;
  let sp = 0.0;
  if ((k & 7) == 0) {
    for (let c = 0; c < k; ) {
      let n = 8;
      if (!single) {
        ss += rowTimesQ8(start, end, Ax, Aj, Q + (<usize>c << 3), k, tmp);
      } else if (c + 16 <= k) {
        ss += rowTimesQs(start, end, Ax, Aj, Q + (<usize>c << 2), k, true, tmp);
        n = 16;
      } else {
        ss += rowTimesQs(start, end, Ax, Aj, Q + (<usize>c << 2), k, false, tmp);
      }
      if (pq != 0) {
        const pc = pq + (<usize>c << 3);
        sp += dot8(tmp, pc);
        if (n == 16) sp += dot8(tmp + 64, pc + 64);
      }
      c += n;
    }
  } else {
    memory.fill(tmp, 0, <usize>k << 3);
    for (let p = start; p < end; p++) {
      const j = <usize>load<i32>(Aj + (<usize>p << 2));
      daxpy(k, load<f64>(Ax + (<usize>p << 3)), Q + ((j * <usize>k) << 3), tmp);
    }
    ss = ddot(k, tmp, tmp);
    if (pq != 0) sp = ddot(k, tmp, pq);
  }
  if (pq != 0) store<f64>(tp, sp);
  return ss;
}

/** y[k] += a * (x[k] * x[k]) for x[n], y[n]: a row's share of diag(A^T diag(D) A) (dcsrdiag). */
// @ts-ignore: decorator
@inline export function dsqaxpy(n: i32, a: f64, x: usize, y: usize): void {
  const av = f64x2.splat(a);
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    const v = v128.load(x + o);
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(av, f64x2.mul(v, v))));
  }
  for (; k < n; k++) {
    const o = <usize>k << 3;
    const v = load<f64>(x + o);
    store<f64>(y + o, load<f64>(y + o) + a * (v * v));
  }
}
