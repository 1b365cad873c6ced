// SPDX-License-Identifier: MIT
// The solver against fixtures from an independent solver (scipy: exact Newton, dense Cholesky,
// run to ||grad|| <= 1e-11), in every Hessian mode.
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { csr, csrFromDense, generateProblem, rng, solve } from "../src/index.js";
import type { HessianMode, SolveResult } from "../src/index.js";
import { LocalEngine } from "../src/engine/local.js";
import { jlPrecision } from "../src/hessian.js";
import { F_CODE } from "../src/kernels.js";
import { createObjective } from "../src/objective.js";
import { backtrack } from "../src/newton.js";
import { loadFixture, norm, relativeError, snapshot } from "./helpers.js";

const MODES: HessianMode[] = ["exact", "sketch", "sketch-pcg", "auto"];
const REGULARIZED = ["reg-exp-tiny", "reg-exp-gauss", "reg-exp-sparse", "reg-exp-powerlaw", "reg-exp-medium", "reg-sinh-sparse", "reg-exp-nonconvex"];
const ILLCOND = ["reg-exp-illcond", "reg-sinh-illcond"];

// Tolerances: the reference is converged to ||grad|| <= 1e-11. Asking ||grad|| <= 1e-9 here bounds
// ||x - x*|| by ||grad|| / lambda_min(H) (lambda_min >= 0.9 on these fixtures: hess_eig_min in
// reference.json), far inside the 1e-6 relative required for x, and the loss error by
// ||grad||^2 / lambda_min, far inside 1e-9 relative.
const TOL = 1e-9;

function check(r: SolveResult, name: string, mode: string) {
  const fx = loadFixture(name);
  assert.is(r.status, "converged", `${name} ${mode}: ${r.message}`);
  const lossErr = Math.abs(r.loss - fx.ref.loss) / Math.abs(fx.ref.loss);
  assert.ok(lossErr <= 1e-9, `${name} ${mode}: loss ${r.loss} vs ${fx.ref.loss} (relative ${lossErr})`);
  return fx;
}

for (const name of REGULARIZED) {
  for (const hessian of MODES) {
    test(`${name} with hessian ${hessian} matches the reference loss to 1e-9 and x to 1e-6`, async () => {
      const fx = loadFixture(name);
      const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian, x0: fx.x0, tol: TOL });
      check(r, name, hessian);
      const xErr = relativeError(r.x, fx.ref.x, 1e-300);
      assert.ok(xErr <= 1e-6, `${name} ${hessian}: x relative error ${xErr}`);
      assert.ok(r.gradNorm <= TOL);
    });
  }
}

for (const name of ILLCOND) {
  for (const hessian of MODES) {
    // Column scales span 1e3, so x is determined only to about cond(H) * ||grad||: compare the loss
    // and the gradient norm, as the fixture's README advises.
    test(`${name} with hessian ${hessian} matches the reference loss to 1e-9 with a small gradient`, async () => {
      const fx = loadFixture(name);
      const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian, x0: fx.x0, tol: TOL, maxIterations: 300 });
      check(r, name, hessian);
      assert.ok(r.gradNorm <= TOL, `gradNorm ${r.gradNorm}`);
    });
  }
}

for (const name of ["reg-exp-gauss", "reg-exp-sparse", "reg-exp-powerlaw", "reg-sinh-sparse", "reg-exp-medium"]) {
  test(`the papers' full-step sketched Newton (no line search) converges on certified ${name}`, async () => {
    const fx = loadFixture(name);
    const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "sketch", lineSearch: false, x0: fx.x0, tol: TOL, seed: 3 });
    check(r, name, "sketch full step");
    assert.ok(r.history.slice(1).every((h) => h.step === 1), "every step is the full step");
    assert.ok(r.history.slice(1).every((h) => h.sketchRows !== null && h.sketchRows < fx.A.nrows), "the Hessian was sampled");
  });
}

test("cosh in the convex regime returns x = 0 from a start away from 0", async () => {
  const fx = loadFixture("reg-cosh-sparse");
  assert.ok(norm(fx.x0) > 1, "the fixture starts away from 0");
  for (const hessian of MODES) {
    const r = await solve({ f: "cosh", A: fx.A, b: fx.b, w: fx.w }, { hessian, x0: fx.x0, tol: TOL });
    assert.is(r.status, "converged", `${hessian}: ${r.message}`);
    assert.ok(norm(r.x) <= 1e-8, `${hessian}: ||x|| = ${norm(r.x)}`);
    assert.ok(Math.abs(r.loss - fx.ref.loss) <= 1e-9 * fx.ref.loss);
  }
});

