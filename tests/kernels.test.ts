// SPDX-License-Identifier: MIT
// Every Wasm kernel against its plain TypeScript reference (tests/reference.ts), on random shapes drawn
// from a seeded PRNG so that a failure reproduces: one row, empty rows, d = 1, rows whose columns form one
// contiguous run (the SIMD path) and rows with gaps (the gather path), lengths that leave every SIMD tail,
// zero weights. Then the properties the references cannot show on their own: Cholesky and solve residuals,
// LAPACK info on failure, overflow status, and finite differences of the loss the weights come from.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { newKernels } from "../src/kernel-module.js";
import { F_CODE } from "../src/kernels.js";
import * as ref from "./reference.js";

const arena = await newKernels();
const k = arena.k;

// ---------------------------------------------------------------------------------------------------------
// Tolerances.
//
// The kernels and the references add the same products in different orders (two f64x2 lanes plus a scalar
// tail, two interleaved gather accumulators, versus one running sum). Any order of summing n terms is
// within about n * 2^-53 * sum|terms| of the exact sum (Higham, Accuracy and Stability, section 4.2), so the
// two results differ by at most ~2 n 1.1e-16 sum|terms|. With at most ~70 terms per entry in these tests that
// is below 2e-14 sum|terms|; 1e-13 leaves a margin and still catches any wrong, missing or doubled term, each
// of which moves the result by a whole term. The scale is computed by running the same reference on |A|, |x|,
// which gives exactly the sum of |terms| for each output.
const REL = 1e-13;

// Cholesky (and the solves with its factor) is backward stable: L L^T = A + E with |E| <= c n eps |L||L^T|
// (Higham, Theorem 10.3), and for SPD A every entry of |L||L^T| is at most sqrt(A_ii A_jj). For n = 64,
// c n eps is about 2e-14, so 1e-12 relative to sqrt(A_ii A_jj) has a 50x margin.
const CHOL_REL = 1e-12;

// Central differences with step h: truncation h^2 |L'''| / 6 ~ 1e-12 |L'''| plus rounding eps |L| / h ~
// 2e-10 |L|. On the small problem below (|z| <= 2, so L and its derivatives are O(1)-O(100)) that is below
// 1e-8 of the largest gradient or Hessian entry; 1e-6 keeps a 100x margin and still fails on any wrong term
// of the gradient or Hessian weights, which changes the result at O(1) relative size.
const FD_STEP = 1e-6;
const FD_REL = 1e-6;

// ---------------------------------------------------------------------------------------------------------
// Seeded random numbers (mulberry32): no Math.random, so every case reproduces.

class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** n values uniform in [lo, hi), each replaced by an exact zero with probability `zeros`. */
  vector(n: number, lo = -1, hi = 1, zeros = 0): Float64Array {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = this.next() < zeros ? 0 : this.uniform(lo, hi);
    return v;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Random CSR blocks.

interface Csr {
  nrows: number;
  ncols: number;
  Ap: Int32Array;
  Aj: Int32Array;
  Ax: Float64Array;
  /** How each row was drawn: "empty", "run<len mod 4>" (contiguous columns) or "gaps<len mod 2>". */
  kinds: string[];
}

// Odd lengths and multiples of 2 and 4 leave every tail of the two-lane, two-accumulator loops.
const LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17];

function randomCsr(rng: Rng, nrows: number, ncols: number): Csr {
  const Ap = new Int32Array(nrows + 1);
  const cols: number[] = [];
  const kinds: string[] = [];
  for (let i = 0; i < nrows; i++) {
    const roll = rng.next();
    const len = Math.min(ncols, rng.pick(LENGTHS));
    if (roll < 0.15) {
      kinds.push("empty");
    } else if (roll < 0.55 || len < 2 || len >= ncols) {
      const start = rng.int(ncols - len + 1);
      for (let c = 0; c < len; c++) cols.push(start + c);
      kinds.push(`run${len % 4}`);
    } else {
      // len distinct sorted columns with at least one gap.
      const all = Array.from({ length: ncols }, (_, c) => c);
      for (let c = 0; c < len; c++) {
        const r = c + rng.int(ncols - c);
        [all[c], all[r]] = [all[r]!, all[c]!];
      }
      const row = all.slice(0, len).sort((a, b) => a - b);
      if (row[len - 1]! - row[0]! === len - 1) {
        if (row[len - 1]! < ncols - 1) row[len - 1]! += 1;
        else row[0]! -= 1;
      }
      cols.push(...row);
      kinds.push(`gaps${len % 2}`);
    }
    Ap[i + 1] = cols.length;
  }
  const Ax = new Float64Array(cols.length);
  // About 5% exact zeros among the values: a stored zero is still a nonzero of the pattern.
  for (let p = 0; p < Ax.length; p++) Ax[p] = rng.next() < 0.05 ? 0 : rng.uniform(-1, 1);
  return { nrows, ncols, Ap, Aj: Int32Array.from(cols), Ax, kinds };
}

/**
 * Dense rows in the layout the fused passes take apart: a first stretch of rows over all ncols
 * columns, a second over the contiguous columns [2, ncols - 1), then random rows, so that some runs of
 * rows are dense (the row-pipelined path), some change pattern inside, and some are sparse.
 */
function denseRowsCsr(rng: Rng, nrows: number, ncols: number): Csr {
  const tail = randomCsr(rng, nrows - Math.floor((3 * nrows) / 4), ncols);
  const Ap = new Int32Array(nrows + 1);
  const cols: number[] = [];
  const kinds: string[] = [];
  for (let i = 0; i < nrows; i++) {
    if (i < nrows / 2) {
      for (let c = 0; c < ncols; c++) cols.push(c);
      kinds.push(`run${ncols % 4}`);
    } else if (i < Math.floor((3 * nrows) / 4)) {
      for (let c = 2; c < ncols - 1; c++) cols.push(c);
      kinds.push(`run${(ncols - 3) % 4}`);
    } else {
      const t = i - Math.floor((3 * nrows) / 4);
      for (let p = tail.Ap[t]!; p < tail.Ap[t + 1]!; p++) cols.push(tail.Aj[p]!);
      kinds.push(tail.kinds[t]!);
    }
    Ap[i + 1] = cols.length;
  }
  const Ax = Float64Array.from(cols, () => (rng.next() < 0.05 ? 0 : rng.uniform(-1, 1)));
  return { nrows, ncols, Ap, Aj: Int32Array.from(cols), Ax, kinds };
}

// nrows = 1, ncols = d = 1, tiny and medium blocks.
const SHAPES: ReadonlyArray<readonly [number, number]> = [
  [1, 1], [1, 4], [1, 9], [2, 3], [5, 1], [7, 8], [17, 5], [33, 19], [64, 40], [40, 64],
];

/** Three random blocks of every shape in SHAPES. */
function* randomBlocks(rng: Rng): Generator<Csr> {
  for (const [nrows, ncols] of SHAPES) {
    for (let trial = 0; trial < 3; trial++) yield randomCsr(rng, nrows, ncols);
  }
}

/** A CSR block copied into the arena. */
function putCsr(A: Csr): { Ap: number; Aj: number; Ax: number } {
  return { Ap: arena.putI32(A.Ap), Aj: arena.putI32(A.Aj), Ax: arena.putF64(A.Ax) };
}

/** Rows [r0, r1) of A as a block of its own (block-local Ap, Ap[0] = 0). */
function rowSlice(A: Csr, r0: number, r1: number): Csr {
  const p0 = A.Ap[r0]!;
  const p1 = A.Ap[r1]!;
  return {
    nrows: r1 - r0,
    ncols: A.ncols,
    Ap: A.Ap.slice(r0, r1 + 1).map((p) => p - p0),
    Aj: A.Aj.slice(p0, p1),
    Ax: A.Ax.slice(p0, p1),
    kinds: A.kinds.slice(r0, r1),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Helpers.

/** Runs body with everything it allocates in the arena released afterwards. */
function scoped<T>(body: () => T): T {
  const mark = arena.mark();
  try {
    return body();
  } finally {
    arena.release(mark);
  }
}

function abs(v: ArrayLike<number>): Float64Array {
  return Float64Array.from(v, Math.abs);
}

function read(ptr: number, length: number): Float64Array {
  return arena.f64(ptr, length).slice();
}

function sameNumber(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

/** |actual - expected| <= rel * scale elementwise; non-finite expected values must match exactly. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, scale: ArrayLike<number> | number, what: string, rel = REL): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!Number.isFinite(e)) {
      if (!sameNumber(a, e)) assert.unreachable(`${what}[${i}] = ${a}, reference ${e}`);
      continue;
    }
    const s = typeof scale === "number" ? scale : scale[i]!;
    const err = Math.abs(a - e);
    if (!(err <= rel * s)) assert.unreachable(`${what}[${i}] = ${a}, reference ${e}: |difference| ${err} > ${rel} * ${s}`);
  }
}

/** Bit-for-bit equality (NaN equals NaN). */
function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!sameNumber(actual[i]!, expected[i]!)) assert.unreachable(`${what}[${i}] = ${actual[i]}, expected exactly ${expected[i]}`);
  }
}

/** A random symmetric positive definite M^T M + I (n x n, full, row-major) from a Gaussian M. */
function randomSpd(rng: Rng, n: number): Float64Array {
  const M = Float64Array.from({ length: n * n }, () => rng.normal());
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? 1 : 0;
      for (let r = 0; r < n; r++) s += M[r * n + i]! * M[r * n + j]!;
      A[i * n + j] = s;
    }
  }
  return A;
}

/**
 * A copy of A with sentinels in the strict upper triangle. NaN shows a kernel that reads the upper triangle
 * (its result turns NaN) but not one that adds into it (NaN + x is still NaN); distinct finite values show
 * any write. The tests that must not read nor write the upper triangle run with both.
 */
function withUpper(A: Float64Array, n: number, sentinel: "NaN" | "finite"): Float64Array {
  const B = A.slice();
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) B[i * n + j] = sentinel === "NaN" ? NaN : -1e6 - (i * n + j);
  return B;
}

const SENTINELS = ["NaN", "finite"] as const;

function assertUpperUntouched(after: Float64Array, before: Float64Array, n: number, what: string): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (!sameNumber(after[i * n + j]!, before[i * n + j]!)) assert.unreachable(`${what}: upper entry (${i}, ${j}) changed`);
    }
  }
}

const KEYS: ReadonlyArray<readonly [number, number]> = [[0, 0], [0x9e3779b9, 0xdeadbeef], [1, 0x80000000], [0xffffffff, 0xffffffff]];

// ---------------------------------------------------------------------------------------------------------
// Sparse products.

