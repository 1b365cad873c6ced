// SPDX-License-Identifier: MIT
// Plain TypeScript float64 references for the Wasm kernels in assembly/kernels/: the same math, argument
// for argument, on typed arrays instead of byte offsets. The tests compare every kernel against these,
// and the benchmarks time the kernels against them, so they are the loops a careful person would write
// in plain TypeScript: no SIMD lanes, no tricks, not deliberately slow.

/** The splitmix64 finalizer of assembly/rng.ts, wrapped to 64 bits. */
export function mix64(x: bigint): bigint {
  x = BigInt.asUintN(64, (x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n);
  x = BigInt.asUintN(64, (x ^ (x >> 27n)) * 0x94d049bb133111ebn);
  return x ^ (x >> 31n);
}

/** 64 random bits for (key, counter), exactly as assembly/rng.ts hash64 (all arithmetic mod 2^64). */
export function hash64(key: bigint, counter: bigint): bigint {
  return mix64(BigInt.asUintN(64, key + (counter + 1n) * 0x9e3779b97f4a7c15n));
}

/** Uniform in [0, 1) from the top 53 of 64 random bits, exactly as assembly/rng.ts uniform01. */
export function uniform01(bits: bigint): number {
  return Number(bits >> 11n) * 1.1102230246251565e-16;
}

/** The 64-bit key a kernel builds from its (keyLo, keyHi) u32 arguments. */
export function key64(keyLo: number, keyHi: number): bigint {
  return (BigInt(keyHi >>> 0) << 32n) | BigInt(keyLo >>> 0);
}

/** The u64 counter a kernel makes of an i32 sum such as rowOffset + i (wraps to i32, then sign-extends). */
export function counter64(index: number): bigint {
  return BigInt.asUintN(64, BigInt(index | 0));
}

/** y = A x for a CSR block (dcsrmv). */
export function dcsrmv(nrows: number, Ap: Int32Array, Aj: Int32Array, Ax: Float64Array, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < nrows; i++) {
    let s = 0;
    for (let k = Ap[i]!; k < Ap[i + 1]!; k++) s += Ax[k]! * x[Aj[k]!]!;
    y[i] = s;
  }
}

/** y += A^T v for a CSR block, accumulating into y (dcsrmtv). */
export function dcsrmtv(nrows: number, Ap: Int32Array, Aj: Int32Array, Ax: Float64Array, v: Float64Array, y: Float64Array): void {
  for (let i = 0; i < nrows; i++) {
    const vi = v[i]!;
    for (let k = Ap[i]!; k < Ap[i + 1]!; k++) y[Aj[k]!]! += vi * Ax[k]!;
  }
}

/** y0 += A^T v0, y1 += A^T v1, y2 += A^T v2 for a CSR block (dcsrmtv3): three plain products. */
export function dcsrmtv3(nrows: number, Ap: Int32Array, Aj: Int32Array, Ax: Float64Array, v: readonly Float64Array[], y: readonly Float64Array[]): void {
  for (let c = 0; c < 3; c++) dcsrmtv(nrows, Ap, Aj, Ax, v[c]!, y[c]!);
}

/** y += A^T diag(D) A v for a CSR block, one row at a time (dcsrsymv). */
export function dcsrsymv(nrows: number, Ap: Int32Array, Aj: Int32Array, Ax: Float64Array, D: Float64Array, v: Float64Array, y: Float64Array): void {
  for (let i = 0; i < nrows; i++) {
    let s = 0;
    for (let k = Ap[i]!; k < Ap[i + 1]!; k++) s += Ax[k]! * v[Aj[k]!]!;
    const t = D[i]! * s;
    for (let k = Ap[i]!; k < Ap[i + 1]!; k++) y[Aj[k]!]! += t * Ax[k]!;
  }
}

/** G += A^T diag(D) A into the lower triangle of row-major G (d x d), skipping rows with D[i] == 0 (dcsrsyrk). */
export function dcsrsyrk(nrows: number, Ap: Int32Array, Aj: Int32Array, Ax: Float64Array, D: Float64Array, d: number, G: Float64Array): void {
  for (let i = 0; i < nrows; i++) {
    const di = D[i]!;
    if (di === 0) continue;
    const start = Ap[i]!;
    for (let k2 = start; k2 < Ap[i + 1]!; k2++) {
      const c = di * Ax[k2]!;
      const row = Aj[k2]! * d;
      for (let k1 = start; k1 <= k2; k1++) G[row + Aj[k1]!]! += c * Ax[k1]!;
    }
  }
}

