// SPDX-License-Identifier: MIT
// Numerical extremes: exp overflow at x0 and along a step, b from 1e-150 to 1e150, rank-deficient
// A with weights on some rows only, an all-zero column, weights below the convexity certificate,
// and the trivial cosh and sinh cases. Each must give a correct local answer or an honest status
// whose message says what to change; `converged` is checked everywhere against the gradient
// recomputed in float64 at the returned x (tests/oracle.ts), in every Hessian mode.
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { csrFromDense, generateProblem, HyperregRangeError, solve } from "../src/index.js";
import type { CsrMatrix, HessianMode, HyperbolicFunction, SolveOptions, SolveResult } from "../src/index.js";
import { norm } from "./helpers.js";
import { assertValidResult, type RawProblem, referenceGradient } from "./oracle.js";

const MODES: HessianMode[] = ["exact", "sketch", "sketch-pcg", "auto"];

/** Solves in every Hessian mode; each result must be valid (and vouched for, where converged). */
async function everyMode(p: RawProblem, options: SolveOptions, what: string): Promise<SolveResult[]> {
  const out: SolveResult[] = [];
  for (const hessian of MODES) {
    const r = await solve({ ...p, A: p.A as CsrMatrix }, { ...options, hessian });
    assertValidResult(r, p, `${what} (${hessian})`, options.maxIterations ?? 100);
    out.push(r);
  }
  return out;
}

/** The certificate's phi_f(b) (math.md section 1): w^2 above it on every row makes the loss strongly convex. */
function phi(f: HyperbolicFunction, b: number): number {
  if (f === "exp") return Math.max(b, 0) ** 2 / 8;
  if (f === "cosh") return b <= 4 ? b - 1 : (b * b) / 8 + 1;
  return (b * b) / 8 - 1;
}

/** Dense d x d A^T diag(D) A. */
function gram(A: CsrMatrix, D: ArrayLike<number>): Float64Array {
  const d = A.ncols;
  const G = new Float64Array(d * d);
  for (let i = 0; i < A.nrows; i++) {
    for (let p = A.indptr[i]!; p < A.indptr[i + 1]!; p++) {
      for (let q = A.indptr[i]!; q < A.indptr[i + 1]!; q++) G[A.indices[p]! * d + A.indices[q]!]! += D[i]! * A.data[p]! * A.data[q]!;
    }
  }
  return G;
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan 8.5), ascending. */
function eigenvalues(M: Float64Array, d: number): number[] {
  const a = M.slice();
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! ** 2;
    if (off < 1e-300) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: d }, (_, i) => a[i * d + i]!).sort((x, y) => x - y);
}

function matVec(A: CsrMatrix, x: ArrayLike<number>): Float64Array {
  const z = new Float64Array(A.nrows);
  for (let i = 0; i < A.nrows; i++) for (let p = A.indptr[i]!; p < A.indptr[i + 1]!; p++) z[i]! += A.data[p]! * x[A.indices[p]!]!;
  return z;
}

const planted = generateProblem({ family: "gauss", nrows: 60, ncols: 5, f: "exp", seed: 3 });

test("x0 where f(Ax) or its square overflows: status overflow at x0, x = x0, and the message names x0", async () => {
  for (const f of ["exp", "cosh", "sinh"] as const) {
    // |z| beyond 709.8 overflows f itself; between 354.9 and 709.8 only its square (in the loss and B).
    for (const z of [800, 400, -800]) {
      const A = csrFromDense([[1], [0.5]]);
      const p: RawProblem = { f, A, b: [1, 2], w: 1 };
      if (f === "exp" && z < 0) continue; // exp(-800) = 0 is no overflow
      const results = await everyMode(p, { x0: [z] }, `${f} x0 = ${z}`);
      for (const r of results) {
        assert.is(r.status, "overflow", `${f} x0 = ${z}: ${r.message}`);
        assert.is(r.iterations, 0);
        assert.equal([...r.x], [z]);
        assert.match(r.message, "at x0");
        assert.match(r.message, "smaller x0");
      }
    }
  }
});

test("a full Newton step that overflows: status overflow without the line search, an honest line-search-failed with it", async () => {
  // One row, w = 0, b = 1e6, x0 = -20: B < 0 there, so the step uses the Gauss-Newton weight
  // exp(2z) ~ 4e-18, and the step, g / exp(2z) ~ 5e14, sends z far past 709.8.
  const p: RawProblem = { f: "exp", A: csrFromDense([[1]]), b: [1e6], w: 0 };
  for (const r of await everyMode(p, { x0: [-20], lineSearch: false }, "no line search")) {
    assert.is(r.status, "overflow", r.message);
    assert.match(r.message, "along the full Newton step");
    assert.match(r.message, "lineSearch: true");
    assert.equal([...r.x], [-20]);
  }
  for (const r of await everyMode(p, { x0: [-20] }, "line search")) {
    assert.is(r.status, "line-search-failed", r.message);
    assert.match(r.message, "overflowed f(Ax)");
    assert.match(r.message, "w > 0");
    assert.ok(Number.isFinite(r.loss));
  }
});