test("dcsrmv matches y = A x on empty, contiguous and gapped rows of every SIMD tail length", () => {
  const rng = new Rng(1);
  const seen = new Set<string>();
  for (const A of randomBlocks(rng)) {
    scoped(() => {
      A.kinds.forEach((kind) => seen.add(kind));
      const x = rng.vector(A.ncols);
      const p = putCsr(A);
      const xp = arena.putF64(x);
      // y starts as garbage: the kernel must write, not accumulate.
      const yp = arena.putF64(rng.vector(A.nrows, 10, 20));
      k.dcsrmv(A.nrows, p.Ap, p.Aj, p.Ax, xp, yp);
      const want = new Float64Array(A.nrows);
      ref.dcsrmv(A.nrows, A.Ap, A.Aj, A.Ax, x, want);
      const scale = new Float64Array(A.nrows);
      ref.dcsrmv(A.nrows, A.Ap, A.Aj, abs(A.Ax), abs(x), scale);
      assertClose(read(yp, A.nrows), want, scale, `dcsrmv ${A.nrows}x${A.ncols}`);
    });
  }
  // The shapes above must reach both code paths and every tail.
  for (const kind of ["empty", "run0", "run1", "run2", "run3", "gaps0", "gaps1"]) assert.ok(seen.has(kind), `no ${kind} row was drawn`);
});

test("dcsrmtv accumulates y += A^T v, also where v has zeros", () => {
  const rng = new Rng(2);
  for (const A of randomBlocks(rng)) {
    scoped(() => {
      const v = rng.vector(A.nrows, -1, 1, 0.2);
      const y0 = rng.vector(A.ncols);
      const p = putCsr(A);
      const vp = arena.putF64(v);
      const yp = arena.putF64(y0);
      k.dcsrmtv(A.nrows, p.Ap, p.Aj, p.Ax, vp, yp);
      const want = y0.slice();
      ref.dcsrmtv(A.nrows, A.Ap, A.Aj, A.Ax, v, want);
      const scale = abs(y0);
      ref.dcsrmtv(A.nrows, A.Ap, A.Aj, abs(A.Ax), abs(v), scale);
      assertClose(read(yp, A.ncols), want, scale, `dcsrmtv ${A.nrows}x${A.ncols}`);
    });
  }
});

test("dcsrmtv3 accumulates three products y_c += A^T v_c in one pass, with the bits of three dcsrmtv calls", () => {
  const rng = new Rng(31);
  for (const A of randomBlocks(rng)) {
    scoped(() => {
      // Each vector has its own zeros, so rows where some but not all weights vanish occur.
      const v = [0, 1, 2].map(() => rng.vector(A.nrows, -1, 1, 0.3));
      const y0 = [0, 1, 2].map(() => rng.vector(A.ncols));
      const p = putCsr(A);
      const vp = v.map((x) => arena.putF64(x));
      const yp = y0.map((x) => arena.putF64(x));
      k.dcsrmtv3(A.nrows, p.Ap, p.Aj, p.Ax, vp[0]!, vp[1]!, vp[2]!, yp[0]!, yp[1]!, yp[2]!);
      const want = y0.map((x) => x.slice());
      ref.dcsrmtv3(A.nrows, A.Ap, A.Aj, A.Ax, v, want);
      for (let c = 0; c < 3; c++) {
        const scale = abs(y0[c]!);
        ref.dcsrmtv(A.nrows, A.Ap, A.Aj, abs(A.Ax), abs(v[c]!), scale);
        assertClose(read(yp[c]!, A.ncols), want[c]!, scale, `dcsrmtv3 output ${c} ${A.nrows}x${A.ncols}`);
        const single = arena.putF64(y0[c]!);
        k.dcsrmtv(A.nrows, p.Ap, p.Aj, p.Ax, vp[c]!, single);
        assert.equal(Array.from(read(yp[c]!, A.ncols)), Array.from(read(single, A.ncols)), `dcsrmtv3 output ${c} has dcsrmtv's bits`);
      }
    });
  }
});

test("dcsrsymv accumulates y += A^T diag(D) A v with zero and negative weights", () => {
  const rng = new Rng(3);
  // Mostly dense rows as well: pairs of rows whose update waits for the next pair's dots, broken by
  // rows of weight 0 and by changes of columns.
  for (const A of [...randomBlocks(rng), denseRowsCsr(rng, 400, 40), denseRowsCsr(rng, 300, 7)]) {
    scoped(() => {
      const D = rng.vector(A.nrows, -1, 2, 0.2);
      const v = rng.vector(A.ncols);
      const y0 = rng.vector(A.ncols);
      const p = putCsr(A);
      const Dp = arena.putF64(D);
      const vp = arena.putF64(v);
      const yp = arena.putF64(y0);
      k.dcsrsymv(A.nrows, p.Ap, p.Aj, p.Ax, Dp, vp, yp);
      const want = y0.slice();
      ref.dcsrsymv(A.nrows, A.Ap, A.Aj, A.Ax, D, v, want);
      const scale = abs(y0);
      ref.dcsrsymv(A.nrows, A.Ap, A.Aj, abs(A.Ax), abs(D), abs(v), scale);
      assertClose(read(yp, A.ncols), want, scale, `dcsrsymv ${A.nrows}x${A.ncols}`);
    });
  }
});

test("dcsrdiag accumulates y += diag(A^T diag(D) A), the diagonal of dcsrsymv's form", () => {
  const rng = new Rng(31);
  for (const A of [...randomBlocks(rng), denseRowsCsr(rng, 300, 7)]) {
    scoped(() => {
      const D = rng.vector(A.nrows, -1, 2, 0.2);
      const y0 = rng.vector(A.ncols);
      const yp = arena.putF64(y0);
      const p = putCsr(A);
      k.dcsrdiag(A.nrows, p.Ap, p.Aj, p.Ax, arena.putF64(D), yp);
      // The diagonal as H e_j: column j of the reference product with the unit vector e_j.
      const want = y0.slice();
      const scale = abs(y0);
      for (let j = 0; j < A.ncols; j++) {
        const e = new Float64Array(A.ncols);
        e[j] = 1;
        const col = new Float64Array(A.ncols);
        ref.dcsrsymv(A.nrows, A.Ap, A.Aj, A.Ax, D, e, col);
        want[j]! += col[j]!;
        const colAbs = new Float64Array(A.ncols);
        ref.dcsrsymv(A.nrows, A.Ap, A.Aj, abs(A.Ax), abs(D), e, colAbs);
        scale[j]! += colAbs[j]!;
      }
      assertClose(read(yp, A.ncols), want, scale, `dcsrdiag ${A.nrows}x${A.ncols}`);
    });
  }
});

test("dcsrsyrk accumulates the lower triangle of A^T diag(D) A and leaves the upper triangle untouched", () => {
  const rng = new Rng(4);
  for (const A of randomBlocks(rng)) {
    scoped(() => {
      const d = A.ncols;
      const D = rng.vector(A.nrows, -1, 2, 0.25);
      const G0 = rng.vector(d * d);
      const p = putCsr(A);
      const Dp = arena.putF64(D);
      const Gp = arena.putF64(G0);
      k.dcsrsyrk(A.nrows, p.Ap, p.Aj, p.Ax, Dp, d, Gp);
      const G = read(Gp, d * d);
      const want = G0.slice();
      ref.dcsrsyrk(A.nrows, A.Ap, A.Aj, A.Ax, D, d, want);
      const scale = abs(G0);
      ref.dcsrsyrk(A.nrows, A.Ap, A.Aj, abs(A.Ax), abs(D), d, scale);
      assertClose(G, want, scale, `dcsrsyrk ${A.nrows}x${d}`);
      assertUpperUntouched(G, G0, d, `dcsrsyrk ${A.nrows}x${d}`);
    });
  }
});

test("dcsrsyrk skips rows whose weight is zero, so a zero-weight row holding NaN leaves G finite", () => {
  scoped(() => {
    const rng = new Rng(5);
    const A = randomCsr(rng, 9, 6);
    const D = rng.vector(9, 0.5, 1);
    for (let i = 0; i < 9; i++) {
      if (A.Ap[i + 1]! > A.Ap[i]! && i % 2 === 0) {
        D[i] = 0;
        A.Ax.fill(NaN, A.Ap[i]!, A.Ap[i + 1]!);
      }
    }
    const p = putCsr(A);
    const Gp = arena.allocF64(36);
    k.dcsrsyrk(9, p.Ap, p.Aj, p.Ax, arena.putF64(D), 6, Gp);
    const want = new Float64Array(36);
    ref.dcsrsyrk(9, A.Ap, A.Aj, A.Ax, D, 6, want);
    const scale = new Float64Array(36);
    ref.dcsrsyrk(9, A.Ap, A.Aj, abs(A.Ax), D, 6, scale);
    const G = read(Gp, 36);
    assert.ok(G.every(Number.isFinite), "G stayed finite");
    assertClose(G, want, scale, "dcsrsyrk with zero weights");
  });
});

// ---------------------------------------------------------------------------------------------------------
// Counter-based random numbers and sketches.

test("the reference hash64 reproduces the published splitmix64 sequences", () => {
  // splitmix64 with state s outputs mix64(s + j * 0x9e3779b97f4a7c15) for j = 1, 2, ..., which is
  // hash64(s, j - 1). Seed 0 from Vigna's splitmix64.c; seed 1234567 from the Rosetta Code task.
  const seed0 = [0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn];
  seed0.forEach((want, j) => assert.is(ref.hash64(0n, BigInt(j)), want, `seed 0, output ${j}`));
  const seed1234567 = [6457827717110365317n, 3203168211198807973n, 9817491932198370423n, 4593380528125082431n, 16408922859458223821n];
  seed1234567.forEach((want, j) => assert.is(ref.hash64(1234567n, BigInt(j)), want, `seed 1234567, output ${j}`));
  assert.is(ref.uniform01(0n), 0);
  assert.is(ref.uniform01(0xffffffffffffffffn), 1 - 2 ** -53);
});

test("dcsr_countsketch sends every row to the reference's bucket with the reference's sign", () => {
  // Row i of A is e_i and D = 1, so column i of S holds exactly one +-1, in row bucket(i): S shows every
  // discrete choice of the sketch and must match bit for bit.
  const n = 300;
  const A: Csr = {
    nrows: n, ncols: n,
    Ap: Int32Array.from({ length: n + 1 }, (_, i) => i),
    Aj: Int32Array.from({ length: n }, (_, i) => i),
    Ax: new Float64Array(n).fill(1),
    kinds: [],
  };
  const D = new Float64Array(n).fill(1);
  for (const m of [1, 2, 7, 64]) {
    for (const [keyLo, keyHi] of KEYS) {
      for (const rowOffset of [0, 1000003]) {
        scoped(() => {
          const p = putCsr(A);
          const Sp = arena.allocF64(m * n);
          k.dcsr_countsketch(n, p.Ap, p.Aj, p.Ax, arena.putF64(D), keyLo, keyHi, rowOffset, m, n, Sp);
          const want = new Float64Array(m * n);
          ref.dcsrCountsketch(n, A.Ap, A.Aj, A.Ax, D, keyLo, keyHi, rowOffset, m, n, want);
          const what = `countsketch m=${m} key=${keyHi.toString(16)}:${keyLo.toString(16)} offset=${rowOffset}`;
          assertSame(read(Sp, m * n), want, what);
          // The reference itself: one +-1 per column, both signs, and (for m = 64) most buckets used.
          const buckets = new Set<number>();
          let minus = 0;
          for (let j = 0; j < n; j++) {
            const hits = [];
            for (let b = 0; b < m; b++) if (want[b * n + j] !== 0) hits.push(b);
            assert.is(hits.length, 1, `${what}: column ${j} has one entry`);
            buckets.add(hits[0]!);
            if (want[hits[0]! * n + j] === -1) minus++;
          }
          assert.ok(minus > n / 4 && minus < (3 * n) / 4, `${what}: ${minus} of ${n} signs are negative`);
          if (m === 64) assert.ok(buckets.size > 48, `${what}: only ${buckets.size} of 64 buckets used`);
        });
      }
    }
  }
});