test("the nonconvex fixture converges to the reference local minimizer and says it is local", async () => {
  const fx = loadFixture("reg-exp-nonconvex");
  const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "exact", x0: fx.x0, tol: TOL });
  assert.is(r.certificate.holds, false);
  assert.ok(r.certificate.margin < 0 && r.certificate.violations > 0);
  assert.is(r.minimizer, "local");
  assert.match(r.message, /local minimizer/);
});

test("passes counts the passes over A: an exact solve with full steps makes 1 at x0 and 2 per step", async () => {
  const fx = loadFixture("reg-exp-gauss");
  const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "exact", x0: fx.x0 });
  assert.is(r.status, "converged");
  assert.ok(r.history.slice(1).every((h) => h.step === 1), "every step taken in full");
  // A x with A^T r at x0 (one pass: each run of rows is read again from cache); per step the Gram,
  // then the line's trial: A x, the weights and A^T r at x + dx, which is the next iterate's evaluation.
  assert.is(r.passes, 1 + 2 * r.iterations);
  // CG's Hessian-vector products are one pass each, on top of the line's pass per step, the sketch
  // and its sample (two passes each time the preconditioner is built) and the evaluation at x0.
  const pcg = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "sketch-pcg", x0: fx.x0 });
  const cg = pcg.history.reduce((s, h) => s + (h.cgIterations ?? 0), 0);
  const builds = pcg.history.filter((h) => h.sketchFresh).length;
  assert.is(pcg.passes, cg + pcg.iterations + 2 * builds + 1, `${pcg.passes} passes for ${cg} CG iterations and ${builds} builds in ${pcg.iterations} steps`);
  // The plain sketch's fresh draws make two passes (sketch, JL scores); once it converges, its draws
  // score the last fresh draw's row products again and make none.
  const plain = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "sketch", x0: fx.x0, lineSearch: false });
  const fresh = plain.history.filter((h) => h.iteration > 0 && h.sketchFresh).length;
  assert.ok(fresh >= 1 && fresh < plain.iterations, `${fresh} fresh draws in ${plain.iterations} steps`);
  assert.is(plain.passes, 1 + plain.iterations + 2 * fresh, `${plain.passes} passes for ${fresh} fresh draws in ${plain.iterations} steps`);
});

test("a sample scored against an earlier draw's row products is, bit for bit, the one a fresh pass with that map draws at the current weights", async () => {
  const fx = loadFixture("reg-exp-powerlaw");
  const d = fx.A.ncols;
  const kq = 16;
  const rand = rng(71);
  const engine = await LocalEngine.create(fx.A, 4000);
  await engine.setProblem(F_CODE[fx.f], fx.b, fx.w.map((v) => v * v), false);
  const objective = createObjective("regularized", engine, fx.b, fx.f);
  const x1 = Float64Array.from(fx.ref.x, (v) => v + 0.05 * (rand() - 0.5));
  const x2 = Float64Array.from(x1, (v) => v + 0.5 * (rand() - 0.5));
  for (const single of [false, true]) {
    const Q64 = Float64Array.from({ length: d * kq }, () => rand() - 0.5);
    const Q = single ? Float32Array.from(Q64) : Q64;
    await objective.evaluate(x1);
    // Half of A's rows or so: most draws are not certain.
    const scale = 0.1;
    const first = await engine.sampleGram(Q, kq, scale, [1, 2]);
    await objective.evaluate(x2);
    const again = await engine.resampleGram(scale, [3, 4]);
    const fresh = await engine.sampleGram(Q, kq, scale, [3, 4]);
    const what = single ? "f32 map" : "f64 map";
    assert.ok(fresh.kept > 0.2 * fx.A.nrows && fresh.kept < 0.8 * fx.A.nrows, `${what}: ${fresh.kept} of ${fx.A.nrows} rows kept`);
    assert.is(again.kept, fresh.kept, `${what}: kept rows`);
    assert.ok(again.gram.every((v, i) => Object.is(v, fresh.gram[i])), `${what}: the same sampled Gram`);
    assert.ok(again.kept !== first.kept || again.gram.some((v, i) => v !== first.gram[i]), `${what}: the weights moved the sample`);
  }
});

