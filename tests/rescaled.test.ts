// SPDX-License-Identifier: MIT
// The rescaled problem (math.md section 2): its gradient and Hessian against finite differences and a
// dense float64 reference, the solver against the scipy fixtures in every Hessian mode, the hard case
// near a good fit, the degenerate cases, and the block-order reductions.
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { csr, rng, solve } from "../src/index.js";
import type { CsrMatrix, HessianMode, HyperbolicFunction, SolveResult } from "../src/index.js";
import { LocalEngine } from "../src/engine/local.js";
import { addRank2Vec, withRank2 } from "../src/hessian.js";
import { F_CODE } from "../src/kernels.js";
import { createObjective } from "../src/objective.js";
import { distance, loadFixture, norm, relativeError } from "./helpers.js";

const MODES: HessianMode[] = ["exact", "sketch", "sketch-pcg", "auto"];
const FS: HyperbolicFunction[] = ["exp", "cosh", "sinh"];

// ---------------------------------------------------------------------------------------------------------
// Small random problems.

function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A dense n x d matrix (as CSR) with entries N(0, scale^2), optionally an intercept column 0 of ones. */
function denseProblem(seed: number, n: number, d: number, scale: number, intercept: boolean): { A: CsrMatrix; rows: number[][] } {
  const randn = gaussian(rng(seed));
  const rows = Array.from({ length: n }, () => Array.from({ length: d }, (_, j) => (intercept && j === 0 ? 1 : scale * randn())));
  const indptr = Array.from({ length: n + 1 }, (_, i) => i * d);
  const indices = Array.from({ length: n * d }, (_, q) => q % d);
  return { A: csr({ nrows: n, ncols: d, indptr, indices, data: rows.flat() }), rows };
}

const hyp = (f: HyperbolicFunction) => (f === "exp" ? Math.exp : f === "cosh" ? Math.cosh : Math.sinh);
const hypPrime = (f: HyperbolicFunction) => (f === "exp" ? Math.exp : f === "cosh" ? Math.sinh : Math.cosh);

/** The rescaled Hessian as A^T B A with the n x n middle B = diag(e) + diag(u')(I - 1 b^T)(I - b 1^T) diag(u'), all dense. */
function denseHessian(f: HyperbolicFunction, rows: number[][], b: Float64Array, w2: Float64Array, x: Float64Array): Float64Array {
  const n = rows.length;
  const d = x.length;
  const z = rows.map((r) => r.reduce((s, v, j) => s + v * x[j]!, 0));
  const u = z.map(hyp(f));
  const up = z.map(hypPrime(f));
  const alpha = u.reduce((s, v) => s + v, 0);
  const c = u.map((v, i) => v - alpha * b[i]!);
  const cb = c.reduce((s, v, i) => s + v * b[i]!, 0);
  // M = I - b 1^T, so (I - 1 b^T)(I - b 1^T) = M^T M.
  const B = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let mm = 0;
      for (let k = 0; k < n; k++) mm += ((k === i ? 1 : 0) - b[k]!) * ((k === j ? 1 : 0) - b[k]!);
      B[i * n + j] = up[i]! * mm * up[j]! + (i === j ? u[i]! * (c[i]! - cb) + w2[i]! : 0);
    }
  }
  const H = new Float64Array(d * d);
  for (let l = 0; l < d; l++) {
    for (let m = 0; m < d; m++) {
      let s = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += rows[i]![l]! * B[i * n + j]! * rows[j]![m]!;
      H[l * d + m] = s;
    }
  }
  return H;
}

/** Loss, gradient, lower-triangle Hessian and a Hessian-vector product of the library, at x. */
async function libraryAt(f: HyperbolicFunction, A: CsrMatrix, b: Float64Array, w2: Float64Array, x: Float64Array, v?: Float64Array, blockNnz?: number) {
  const engine = await LocalEngine.create(A, blockNnz);
  await engine.setProblem(F_CODE[f], b, w2, true);
  const objective = createObjective("rescaled", engine, b, f);
  const ev = await objective.evaluate(x);
  const H = withRank2(await engine.exactGram(false), ev);
  const Hv = v === undefined ? null : addRank2Vec(await engine.hessVec(v, false), v, ev);
  return { ev, H, Hv, engine, objective };
}