test("dcsr_countsketch matches the reference values on random blocks with zero weights", () => {
  const rng = new Rng(6);
  for (const A of randomBlocks(rng)) {
    for (const m of [1, 3, 8]) {
      scoped(() => {
        const d = A.ncols;
        const D = rng.vector(A.nrows, 0, 2, 0.25);
        const S0 = rng.vector(m * d);
        const [keyLo, keyHi] = rng.pick(KEYS);
        const rowOffset = rng.int(1 << 20);
        const p = putCsr(A);
        const Sp = arena.putF64(S0);
        k.dcsr_countsketch(A.nrows, p.Ap, p.Aj, p.Ax, arena.putF64(D), keyLo, keyHi, rowOffset, m, d, Sp);
        const want = S0.slice();
        ref.dcsrCountsketch(A.nrows, A.Ap, A.Aj, A.Ax, D, keyLo, keyHi, rowOffset, m, d, want);
        // sum|terms| of each entry of S: |S0| plus sqrt(D_i) |a_ij| over the rows hashed to that bucket.
        const scale = abs(S0);
        const key = ref.key64(keyLo, keyHi);
        for (let i = 0; i < A.nrows; i++) {
          if (!(D[i]! > 0)) continue;
          const bucket = Number((ref.hash64(key, ref.counter64(rowOffset + i)) >> 32n) % BigInt(m));
          for (let q = A.Ap[i]!; q < A.Ap[i + 1]!; q++) scale[bucket * d + A.Aj[q]!]! += Math.sqrt(D[i]!) * Math.abs(A.Ax[q]!);
        }
        assertClose(read(Sp, m * d), want, scale, `countsketch ${A.nrows}x${d} m=${m}`);
      });
    }
  }
});

test("dcsr_countsketch gives the same sketch for A whole or split into row blocks", () => {
  const rng = new Rng(7);
  const A = randomCsr(rng, 120, 11);
  const D = rng.vector(120, 0, 2, 0.1);
  const [keyLo, keyHi] = KEYS[1]!;
  const m = 9;
  const d = A.ncols;
  scoped(() => {
    const p = putCsr(A);
    const whole = arena.allocF64(m * d);
    k.dcsr_countsketch(120, p.Ap, p.Aj, p.Ax, arena.putF64(D), keyLo, keyHi, 500, m, d, whole);
    const split = arena.allocF64(m * d);
    for (const [r0, r1] of [[0, 37], [37, 38], [38, 120]] as const) {
      const B = rowSlice(A, r0, r1);
      const q = putCsr(B);
      k.dcsr_countsketch(B.nrows, q.Ap, q.Aj, q.Ax, arena.putF64(D.slice(r0, r1)), keyLo, keyHi, 500 + r0, m, d, split);
    }
    // The blocks add the same rows into S in the same order, so the sums agree bit for bit.
    assertSame(read(split, m * d), read(whole, m * d), "split sketch");
  });
});

/** Q in the arena in the kernels' precision: f32 for their single-precision path. */
function putQ(Q: Float64Array, single: boolean): number {
  if (!single) return arena.putF64(Q);
  const p = arena.allocF64(Math.ceil(Q.length / 2));
  arena.f32(p, Q.length).set(Q);
  return p;
}

/**
 * The single-precision JL sums' bound, relative to (sum_j |a_ij| |Q_jc|)^2 summed over c: a_ij and
 * Q_jc rounded to f32, the product and at most d - 1 additions each err by 2^-24, so |dt| <= (d + 2)
 * 2^-24 sum|terms|, and a square errs by 2 |t| |dt| + dt^2 (the squares are summed in f64).
 */
const singleRel = (d: number) => 2 * (d + 3) * 2 ** -24;

test("dcsrlev matches ||a_i^T Q||^2 on every row for every k tail, in f64 and f32", () => {
  const rng = new Rng(8);
  for (const A of randomBlocks(rng)) {
    for (const kk of [1, 2, 3, 4, 5, 7, 8, 9, 16, 24]) {
      for (const single of kk % 8 === 0 ? [false, true] : [false]) {
        scoped(() => {
          const d = A.ncols;
          const Q = rng.vector(d * kk);
          const p = putCsr(A);
          const tmp = arena.putF64(rng.vector(Math.max(kk, 16)));
          const levp = arena.putF64(rng.vector(A.nrows, 5, 6));
          k.dcsrlev(A.nrows, p.Ap, p.Aj, p.Ax, putQ(Q, single), kk, single, tmp, levp);
          const want = new Float64Array(A.nrows);
          ref.dcsrlev(A.nrows, A.Ap, A.Aj, A.Ax, Q, kk, want);
          // Each squared entry of a_i^T Q is off by at most 2 |t| err(t) <= 2 (sum|terms|)^2 rel: the
          // reference on |A|, |Q| is exactly that sum of |terms| squared.
          const scale = new Float64Array(A.nrows);
          ref.dcsrlev(A.nrows, A.Ap, A.Aj, abs(A.Ax), abs(Q), kk, scale);
          assertClose(read(levp, A.nrows), want, scale, `dcsrlev ${A.nrows}x${d} k=${kk}${single ? " f32" : ""}`, single ? singleRel(d) : undefined);
        });
      }
    }
  }
});

test("dcsrlev in f32 sums a row again in f64 where its sums leave f32's range", () => {
  const rng = new Rng(80);
  const kk = 16;
  const d = 12;
  // Rows of entries beyond f32 (1e40: infinite there), below it (1e-42: subnormal or zero), mixed
  // with ordinary rows.
  const rows = [1, 1e40, 1e-42, 3e-30, 1, 2e36];
  const Ap = new Int32Array(rows.length + 1);
  const Aj: number[] = [];
  const Ax: number[] = [];
  rows.forEach((size, i) => {
    for (let j = 0; j < d; j += 1 + (i % 3)) {
      Aj.push(j);
      Ax.push(size * rng.uniform(-1, 1));
    }
    Ap[i + 1] = Aj.length;
  });
  const A: Csr = { nrows: rows.length, ncols: d, Ap, Aj: Int32Array.from(Aj), Ax: Float64Array.from(Ax), kinds: rows.map((_, i) => (i % 3 === 0 ? "run" : "gaps")) };
  const Q = rng.vector(d * kk);
  scoped(() => {
    const p = putCsr(A);
    const levp = arena.putF64(new Float64Array(A.nrows).fill(NaN));
    k.dcsrlev(A.nrows, p.Ap, p.Aj, p.Ax, putQ(Q, true), kk, true, arena.allocF64(kk), levp);
    const want = new Float64Array(A.nrows);
    ref.dcsrlev(A.nrows, A.Ap, A.Aj, A.Ax, Q, kk, want);
    const scale = new Float64Array(A.nrows);
    ref.dcsrlev(A.nrows, A.Ap, A.Aj, abs(A.Ax), abs(Q), kk, scale);
    const got = read(levp, A.nrows);
    assert.ok(got.every((v) => Number.isFinite(v) && v > 0), `finite, positive scores: ${got}`);
    assertClose(got, want, scale, "dcsrlev f32 beyond range", singleRel(d));
  });
});

test("dlevsample keeps exactly the rows the reference keeps and weights them by D / p", () => {
  const rng = new Rng(9);
  const n = 500;
  for (const [keyLo, keyHi] of KEYS) {
    for (const rowOffset of [0, 77, 1 << 24]) {
      scoped(() => {
        const tt = rng.vector(n, 0, 1, 0.1);
        for (let i = 0; i < n; i += 50) tt[i] = 40; // p capped at 1
        const D = rng.vector(n, 0.5, 2);
        const lev = tt.map((t, i) => D[i]! * t);
        const sum = lev.reduce((a, b) => a + b, 0);
        const scale = 60 / sum;
        const Dtp = arena.putF64(rng.vector(n, 7, 8));
        const kept = k.dlevsample(n, arena.putF64(tt), arena.putF64(D), scale, keyLo, keyHi, rowOffset, Dtp);
        const Dt = read(Dtp, n);
        const want = new Float64Array(n);
        const wantKept = ref.dlevsample(n, tt, D, scale, keyLo, keyHi, rowOffset, want);
        const what = `dlevsample key=${keyHi.toString(16)}:${keyLo.toString(16)} offset=${rowOffset}`;
        assert.is(kept, wantKept, `${what}: kept count`);
        for (let i = 0; i < n; i++) {
          assert.is(Dt[i] !== 0, want[i] !== 0, `${what}: row ${i} kept`);
          if (lev[i] === 0) assert.is(Dt[i], 0, `${what}: row ${i} has score 0`);
          if (scale * lev[i]! >= 1) assert.is(Dt[i], D[i], `${what}: row ${i} has p = 1`);
        }
        assertClose(Dt, want, abs(want), what);
        // The reference draws about sum p_i rows (within 5 standard deviations).
        let mean = 0;
        let variance = 0;
        for (let i = 0; i < n; i++) {
          const pi = Math.min(1, scale * lev[i]!);
          mean += pi;
          variance += pi * (1 - pi);
        }
        assert.ok(Math.abs(wantKept - mean) < 5 * Math.sqrt(variance), `${what}: kept ${wantKept}, expected about ${mean}`);
      });
    }
  }
});

test("dlevsample never keeps a row of weight zero or below, and draws a block's rows as the whole matrix does", () => {
  const rng = new Rng(10);
  const n = 200;
  const tt = rng.vector(n, 0, 1);
  // A third of the weights zero and a sixth negative (rows below the certificate): neither is sampled.
  const D = rng.vector(n, 0, 1, 0.3).map((v, i) => (i % 6 === 1 ? -v - 0.1 : v));
  const [keyLo, keyHi] = KEYS[2]!;
  scoped(() => {
    const wholep = arena.allocF64(n);
    const kept = k.dlevsample(n, arena.putF64(tt), arena.putF64(D), 1.5, keyLo, keyHi, 1000, wholep);
    const want = new Float64Array(n);
    assert.is(kept, ref.dlevsample(n, tt, D, 1.5, keyLo, keyHi, 1000, want), "kept count with zero and negative weights");
    const got = read(wholep, n);
    assertClose(got, want, abs(want), "dlevsample with zero and negative weights");
    assert.is(got.filter((v) => v !== 0).length, kept, "every kept row carries its weight");
    assert.ok(got.every((v, i) => D[i]! > 0 || v === 0), "rows of weight <= 0 are not kept");
    assert.ok(kept >= 20, `kept ${kept} rows: enough to tell`);
    const s = 83;
    const tailp = arena.allocF64(n - s);
    k.dlevsample(n - s, arena.putF64(tt.slice(s)), arena.putF64(D.slice(s)), 1.5, keyLo, keyHi, 1000 + s, tailp);
    assertSame(read(tailp, n - s), read(wholep, n).slice(s), "block at row offset 83");
  });
});