test("a start on a plateau where exp underflows meets the gradient test, and the message says so", async () => {
  // w = 0 and A x0 = -50: the gradient (exp(z) - b) exp(z) is about 1e6 * 2e-22, far below tol, at a
  // loss of 1e12 that is nowhere near a minimizer's.
  const r = await solve({ f: "exp", A: csrFromDense([[1], [1]]), b: [1e6, 1e6], w: 0 }, { x0: [-50] });
  assert.is(r.status, "converged");
  assert.is(r.iterations, 0);
  assert.match(r.message, /converged at x0: .*plateau where f\(A x0\) underflows/);
  // Where steps were taken, the usual words.
  const fx = loadFixture("reg-exp-tiny");
  assert.match((await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w })).message, /^converged: \|\|grad\|\| = .* after \d+ iterations\./);
});

test("a certified fixture reports the certificate with its margin", async () => {
  const fx = loadFixture("reg-exp-sparse");
  const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { x0: fx.x0 });
  assert.ok(r.certificate.holds);
  // The fixtures are built with w_i^2 = phi(b_i) + 0.1 on the tightest row (meta.json: margin 0.1).
  assert.ok(Math.abs(r.certificate.margin - 0.1) < 1e-9, `margin ${r.certificate.margin}`);
  assert.is(r.minimizer, "global");
});

test("exp overflow at x0 gives status overflow with a message that says what to change", async () => {
  const A = csr({ nrows: 3, ncols: 2, indptr: [0, 2, 3, 4], indices: [0, 1, 0, 1], data: [1, 1, 1, 2] });
  const r = await solve({ f: "exp", A, b: [1, 2, 3], w: 1 }, { x0: [400, 400] });
  assert.is(r.status, "overflow");
  assert.match(r.message, /x0/);
  assert.match(r.message, /row 0/);
  assert.is(r.iterations, 0);
});

test("a far start whose full steps would overflow still converges with the line search", async () => {
  const fx = loadFixture("reg-exp-sparse");
  const x0 = new Float64Array(fx.A.ncols).fill(40);
  const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "exact", x0, tol: TOL, maxIterations: 500 });
  assert.is(r.status, "converged", r.message);
  assert.ok(Math.abs(r.loss - fx.ref.loss) <= 1e-9 * fx.ref.loss);
});

test("backtracking goes to the minimizer of the fitted quadratic, within a quarter and a half of the failed step", () => {
  const loss0 = 10;
  const slope = -4;
  // Along phi(t) = loss0 + slope t + c t^2 the fit is exact: its minimizer is -slope / (2 c).
  const at = (t: number, c: number) => ({ loss: loss0 + slope * t + c * t * t, overflowRow: -1 });
  assert.ok(Math.abs(backtrack(1, loss0, slope, at(1, 4 / 0.6)) - 0.3) < 1e-15);
  assert.ok(Math.abs(backtrack(0.5, loss0, slope, at(0.5, 10)) - 0.2) < 1e-15);
  // A fit below a quarter (an exponential's fast rise) or above a half is clamped.
  assert.is(backtrack(1, loss0, slope, at(1, 1e6)), 0.25);
  assert.is(backtrack(1, loss0, slope, at(1, 3)), 0.5);
  // No curvature to fit, or no loss at all: halve.
  assert.is(backtrack(1, loss0, slope, { loss: loss0 + slope, overflowRow: -1 }), 0.5);
  assert.is(backtrack(1, loss0, slope, { loss: Infinity, overflowRow: 7 }), 0.5);
  assert.is(backtrack(1, loss0, slope, { loss: NaN, overflowRow: -1 }), 0.5);
});

test("the same seed gives the same x bit for bit; the history records every iteration", async () => {
  const fx = loadFixture("reg-exp-medium");
  const seen: number[] = [];
  const a = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "sketch", seed: 11, onIteration: (i) => seen.push(i.iteration) });
  const b = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "sketch", seed: 11 });
  assert.equal(Array.from(a.x), Array.from(b.x));
  assert.is(a.history.length, a.iterations + 1);
  assert.equal(seen, a.history.map((h) => h.iteration));
  for (const h of a.history.slice(1)) {
    assert.is(h.hessian, "sketch");
    assert.ok(h.ms >= 0 && h.step > 0 && h.step <= 1);
  }
});