// Central differences with step h: truncation h^2 |L'''| / 6 plus rounding eps |L| / h; with |z| <= 1.5 and
// L, its derivatives O(1e2) at most here, both are below 1e-8 of the largest entry. 1e-6 leaves a 100x
// margin and still fails on any wrong term (each moves an entry at O(1) relative size).
const FD_STEP = 1e-6;
const FD_REL = 1e-6;

for (const f of FS) {
  test(`rescaled ${f}: gradient, Hessian and Hessian-vector products agree with central differences`, async () => {
    const n = 40;
    const d = 5;
    const { A } = denseProblem(11, n, d, 0.5, false);
    const rand = rng(12);
    const b = Float64Array.from({ length: n }, () => 0.05 * rand());
    const w2 = Float64Array.from({ length: n }, () => 0.2 * rand());
    const x = Float64Array.from({ length: d }, () => rand() - 0.5);
    const v = Float64Array.from({ length: d }, () => rand() - 0.5);
    const at = await libraryAt(f, A, b, w2, x, v);
    const gmax = Math.max(...at.ev.grad.map(Math.abs));
    const hmax = Math.max(...at.H.map(Math.abs));
    assert.ok(gmax > 1e-2 && hmax > 1e-2, "a point with a sizeable gradient and Hessian");
    for (let j = 0; j < d; j++) {
      const xp = x.slice();
      const xm = x.slice();
      xp[j]! += FD_STEP;
      xm[j]! -= FD_STEP;
      const plus = await at.objective.evaluate(xp);
      const minus = await at.objective.evaluate(xm);
      const fdLoss = (plus.loss - minus.loss) / (2 * FD_STEP);
      assert.ok(Math.abs(fdLoss - at.ev.grad[j]!) <= FD_REL * gmax, `${f} gradient ${j}: ${at.ev.grad[j]} vs ${fdLoss}`);
      for (let l = 0; l < d; l++) {
        const fd = (plus.grad[l]! - minus.grad[l]!) / (2 * FD_STEP);
        const exact = l >= j ? at.H[l * d + j]! : at.H[j * d + l]!;
        assert.ok(Math.abs(fd - exact) <= FD_REL * hmax, `${f} Hessian (${l}, ${j}): ${exact} vs ${fd}`);
      }
    }
    // H v against the directional difference of the gradient.
    const xp = x.map((t, j) => t + FD_STEP * v[j]!);
    const xm = x.map((t, j) => t - FD_STEP * v[j]!);
    const gp = (await at.objective.evaluate(xp)).grad;
    const gm = (await at.objective.evaluate(xm)).grad;
    for (let l = 0; l < d; l++) {
      const fd = (gp[l]! - gm[l]!) / (2 * FD_STEP);
      assert.ok(Math.abs(fd - at.Hv![l]!) <= FD_REL * hmax * norm(v), `${f} Hv[${l}]: ${at.Hv![l]} vs ${fd}`);
    }
  });

  test(`rescaled ${f}: the diagonal-plus-rank-2 Hessian and its products equal A^T B A formed densely, to 1e-12`, async () => {
    const n = 25;
    const d = 4;
    const { A, rows } = denseProblem(21, n, d, 0.6, f === "exp");
    const rand = rng(22);
    const b = Float64Array.from({ length: n }, () => rand() / n);
    const w2 = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : rand()));
    const x = Float64Array.from({ length: d }, () => rand() - 0.5);
    const v = Float64Array.from({ length: d }, () => rand() - 0.5);
    const ref = denseHessian(f, rows, b, w2, x);
    const at = await libraryAt(f, A, b, w2, x, v, 16);
    const hmax = Math.max(...ref.map(Math.abs));
    for (let l = 0; l < d; l++) {
      for (let j = 0; j <= l; j++) {
        const err = Math.abs(at.H[l * d + j]! - ref[l * d + j]!);
        assert.ok(err <= 1e-12 * hmax, `${f} H(${l}, ${j}) = ${at.H[l * d + j]}, dense ${ref[l * d + j]}: relative ${err / hmax}`);
      }
      let hv = 0;
      for (let j = 0; j < d; j++) hv += ref[l * d + j]! * v[j]!;
      assert.ok(Math.abs(at.Hv![l]! - hv) <= 1e-12 * hmax * norm(v), `${f} Hv[${l}]`);
    }
  });

  test(`rescaled ${f}: a line-search trial, centred on the line's start, gives the loss and gradient of a fresh evaluation at x + t dx`, async () => {
    const n = 60;
    const d = 6;
    const { A } = denseProblem(31, n, d, 0.4, false);
    const rand = rng(32);
    const b = Float64Array.from({ length: n }, () => rand() / n);
    const w2 = Float64Array.from({ length: n }, () => rand());
    const x = Float64Array.from({ length: d }, () => rand() - 0.5);
    const dx = Float64Array.from({ length: d }, () => rand() - 0.5);
    for (const t of [1, 0.25, 0]) {
      // Each trial on an objective that has just evaluated x (accept moves the centre).
      const { objective, ev } = await libraryAt(f, A, b, w2, x);
      const trial = await objective.trial(x, dx, t);
      const there = await objective.accept();
      const xt = x.map((v, j) => v + t * dx[j]!);
      const fresh = (await libraryAt(f, A, b, w2, xt)).ev;
      // Same terms summed in another order: a few ulps of the sum of |terms| (here about the loss).
      assert.ok(Math.abs(trial.loss - fresh.loss) <= 1e-12 * fresh.loss, `${f} t=${t}: ${trial.loss} vs ${fresh.loss}`);
      assert.ok(Math.abs(there.loss - fresh.loss) <= 1e-12 * fresh.loss, `${f} t=${t}: accepted loss`);
      assert.is(trial.overflowRow, -1);
      // The gradient's correction from the start's centre: its rounding is that of the terms it adds.
      const rs = there.rescaled!;
      const r0 = ev.rescaled!;
      const scale = norm(fresh.grad) + Math.abs(rs.alpha - r0.alpha) * norm(rs.p2) + Math.abs(rs.cb - r0.cb) * norm(rs.p1);
      assert.ok(distance(there.grad, fresh.grad) <= 1e-12 * scale, `${f} t=${t}: gradient off by ${distance(there.grad, fresh.grad)} of ${scale}`);
      assert.ok(relativeError(rs.p1, fresh.rescaled!.p1) <= 1e-13 && Math.abs(rs.cb - fresh.rescaled!.cb) <= 1e-12 * (Math.abs(fresh.rescaled!.cb) + rs.alpha * rs.bb), `${f} t=${t}: p1 and <c,b>`);
      // e = u (c - cb) + w^2 moves with the rounding of <c,b> only.
      assert.ok(Math.abs(there.minB - fresh.minB) <= 1e-9 * Math.max(1, Math.abs(fresh.minB)), `${f} t=${t}: min e`);
      if (t === 0) assert.ok(Math.abs(trial.loss - ev.loss) <= 1e-13 * ev.loss);
    }
  });
}