test("b from 1e-150 to 1e150 with w above the certificate: converged in every mode, vouched for by the float64 gradient", async () => {
  for (const f of ["exp", "cosh", "sinh"] as const) {
    const base = generateProblem({ family: "gauss", nrows: 60, ncols: 5, f, seed: 3 });
    for (const scale of [1e-150, 1e-100, 1e-50, 1e-10, 1, 1e10, 1e50, 1e100, 1e150]) {
      const b = base.b.map((v) => v * scale);
      // 5% above the certificate on every row (plus 0.1 where phi is small), so the loss is strongly convex.
      const w = b.map((v) => Math.sqrt(Math.max(phi(f, v), 0) * 1.05 + 0.1));
      const p: RawProblem = { f, A: base.A, b, w };
      for (const r of await everyMode(p, {}, `${f} b x ${scale}`)) {
        assert.is(r.status, "converged", `${f} b x ${scale}: ${r.message}`);
        assert.ok(r.certificate.holds);
        assert.is(r.minimizer, "global");
        // The check has teeth at every scale: the rounding allowance is far below tol.
        const check = referenceGradient(p, r.x);
        assert.ok(check.slack < 0.1 * r.tol, `${f} b x ${scale}: allowance ${check.slack} vs tol ${r.tol}`);
      }
    }
  }
});

test("b mixing 1e-150 and 1e150 across rows converges, with x vouched for", async () => {
  const b = planted.b.map((v, i) => v * (i % 3 === 0 ? 1e150 : i % 3 === 1 ? 1e-150 : 1));
  const w = b.map((v) => Math.sqrt(phi("exp", v) * 1.05 + 0.1));
  for (const r of await everyMode({ f: "exp", A: planted.A, b, w }, {}, "mixed scales")) assert.is(r.status, "converged", r.message);
});

test("b beyond the double range of the loss: status overflow, and the message says b, not x0 or A, must change", async () => {
  const A = csrFromDense([[1], [0.5]]);
  for (const r of await everyMode({ f: "exp", A, b: [1e160, 1], w: 1 }, {}, "b = 1e160")) {
    assert.is(r.status, "overflow");
    assert.match(r.message, "b[0] = 1.000e+160");
    assert.match(r.message, "smaller b");
  }
  // Terms of 1e308 each that overflow only in their sum over rows.
  for (const r of await everyMode({ f: "exp", A: csrFromDense([[1], [1]]), b: [1.4e154, 1.4e154], w: 0 }, { x0: [-30] }, "sum overflows")) {
    assert.is(r.status, "overflow", r.message);
    assert.match(r.message, "largest |b_i| = 1.400e+154");
  }
  // Rescaled: b is a shape; scaled by 1e150 the terms <u,1> b overflow.
  const shape = planted.b.map((v) => v / planted.b.reduce((s, u) => s + u, 0));
  for (const scale of [1e-150, 1e-50, 1, 1e50, 1e150]) {
    for (const r of await everyMode({ problem: "rescaled", f: "exp", A: planted.A, b: shape.map((v) => v * scale), w: 1 }, {}, `rescaled b x ${scale}`)) {
      if (scale <= 1) assert.is(r.status, "converged", `rescaled b x ${scale}: ${r.message}`);
      if (r.status === "overflow") assert.match(r.message, "divide b by its sum");
    }
  }
});

test("weights whose square overflows, and more columns than a d x d factor can hold, are typed errors naming the argument", async () => {
  const A = csrFromDense([[1], [0.5]]);
  for (const w of [1e155, [1, 1e200]]) {
    try {
      await solve({ f: "exp", A, b: [1, 2], w });
      assert.unreachable("solved");
    } catch (e) {
      assert.instance(e, HyperregRangeError);
      assert.is((e as HyperregRangeError).code, "ERR_INVALID_VALUE");
      assert.is((e as HyperregRangeError).details.argument, "w");
      assert.match((e as Error).message, "too large");
    }
  }
  try {
    await solve({ f: "exp", A: { nrows: 1, ncols: 2 ** 31 - 1, indptr: [0, 1], indices: [0], data: [1] }, b: [1], w: 1 });
    assert.unreachable("solved");
  } catch (e) {
    assert.instance(e, HyperregRangeError);
    assert.is((e as HyperregRangeError).code, "ERR_INVALID_VALUE");
    assert.is((e as HyperregRangeError).details.argument, "A.ncols");
  }
});