test("drandn matches the reference Box-Muller draws for every key and counter", () => {
  // Same uniforms exactly; the Box-Muller map uses AssemblyScript's (musl) log, cos and sqrt against V8's
  // (fdlibm) ones, each within 1 ulp, so a draw r cos(theta) may differ by a few ulp of r <= 8.6: far below
  // 1e-13 max(1, |draw|).
  for (const [keyLo, keyHi] of KEYS) {
    for (const counter0 of [0, 1, 7, 123456789]) {
      for (const n of [0, 1, 2, 3, 5, 64, 1000]) {
        scoped(() => {
          const outp = arena.putF64(new Float64Array(n).fill(NaN));
          k.drandn(keyLo, keyHi, counter0, n, outp);
          const want = new Float64Array(n);
          ref.drandn(keyLo, keyHi, counter0, n, want);
          assertClose(read(outp, n), want, Float64Array.from(want, (v) => Math.max(1, Math.abs(v))), `drandn ${n} from ${counter0}`);
        });
      }
    }
  }
});

test("drandn is a pure function of (key, counter) with standard normal moments", () => {
  scoped(() => {
    const n = 20000;
    const all = arena.allocF64(n);
    k.drandn(0x1234, 0x5678, 10, n, all);
    const tail = arena.allocF64(n - 333);
    k.drandn(0x1234, 0x5678, 10 + 333, n - 333, tail);
    assertSame(read(tail, n - 333), read(all, n).slice(333), "draws from a later counter");
    const x = read(all, n);
    const mean = x.reduce((a, b) => a + b, 0) / n;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    // Standard errors: 1/sqrt(n) = 0.007 for the mean, sqrt(2/n) = 0.01 for the variance.
    assert.ok(Math.abs(mean) < 0.04, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Loss weights.

const FS = [F_CODE.exp, F_CODE.cosh, F_CODE.sinh] as const;
const F_NAME = ["exp", "cosh", "sinh"] as const;

/** f, f', f'' in plain JS, for the tolerance scales. */
function hypTriple(f: number, z: number): [number, number, number] {
  if (f === F_CODE.exp) return [Math.exp(z), Math.exp(z), Math.exp(z)];
  if (f === F_CODE.cosh) return [Math.cosh(z), Math.sinh(z), Math.cosh(z)];
  return [Math.sinh(z), Math.cosh(z), Math.sinh(z)];
}

function wasmHypweights(f: number, z: Float64Array, b: Float64Array, w2: Float64Array, modify: number): ref.HypWeights {
  return scoped(() => {
    const n = z.length;
    const rp = arena.putF64(new Float64Array(n).fill(NaN));
    const Bp = arena.putF64(new Float64Array(n).fill(NaN));
    const outp = arena.putF64([NaN, NaN, NaN]);
    const info = k.dhypweights(f, n, arena.putF64(z), arena.putF64(b), arena.putF64(w2), rp, Bp, outp, modify);
    const out = read(outp, 3);
    return { r: read(rp, n), B: read(Bp, n), loss: out[0]!, minB: out[1]!, negatives: out[2]!, info };
  });
}

function assertWeightsMatch(f: number, z: Float64Array, b: Float64Array, w2: Float64Array, modify: number, what: string): ref.HypWeights {
  const n = z.length;
  const got = wasmHypweights(f, z, b, w2, modify);
  const want = ref.dhypweights(f, n, z, b, w2, modify);
  // f(z) and f'(z) come from different exp/cosh/sinh (musl or hyperbolic.ts vs fdlibm), within a few ulps; an ulp of
  // f moves r = (f - b) f' + w2 z by about ulp (|f| + |b|) |f'|, so the scales are those sums of |terms|.
  const scaleR = new Float64Array(n);
  const scaleB = new Float64Array(n);
  let scaleLoss = 0;
  for (let i = 0; i < n; i++) {
    const [u, up, upp] = hypTriple(f, z[i]!);
    const res = Math.abs(u) + Math.abs(b[i]!);
    scaleR[i] = res * Math.abs(up) + Math.abs(w2[i]! * z[i]!);
    scaleB[i] = up * up + Math.abs(w2[i]!) + res * Math.abs(upp);
    scaleLoss += 0.5 * res * res + 0.5 * Math.abs(w2[i]!) * z[i]! * z[i]!;
  }
  assert.is(got.info, want.info, `${what}: info`);
  assert.is(got.negatives, want.negatives, `${what}: count of B <= 0`);
  assertClose(got.r, want.r, scaleR, `${what}: r`);
  assertClose(got.B, want.B, scaleB, `${what}: B`);
  assertClose([got.loss], [want.loss], [scaleLoss], `${what}: loss`);
  assertClose([got.minB], [want.minB], [Math.max(0, ...scaleB)], `${what}: min B`);
  return want;
}

test("dhypweights matches the reference for exp, cosh and sinh, with z near 0, negative z and B <= 0", () => {
  const rng = new Rng(11);
  for (const f of FS) {
    for (const modify of [0, 1]) {
      // Hand-picked rows first: z = +-0 and tiny z, where cosh' = sinh and sinh vanish; B exactly 0
      // (exp: 1 + (1 - 2) = 0, cosh: 0 + (1 - 1) = 0); B < 0 from b far above f(z).
      const z = [0, -0, 1e-300, -1e-9, 1e-6, -3.5, 0, 0, 0.5, -1.25];
      const b = [2, 1, 0.5, 5, -1, 3, 5, 1, 6, -4];
      const w2 = [0, 0, 0.3, 0, 1, 0.1, 0, 0, 0, 0];
      for (let i = 0; i < 60; i++) {
        z.push(rng.uniform(-4, 4));
        b.push(rng.uniform(-3, 8));
        w2.push(rng.next() < 0.3 ? 0 : rng.uniform(0, 1.5));
      }
      const zs = Float64Array.from(z);
      const want = assertWeightsMatch(f, zs, Float64Array.from(b), Float64Array.from(w2), modify, `${F_NAME[f]} modify=${modify}`);
      assert.ok(want.negatives > 0, `${F_NAME[f]}: some B <= 0 was tested`);
      assert.ok(want.minB <= 0, `${F_NAME[f]}: min B <= 0`);
      // The Gauss-Newton weight f'(z)^2 + w2 is >= 0 (it is 0 for cosh at z = 0 with w2 = 0).
      if (modify === 1) assert.ok(want.B.every((v) => v >= 0), `${F_NAME[f]}: modified B is non-negative`);
      // Every shape of the result, for n = 0 and n = 1 as well.
      for (const n of [0, 1, 2, 3]) {
        assertWeightsMatch(f, zs.slice(0, n), Float64Array.from(b.slice(0, n)), Float64Array.from(w2.slice(0, n)), modify, `${F_NAME[f]} n=${n}`);
      }
    }
  }
});

test("dhypweights and dresrows take f two rows at a time with the scalar bits: each row as when taken alone", () => {
  const rng = new Rng(23);
  // Both sides of each bound of the paired paths (exp: 2^-54 <= |z| < 512; cosh and sinh: |z| < 1
  // by series), subnormal and overflowing results, zeros, and random z over exp's whole range,
  // paired in every combination.
  const edges = [0, -0, 2 ** -54, -(2 ** -54), 2 ** -55, 1e-300, 0.9999999999999999, 1, -1, 511.99999999999994, 512, -512, -511.99999999999994, 354.9, 709.78, 709.79, 800, -708.4, -740, -745.2, -800, 1e-17, 0.5];
  const z: number[] = [];
  for (const a of edges) for (const c of edges) z.push(a, c);
  for (let i = 0; i < 3000; i++) z.push(rng.next() < 0.5 ? rng.uniform(-30, 30) : rng.uniform(-760, 720));
  const n = z.length;
  const zs = Float64Array.from(z);
  const b = Float64Array.from({ length: n }, () => rng.uniform(-3, 8));
  const w2 = Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? 0 : rng.uniform(0, 1.5)));
  const same = (a: number, c: number) => Object.is(a, c) || (Number.isNaN(a) && Number.isNaN(c));
  for (const f of FS) {
    for (const modify of [0, 1]) {
      const all = wasmHypweights(f, zs, b, w2, modify);
      let loss = 0;
      let minB = Infinity;
      let negatives = 0;
      let info = 0;
      for (let i = 0; i < n; i++) {
        const one = wasmHypweights(f, zs.subarray(i, i + 1), b.subarray(i, i + 1), w2.subarray(i, i + 1), modify);
        const what = `${F_NAME[f]} row ${i}, z = ${z[i]}, modify=${modify}`;
        assert.ok(same(all.r[i]!, one.r[0]!), `${what}: r ${all.r[i]} vs ${one.r[0]}`);
        assert.ok(same(all.B[i]!, one.B[0]!), `${what}: B ${all.B[i]} vs ${one.B[0]}`);
        loss += one.loss;
        if (one.minB < minB) minB = one.minB;
        negatives += one.negatives;
        if (info === 0 && one.info !== 0) info = i + 1;
      }
      const what = `${F_NAME[f]} modify=${modify}`;
      assert.ok(info > 0, `${what}: some row overflows`);
      assert.is(all.info, info, `${what}: info`);
      assert.is(all.negatives, negatives, `${what}: count of B <= 0`);
      assert.ok(same(all.minB, minB), `${what}: min B`);
      assert.ok(same(all.loss, loss), `${what}: loss ${all.loss} vs ${loss}`);
    }
    scoped(() => {
      const rows = (from: number, count: number) => {
        const outs = [0, 1, 2, 3].map(() => arena.allocF64(count));
        const outp = arena.putF64([0, 0, 0, 0]);
        const info = k.dresrows(f, count, arena.putF64(zs.subarray(from, from + count)), arena.putF64(b.subarray(from, from + count)), arena.putF64(w2.subarray(from, from + count)), 0.7, -0.2, outs[0]!, outs[1]!, outs[2]!, outs[3]!, outp);
        return { info, outs: outs.map((p) => read(p, count)) };
      };
      const all = rows(0, n);
      let info = 0;
      for (let i = 0; i < n; i++) {
        const one = rows(i, 1);
        for (let j = 0; j < 4; j++) assert.ok(same(all.outs[j]![i]!, one.outs[j]![0]!), `dresrows ${F_NAME[f]} row ${i}, z = ${z[i]}: output ${j} ${all.outs[j]![i]} vs ${one.outs[j]![0]}`);
        if (info === 0 && one.info !== 0) info = i + 1;
      }
      assert.is(all.info, info, `dresrows ${F_NAME[f]}: info`);
    });
  }
});

/**
 * A kernel that fuses a pass's parts by runs of rows against its parts called one after another over
 * the whole block, on 2000 rows of up to 17 nonzeros (about 15000, so the kernels' runs of 8192 split
 * the block) and on 2000 rows that are mostly dense (denseRowsCsr), for every f, at x and at 400 x (overflow on a few rows past the first run, reported as
 * the first such row + 1): the same info and the same bits in every output.
 */
function checkFusedPass(seed: number, b: (rng: Rng) => number, run: (A: Csr, x: Float64Array, b: Float64Array, w2: Float64Array, f: number, fused: boolean) => { info: number } & Record<string, number | Float64Array>): void {
  const rng = new Rng(seed);
  for (const A of [randomCsr(rng, 2000, 40), denseRowsCsr(rng, 2000, 40)]) checkFusedPassOn(rng, A, b, run);
}

function checkFusedPassOn(rng: Rng, A: Csr, b: (rng: Rng) => number, run: (A: Csr, x: Float64Array, b: Float64Array, w2: Float64Array, f: number, fused: boolean) => { info: number } & Record<string, number | Float64Array>): void {
  assert.ok(A.Ap[A.nrows]! > 8192, "the block spans more than one run");
  const x = rng.vector(A.ncols);
  const bv = Float64Array.from({ length: A.nrows }, () => b(rng));
  const w2 = Float64Array.from({ length: A.nrows }, () => rng.uniform(0, 1.5));
  for (const overflow of [false, true]) {
    const xs = overflow ? x.map((v) => v * 400) : x;
    for (const f of FS) {
      const [fused, apart] = [true, false].map((one) => scoped(() => run(A, xs, bv, w2, f, one)));
      const what = `${F_NAME[f]}${overflow ? ", overflowing" : ""}`;
      assert.is(fused!.info, apart!.info, what);
      if (overflow) assert.ok(fused!.info > 0, `${what}: some row overflows`);
      for (const [key, v] of Object.entries(fused!)) {
        if (key !== "info") assert.ok((v as Float64Array).every((t, i) => Object.is(t, (apart![key] as Float64Array)[i])), `${what}: ${key} differs`);
      }
    }
  }
}

test("dcsrhypgrad gives the bits of dcsrmv, dhypweights, dcsrmtv and dcsrdiag one after another, across its runs of rows", () => {
  checkFusedPass(14, (rng) => rng.uniform(-3, 8), (A, x, b, w2, f, one) => {
    const p = putCsr(A);
    const xp = arena.putF64(x);
    const [zp, rp, Bp] = [0, 0, 0].map(() => arena.allocF64(A.nrows)) as [number, number, number];
    const gp = arena.allocF64(A.ncols);
    const diagp = arena.allocF64(A.ncols);
    const outp = arena.allocF64(3);
    let info: number;
    if (one) {
      // Without the diagonal as well: it must leave every other output as it is.
      info = k.dcsrhypgrad(f, A.nrows, p.Ap, p.Aj, p.Ax, xp, zp, arena.putF64(b), arena.putF64(w2), rp, Bp, gp, outp, 0);
      const plain = { z: read(zp, A.nrows), r: read(rp, A.nrows), B: read(Bp, A.nrows), g: read(gp, A.ncols), out: read(outp, 3) };
      arena.f64(gp, A.ncols).fill(0);
      assert.is(k.dcsrhypgrad(f, A.nrows, p.Ap, p.Aj, p.Ax, xp, zp, arena.putF64(b), arena.putF64(w2), rp, Bp, gp, outp, diagp), info);
      const withDiag = { z: read(zp, A.nrows), r: read(rp, A.nrows), B: read(Bp, A.nrows), g: read(gp, A.ncols), out: read(outp, 3) };
      for (const [key, v] of Object.entries(plain)) assert.ok(v.every((t, i) => Object.is(t, withDiag[key as keyof typeof withDiag][i])), `${key} moved with diag`);
    } else {
      k.dcsrmv(A.nrows, p.Ap, p.Aj, p.Ax, xp, zp);
      info = k.dhypweights(f, A.nrows, zp, arena.putF64(b), arena.putF64(w2), rp, Bp, outp, 0);
      k.dcsrmtv(A.nrows, p.Ap, p.Aj, p.Ax, rp, gp);
      k.dcsrdiag(A.nrows, p.Ap, p.Aj, p.Ax, Bp, diagp);
    }
    return { info, z: read(zp, A.nrows), r: read(rp, A.nrows), B: read(Bp, A.nrows), g: read(gp, A.ncols), diag: read(diagp, A.ncols), out: read(outp, 3) };
  });
});

test("dhypweights reports overflow as the first overflowing row + 1, for f(z) and for its square", () => {
  const cases: Array<{ f: number; z: number[]; info: number }> = [
    { f: F_CODE.exp, z: [0.3, -2, 800, 1], info: 3 }, // exp overflows
    { f: F_CODE.exp, z: [1, 360, 800], info: 2 }, //     exp(360) is finite, its square is not
    { f: F_CODE.exp, z: [354, -800, -1e4], info: 0 }, // exp(354)^2 = e^708 is finite; exp(-800) = 0
    { f: F_CODE.cosh, z: [0, -360], info: 2 },
    { f: F_CODE.cosh, z: [-800, 1], info: 1 },
    { f: F_CODE.sinh, z: [0.1, 2, -360], info: 3 },
    { f: F_CODE.sinh, z: [800], info: 1 },
    { f: F_CODE.sinh, z: [354, -354], info: 0 },
  ];
  for (const { f, z, info } of cases) {
    for (const modify of [0, 1]) {
      const n = z.length;
      const what = `${F_NAME[f]} z=[${z.join(", ")}] modify=${modify}`;
      const zs = Float64Array.from(z);
      const b = new Float64Array(n).fill(1.5);
      const w2 = new Float64Array(n).fill(0.25);
      assert.is(wasmHypweights(f, zs, b, w2, modify).info, info, `${what}: info`);
      assertWeightsMatch(f, zs, b, w2, modify, what);
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// Dense kernels.

test("dsyrk overwrites the lower triangle with M^T M and leaves the upper triangle untouched", () => {
  const rng = new Rng(13);
  for (const m of [0, 1, 3, 8, 9, 17, 33]) {
    for (const d of [1, 2, 3, 4, 5, 7, 8, 16]) {
      scoped(() => {
        const M = rng.vector(m * d, -1, 1, 0.2);
        // Garbage in the lower triangle (to be overwritten) and sentinels above it (must survive).
        const C0 = withUpper(rng.vector(d * d, 100, 200), d, "finite");
        const Cp = arena.putF64(C0);
        k.dsyrk(m, d, arena.putF64(M), Cp);
        const C = read(Cp, d * d);
        const want = C0.slice();
        ref.dsyrk(m, d, M, want);
        const scale = abs(C0);
        ref.dsyrk(m, d, abs(M), scale);
        assertClose(C, want, scale, `dsyrk ${m}x${d}`);
        assertUpperUntouched(C, C0, d, `dsyrk ${m}x${d}`);
      });
    }
  }
});

const SPD_SIZES = [1, 2, 3, 5, 17, 64];

/** |(L L^T)_ij - A_ij| <= CHOL_REL sqrt(A_ii A_jj) on every lower entry. */
function assertFactors(L: Float64Array, A: Float64Array, n: number, what: string): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let c = 0; c <= j; c++) s += L[i * n + c]! * L[j * n + c]!;
      const bound = CHOL_REL * Math.sqrt(A[i * n + i]! * A[j * n + j]!);
      const err = Math.abs(s - A[i * n + j]!);
      if (!(err <= bound)) assert.unreachable(`${what}: (L L^T - A)(${i}, ${j}) = ${err} > ${bound}`);
    }
  }
}

test("dpotrf factors M^T M + I of sizes 1, 2, 3, 5, 17 and 64 so that L L^T = A, never touching the upper triangle", () => {
  const rng = new Rng(14);
  for (const n of SPD_SIZES) {
    const A = randomSpd(rng, n);
    for (const sentinel of SENTINELS) scoped(() => {
      const A0 = withUpper(A, n, sentinel);
      const Ap = arena.putF64(A0);
      const info = k.dpotrf(n, Ap);
      const L = read(Ap, n * n);
      const Lref = A0.slice();
      assert.is(info, 0, `n=${n}: info`);
      assert.is(ref.dpotrf(n, Lref), 0, `n=${n}: reference info`);
      assertFactors(L, A, n, `n=${n}`);
      assertFactors(Lref, A, n, `n=${n} reference`);
      assertUpperUntouched(L, A0, n, `n=${n}`);
      // Row i of L has norm sqrt(A_ii); the two factors differ only by summation order, amplified by
      // at most cond(A) <= 1 + (2 sqrt(n) + 1)^2 < 300 here: 1e-11 sqrt(A_ii) per row.
      for (let i = 0; i < n; i++) {
        const s = Math.sqrt(A[i * n + i]!);
        assertClose(L.subarray(i * n, i * n + i + 1), Lref.subarray(i * n, i * n + i + 1), s, `n=${n} row ${i} against the reference`, 1e-11);
      }
    });
  }
});

test("dpotrf skips each row's leading zeros: a diagonal factors to its square roots, envelopes to the reference", () => {
  const rng = new Rng(15);
  const n = 37;
  // Diagonal (the Gram of one-hot rows): L = sqrt(diag) exactly, the rest of the lower triangle 0.
  scoped(() => {
    const D = new Float64Array(n * n);
    for (let i = 0; i < n; i++) D[i * n + i] = rng.uniform(0.1, 9);
    const Ap = arena.putF64(D);
    assert.is(k.dpotrf(n, Ap), 0);
    const L = read(Ap, n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) assert.is(L[i * n + j], i === j ? Math.sqrt(D[i * n + i]!) : 0, `L[${i}][${j}]`);
  });
  // Envelopes: row i of M starts at a random column f_i (first nonzeros that are not multiples of 4
  // included), A = M M^T + I keeps leading zeros where rows of M do not overlap.
  for (let trial = 0; trial < 4; trial++) {
    const M = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const first = trial === 0 ? Math.max(0, i - 2) : rng.int(i + 1);
      for (let j = first; j <= i; j++) M[i * n + j] = rng.uniform(-1, 1);
    }
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = i === j ? 1 : 0;
        for (let q = 0; q < n; q++) s += M[i * n + q]! * M[j * n + q]!;
        A[i * n + j] = A[j * n + i] = s;
      }
    }
    const leadingZeros = Array.from({ length: n }, (_, i) => A.subarray(i * n, i * n + i).findIndex((v) => v !== 0)).filter((f) => f > 0).length;
    assert.ok(leadingZeros > (trial === 0 ? n / 2 : 0), `trial ${trial}: rows with leading zeros: ${leadingZeros}`);
    scoped(() => {
      const Ap = arena.putF64(A);
      assert.is(k.dpotrf(n, Ap), 0);
      const L = read(Ap, n * n);
      const Lref = A.slice();
      assert.is(ref.dpotrf(n, Lref), 0);
      assertFactors(L, A, n, `trial ${trial}`);
      for (let i = 0; i < n; i++) {
        assertClose(L.subarray(i * n, i * n + i + 1), Lref.subarray(i * n, i * n + i + 1), Math.sqrt(A[i * n + i]!), `trial ${trial} row ${i} against the reference`, 1e-11);
      }
    });
  }
});