test("an evaluation is the same, within rounding, for any row tiling", async () => {
  const fx = loadFixture("res-exp-powerlaw");
  const w2 = fx.w.map((v) => v * v);
  const x = Float64Array.from(fx.ref.x);
  const whole = await libraryAt("exp", fx.A, fx.b, w2, x);
  const tiled = await libraryAt("exp", fx.A, fx.b, w2, x, undefined, 512);
  assert.ok(whole.engine.nrows === tiled.engine.nrows);
  const rs = whole.ev.rescaled!;
  const rt = tiled.ev.rescaled!;
  assert.ok(Math.abs(whole.ev.loss - tiled.ev.loss) <= 1e-13 * whole.ev.loss);
  assert.ok(distance(whole.ev.grad, tiled.ev.grad) <= 1e-10 * Math.max(1, norm(whole.ev.grad)), "gradient");
  assert.ok(relativeError(rs.p1, rt.p1) <= 1e-13 && relativeError(rs.p2, rt.p2) <= 1e-13, "rank-2 vectors");
  assert.is(rs.minRow, rt.minRow);
  assert.ok(Math.abs(whole.ev.minB - tiled.ev.minB) <= 1e-13 * whole.ev.minB, "min e");
});

test("a sample scored against an earlier draw's JL map is the one a fresh pass with that map draws at the current weights", async () => {
  // resSampleGram leaves ||a_i^T Q||^2 with the blocks; resResampleGram rescores them at later weights
  // and p1 with one matvec. Both score the same factor against the same Q, so the same rows are kept.
  const fx = loadFixture("res-exp-powerlaw");
  const w2 = fx.w.map((v) => v * v);
  const d = fx.A.ncols;
  const kq = 16;
  const rand = rng(61);
  const x1 = Float64Array.from(fx.ref.x, (v) => v + 0.05 * (rand() - 0.5));
  const x2 = Float64Array.from(x1, (v) => v + 0.5 * (rand() - 0.5));
  const { engine, objective, ev } = await libraryAt("exp", fx.A, fx.b, w2, x1, undefined, 4000);
  const pqOf = (Q: Float64Array, p1: Float64Array) => Float64Array.from({ length: kq }, (_, c) => p1.reduce((s, v, j) => s + v * Q[j * kq + c]!, 0));
  for (const single of [false, true]) {
    const Q64 = Float64Array.from({ length: d * kq }, () => (rand() - 0.5) * 40);
    const Q = single ? Float32Array.from(Q64) : Q64;
    const Qd = Float64Array.from(Q);
    // With Q's entries of +-20 this keeps about half the 2n stacked rows: most draws are not certain.
    const scale = 1e-5;
    await objective.evaluate(x1);
    const first = await engine.resSampleGram(Q, kq, pqOf(Qd, ev.rescaled!.p1), scale, [1, 2], [3, 4]);
    assert.ok(first.kept > 0.2 * fx.A.nrows && first.kept < 1.8 * fx.A.nrows, `${first.kept} rows kept`);
    const at2 = await objective.evaluate(x2);
    const pq = pqOf(Qd, at2.rescaled!.p1);
    const v = Float64Array.from({ length: d }, (_, j) => pq.reduce((s, q, c) => s + Qd[j * kq + c]! * q, 0));
    const pp = pq.reduce((s, q) => s + q * q, 0);
    const again = await engine.resResampleGram(v, pp, scale, [5, 6], [7, 8]);
    const fresh = await engine.resSampleGram(Q, kq, pq, scale, [5, 6], [7, 8]);
    const what = single ? "f32 map" : "f64 map";
    // <a_i^T Q, pq> as a_i^T (Q pq) rounds differently (the fresh pass sums a_i^T Q in f32 with an f32
    // map: about sqrt(d) 2^-24 = 4e-7 relative), and so do the weights 1 / p; a row's draw flips only
    // if its uniform falls within that rounding of its probability.
    const tol = single ? 1e-5 : 1e-12;
    assert.is(again.kept, fresh.kept, `${what}: kept rows`);
    assert.ok(distance(again.gram, fresh.gram) <= tol * norm(fresh.gram), `${what}: sampled Gram`);
    assert.ok(distance(again.y, fresh.y) <= tol * norm(fresh.y), `${what}: J's sampled product`);
    assert.ok(Math.abs(again.beta - fresh.beta) <= tol * fresh.beta, `${what}: beta`);
    assert.ok(again.kept !== first.kept || distance(again.gram, first.gram) > 1e-6 * norm(first.gram), `${what}: the weights moved the sample`);
  }
});

