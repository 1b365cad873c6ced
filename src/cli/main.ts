// SPDX-License-Identifier: MIT
// The command-line front end. Exit codes: 0 converged, 1 stopped without convergence,
// 2 invalid input (stderr starts with "hyperreg: <CODE>: "), 3 internal failure.
import { readFileSync, writeFileSync } from "node:fs";
import { generateProblem, HyperregRangeError, isHyperregError, parseMatrixMarket, parseVector, sensitivity, solve } from "../index.js";
import type { HessianMode, HyperbolicFunction, IterationInfo, ProblemKind, SensitivityResult, SolveOptions, SolveProblem, SolveResult } from "../index.js";
import { numberFlag, parseFlags, usage } from "./args.js";

const HELP = `hyperreg: regularized and rescaled exp / cosh / sinh regression by sketched Newton

usage:
  hyperreg solve --A A.mtx --b b.txt [--w w.txt | --w 3.5] [--x0 x0.txt]
                 [--problem regularized|rescaled] [--f exp|cosh|sinh]
                 [--hessian auto|exact|sketch|sketch-pcg] [--eps 0.5] [--seed 1]
                 [--threads N] [--tol T] [--max-iter K] [--json out.json] [--quiet]
  hyperreg sensitivity --db db.txt (and every solve option)
                 solve, then print the first-order change dx of x* for b -> b + db and a bound on ||dx||
  hyperreg demo [--quiet]       solve a built-in example with each Hessian mode, then with workers
  hyperreg --help | --version

Minimizes 0.5*||f(Ax) - b||^2 + 0.5*||diag(w) A x||^2 (--problem regularized, the default) or
0.5*||u - <u,1> b||^2 + 0.5*||diag(w) A x||^2 with u = f(Ax) (--problem rescaled). A is a Matrix
Market file; vectors are one number per line (blank lines and lines starting with % or # are
skipped) or Matrix Market arrays. --w defaults to 0 (no regularization). --threads N spreads the
row blocks of A over N worker threads (default 0: the calling thread); x is the same bits for
every N. Progress goes to stderr, the summary to stdout.
Exit codes: 0 converged, 1 stopped without convergence, 2 invalid input, 3 internal failure.`;

const SOLVE_FLAGS = {
  A: "string", b: "string", w: "string", x0: "string", problem: "string", f: "string", hessian: "string",
  eps: "string", seed: "string", threads: "string", tol: "string", "max-iter": "string", json: "string", quiet: "boolean",
} as const;

const fmt = (v: number, digits = 6) => (Number.isFinite(v) ? v.toExponential(digits) : String(v));

function progressLine(info: IterationInfo): string {
  const extra = [info.sketchRows !== null ? `rows ${info.sketchRows}` : "", info.cgIterations !== null ? `cg ${info.cgIterations}` : ""].filter(Boolean).join(" ");
  return `iter ${String(info.iteration).padStart(3)}  loss ${fmt(info.loss, 10)}  |grad| ${fmt(info.gradNorm, 3)}  step ${info.step === 0 ? "-" : info.step.toPrecision(3)}  ${info.ms.toFixed(1)} ms${extra ? `  ${extra}` : ""}`;
}

