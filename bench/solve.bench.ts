// SPDX-License-Identifier: MIT
// Whole solves to the same gradient tolerance, each Hessian mode against exact Newton. A is loaded
// once into an in-thread model (the library's way for repeated solves, as in the peers bench), so the
// times are the solver's; the load, which a one-shot solve() pays on top, is reported beside them.
import { createPool, generateProblem } from "../src/index.js";
import type { GenerateOptions, HessianMode, SolveResult } from "../src/index.js";
import { collectGarbage, line, median, quick } from "./lib.js";

const cases: { label: string; gen: GenerateOptions; modes: HessianMode[] }[] = [
  {
    label: "tall dense rows",
    gen: { family: "gauss", nrows: quick ? 50_000 : 200_000, ncols: 200, f: "exp", seed: 1 },
    modes: ["exact", "sketch-pcg", "sketch", "auto"],
  },
  {
    label: "sparse skewed 4/row",
    gen: { family: "powerlaw", nrows: quick ? 200_000 : 1_000_000, ncols: 200, rowNnz: 4, f: "exp", seed: 2 },
    modes: ["exact", "sketch-pcg", "auto"],
  },
  {
    label: "rescaled tall dense rows",
    gen: { family: "gauss", nrows: quick ? 50_000 : 200_000, ncols: 200, f: "exp", seed: 3, problem: "rescaled" },
    modes: ["exact", "sketch-pcg", "sketch", "auto"],
  },
  {
    // Logits over +-6 with weak regularization: far from quadratic at x0 = 0, rows with e < 0 there,
    // and exact Newton takes several damped steps before its fast ones.
    label: "rescaled tall dense rows, wide logits",
    gen: { family: "gauss", nrows: quick ? 50_000 : 200_000, ncols: 200, f: "exp", seed: 3, problem: "rescaled", radius: 6, rescaledWeight: 0.5 },
    modes: ["exact", "sketch-pcg", "sketch", "auto"],
  },
  {
    label: "rescaled sparse skewed 4/row",
    gen: { family: "powerlaw", nrows: quick ? 200_000 : 1_000_000, ncols: 200, rowNnz: 4, f: "exp", seed: 4, problem: "rescaled" },
    modes: ["exact", "sketch-pcg", "auto"],
  },
];

// `--case=<text>` runs only the cases whose label contains it.
const only = process.argv.find((a) => a.startsWith("--case="))?.slice(7);

const pool = await createPool({ threads: 0 });
for (const c of cases.filter((k) => only === undefined || k.label.includes(only))) {
  const { A, b, w, f } = generateProblem(c.gen);
  const problem = c.gen.problem ?? "regularized";
  const nnz = A.indptr[A.nrows]!;
  const label = `solve ${c.label} ${A.nrows}x${A.ncols} nnz=${nnz} ${f}`;
  collectGarbage();
  const l0 = performance.now();
  const model = await pool.load(A);
  await model.ready();
  const loadMs = performance.now() - l0;
  line({ case: label, load_A_once: "in-thread model", ms: loadMs });
  // One tolerance for every contender: 1e-8 of the gradient at x0 = 0 (the solver's default).
  const probe = await model.solve({ problem, f, b, w }, { hessian: "exact", maxIterations: 0 });
  const tol = 1e-8 * Math.max(1, probe.gradNorm);
  const rounds = quick ? 1 : 3;
  const times = new Map<HessianMode, number[]>(c.modes.map((m) => [m, []]));
  const last = new Map<HessianMode, SolveResult>();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < c.modes.length; i++) {
      const mode = c.modes[(i + r) % c.modes.length]!;
      collectGarbage();
      const t0 = performance.now();
      const res = await model.solve({ problem, f, b, w }, { hessian: mode, tol });
      times.get(mode)!.push(performance.now() - t0);
      last.set(mode, res);
    }
  }
  const best = Math.min(...[...last.values()].map((r) => r.loss));
  const exactMs = median(times.get("exact")!);
  for (const mode of c.modes) {
    const r = last.get(mode)!;
    const ok = r.status === "converged" && Math.abs(r.loss - best) <= 1e-9 * Math.abs(best);
    line({
      case: label,
      hessian: mode === "auto" ? `auto->${r.hessian.used}` : mode,
      status: ok ? r.status : `FAILED(${r.status}, loss ${r.loss})`,
      ms: median(times.get(mode)!),
      iterations: r.iterations,
      // Steps that built their model from a sketch of their own (sketch-pcg keeps its model while CG
      // stays fast; the plain rescaled sketch scores against an earlier sketch once converging).
      ...(mode.startsWith("sketch") ? { fresh_sketches: r.history.filter((h) => h.iteration > 0 && h.sketchFresh).length } : {}),
      speedup_vs_exact: exactMs / median(times.get(mode)!),
      // What one-shot solve() calls would compare: each pays the load.
      with_load: (exactMs + loadMs) / (median(times.get(mode)!) + loadMs),
      gradNorm: r.gradNorm.toExponential(2),
    });
  }
  await model.dispose();
}
await pool.close();