/** Rows of a small dense A with a repeated column and a column that is the sum of two others (rank 2 of 4). */
function rankDeficient(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    const a = Math.sin(1.3 * i + 0.2);
    const c = Math.cos(0.7 * i);
    return [a, a, c, a + c];
  });
}

test("rank-deficient A with w > 0 on some rows only: converged, with the loss of the full-rank problem it reduces to", async () => {
  const n = 40;
  const rows = rankDeficient(n);
  // b < 0 on the rows without weight keeps B = 2u^2 - b u > 0 there: the loss is convex, so every
  // minimizer has the same loss; b > 0 (with w above the certificate) elsewhere.
  const b = rows.map((_, i) => (i % 2 === 0 ? 1 + 0.5 * Math.sin(i) : -0.5 - 0.3 * Math.cos(i)));
  const w = b.map((v, i) => (i % 2 === 0 ? Math.sqrt(phi("exp", v) + 0.2) : 0));
  const p: RawProblem = { f: "exp", A: csrFromDense(rows), b, w };
  // A x = (x0 + x1 + x3) a + (x2 + x3) c: the problem in the two directions a and c.
  const reduced = await solve({ f: "exp", A: csrFromDense(rows.map((r) => [r[0]!, r[2]!])), b, w }, { hessian: "exact", tol: 1e-12 });
  assert.is(reduced.status, "converged");
  for (const r of await everyMode(p, {}, "rank deficient")) {
    assert.is(r.status, "converged", r.message);
    const loss = referenceGradient(p, r.x).loss;
    assert.ok(Math.abs(loss - reduced.loss) <= 1e-10 * reduced.loss, `loss ${loss} vs ${reduced.loss}`);
  }
});

test("an all-zero column: converged, that coordinate left at x0, the loss of the problem without it", async () => {
  const rows = Array.from({ length: 30 }, (_, i) => [Math.sin(i), 0, Math.cos(1.3 * i), 1]);
  const b = rows.map((_, i) => 1 + 0.5 * Math.sin(0.7 * i));
  const p: RawProblem = { f: "exp", A: csrFromDense(rows), b, w: 1 };
  const without = await solve({ f: "exp", A: csrFromDense(rows.map((r) => [r[0]!, r[2]!, r[3]!])), b, w: 1 }, { hessian: "exact", tol: 1e-12 });
  for (const r of await everyMode(p, { x0: [0, 5, 0, 0] }, "zero column")) {
    assert.is(r.status, "converged", r.message);
    // The gradient's entry for that column is exactly 0, so no direction ever moves it.
    assert.is(r.x[1], 5);
    const loss = referenceGradient(p, r.x).loss;
    assert.ok(Math.abs(loss - without.loss) <= 1e-10 * without.loss, `loss ${loss} vs ${without.loss}`);
  }
});

test("w below the certificate: a converged result is a local minimizer (true Hessian PSD at x), reported as local", async () => {
  // Outliers (b x 10 on every fifth row) with w = 0.1, far below the certificate: at the fit many
  // rows have B_i = 2u^2 - b u + w^2 < 0, so the steps there use Gauss-Newton weights.
  const g = generateProblem({ family: "gauss", nrows: 200, ncols: 6, f: "exp", seed: 5 });
  const b = g.b.map((v, i) => (i % 5 === 0 ? 10 * v : v));
  const w = new Float64Array(g.A.nrows).fill(0.1);
  const p: RawProblem = { f: "exp", A: g.A, b, w };
  const starts = [new Float64Array(6), Float64Array.from({ length: 6 }, (_, j) => 0.5 * Math.sin(j + 1)), Float64Array.from({ length: 6 }, (_, j) => -0.3 * Math.cos(j))];
  let converged = 0;
  for (const [k, x0] of starts.entries()) {
    for (const r of await everyMode(p, { x0 }, `start ${k}`)) {
      assert.ok(!r.certificate.holds);
      assert.is(r.minimizer, "local");
      if (r.status !== "converged") continue;
      converged++;
      assert.match(r.message, "local minimizer");
      // The true Hessian A^T diag(B) A at the returned x, B_i < 0 on some rows.
      const z = matVec(g.A, r.x);
      const B = z.map((zi, i) => 2 * Math.exp(2 * zi) - b[i]! * Math.exp(zi) + w[i]! ** 2);
      assert.ok(B.filter((v) => v < 0).length > 10, "the test wants rows with B_i < 0 at x");
      const eig = eigenvalues(gram(g.A, B), g.A.ncols);
      assert.ok(eig[0]! > -1e-9 * eig.at(-1)!, `start ${k}: smallest Hessian eigenvalue ${eig[0]} (largest ${eig.at(-1)}): a saddle, not a local minimizer`);
    }
  }
  assert.ok(converged >= starts.length * MODES.length - 2, `only ${converged} converged`);
});