function summary(r: SolveResult, seconds: number): string {
  return [
    `status      ${r.status}`,
    `message     ${r.message}`,
    `loss        ${fmt(r.loss, 15)}`,
    `|grad|      ${fmt(r.gradNorm, 3)} (tol ${fmt(r.tol, 3)})`,
    `iterations  ${r.iterations}`,
    `hessian     ${r.hessian.used}${r.hessian.requested === "auto" ? ` (auto: ${r.hessian.reason})` : ""}`,
    `certificate ${r.certificate.holds ? "holds" : "does not hold"}${r.certificate.scope === "at-x" ? " at x (e_i > 0)" : ""} (smallest margin ${fmt(r.certificate.margin, 3)} at row ${r.certificate.row}); minimizer ${r.minimizer}`,
    `time        ${seconds.toFixed(3)} s`,
  ].join("\n");
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw usage(`cannot read ${what} file ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}

type Flags = ReturnType<typeof parseFlags>;

/** Reads the files and options every solving command shares; times the reading. */
function readSolve(flags: Flags, command: string): { problem: SolveProblem; options: SolveOptions; ioSeconds: number } {
  const str = (name: string) => flags.get(name) as string | undefined;
  const pathA = str("A");
  const pathB = str("b");
  if (pathA === undefined || pathB === undefined) throw usage(`hyperreg ${command} needs --A and --b`);

  const io0 = performance.now();
  const A = parseMatrixMarket(readText(pathA, "--A"));
  const b = parseVector(readText(pathB, "--b"), "b");
  const wFlag = str("w") ?? "0";
  // A number is one weight for every row; anything else names a file.
  const w = wFlag.trim() !== "" && Number.isFinite(Number(wFlag)) ? Number(wFlag) : parseVector(readText(wFlag, "--w"), "w");
  const x0Path = str("x0");
  const x0 = x0Path === undefined ? undefined : parseVector(readText(x0Path, "--x0"), "x0");
  const ioSeconds = (performance.now() - io0) / 1000;

  const options: SolveOptions = { hessian: (str("hessian") ?? "auto") as HessianMode };
  if (x0 !== undefined) options.x0 = x0;
  for (const [flag, key, integer] of [["eps", "eps", false], ["seed", "seed", true], ["tol", "tol", false], ["max-iter", "maxIterations", true]] as const) {
    const v = str(flag);
    if (v !== undefined) options[key] = numberFlag(flag, v, integer);
  }
  const threadsFlag = str("threads");
  if (threadsFlag !== undefined) options.threads = numberFlag("threads", threadsFlag, true);
  if (flags.get("quiet") !== true) options.onIteration = (info) => process.stderr.write(`${progressLine(info)}\n`);
  const problem = { problem: (str("problem") ?? "regularized") as ProblemKind, f: (str("f") ?? "exp") as HyperbolicFunction, A, b, w };
  return { problem, options, ioSeconds };
}

/** Solves, prints the summary, and returns the result with the solve's seconds. */
async function runSolve(problem: SolveProblem, options: SolveOptions): Promise<{ r: SolveResult; seconds: number }> {
  const t0 = performance.now();
  const r = await solve(problem, options);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${summary(r, seconds)}\n`);
  return { r, seconds };
}

function solveJson(r: SolveResult, seconds: number, ioSeconds: number) {
  return {
    x: Array.from(r.x), loss: r.loss, gradNorm: r.gradNorm, iterations: r.iterations, status: r.status, message: r.message,
    hessian: r.hessian, threads: r.threads, seconds, ioSeconds, history: r.history,
  };
}

function writeJson(path: string | undefined, value: unknown): void {
  if (path !== undefined) writeFileSync(path, `${JSON.stringify(value, null, 1)}\n`);
}

async function solveCommand(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, SOLVE_FLAGS);
  const { problem, options, ioSeconds } = readSolve(flags, "solve");
  const { r, seconds } = await runSolve(problem, options);
  writeJson(flags.get("json") as string | undefined, solveJson(r, seconds, ioSeconds));
  return r.status === "converged" ? 0 : 1;
}

function sensitivitySummary(s: SensitivityResult, db: Float64Array): string {
  let dx2 = 0;
  for (const v of s.dx) dx2 += v * v;
  let db2 = 0;
  for (const v of db) db2 += v * v;
  const head = s.dx.length <= 8 ? Array.from(s.dx, (v) => fmt(v, 6)).join(" ") : `${Array.from(s.dx.subarray(0, 8), (v) => fmt(v, 6)).join(" ")} ... (${s.dx.length} entries; --json for all)`;
  return [
    `sensitivity ${s.status}${s.message ? `: ${s.message}` : ""}`,
    `dx          ${head}`,
    `|dx|        ${fmt(Math.sqrt(dx2), 6)} for |db| ${fmt(Math.sqrt(db2), 6)}`,
    `bound       ${fmt(s.bound, 6)} = |d_b g| ${fmt(s.dbGradNorm, 4)} * |db| / lambda_min(H) ${fmt(s.lambdaMin, 4)}`,
  ].join("\n");
}