/** S += Phi diag(sqrt(D)) A with a CountSketch Phi hashed from (key, rowOffset + i) (dcsr_countsketch). */
export function dcsrCountsketch(
  nrows: number, Ap: Int32Array, Aj: Int32Array, Ax: Float64Array, D: Float64Array,
  keyLo: number, keyHi: number, rowOffset: number, m: number, d: number, S: Float64Array,
): void {
  const key = key64(keyLo, keyHi);
  for (let i = 0; i < nrows; i++) {
    const di = D[i]!;
    if (!(di > 0) || Ap[i + 1]! === Ap[i]!) continue;
    const h = hash64(key, counter64(rowOffset + i));
    const bucket = Number((h >> 32n) % BigInt(m));
    const c = (h & 1n) !== 0n ? -Math.sqrt(di) : Math.sqrt(di);
    const row = bucket * d;
    for (let k = Ap[i]!; k < Ap[i + 1]!; k++) S[row + Aj[k]!]! += c * Ax[k]!;
  }
}

/** tt[i] = ||a_i^T Q||^2 with Q row-major d x k, for every row (dcsrlev). */
export function dcsrlev(nrows: number, Ap: Int32Array, Aj: Int32Array, Ax: Float64Array, Q: Float64Array, k: number, tt: Float64Array): void {
  const t = new Float64Array(k);
  for (let i = 0; i < nrows; i++) {
    t.fill(0);
    for (let p = Ap[i]!; p < Ap[i + 1]!; p++) {
      const a = Ax[p]!;
      const q = Aj[p]! * k;
      for (let c = 0; c < k; c++) t[c]! += a * Q[q + c]!;
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += t[c]! * t[c]!;
    tt[i] = s;
  }
}

/** Bernoulli leverage sampling: Dt[i] = D[i] / p_i if row i is kept, p_i = min(1, scale D[i] tt[i]) (0 where D[i] <= 0); returns the count (dlevsample). */
export function dlevsample(
  n: number, tt: Float64Array, D: Float64Array, scale: number,
  keyLo: number, keyHi: number, rowOffset: number, Dt: Float64Array,
): number {
  const key = key64(keyLo, keyHi);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const li = D[i]! > 0 ? D[i]! * tt[i]! : 0;
    let wi = 0;
    if (li > 0) {
      const p = Math.min(1, scale * li);
      if (uniform01(hash64(key, counter64(rowOffset + i))) < p) {
        wi = D[i]! / p;
        kept++;
      }
    }
    Dt[i] = wi;
  }
  return kept;
}

/** out[i] = Box-Muller normal from the uniforms of counters 2(counter0 + i) and 2(counter0 + i) + 1 (drandn). */
export function drandn(keyLo: number, keyHi: number, counter0: number, n: number, out: Float64Array): void {
  const key = key64(keyLo, keyHi);
  for (let i = 0; i < n; i++) {
    const c = BigInt.asUintN(64, counter64(counter0 + i) << 1n);
    const u1 = uniform01(hash64(key, c));
    const u2 = uniform01(hash64(key, c + 1n));
    out[i] = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(6.283185307179586 * u2);
  }
}

/** The result of dhypweights: gradient and Hessian weights, loss, min B, count of B <= 0, overflow info. */
export interface HypWeights {
  r: Float64Array;
  B: Float64Array;
  loss: number;
  minB: number;
  negatives: number;
  info: number;
}

/** f(z) for the f codes of assembly/kernels/dhypweights.ts: 0 = exp, 1 = cosh, 2 = sinh. */
function hyp(f: number, z: number): number {
  return f === 0 ? Math.exp(z) : f === 1 ? Math.cosh(z) : Math.sinh(z);
}

/** r = (f(z) - b) f'(z) + w2 z, B = f'(z)^2 + (f(z) - b) f''(z) + w2 (optionally Gauss-Newton where B <= 0) (dhypweights). */
export function dhypweights(f: number, n: number, z: Float64Array, b: Float64Array, w2: Float64Array, modify: number): HypWeights {
  const r = new Float64Array(n);
  const B = new Float64Array(n);
  let loss = 0;
  let minB = Infinity;
  let negatives = 0;
  let info = 0;
  for (let i = 0; i < n; i++) {
    const zi = z[i]!;
    const wi = w2[i]!;
    // f'' = f for all three; f' is exp, sinh, cosh.
    const u = hyp(f, zi);
    const up = f === 0 ? u : f === 1 ? Math.sinh(zi) : Math.cosh(zi);
    const upp = u;
    const res = u - b[i]!;
    const gn = up * up + wi;
    let Bi = gn + res * upp;
    const li = 0.5 * res * res + 0.5 * wi * zi * zi;
    if (info === 0 && !(Number.isFinite(li) && Number.isFinite(Bi))) info = i + 1;
    loss += li;
    if (Bi < minB) minB = Bi;
    if (Bi <= 0) {
      negatives++;
      if (modify !== 0) Bi = gn;
    }
    r[i] = res * up + wi * zi;
    B[i] = Bi;
  }
  return { r, B, loss, minB, negatives, info };
}