test("cosh in the convex regime: from x0 away from 0 every mode returns x = 0 to within ||grad|| / (margin * lambda_min(A^T A))", async () => {
  const A = planted.A;
  const b = planted.b.map((v) => Math.min(v, 3.5));
  // For b <= 4, B = 2c^2 - b c - 1 + w^2 >= w^2 - (b - 1) (c = cosh z >= 1): the loss is strongly
  // convex with modulus mu = min_i (w_i^2 - (b_i - 1)) * lambda_min(A^T A), and x* = 0.
  const w = b.map((v) => Math.sqrt(Math.max(v - 1, 0) + 0.5));
  const margin = Math.min(...b.map((v, i) => w[i]! ** 2 - (v - 1)));
  const mu = margin * eigenvalues(gram(A, new Float64Array(A.nrows).fill(1)), A.ncols)[0]!;
  assert.ok(mu > 0);
  const p: RawProblem = { f: "cosh", A, b, w };
  for (const r of await everyMode(p, { x0: [1, -1, 0.5, 0.2, 0.3] }, "cosh convex")) {
    assert.is(r.status, "converged", r.message);
    assert.is(r.minimizer, "global");
    const g = referenceGradient(p, r.x);
    assert.ok(norm(r.x) <= (g.gradNorm + g.slack) / mu, `||x|| = ${norm(r.x)} > ||grad|| / mu = ${g.gradNorm / mu}`);
  }
});

test("rescaled sinh: loss 0 at x = 0 from any x0, and the message says so", async () => {
  const p: RawProblem = { problem: "rescaled", f: "sinh", A: planted.A, b: planted.b, w: 0.5 };
  const x0 = [1, -1, 0.5, 0.2, 0.3];
  const start = referenceGradient(p, x0).loss;
  for (const r of await everyMode(p, { x0 }, "rescaled sinh")) {
    assert.is(r.status, "converged", r.message);
    assert.match(r.message, "rescaled sinh, x = 0 is always a global minimizer");
    // Near x = 0 the loss is quadratic; a gradient below 1e-8 of its start leaves a loss below 1e-10 of it.
    assert.ok(referenceGradient(p, r.x).loss <= 1e-10 * start, `loss ${referenceGradient(p, r.x).loss} from ${start}`);
  }
});

test("rescaled cosh is even: from x0 and -x0 the losses agree and the answers mirror each other", async () => {
  const p: RawProblem = { problem: "rescaled", f: "cosh", A: planted.A, b: planted.b.map((v) => v / 60), w: 0.5 };
  const x0 = [0.4, -0.3, 0.2, 0.1, -0.2];
  for (const hessian of MODES) {
    const a = await solve({ ...p, A: p.A as CsrMatrix }, { x0, hessian });
    const m = await solve({ ...p, A: p.A as CsrMatrix }, { x0: x0.map((v) => -v), hessian });
    assertValidResult(a, p, `${hessian} +x0`);
    assertValidResult(m, p, `${hessian} -x0`);
    assert.is(a.status, "converged", a.message);
    assert.match(a.message, "even");
    // cosh(-z) = cosh(z) and sinh(-z) = -sinh(z) in floating point too, so the iterates mirror exactly.
    assert.ok(Object.is(a.loss, m.loss), `${hessian}: ${a.loss} vs ${m.loss}`);
    assert.equal([...a.x], [...m.x].map((v) => -v));
  }
});

test("the plain sketch on a one-hot A, where a draw can keep no row of a column, still converges", async () => {
  // With these seeds the second step's sample used to miss column 0 (its JL scores came out far
  // too low), the model needed a diagonal shift of 1e-12 max(diag), and the 6e9-long step failed
  // every line-search trial on this strongly convex problem.
  for (const [nrows, ncols, seed, sketchSeed] of [
    [375, 2, 795245446, 398],
    [378, 3, 801577019, 594],
  ] as const) {
    const g = generateProblem({ family: "onehot", nrows, ncols, f: "sinh", seed, radius: 0.5 });
    const p: RawProblem = { f: "sinh", A: g.A, b: g.b, w: g.w };
    const r = await solve(g, { hessian: "sketch", seed: sketchSeed, blockNnz: 200 });
    assertValidResult(r, p, `one-hot ${nrows} x ${ncols}`);
    assert.is(r.status, "converged", r.message);
  }
});

test.run();