test("dpotrf returns the LAPACK info of the first leading minor that is not positive definite", () => {
  const rng = new Rng(15);
  const cases: Array<{ what: string; n: number; edit: (A: Float64Array, n: number) => void; info: number }> = [
    { what: "negative pivot at order 3", n: 5, edit: (A, n) => { A[2 * n + 2] = -1; }, info: 3 },
    { what: "zero first pivot", n: 4, edit: (A) => { A[0] = 0; }, info: 1 },
    { what: "negative last pivot", n: 17, edit: (A, n) => { A[16 * n + 16] = -5; }, info: 17 },
    { what: "indefinite 2x2 [[1, 2], [2, 1]]", n: 2, edit: (A) => { A.set([1, 2, 2, 1]); }, info: 2 },
    { what: "all zeros", n: 3, edit: (A) => { A.fill(0); }, info: 1 },
    { what: "1x1 negative", n: 1, edit: (A) => { A[0] = -2; }, info: 1 },
    { what: "NaN below the diagonal in row 4", n: 6, edit: (A, n) => { A[4 * n + 1] = NaN; }, info: 5 },
    { what: "NaN on the diagonal at order 2", n: 6, edit: (A, n) => { A[1 * n + 1] = NaN; }, info: 2 },
    { what: "NaN everywhere", n: 3, edit: (A) => { A.fill(NaN); }, info: 1 },
    { what: "Infinity below the diagonal in row 2", n: 3, edit: (A, n) => { A[1 * n] = Infinity; }, info: 2 },
  ];
  for (const { what, n, edit, info } of cases) {
    const A = randomSpd(rng, n);
    edit(A, n);
    for (const sentinel of SENTINELS) scoped(() => {
      const A0 = withUpper(A, n, sentinel);
      const Ap = arena.putF64(A0);
      const got = k.dpotrf(n, Ap);
      const Lref = A0.slice();
      assert.is(ref.dpotrf(n, Lref), info, `${what}: reference info`);
      assert.is(got, info, `${what}: info`);
      const L = read(Ap, n * n);
      assertUpperUntouched(L, A0, n, what);
      // Rows before the failing one are finished rows of L, as in the reference.
      for (let i = 0; i < info - 1; i++) {
        const s = Math.sqrt(Math.abs(A[i * n + i]!));
        assertClose(L.subarray(i * n, i * n + i + 1), Lref.subarray(i * n, i * n + i + 1), s, `${what}: row ${i}`, 1e-11);
      }
    });
  }
});