/** C = M^T M for row-major M (m x d): overwrites the lower triangle of row-major C, leaves the rest (dsyrk). */
export function dsyrk(m: number, d: number, M: Float64Array, C: Float64Array): void {
  for (let l = 0; l < d; l++) C.fill(0, l * d, l * d + l + 1);
  for (let r = 0; r < m; r++) {
    const row = r * d;
    for (let l = 0; l < d; l++) {
      const c = M[row + l]!;
      for (let j = 0; j <= l; j++) C[l * d + j]! += c * M[row + j]!;
    }
  }
}

/** In-place Cholesky A = L L^T of the lower triangle of row-major A; returns the LAPACK info (dpotrf). */
export function dpotrf(n: number, A: Float64Array): number {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      let s = A[ri + j]!;
      for (let k = 0; k < j; k++) s -= A[ri + k]! * A[rj + k]!;
      A[ri + j] = s / A[rj + j]!;
    }
    let s = A[ri + i]!;
    for (let k = 0; k < i; k++) s -= A[ri + k]! * A[ri + k]!;
    if (!(s > 0)) return i + 1;
    A[ri + i] = Math.sqrt(s);
  }
  return 0;
}

/** Solves L L^T x = b in place (b in x on entry), L the row-major lower factor from dpotrf (dpotrs). */
export function dpotrs(n: number, L: Float64Array, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    const xi = x[i]! / L[i * n + i]!;
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k]! -= L[i * n + k]! * xi;
  }
}

/** Solves L^T X = B in place for row-major X (n x k), L the row-major lower factor from dpotrf (dtrsm). */
export function dtrsm(n: number, k: number, L: Float64Array, X: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * k;
    const lii = L[i * n + i]!;
    for (let c = 0; c < k; c++) X[xi + c]! /= lii;
    for (let j = 0; j < i; j++) {
      const lij = L[i * n + j]!;
      const xj = j * k;
      for (let c = 0; c < k; c++) X[xj + c]! -= lij * X[xi + c]!;
    }
  }
}

/** f'(z) for the f codes: exp, sinh, cosh. */
function hypPrime(f: number, z: number): number {
  return f === 0 ? Math.exp(z) : f === 1 ? Math.sinh(z) : Math.cosh(z);
}

/**
 * u = f(z), up = f'(z), r = up (u - alpha0 b - cb0) + w2 z, upb = up b, the sums [u, v^2, v b, 0.5 w2 z^2]
 * with v = u - alpha0 b, and the first row where u^2, up^2, v^2 or r is not finite + 1 (dresrows).
 */
export function dresrows(
  f: number, n: number, z: Float64Array, b: Float64Array, w2: Float64Array, alpha0: number, cb0: number,
): { u: Float64Array; up: Float64Array; r: Float64Array; upb: Float64Array; sums: [number, number, number, number]; info: number } {
  const u = new Float64Array(n);
  const up = new Float64Array(n);
  const r = new Float64Array(n);
  const upb = new Float64Array(n);
  const sums: [number, number, number, number] = [0, 0, 0, 0];
  let info = 0;
  for (let i = 0; i < n; i++) {
    u[i] = hyp(f, z[i]!);
    up[i] = hypPrime(f, z[i]!);
    const v = u[i]! - alpha0 * b[i]!;
    r[i] = up[i]! * (v - cb0) + w2[i]! * z[i]!;
    upb[i] = up[i]! * b[i]!;
    if (info === 0 && ![u[i]! * u[i]!, up[i]! * up[i]!, v * v, r[i]!].every(Number.isFinite)) info = i + 1;
    sums[0] += u[i]!;
    sums[1] += v * v;
    sums[2] += v * b[i]!;
    sums[3] += 0.5 * w2[i]! * z[i]! * z[i]!;
  }
  return { u, up, r, upb, sums, info };
}