test("at x = 0 the evaluation takes its centre from b with no pass, and agrees with the centre two passes give", async () => {
  const fx = loadFixture("res-exp-powerlaw");
  const w2 = fx.w.map((v) => v * v);
  for (const f of ["exp", "cosh", "sinh"] as const) {
    const x = new Float64Array(fx.A.ncols);
    const lib = await libraryAt(f, fx.A, fx.b, w2, x);
    const before = lib.engine.passes;
    await lib.objective.evaluate(x);
    assert.is(lib.engine.passes - before, 1, `${f}: one pass at 0`);
    // The way away from 0: a pass at any centre, then one centred on what it gives.
    let bb = 0;
    for (const v of fx.b) bb += v * v;
    const first = await lib.engine.resTrial(x, 0, 0, bb);
    const second = await lib.engine.resTrial(x, first.alpha, first.cb, bb);
    const ev = await lib.engine.resWeigh(second);
    const what = `${f}: loss ${lib.ev.loss} vs ${ev.loss}`;
    assert.ok(Math.abs(lib.ev.loss - ev.loss) <= 1e-13 * Math.abs(ev.loss), what);
    assert.ok(distance(lib.ev.grad, ev.grad) <= 1e-12 * Math.max(1, norm(ev.grad)), `${f}: gradient`);
    assert.ok(Math.abs(lib.ev.rescaled!.alpha - ev.rescaled!.alpha) <= 1e-13 * Math.max(1, Math.abs(ev.rescaled!.alpha)), `${f}: alpha`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// The fixtures (independent scipy solver: exact Newton, dense Cholesky, ||grad|| <= 1e-11).

// As for the regularized fixtures: ||grad|| <= 1e-9 bounds ||x - x*|| by 1e-9 / lambda_min (lambda_min >= 815
// here: hess_eig_min) and the loss error by its square over lambda_min, far inside the 1e-6 and 1e-9 asked.
const TOL = 1e-9;

function checkFixture(r: SolveResult, name: string, what: string, x0: Float64Array): void {
  const fx = loadFixture(name);
  assert.is(r.status, "converged", `${name} ${what}: ${r.message}`);
  assert.ok(r.gradNorm <= TOL);
  if (fx.f === "sinh") {
    // x* = 0 with loss 0: the reference loss (2e-49) is zero to rounding, so relative errors are
    // meaningless; compare the loss against its size at x0 and x absolutely (the reference x is ~1e-27).
    const scale = r.history[0]!.loss;
    assert.ok(r.loss <= 1e-9 * scale, `${name} ${what}: loss ${r.loss} vs ${scale} at x0`);
    assert.ok(distance(r.x, fx.ref.x) <= 1e-6, `${name} ${what}: ||x|| = ${norm(r.x)}`);
    assert.ok(norm(x0) > 1, "the fixture starts away from 0");
    return;
  }
  const lossErr = Math.abs(r.loss - fx.ref.loss) / Math.abs(fx.ref.loss);
  assert.ok(lossErr <= 1e-9, `${name} ${what}: loss ${r.loss} vs ${fx.ref.loss} (relative ${lossErr})`);
  const xErr = relativeError(r.x, fx.ref.x, 1e-300);
  assert.ok(xErr <= 1e-6, `${name} ${what}: x relative error ${xErr}`);
}

for (const name of ["res-exp-gauss", "res-exp-sparse", "res-exp-powerlaw", "res-sinh-sparse"]) {
  for (const hessian of MODES) {
    test(`${name} with hessian ${hessian} matches the reference loss to 1e-9 and x to 1e-6`, async () => {
      const fx = loadFixture(name);
      const r = await solve({ problem: "rescaled", f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian, x0: fx.x0, tol: TOL });
      checkFixture(r, name, hessian, fx.x0);
      assert.is(r.certificate.scope, "at-x");
      assert.ok(r.certificate.holds && r.certificate.margin > 0, `${name}: e > 0 at x*`);
      assert.is(r.minimizer, "local");
      assert.ok(r.history.every((h) => h.convexHere), "e > 0 at every iterate");
      if (hessian.startsWith("sketch")) assert.ok(r.history.slice(1).every((h) => h.sketchRows !== null && h.sketchRows < 2 * fx.A.nrows), "sampled");
      // Started near x*, the plain sketch converges at once: its later steps score against an earlier sketch.
      if (hessian === "sketch") assert.ok(r.history[1]!.sketchFresh && r.history.some((h) => h.iteration > 1 && !h.sketchFresh), "scores reused");
    });
  }
  test(`${name} solved with small row blocks gives the same x within rounding`, async () => {
    const fx = loadFixture(name);
    for (const hessian of ["exact", "sketch-pcg"] as const) {
      const problem = { problem: "rescaled" as const, f: fx.f, A: fx.A, b: fx.b, w: fx.w };
      const a = await solve(problem, { hessian, x0: fx.x0, tol: TOL });
      const b = await solve(problem, { hessian, x0: fx.x0, tol: TOL, blockNnz: 700 });
      checkFixture(b, name, `${hessian} small blocks`, fx.x0);
      assert.is(a.iterations, b.iterations, `${hessian}: the same steps`);
      // The same steps from sums taken in another order: both x are within tol / lambda_min of x*, and
      // usually far closer to each other (rescaled sinh has x* = 0, where only the absolute bound means anything).
      const bound = Math.max(1e-10 * norm(a.x), (2 * TOL) / fx.ref.hess_eig_min);
      assert.ok(distance(a.x, b.x) <= bound, `${hessian}: ||x_a - x_b|| = ${distance(a.x, b.x)} > ${bound}`);
    }
  });
}

test("the papers' full-step sketched Newton converges on the rescaled exp fixtures", async () => {
  for (const name of ["res-exp-gauss", "res-exp-sparse"]) {
    const fx = loadFixture(name);
    const r = await solve({ problem: "rescaled", f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "sketch", lineSearch: false, x0: fx.x0, tol: TOL, seed: 5 });
    checkFixture(r, name, "sketch full step", fx.x0);
    assert.ok(r.history.slice(1).every((h) => h.step === 1));
  }
});

// ---------------------------------------------------------------------------------------------------------
// Near a good fit (math.md sections 2-3): exp, an intercept column, b = f(A x_true) / <f(A x_true), 1> with no
// noise (so c = 0 at x_true for every scale of u), a small w, a start near the solution. There J^T J is almost
// singular along the intercept and nearly cancels its diagonal part: sampling that diagonal and adding the
// rank-2 part exactly gives a model with a relative error far above 1, while the stacked factor's sample holds.

function nearFit(seed: number) {
  const n = 20000;
  const d = 12;
  const { A, rows } = denseProblem(seed, n, d, 0.3, true);
  const randn = gaussian(rng(seed + 1));
  const xTrue = Float64Array.from({ length: d }, () => 0.5 * randn());
  const u = rows.map((r) => Math.exp(r.reduce((s, v, j) => s + v * xTrue[j]!, 0)));
  const alpha = u.reduce((s, v) => s + v, 0);
  const b = Float64Array.from(u, (v) => v / alpha);
  const x0 = xTrue.map((v) => v + 0.01 * randn());
  return { A, b, w: 1e-3, x0 };
}

test("near a good fit with an intercept, sketch and sketch-pcg converge to the exact-Newton solution", async () => {
  const { A, b, w, x0 } = nearFit(41);
  const problem = { problem: "rescaled" as const, f: "exp" as const, A, b, w };
  // The loss is ~2e-3 here and the gradient's rounding floor about 1e-10 (n = 20000 terms): 1e-9 is
  // reachable, and with lambda_min(H) ~ 1e-2 it pins x to ~1e-7.
  const tol = 1e-9;
  const exact = await solve(problem, { hessian: "exact", x0, tol });
  assert.is(exact.status, "converged", exact.message);
  for (const hessian of ["sketch", "sketch-pcg"] as const) {
    const r = await solve(problem, { hessian, x0, tol, maxIterations: 200 });
    assert.is(r.status, "converged", `${hessian}: ${r.message}`);
    assert.ok(r.history.slice(1).every((h) => h.sketchRows !== null && h.sketchRows < A.nrows), `${hessian}: sampled`);
    const xErr = relativeError(r.x, exact.x);
    assert.ok(xErr <= 1e-6, `${hessian}: x relative error ${xErr}`);
    assert.ok(Math.abs(r.loss - exact.loss) <= 1e-9 * exact.loss, `${hessian}: loss ${r.loss} vs ${exact.loss}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// Degenerate cases.

function interceptProblem(w: number) {
  const n = 3000;
  const d = 6;
  const { A, rows } = denseProblem(51, n, d, 0.4, true);
  const randn = gaussian(rng(52));
  const xTrue = Float64Array.from({ length: d }, () => 0.5 * randn());
  // Noisy b: no exact fit, so without w the infimum 0 is approached only as the intercept runs to -infinity.
  const u = rows.map((r) => Math.exp(r.reduce((s, v, j) => s + v * xTrue[j]!, 0)) * (1 + 0.05 * randn()));
  const alpha = u.reduce((s, v) => s + v, 0);
  return { problem: "rescaled" as const, f: "exp" as const, A, b: Float64Array.from(u, (v) => v / alpha), w };
}

test("rescaled exp with an intercept and w = 0 stops early with status no-minimizer and says to add w > 0", async () => {
  for (const hessian of ["exact", "sketch-pcg"] as const) {
    const r = await solve(interceptProblem(0), { hessian, maxIterations: 100 });
    assert.is(r.status, "no-minimizer", `${hessian}: ${r.status} ${r.message}`);
    assert.ok(r.iterations < 30, `${hessian}: detected after ${r.iterations} iterations`);
    assert.match(r.message, /w > 0/);
    assert.match(r.message, /no minimizer/);
    // It was walking off: x grew and the loss fell by orders of magnitude.
    assert.ok(norm(r.x) > 2 * norm(new Float64Array(6).fill(0.5)), `${hessian}: ||x|| = ${norm(r.x)}`);
    assert.ok(r.loss < 1e-3 * r.history[0]!.loss);
  }
});

test("the no-minimizer detector stays quiet with a small w > 0, from a far start, and on the fixtures", async () => {
  const r = await solve(interceptProblem(0.02), { hessian: "exact", maxIterations: 200 });
  assert.is(r.status, "converged", r.message);
  const fx = loadFixture("res-exp-sparse");
  const far = await solve({ problem: "rescaled", f: "exp", A: fx.A, b: fx.b, w: fx.w }, { hessian: "exact", x0: new Float64Array(fx.A.ncols).fill(1.5), tol: TOL, maxIterations: 300 });
  checkFixture(far, "res-exp-sparse", "far start", fx.x0);
});

test("rescaled sinh and cosh say what is trivial about them", async () => {
  const fx = loadFixture("res-sinh-sparse");
  const sinh = await solve({ problem: "rescaled", f: "sinh", A: fx.A, b: fx.b, w: fx.w }, { x0: fx.x0 });
  assert.match(sinh.message, /x = 0 is always a global minimizer with loss 0/);
  const cosh = await solve({ problem: "rescaled", f: "cosh", A: fx.A, b: fx.b, w: fx.w }, { x0: fx.x0 });
  assert.match(cosh.message, /even, L\(-x\) = L\(x\)/);
  const exp = await solve({ problem: "rescaled", f: "exp", A: fx.A, b: fx.b, w: fx.w });
  assert.not.match(exp.message, /Note:/);
});

test("rescaled exp overflow at x0 and along a full step are rejected like the regularized ones", async () => {
  const A = csr({ nrows: 3, ncols: 2, indptr: [0, 2, 3, 4], indices: [0, 1, 0, 1], data: [1, 1, 1, 2] });
  const problem = { problem: "rescaled" as const, f: "exp" as const, A, b: [0.2, 0.3, 0.5], w: 1 };
  const atX0 = await solve(problem, { x0: [200, 200] });
  assert.is(atX0.status, "overflow");
  assert.match(atX0.message, /x0/);
  const fx = loadFixture("res-exp-sparse");
  const far = await solve({ problem: "rescaled", f: "exp", A: fx.A, b: fx.b, w: fx.w }, { hessian: "exact", x0: new Float64Array(fx.A.ncols).fill(60), tol: TOL, maxIterations: 500 });
  checkFixture(far, "res-exp-sparse", "start near overflow", fx.x0);
});

test("an unknown problem kind is rejected naming the accepted ones", async () => {
  const fx = loadFixture("res-exp-sparse");
  let error: unknown;
  try {
    await solve({ problem: "scaled" as "rescaled", f: "exp", A: fx.A, b: fx.b, w: 1 });
  } catch (e) {
    error = e;
  }
  assert.is((error as { code?: string }).code, "ERR_INVALID_VALUE");
  assert.match((error as Error).message, /"regularized" or "rescaled".*scaled/);
});

test.run();