test("dpotrs solves L L^T x = b with a small residual and agrees with the reference", () => {
  const rng = new Rng(16);
  for (const n of SPD_SIZES) {
    scoped(() => {
      const A = randomSpd(rng, n);
      const Lp = arena.putF64(A);
      assert.is(k.dpotrf(n, Lp), 0);
      const L = read(Lp, n * n);
      const b = rng.vector(n, -1, 1);
      const xp = arena.putF64(b);
      k.dpotrs(n, Lp, xp);
      const x = read(xp, n);
      // Backward error: |b - A x| <= c n eps |L||L^T||x|, and |L||L^T| <= sqrt(A_ii A_jj) entrywise.
      let sx = 0;
      for (let j = 0; j < n; j++) sx += Math.sqrt(A[j * n + j]!) * Math.abs(x[j]!);
      const Ax = new Float64Array(n);
      const scale = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += A[i * n + j]! * x[j]!;
        Ax[i] = s;
        scale[i] = Math.sqrt(A[i * n + i]!) * sx + Math.abs(b[i]!);
      }
      assertClose(Ax, b, scale, `dpotrs n=${n} residual`, CHOL_REL);
      const want = b.slice();
      ref.dpotrs(n, L, want);
      // Forward differences: summation order amplified by cond(A) < 300 (see dpotrf above).
      const xmax = Math.max(...abs(want));
      assertClose(x, want, xmax, `dpotrs n=${n} against the reference`, 1e-11);
    });
  }
});