/** e, D = up^2 + e, and [sum 0.5 c^2, min e, count e <= 0, argmin e] (dresweights). */
export function dresweights(
  n: number, u: Float64Array, up: Float64Array, b: Float64Array, w2: Float64Array, alpha: number, cb: number,
): { e: Float64Array; D: Float64Array; out: [number, number, number, number]; info: number } {
  const e = new Float64Array(n);
  const D = new Float64Array(n);
  let loss = 0;
  let minE = Infinity;
  let minRow = 0;
  let negatives = 0;
  let info = 0;
  for (let i = 0; i < n; i++) {
    const c = u[i]! - alpha * b[i]!;
    e[i] = u[i]! * (c - cb) + w2[i]!;
    D[i] = up[i]! * up[i]! + e[i]!;
    const li = 0.5 * c * c;
    if (info === 0 && !(Number.isFinite(li) && Number.isFinite(D[i]!))) info = i + 1;
    loss += li;
    if (e[i]! < minE) {
      minE = e[i]!;
      minRow = i;
    }
    if (e[i]! <= 0) negatives++;
  }
  return { e, D, out: [loss, minE, negatives, minRow], info };
}

/**
 * S += Phi [diag(sqrt(max(e,0))) A ; diag(up) A - b p^T], each dense row of J formed explicitly: both
 * halves of row i in bucket h(i), J's with the sign of bit 0, the upper half's with bit 1 (dcsrjsketch).
 */
export function dcsrJsketch(
  nrows: number, Ap: Int32Array, Aj: Int32Array, Ax: Float64Array, e: Float64Array, up: Float64Array, b: Float64Array, p: Float64Array,
  keyLo: number, keyHi: number, rowOffset: number, m: number, d: number, S: Float64Array,
): void {
  const key = key64(keyLo, keyHi);
  const row = new Float64Array(d);
  const upper = new Float64Array(d);
  for (let i = 0; i < nrows; i++) {
    upper.fill(0);
    for (let j = 0; j < d; j++) row[j] = -b[i]! * p[j]!;
    for (let k = Ap[i]!; k < Ap[i + 1]!; k++) {
      row[Aj[k]!]! += up[i]! * Ax[k]!;
      upper[Aj[k]!] = Math.sqrt(Math.max(e[i]!, 0)) * Ax[k]!;
    }
    const h = hash64(key, counter64(rowOffset + i));
    const bucket = Number((h >> 32n) % BigInt(m));
    const s = (h & 1n) !== 0n ? -1 : 1;
    const sE = (h & 2n) !== 0n ? -1 : 1;
    for (let j = 0; j < d; j++) S[bucket * d + j]! += s * row[j]! + sE * upper[j]!;
  }
}

/** lev = max(e,0) ||a_i^T Q||^2 and levJ = ||j_i^T Q||^2 with j_i = up_i a_i - b_i p formed densely (dcsrjlev; pq unused: Q^T p is recomputed). */
export function dcsrJlev(
  nrows: number, Ap: Int32Array, Aj: Int32Array, Ax: Float64Array, e: Float64Array, up: Float64Array, b: Float64Array, p: Float64Array,
  Q: Float64Array, k: number, d: number, lev: Float64Array, levJ: Float64Array,
): void {
  for (let i = 0; i < nrows; i++) {
    const a = new Float64Array(d);
    for (let q = Ap[i]!; q < Ap[i + 1]!; q++) a[Aj[q]!] = Ax[q]!;
    let tt = 0;
    let jj = 0;
    for (let c = 0; c < k; c++) {
      let t = 0;
      let s = 0;
      for (let j = 0; j < d; j++) {
        t += a[j]! * Q[j * k + c]!;
        s += (up[i]! * a[j]! - b[i]! * p[j]!) * Q[j * k + c]!;
      }
      tt += t * t;
      jj += s * s;
    }
    lev[i] = e[i]! > 0 ? e[i]! * tt : 0;
    levJ[i] = jj;
  }
}

/** Bernoulli sampling of J rows: Dt += omega up^2, v = omega up b, beta = sum omega b^2; the count and the kept rows (djsample). */
export function djsample(
  n: number, levJ: Float64Array, up: Float64Array, b: Float64Array, scale: number,
  keyLo: number, keyHi: number, rowOffset: number, Dt: Float64Array, v: Float64Array,
): { kept: number; beta: number; rows: number[] } {
  const key = key64(keyLo, keyHi);
  let kept = 0;
  const rows: number[] = [];
  let beta = 0;
  for (let i = 0; i < n; i++) {
    v[i] = 0;
    if (!(levJ[i]! > 0)) continue;
    const p = Math.min(1, scale * levJ[i]!);
    if (uniform01(hash64(key, counter64(rowOffset + i))) < p) {
      Dt[i]! += (up[i]! * up[i]!) / p;
      v[i] = (up[i]! * b[i]!) / p;
      beta += (b[i]! * b[i]!) / p;
      kept++;
      rows.push(i);
    }
  }
  return { kept, beta, rows };
}