test("auto says which Hessian it chose and why", async () => {
  const fx = loadFixture("reg-exp-sparse");
  const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w });
  assert.is(r.hessian.requested, "auto");
  assert.ok(["exact", "sketch-pcg", "cg"].includes(r.hessian.used));
  assert.match(r.hessian.reason, /multiply-adds/);
});

test("auto runs CG with Jacobi scaling while it contracts fast: every step on a well-conditioned fixture", async () => {
  for (const [name, problem] of [["reg-exp-gauss", "regularized"], ["res-exp-gauss", "rescaled"]] as const) {
    const fx = loadFixture(name);
    const r = await solve({ problem, f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { x0: fx.x0, tol: TOL });
    assert.is(r.status, "converged", `${name}: ${r.message}`);
    assert.ok(Math.abs(r.loss - fx.ref.loss) <= 1e-9 * Math.abs(fx.ref.loss), `${name}: loss ${r.loss} vs ${fx.ref.loss}`);
    assert.ok(relativeError(r.x, fx.ref.x) <= 1e-6, `${name}: x`);
    assert.is(r.hessian.used, "cg", `${name}: ${r.hessian.reason}`);
    assert.match(r.hessian.reason, /CG with Jacobi scaling/);
    for (const h of r.history.slice(1)) {
      assert.is(h.hessian, "cg");
      assert.ok(h.cgIterations! >= 1 && h.sketchRows === null && !h.sketchFresh, `${name} step ${h.iteration}`);
    }
    // No Gram, no sketch: a pass per CG product and per line-search trial (every step full here), the
    // evaluation at x0 (the rescaled one away from 0 a second time, centred on its own alpha), and
    // the Jacobi scaling: from the evaluation's own pass (regularized), or a pass of its own at the
    // first step and at most once a step (rescaled, whose weights need alpha first).
    const cg = r.history.reduce((s, h) => s + (h.cgIterations ?? 0), 0);
    assert.ok(r.history.slice(1).every((h) => h.step === 1));
    const atX0 = problem === "rescaled" && fx.x0.some((v) => v !== 0) ? 2 : 1;
    const scalings = r.passes - (cg + r.iterations + atX0);
    if (problem === "regularized") assert.is(scalings, 0, `${name}: ${scalings} scaling passes`);
    else assert.ok(scalings >= 1 && scalings <= r.iterations, `${name}: ${scalings} scaling passes in ${r.iterations} steps`);
  }
});

test("auto takes the scaled step without a product where the Hessian is diagonal (one-hot rows)", async () => {
  const g = generateProblem({ family: "onehot", nrows: 20_000, ncols: 400, f: "exp", seed: 3 });
  const auto = await solve({ f: g.f, A: g.A, b: g.b, w: g.w });
  const exact = await solve({ f: g.f, A: g.A, b: g.b, w: g.w }, { hessian: "exact" });
  assert.is(auto.status, "converged", auto.message);
  assert.is(auto.hessian.used, "cg", auto.hessian.reason);
  assert.ok(auto.history.slice(1).every((h) => h.cgIterations === 0), `products per step: ${auto.history.map((h) => h.cgIterations).join(", ")}`);
  // A pass per evaluation only (x0 and every line-search trial), each bringing the diagonal along:
  // a step of length t took 1 + [log4(1 / t), log2(1 / t)] trials (each backtrack cuts t by 2 to 4).
  const steps = auto.history.slice(1).map((h) => h.step);
  const fewest = 1 + steps.reduce((s, t) => s + 1 + Math.ceil(Math.log(1 / t) / Math.log(4) - 1e-9), 0);
  const most = 1 + steps.reduce((s, t) => s + 1 + Math.ceil(Math.log2(1 / t) - 1e-9), 0);
  assert.ok(auto.passes >= fewest && auto.passes <= most, `${auto.passes} passes, ${fewest}-${most} evaluations, in ${auto.iterations} steps`);
  // The same iterates as exact Newton, whose dense Gram is diagonal here too.
  assert.is(auto.iterations, exact.iterations);
  assert.ok(Math.abs(auto.loss - exact.loss) <= 1e-12 * exact.loss && relativeError(auto.x, exact.x) <= 1e-6, "the exact solution");

  // One row with a second nonzero couples two columns: no longer diagonal, so CG spends products.
  const indptr = g.A.indptr.slice();
  const indices = Array.from(g.A.indices);
  const data = Array.from(g.A.data);
  const j0 = indices[0]!;
  const j1 = j0 === 0 ? 1 : 0;
  indices.splice(0, 1, Math.min(j0, j1), Math.max(j0, j1));
  data.splice(1, 0, 0.5);
  for (let i = 1; i < indptr.length; i++) indptr[i]! += 1;
  const A = csr({ nrows: g.A.nrows, ncols: g.A.ncols, indptr, indices: Int32Array.from(indices), data: Float64Array.from(data) });
  const coupled = await solve({ f: g.f, A, b: g.b, w: g.w });
  const coupledExact = await solve({ f: g.f, A, b: g.b, w: g.w }, { hessian: "exact" });
  assert.is(coupled.status, "converged", coupled.message);
  assert.ok(coupled.history.slice(1).every((h) => h.cgIterations! >= 1), "CG products on a coupled H");
  assert.ok(relativeError(coupled.x, coupledExact.x) <= 1e-6, "the coupled exact solution");
});

test("auto turns from CG with Jacobi scaling to its fallback for good once CG contracts slowly", async () => {
  // Columns that no scaling of columns separates: dense rows replaced by their running sums
  // (a'_ij = sum over l <= j of a_il, the columns of A0 times a triangle of ones, condition about d^2).
  // At d = 30 the fallback is exact, which takes over from the first step; at d = 60 sketch-pcg,
  // whose CG goes on from where the plain CG stopped. Both agree with exact Newton.
  for (const [d, nrows, fallback] of [[30, 20_000, "exact"], [60, 40_000, "sketch-pcg"]] as const) {
    const g = generateProblem({ family: "gauss", nrows, ncols: d, f: "exp", seed: 5 });
    const data = g.A.data.slice();
    for (let i = 0; i < nrows; i++) for (let k = i * d + 1; k < (i + 1) * d; k++) data[k]! += data[k - 1]!;
    const A = csr({ nrows, ncols: d, indptr: g.A.indptr, indices: g.A.indices, data });
    const auto = await solve({ f: g.f, A, b: g.b, w: g.w });
    const exact = await solve({ f: g.f, A, b: g.b, w: g.w }, { hessian: "exact" });
    assert.is(auto.status, "converged", auto.message);
    assert.is(auto.hessian.used, fallback, auto.hessian.reason);
    assert.match(auto.hessian.reason, /contracted slowly at step 1/);
    const first = auto.history[1]!;
    assert.ok(first.hessian === fallback && first.cgIterations! >= 3, `the plain CG gave up in step 1 (${first.cgIterations} products)`);
    if (fallback === "exact") assert.ok(auto.history.slice(2).every((h) => h.hessian === "exact" && h.cgIterations === null));
    else assert.ok(first.sketchFresh && first.cgIterations! > 3, "the preconditioned CG went on in step 1");
    assert.ok(Math.abs(auto.loss - exact.loss) <= 1e-12 * exact.loss && relativeError(auto.x, exact.x) <= 1e-6, `${fallback}: the exact solution`);
  }
});

test("the JL map goes to the kernels in f32 where R is well conditioned, and stays f64 where it is not", () => {
  const d = 64;
  // Q = R^{-1} Pi for a diagonal R (Pi's entries deterministic, scaled by 1/sqrt(k)); the trace of R^T R.
  const map = (r: (j: number) => number, kq: number) => {
    const Q = new Float64Array(d * kq);
    for (let j = 0; j < d; j++) for (let c = 0; c < kq; c++) Q[j * kq + c] = Math.sin(1 + 7 * j + 3 * c) / Math.sqrt(kq) / r(j);
    let trace = 0;
    for (let j = 0; j < d; j++) trace += r(j) ** 2;
    return jlPrecision(Q, kq, trace);
  };
  const even = (j: number) => 1 + j / d;
  const single = map(even, 16);
  assert.ok(single instanceof Float32Array, "a Frobenius condition number near d: f32");
  assert.ok(map(even, 8) instanceof Float32Array, "k = 8 too");
  // Columns over six decades: the f32 rounding of a_i^T Q would swamp the small scores.
  assert.ok(map((j) => 10 ** ((6 * j) / (d - 1)), 16) instanceof Float64Array, "columns over 1e6 keep f64");
  assert.ok(map(even, 12) instanceof Float64Array, "k not a multiple of 8 keeps f64 (no f32 kernel path)");
  // Well conditioned, but so large that Q's entries would leave f32's exponent range.
  assert.ok(map((j) => 2 ** 70 * even(j), 16) instanceof Float64Array, "Q near the edge of f32's range keeps f64");
});

test("the default tolerance is 1e-8 * max(1, ||grad(x0)||)", async () => {
  const fx = loadFixture("reg-exp-tiny");
  const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "exact" });
  assert.is(r.tol, 1e-8 * Math.max(1, r.history[0]!.gradNorm));
});