test("dtrsm solves L^T X = B for 1 to 8 right-hand sides with a small residual and agrees with the reference", () => {
  const rng = new Rng(17);
  for (const n of SPD_SIZES) {
    for (const kk of [1, 2, 3, 5, 8]) {
      scoped(() => {
        const Lp = arena.putF64(randomSpd(rng, n));
        assert.is(k.dpotrf(n, Lp), 0);
        const L = read(Lp, n * n);
        const B = rng.vector(n * kk);
        const Xp = arena.putF64(B);
        k.dtrsm(n, kk, Lp, Xp);
        const X = read(Xp, n * kk);
        // Residual L^T X - B per entry, against sum|terms| = (|L^T| |X|)_ic + |B_ic| (triangular solves are
        // backward stable entrywise: Higham, Theorem 8.5).
        const LtX = new Float64Array(n * kk);
        const scale = new Float64Array(n * kk);
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < kk; c++) {
            let s = 0;
            let t = 0;
            for (let j = i; j < n; j++) {
              s += L[j * n + i]! * X[j * kk + c]!;
              t += Math.abs(L[j * n + i]! * X[j * kk + c]!);
            }
            LtX[i * kk + c] = s;
            scale[i * kk + c] = t + Math.abs(B[i * kk + c]!);
          }
        }
        assertClose(LtX, B, scale, `dtrsm n=${n} k=${kk} residual`, CHOL_REL);
        const want = B.slice();
        ref.dtrsm(n, kk, L, want);
        const xmax = Math.max(...abs(want));
        assertClose(X, want, xmax, `dtrsm n=${n} k=${kk} against the reference`, 1e-11);
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// The release build and the math the weights come from.

test("the release build keeps f64x2 SIMD instructions in dcsrmv, dsyrk and dpotrf", () => {
  const wat = readFileSync(join(process.cwd(), "dist", "wasm", "kernels.wat"), "utf8");
  for (const name of ["dcsrmv", "dsyrk", "dpotrf"]) {
    // ddot and daxpy are inlined, so the SIMD must show in the kernel's own body.
    const head = `(func $assembly/kernels/${name}/${name} `;
    const start = wat.indexOf(head);
    assert.ok(start >= 0, `kernels.wat defines ${name}`);
    const end = wat.indexOf("(func", start + head.length);
    const body = wat.slice(start, end < 0 ? wat.length : end);
    assert.ok(body.includes("f64x2."), `${name} has f64x2 instructions`);
  }
});

test("the gradient A^T r and Hessian A^T diag(B) A agree with central differences of the loss for exp, cosh and sinh", () => {
  const rng = new Rng(18);
  const n = 14;
  const d = 5;
  const A = randomCsr(rng, n, d);
  for (let p = 0; p < A.Ax.length; p++) A.Ax[p] = A.Ax[p]! * 0.8;
  const x0 = rng.vector(d, -0.5, 0.5);
  const b = rng.vector(n, 0, 3);
  const w2 = rng.vector(n, 0.1, 1);
  for (const f of FS) {
    scoped(() => {
      const p = putCsr(A);
      const bp = arena.putF64(b);
      const w2p = arena.putF64(w2);
      const xp = arena.allocF64(d);
      const zp = arena.allocF64(n);
      const rp = arena.allocF64(n);
      const Bp = arena.allocF64(n);
      const outp = arena.allocF64(3);
      const gp = arena.allocF64(d);
      const Gp = arena.allocF64(d * d);
      // L, g = A^T r and the lower triangle of H = A^T diag(B) A at x, all by the Wasm kernels.
      const evaluate = (x: Float64Array): { loss: number; g: Float64Array; H: Float64Array } => {
        arena.f64(xp, d).set(x);
        k.dcsrmv(n, p.Ap, p.Aj, p.Ax, xp, zp);
        assert.is(k.dhypweights(f, n, zp, bp, w2p, rp, Bp, outp, 0), 0, "no overflow");
        arena.f64(gp, d).fill(0);
        k.dcsrmtv(n, p.Ap, p.Aj, p.Ax, rp, gp);
        arena.f64(Gp, d * d).fill(0);
        k.dcsrsyrk(n, p.Ap, p.Aj, p.Ax, Bp, d, Gp);
        return { loss: read(outp, 1)[0]!, g: read(gp, d), H: read(Gp, d * d) };
      };
      const at = evaluate(x0);
      const gmax = Math.max(1, ...abs(at.g));
      const hmax = Math.max(1, ...abs(at.H));
      for (let j = 0; j < d; j++) {
        const xPlus = x0.slice();
        const xMinus = x0.slice();
        xPlus[j]! += FD_STEP;
        xMinus[j]! -= FD_STEP;
        const plus = evaluate(xPlus);
        const minus = evaluate(xMinus);
        const what = `${F_NAME[f]}, direction ${j}`;
        assertClose([(plus.loss - minus.loss) / (2 * FD_STEP)], [at.g[j]!], gmax, `${what}: gradient`, FD_REL);
        for (let l = 0; l < d; l++) {
          const fd = (plus.g[l]! - minus.g[l]!) / (2 * FD_STEP);
          const exact = l >= j ? at.H[l * d + j]! : at.H[j * d + l]!;
          assertClose([fd], [exact], hmax, `${what}: Hessian (${l}, ${j})`, FD_REL);
        }
      }
    });
  }
});

test("dasum sums |x| and daxpy adds a x into y for every SIMD tail length", () => {
  const rng = new Rng(41);
  for (const n of [0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 100]) {
    scoped(() => {
      const x = Float64Array.from({ length: n }, () => rng.uniform(-3, 3));
      const y = Float64Array.from({ length: n }, () => rng.uniform(-3, 3));
      const a = rng.uniform(-2, 2);
      const px = arena.putF64(x);
      const py = arena.putF64(y);
      let s = 0;
      for (const v of x) s += Math.abs(v);
      assertClose([k.dasum(n, px)], [s], [s], `dasum n=${n}`);
      k.daxpy(n, a, px, py);
      const expected = y.map((v, i) => v + a * x[i]!);
      assertClose(read(py, n), expected, expected.map((v, i) => Math.abs(y[i]!) + Math.abs(a * x[i]!)), `daxpy n=${n}`);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Rescaled regression: the evaluation's pass and weights, and the stacked factor's sketch, leverage
// scores and sample. The references form every row of J = diag(u') A - b p^T densely, which the kernels
// never do, so they check the algebra that avoids it as well as the code.

/** Sum of |terms| of a_i^T y for each row (the rounding scale of products with A). */
function rowAbs(A: Csr, y: Float64Array): Float64Array {
  const out = new Float64Array(A.nrows);
  ref.dcsrmv(A.nrows, A.Ap, A.Aj, abs(A.Ax), abs(y), out);
  return out;
}

test("dresrows matches u = f(z), u' = f'(z), the centred weights r, u' b and sums, continues its sums, and flags u^2 overflow", () => {
  const rng = new Rng(51);
  for (const f of FS) {
    for (const n of [0, 1, 2, 7, 64]) {
      scoped(() => {
        const z = rng.vector(n, -3, 3, 0.1);
        const b = rng.vector(n, -1, 2);
        const w2 = rng.vector(n, 0, 0.5, 0.3);
        const [alpha0, cb0] = [rng.uniform(-2, 2), rng.uniform(-2, 2)];
        const outs = [0, 0, 0, 0].map(() => arena.allocF64(n));
        // The sums continue from what out holds.
        const before = [0.5, 1.5, -0.25, 2];
        const outp = arena.putF64(before);
        const info = k.dresrows(f, n, arena.putF64(z), arena.putF64(b), arena.putF64(w2), alpha0, cb0, outs[0]!, outs[1]!, outs[2]!, outs[3]!, outp);
        const want = ref.dresrows(f, n, z, b, w2, alpha0, cb0);
        const what = `${F_NAME[f]} n=${n}`;
        assert.is(info, 0, `${what}: info`);
        // Different libm (musl, or hyperbolic.ts for cosh and sinh, vs fdlibm), each within a few ulps.
        assertClose(read(outs[0]!, n), want.u, abs(want.u), `${what}: u`);
        assertClose(read(outs[1]!, n), want.up, abs(want.up), `${what}: u'`);
        const v = Float64Array.from(want.u, (u, i) => Math.abs(u) + Math.abs(alpha0 * b[i]!));
        const scaleR = Float64Array.from(v, (vi, i) => Math.abs(want.up[i]!) * (vi + Math.abs(cb0)) + w2[i]! * Math.abs(z[i]!));
        assertClose(read(outs[2]!, n), want.r, scaleR, `${what}: r`);
        assertClose(read(outs[3]!, n), want.upb, abs(want.upb), `${what}: u' b`);
        const sum = (g: (i: number) => number) => Array.from({ length: n }, (_, i) => g(i)).reduce((s, t) => s + t, 0);
        const scales = [sum((i) => Math.abs(want.u[i]!)), sum((i) => v[i]! * v[i]!), sum((i) => v[i]! * Math.abs(b[i]!)), want.sums[3]].map((t, c) => t + Math.abs(before[c]!));
        assertClose(read(outp, 4), want.sums.map((t, c) => t + before[c]!), scales, `${what}: sums`);
      });
    }
    scoped(() => {
      // exp(360) is finite, its square is not; cosh and sinh overflow the same way at -360 / 360.
      const z = Float64Array.from([0.5, -1, f === F_CODE.cosh ? -360 : 360, 1]);
      const b = new Float64Array(4).fill(0.25);
      const info = k.dresrows(f, 4, arena.putF64(z), arena.putF64(b), arena.putF64(b), 0, 0, arena.allocF64(4), arena.allocF64(4), arena.allocF64(4), arena.allocF64(4), arena.putF64([0, 0, 0, 0]));
      assert.is(info, 3, `${F_NAME[f]}: overflow row`);
      assert.is(ref.dresrows(f, 4, z, b, b, 0, 0).info, 3, `${F_NAME[f]}: reference overflow row`);
    });
  }
});

test("cosh and sinh from one exponential (hyperbolic.ts) are within 3 ulps of Math's, with the signs of zero", () => {
  // dresrows with f = sinh writes u = sinh z and u' = cosh z. The points: zeros and subnormals, both
  // sides of |z| = 1 where the series hands over to the exponential, and |z| up to 350 (u^2 finite).
  const rng = new Rng(52);
  const edge = [0, -0, 5e-324, -1e-300, 1e-8, -0.5, 1 - 2 ** -53, -(1 - 2 ** -53), 1, -1, 1 + 2 ** -52, 20, -350];
  const z = Float64Array.from([...edge, ...Array.from({ length: 4000 }, (_, i) => (i % 2 ? -1 : 1) * (i < 2000 ? rng.uniform(0, 2) : Math.exp(rng.uniform(-20, Math.log(350)))))]);
  const n = z.length;
  scoped(() => {
    const [u, up] = [arena.allocF64(n), arena.allocF64(n)];
    const zeros = arena.putF64(new Float64Array(n));
    const info = k.dresrows(F_CODE.sinh, n, arena.putF64(z), zeros, zeros, 0, 0, u, up, arena.allocF64(n), arena.allocF64(n), arena.putF64([0, 0, 0, 0]));
    assert.is(info, 0, "no overflow");
    const [s, c] = [read(u, n), read(up, n)];
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (const [got, want, name] of [[s[i]!, Math.sinh(z[i]!), "sinh"], [c[i]!, Math.cosh(z[i]!), "cosh"]] as const) {
        if (want === 0) {
          if (!Object.is(got, want)) assert.unreachable(`${name}(${z[i]}) = ${got}, want ${want}`);
          continue;
        }
        // An ulp near |want|, and the subnormals' fixed spacing below the normal range.
        const ulps = Math.abs(got - want) / Math.max(Number.EPSILON * Math.abs(want), Number.MIN_VALUE);
        worst = Math.max(worst, ulps);
        if (!(ulps <= 3)) assert.unreachable(`${name}(${z[i]}) = ${got}, Math's ${want}: ${ulps.toFixed(2)} ulps`);
      }
    }
    // Not every point rounds alike: the bound is met, not trivially.
    assert.ok(worst > 0, "some point differs from Math's in the last place");
  });
});

test("dcsrresgrad gives the bits of dcsrmv, dresrows and dcsrmtv3 one after another, across its runs of rows", () => {
  checkFusedPass(55, (rng) => rng.uniform(0, 1e-3), (A, x, b, w2, f, one) => {
    const p = putCsr(A);
    const d = A.ncols;
    const xp = arena.putF64(x);
    const [zp, up, upp, rp, upbp] = [0, 0, 0, 0, 0].map(() => arena.allocF64(A.nrows)) as [number, number, number, number, number];
    const yp = arena.allocF64(3 * d);
    const outp = arena.putF64([0, 0, 0, 0]);
    const bp = arena.putF64(b);
    const wp = arena.putF64(w2);
    let info: number;
    if (one) {
      info = k.dcsrresgrad(f, A.nrows, p.Ap, p.Aj, p.Ax, xp, zp, bp, wp, 0.7, -0.2, up, upp, rp, upbp, yp, yp + 8 * d, yp + 16 * d, outp);
    } else {
      k.dcsrmv(A.nrows, p.Ap, p.Aj, p.Ax, xp, zp);
      info = k.dresrows(f, A.nrows, zp, bp, wp, 0.7, -0.2, up, upp, rp, upbp, outp);
      k.dcsrmtv3(A.nrows, p.Ap, p.Aj, p.Ax, rp, upp, upbp, yp, yp + 8 * d, yp + 16 * d);
    }
    return { info, z: read(zp, A.nrows), u: read(up, A.nrows), up: read(upp, A.nrows), y: read(yp, 3 * d), out: read(outp, 4) };
  });
});

test("dresweights matches the reference Hessian weights, loss, min e, its row and the count of e <= 0", () => {
  const rng = new Rng(52);
  for (const f of FS) {
    for (const n of [1, 3, 8, 65]) {
      scoped(() => {
        const z = rng.vector(n, -2, 2);
        const b = rng.vector(n, -0.5, 1.5);
        const w2 = rng.vector(n, 0, 0.5, 0.3);
        const { u, up } = ref.dresrows(f, n, z, b, w2, 0, 0);
        const alpha = u.reduce((s, v) => s + v, 0);
        const cb = rng.uniform(-2, 2);
        const outs = [0, 0].map(() => arena.putF64(new Float64Array(n).fill(NaN)));
        const outp = arena.putF64([NaN, NaN, NaN, NaN]);
        const info = k.dresweights(n, arena.putF64(u), arena.putF64(up), arena.putF64(b), arena.putF64(w2), alpha, cb, outs[0]!, outs[1]!, outp);
        const want = ref.dresweights(n, u, up, b, w2, alpha, cb);
        const what = `${F_NAME[f]} n=${n}`;
        assert.is(info, want.info, `${what}: info`);
        const res = Float64Array.from(u, (v, i) => Math.abs(v) + Math.abs(alpha * b[i]!) + Math.abs(cb));
        const scaleE = Float64Array.from(res, (v, i) => Math.abs(u[i]!) * v + w2[i]!);
        assertClose(read(outs[0]!, n), want.e, scaleE, `${what}: e`);
        assertClose(read(outs[1]!, n), want.D, scaleE.map((v, i) => v + up[i]! * up[i]!), `${what}: D`);
        const out = read(outp, 4);
        const scaleLoss = res.reduce((s, v) => s + 0.5 * v * v, 0);
        assertClose([out[0]!], [want.out[0]], [scaleLoss], `${what}: loss`);
        assert.is(out[1], want.out[1], `${what}: min e`);
        assert.is(out[2], want.out[2], `${what}: count of e <= 0`);
        assert.is(out[3], want.out[3], `${what}: row of min e`);
        if (n === 65) assert.ok(want.out[2] > 0 && want.out[2] < n, `${what}: both signs of e were drawn`);
      });
    }
  }
});

test("dcsrjsketch equals the CountSketch of the dense rows of J = diag(u') A - b p^T, whole or split into blocks", () => {
  const rng = new Rng(54);
  for (const A of randomBlocks(rng)) {
    for (const m of [1, 3, 8]) {
      scoped(() => {
        const d = A.ncols;
        const up = rng.vector(A.nrows, -2, 2, 0.2);
        const b = rng.vector(A.nrows, -1, 1, 0.2);
        const pv = rng.vector(d);
        const S0 = rng.vector(m * d);
        const [keyLo, keyHi] = rng.pick(KEYS);
        const rowOffset = rng.int(1 << 20);
        const p = putCsr(A);
        const Sp = arena.putF64(S0);
        // e = 0: the upper half adds nothing (the next test adds it).
        const e0 = arena.putF64(new Float64Array(A.nrows));
        k.dcsrjsketch(A.nrows, p.Ap, p.Aj, p.Ax, e0, arena.putF64(up), arena.putF64(b), arena.putF64(pv), keyLo, keyHi, rowOffset, m, d, arena.putF64(rng.vector(m, 3, 4)), Sp);
        const want = S0.slice();
        const zero = new Float64Array(A.nrows);
        ref.dcsrJsketch(A.nrows, A.Ap, A.Aj, A.Ax, zero, up, b, pv, keyLo, keyHi, rowOffset, m, d, want);
        // sum|terms| per entry: every row's |up a| + |b p| lands in one bucket, so all rows bound each entry.
        const scale = abs(S0);
        ref.dcsrJsketch(A.nrows, A.Ap, A.Aj, abs(A.Ax), zero, abs(up), abs(b).map((v) => -v), abs(pv), keyLo, keyHi, rowOffset, m, d, scale.fill(0));
        for (let q = 0; q < scale.length; q++) scale[q] = Math.abs(scale[q]!) + Math.abs(S0[q]!) + A.nrows * Math.max(...abs(b), 0) * Math.max(...abs(pv));
        assertClose(read(Sp, m * d), want, scale, `dcsrjsketch ${A.nrows}x${d} m=${m}`);
      });
    }
  }
  const A = randomCsr(rng, 90, 7);
  const up = rng.vector(90, -1, 1);
  const b = rng.vector(90, -1, 1);
  const pv = rng.vector(7);
  scoped(() => {
    const wholep = arena.allocF64(5 * 7);
    const p = putCsr(A);
    const sb = arena.allocF64(5);
    k.dcsrjsketch(90, p.Ap, p.Aj, p.Ax, arena.putF64(new Float64Array(90)), arena.putF64(up), arena.putF64(b), arena.putF64(pv), 3, 4, 10, 5, 7, sb, wholep);
    const splitp = arena.allocF64(5 * 7);
    for (const [r0, r1] of [[0, 40], [40, 41], [41, 90]] as const) {
      const B = rowSlice(A, r0, r1);
      const q = putCsr(B);
      k.dcsrjsketch(B.nrows, q.Ap, q.Aj, q.Ax, arena.putF64(new Float64Array(r1 - r0)), arena.putF64(up.slice(r0, r1)), arena.putF64(b.slice(r0, r1)), arena.putF64(pv), 3, 4, 10 + r0, 5, 7, sb, splitp);
    }
    // The blocks differ only in where the per-bucket b p^T updates are rounded.
    assertClose(read(splitp, 35), read(wholep, 35), 90 * 4, "split J sketch");
  });
});

test("dcsrjsketch with weights e adds each row's upper half to its J row's bucket, with a sign of its own", () => {
  const rng = new Rng(56);
  for (const A of randomBlocks(rng)) {
    for (const m of [1, 3, 8]) {
      scoped(() => {
        const d = A.ncols;
        // Weights of both signs and zeros: rows with e_i <= 0 add nothing to the upper half.
        const e = rng.vector(A.nrows, -1, 3, 0.2);
        const up = rng.vector(A.nrows, -2, 2, 0.2);
        const b = rng.vector(A.nrows, -1, 1, 0.2);
        const pv = rng.vector(d);
        const [keyLo, keyHi] = rng.pick(KEYS);
        const rowOffset = rng.int(1 << 20);
        const p = putCsr(A);
        const sb = arena.putF64(new Float64Array(m));
        const Sp = arena.allocF64(m * d);
        k.dcsrjsketch(A.nrows, p.Ap, p.Aj, p.Ax, arena.putF64(e), arena.putF64(up), arena.putF64(b), arena.putF64(pv), keyLo, keyHi, rowOffset, m, d, sb, Sp);
        const want = new Float64Array(m * d);
        ref.dcsrJsketch(A.nrows, A.Ap, A.Aj, A.Ax, e, up, b, pv, keyLo, keyHi, rowOffset, m, d, want);
        const scale = new Float64Array(m * d);
        ref.dcsrJsketch(A.nrows, A.Ap, A.Aj, abs(A.Ax), abs(e), abs(up), abs(b).map((v) => -v), abs(pv), keyLo, keyHi, rowOffset, m, d, scale);
        for (let q = 0; q < scale.length; q++) scale[q] = Math.abs(scale[q]!) + A.nrows * Math.max(...abs(b), 0) * Math.max(...abs(pv));
        assertClose(read(Sp, m * d), want, scale, `stacked sketch ${A.nrows}x${d} m=${m}`);
      });
    }
  }
  // The two halves' signs are independent: over many rows, each of the four sign pairs appears.
  const pairs = new Set<string>();
  scoped(() => {
    const n = 64;
    const A = randomCsr(rng, n, 1);
    for (let i = 0; i < n; i++) {
      if (A.Ap[i + 1] === A.Ap[i]) continue;
      const one = rowSlice(A, i, i + 1);
      const p = putCsr(one);
      const Sp = arena.putF64([0]);
      const a = one.Ax[0]!;
      if (a === 0) continue;
      // up = 1, e = 4: the row adds (s + 2 s') a, so its sign pair reads off the sum.
      k.dcsrjsketch(1, p.Ap, p.Aj, p.Ax, arena.putF64([4]), arena.putF64([1]), arena.putF64([0]), arena.putF64([0]), 5, 6, i, 1, 1, arena.allocF64(1), Sp);
      pairs.add(String(Math.round(read(Sp, 1)[0]! / a)));
    }
  });
  assert.equal([...pairs].sort(), ["-1", "-3", "1", "3"], "sign pairs (s, s') of the two halves");
});

test("dcsrjlev's row products give ||a_i^T Q||^2, and dreslev ||j_i^T Q||^2 of the dense rows of J from them, for every k tail, in f64 and f32, and again at later weights", () => {
  const rng = new Rng(55);
  for (const A of randomBlocks(rng)) {
    for (const kk of [1, 2, 3, 5, 8, 9, 16, 24]) {
      for (const single of kk % 8 === 0 ? [false, true] : [false]) scoped(() => {
        const d = A.ncols;
        const b = rng.vector(A.nrows, -1, 1, 0.1);
        const pv = rng.vector(d);
        const Q = rng.vector(d * kk);
        const pq = new Float64Array(kk);
        for (let c = 0; c < kk; c++) for (let j = 0; j < d; j++) pq[c]! += pv[j]! * Q[j * kk + c]!;
        let pp = 0;
        for (let c = 0; c < kk; c++) pp += pq[c]! * pq[c]!;
        const p = putCsr(A);
        const ttp = arena.putF64(new Float64Array(A.nrows).fill(NaN));
        const tpp = arena.putF64(new Float64Array(A.nrows).fill(NaN));
        k.dcsrjlev(A.nrows, p.Ap, p.Aj, p.Ax, putQ(Q, single), kk, arena.putF64(pq), single, arena.putF64(rng.vector(Math.max(kk, 16))), ttp, tpp);
        const what = `dcsrjlev + dreslev ${A.nrows}x${d} k=${kk}${single ? " f32" : ""}`;
        // Squares of sums: the reference on absolute values (b negated so the two parts add) is
        // (sum|terms|)^2 per row; in f32 the row products carry singleRel of it.
        const ones = new Float64Array(A.nrows).fill(1);
        const tt = new Float64Array(A.nrows);
        const stt = new Float64Array(A.nrows);
        ref.dcsrJlev(A.nrows, A.Ap, A.Aj, A.Ax, ones, ones, b, pv, Q, kk, d, tt, new Float64Array(A.nrows));
        ref.dcsrJlev(A.nrows, A.Ap, A.Aj, abs(A.Ax), ones, ones, b, abs(pv), abs(Q), kk, d, stt, new Float64Array(A.nrows));
        assertClose(read(ttp, A.nrows), tt, stt, `${what}: ||a_i^T Q||^2`, single ? singleRel(d) : undefined);
        // The same products serve any weights: the pass's own, then later ones.
        for (const when of ["the pass's weights", "later weights"]) {
          const up = rng.vector(A.nrows, -2, 2, 0.1);
          const levJp = arena.putF64(new Float64Array(A.nrows).fill(NaN));
          k.dreslev(A.nrows, ttp, tpp, arena.putF64(up), arena.putF64(b), pp, levJp);
          const levJ = new Float64Array(A.nrows);
          ref.dcsrJlev(A.nrows, A.Ap, A.Aj, A.Ax, ones, up, b, pv, Q, kk, d, new Float64Array(A.nrows), levJ);
          // J's score comes expanded, up^2 tt - 2 up b tp + b^2 pp, whose terms are at most twice
          // (sum|terms|)^2 (Cauchy-Schwarz on the cross term): 1e-12 covers them and pq's own
          // rounding, which the reference does not share; in f32 twice singleRel (b pq stays f64).
          const sj = new Float64Array(A.nrows);
          ref.dcsrJlev(A.nrows, A.Ap, A.Aj, abs(A.Ax), ones, abs(up), abs(b).map((v) => -v), abs(pv), abs(Q), kk, d, new Float64Array(A.nrows), sj);
          assertClose(read(levJp, A.nrows), levJ, sj, `${what} at ${when}: levJ`, (single ? 2 * singleRel(d) : 0) + 1e-12);
          assert.ok(read(levJp, A.nrows).every((v) => v >= 0), `${what} at ${when}: J's scores are not negative`);
        }
      });
    }
  }
});

test("djsample keeps the reference's rows, and its sparse pieces assemble the sampled Gram of the dense J rows", () => {
  const rng = new Rng(56);
  const n = 150;
  const d = 6;
  const A = randomCsr(rng, n, d);
  for (const [keyLo, keyHi] of KEYS) {
    scoped(() => {
      const levJ = rng.vector(n, 0, 1, 0.1);
      const up = rng.vector(n, -2, 2, 0.05);
      const b = rng.vector(n, -1, 1, 0.05);
      const pv = rng.vector(d);
      const Dt0 = rng.vector(n, 0, 1, 0.5);
      const scale = 0.8;
      const Dtp = arena.putF64(Dt0);
      const vp = arena.putF64(new Float64Array(n).fill(NaN));
      const outp = arena.putF64([NaN]);
      const kept = k.djsample(n, arena.putF64(levJ), arena.putF64(up), arena.putF64(b), scale, keyLo, keyHi, 31, Dtp, vp, outp);
      const Dt = Dt0.slice();
      const v = new Float64Array(n);
      const want = ref.djsample(n, levJ, up, b, scale, keyLo, keyHi, 31, Dt, v);
      const what = `djsample key=${keyHi.toString(16)}:${keyLo.toString(16)}`;
      assert.is(kept, want.kept, `${what}: kept`);
      assert.ok(kept > 10 && kept < n, `${what}: kept ${kept}`);
      assertClose(read(Dtp, n), Dt, Dt.map((x, i) => Math.abs(x) + Math.abs(Dt0[i]!)), `${what}: Dt`);
      assertClose(read(vp, n), v, abs(v), `${what}: v`);
      assertClose(read(outp, 1), [want.beta], [want.beta], `${what}: beta`);
      // Assemble: A^T diag(Dt - Dt0) A - (A^T v) p^T - p (A^T v)^T + beta p p^T against sum omega j j^T.
      const Gp = arena.allocF64(d * d);
      const dj = read(Dtp, n).map((x, i) => x - Dt0[i]!);
      const Ap = putCsr(A);
      k.dcsrsyrk(n, Ap.Ap, Ap.Aj, Ap.Ax, arena.putF64(dj), d, Gp);
      const G = read(Gp, d * d);
      const y = new Float64Array(d);
      ref.dcsrmtv(n, A.Ap, A.Aj, A.Ax, v, y);
      const dense = new Float64Array(d * d);
      const sc = new Float64Array(d * d);
      for (const i of want.rows) {
        const omega = 1 / Math.min(1, scale * levJ[i]!);
        const row = pv.map((pj) => -b[i]! * pj);
        const rabs = pv.map((pj) => Math.abs(b[i]! * pj));
        for (let q = A.Ap[i]!; q < A.Ap[i + 1]!; q++) {
          row[A.Aj[q]!]! += up[i]! * A.Ax[q]!;
          rabs[A.Aj[q]!]! += Math.abs(up[i]! * A.Ax[q]!);
        }
        for (let l = 0; l < d; l++) for (let j = 0; j <= l; j++) {
          dense[l * d + j]! += omega * row[l]! * row[j]!;
          sc[l * d + j]! += omega * rabs[l]! * rabs[j]!;
        }
      }
      for (let l = 0; l < d; l++) for (let j = 0; j <= l; j++) {
        G[l * d + j]! += -y[l]! * pv[j]! - pv[l]! * y[j]! + want.beta * pv[l]! * pv[j]!;
      }
      for (let l = 0; l < d; l++) for (let j = l + 1; j < d; j++) G[l * d + j] = dense[l * d + j] = sc[l * d + j] = 0;
      assertClose(G, dense, sc, `${what}: sampled Gram`, 1e-12);
    });
  }
});

test.run();