async function sensitivityCommand(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, { ...SOLVE_FLAGS, db: "string" });
  const dbPath = flags.get("db") as string | undefined;
  if (dbPath === undefined) throw usage("hyperreg sensitivity needs --db");
  const { problem, options, ioSeconds } = readSolve(flags, "sensitivity");
  const db = parseVector(readText(dbPath, "--db"), "db");
  // Checked before the solve, not after it.
  if (db.length !== problem.A.nrows) {
    throw new HyperregRangeError("ERR_SIZE_MISMATCH", `db has length ${db.length}; expected ${problem.A.nrows} (A.nrows)`, { argument: "db", value: db.length });
  }
  const { r, seconds } = await runSolve(problem, options);
  const t0 = performance.now();
  const s = await sensitivity(r, db);
  const sensitivitySeconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${sensitivitySummary(s, db)}\n`);
  writeJson(flags.get("json") as string | undefined, {
    ...solveJson(r, seconds, ioSeconds),
    sensitivity: { status: s.status, message: s.message, dx: Array.from(s.dx), bound: s.bound, dbGradNorm: s.dbGradNorm, lambdaMin: s.lambdaMin, seconds: sensitivitySeconds },
  });
  return r.status === "converged" && s.status === "ok" ? 0 : 1;
}

async function demoCommand(argv: readonly string[]): Promise<number> {
  const quiet = parseFlags(argv, { quiet: "boolean" }).get("quiet") === true;
  const nrows = 40000;
  const ncols = 60;
  const { A, b, w, f } = generateProblem({ family: "gauss", nrows, ncols, f: "exp", seed: 7 });
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`hyperreg demo: exp regression, A is ${nrows} x ${ncols} with dense rows (${A.indptr[nrows]} nonzeros),`);
  out(`b = exp(A x_true) + 1% noise, w just above the convexity certificate.\n`);
  let status = 0;
  const rows: string[] = [];
  for (const hessian of ["exact", "sketch", "sketch-pcg", "auto"] as const) {
    out(`-- hessian: ${hessian}${hessian === "sketch" ? " (the papers' algorithm: sampled Hessian, Newton steps)" : ""}`);
    const t0 = performance.now();
    const r = await solve({ f, A, b, w }, { hessian, onIteration: quiet ? undefined : (i) => out(`   ${progressLine(i)}`) } as SolveOptions);
    const s = (performance.now() - t0) / 1000;
    out(`   ${r.status}: loss ${fmt(r.loss, 12)}, |grad| ${fmt(r.gradNorm, 2)}, ${r.iterations} iterations, ${s.toFixed(2)} s${hessian === "auto" ? ` (auto chose ${r.hessian.used})` : ""}\n`);
    rows.push(`${hessian.padEnd(11)} ${r.status.padEnd(15)} ${String(r.iterations).padStart(5)} ${s.toFixed(3).padStart(9)} ${fmt(r.loss, 12)}`);
    if (r.status !== "converged") status = 1;
  }
  out(`hessian     status          iters   seconds loss`);
  for (const r of rows) out(r);
  // The same solve spread over worker threads: faster on big problems, and the same bits.
  const one = await solve({ f, A, b, w }, { hessian: "sketch-pcg" });
  const t0 = performance.now();
  const pooled = await solve({ f, A, b, w }, { hessian: "sketch-pcg", threads: 2 });
  const same = pooled.x.every((v, i) => Object.is(v, one.x[i]));
  out(`\nsketch-pcg on 2 worker threads: ${pooled.status} in ${((performance.now() - t0) / 1000).toFixed(3)} s, x ${same ? "bit-identical to" : "DIFFERS from"} the calling thread's`);
  if (!same) status = 1;
  return status;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version") {
    process.stdout.write("hyperreg 0.1.0\n");
    return 0;
  }
  if (command === "solve") return solveCommand(rest);
  if (command === "sensitivity") return sensitivityCommand(rest);
  if (command === "demo") return demoCommand(rest);
  throw usage(`unknown command ${JSON.stringify(command)}`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (isHyperregError(e) && e.code !== "ERR_INTERNAL" && e.code !== "ERR_WASM_LOAD" && e.code !== "ERR_WORKER_CRASHED") {
      process.stderr.write(`hyperreg: ${e.code}: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`hyperreg: ERR_INTERNAL: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 3;
    }
  },
);