test("max-iterations is reported with advice when the budget is too small", async () => {
  const fx = loadFixture("reg-exp-gauss");
  const r = await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "sketch", maxIterations: 2 });
  assert.is(r.status, "max-iterations");
  assert.is(r.iterations, 2);
  assert.match(r.message, /maxIterations/);
});

test("an AbortSignal stops the solve with ERR_ABORTED", async () => {
  const fx = loadFixture("reg-exp-medium");
  const controller = new AbortController();
  let error: unknown;
  try {
    await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { hessian: "sketch", signal: controller.signal, onIteration: (i) => i.iteration === 1 && controller.abort() });
  } catch (e) {
    error = e;
  }
  assert.is((error as { code?: string }).code, "ERR_ABORTED");
});

test("solve leaves the caller's arrays unchanged", async () => {
  const fx = loadFixture("reg-exp-tiny");
  const before = snapshot({ A: fx.A, b: fx.b, w: fx.w, x0: fx.x0 });
  await solve({ f: fx.f, A: fx.A, b: fx.b, w: fx.w }, { x0: fx.x0 });
  assert.equal({ A: fx.A, b: fx.b, w: fx.w, x0: fx.x0 }, before);
});

const badInputs: [string, (fx: ReturnType<typeof loadFixture>) => Promise<unknown>, string, RegExp][] = [
  ["b of the wrong length", (fx) => solve({ f: "exp", A: fx.A, b: fx.b.subarray(1), w: 1 }), "ERR_SIZE_MISMATCH", /b/],
  ["a NaN in b", (fx) => solve({ f: "exp", A: fx.A, b: Float64Array.from(fx.b, (v, i) => (i === 7 ? NaN : v)), w: 1 }), "ERR_NOT_FINITE", /b\[7\]/],
  ["a negative weight", (fx) => solve({ f: "exp", A: fx.A, b: fx.b, w: Float64Array.from(fx.w, (v, i) => (i === 3 ? -1 : v)) }), "ERR_INVALID_VALUE", /w\[3\]/],
  ["an unknown f", (fx) => solve({ f: "tanh" as "exp", A: fx.A, b: fx.b, w: 1 }), "ERR_INVALID_VALUE", /tanh/],
  ["an unknown hessian mode", (fx) => solve({ f: "exp", A: fx.A, b: fx.b, w: 1 }, { hessian: "fast" as "exact" }), "ERR_INVALID_VALUE", /fast/],
  ["eps outside (0, 1)", (fx) => solve({ f: "exp", A: fx.A, b: fx.b, w: 1 }, { eps: 1.5 }), "ERR_INVALID_VALUE", /eps.*1\.5/],
  ["a negative tol", (fx) => solve({ f: "exp", A: fx.A, b: fx.b, w: 1 }, { tol: -1 }), "ERR_INVALID_VALUE", /tol/],
  ["x0 of the wrong length", (fx) => solve({ f: "exp", A: fx.A, b: fx.b, w: 1 }, { x0: [1, 2] }), "ERR_SIZE_MISMATCH", /x0/],
  ["a string for maxIterations", (fx) => solve({ f: "exp", A: fx.A, b: fx.b, w: 1 }, { maxIterations: "9" as unknown as number }), "ERR_INVALID_TYPE", /maxIterations/],
];

for (const [what, call, code, pattern] of badInputs) {
  test(`solve rejects ${what} with ${code}, naming it, and mutates nothing`, async () => {
    const fx = loadFixture("reg-exp-tiny");
    const before = snapshot({ A: fx.A, b: fx.b, w: fx.w });
    let error: unknown;
    try {
      await call(fx);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error, "it throws");
    assert.is((error as { code?: string }).code, code);
    assert.match((error as Error).message, pattern);
    assert.equal({ A: fx.A, b: fx.b, w: fx.w }, before);
  });
}

test.run();
