// SPDX-License-Identifier: MIT
// The package as a user gets it: `npm pack`, the tarball installed into an empty project, a fixture
// solved there through the public entry point only (with and without workers), its types resolved by
// a consumer's tsc, and its command on the project's PATH.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "./uvu.js";
import * as assert from "uvu/assert";

const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), "hyperreg-pack-"));
const project = join(dir, "project");
test.after(() => rmSync(dir, { recursive: true, force: true }));

function run(command: string, args: string[], cwd: string) {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 300e3 });
  assert.is(r.status, 0, `${command} ${args.join(" ")} (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let tarball = "";

test("npm pack ships the bundles, the kernels, the types and the command, and nothing else", () => {
  const [info] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", dir], root)) as [{ filename: string; size: number; files: { path: string }[] }];
  tarball = join(dir, info.filename);
  const files = info.files.map((f) => f.path).sort();
  for (const f of ["package.json", "README.md", "LICENSE", "dist/hyperreg.js", "dist/blocks.worker.js", "dist/kernels.wasm", "dist/cli.js", "dist/types/index.d.ts", "bin/hyperreg.js"]) {
    assert.ok(files.includes(f), `${f} missing from the tarball: ${files.join(", ")}`);
  }
  const stray = files.filter((f) => /^(src|tests|assembly|workers|bench|build|examples)\/|node_modules|\.map$|dist\/wasm\//.test(f));
  assert.equal(stray, [], "sources, tests and build outputs stay out of the package");
  console.log(`# ${info.filename}: ${(statSync(tarball).size / 1024).toFixed(0)} KiB packed, ${files.length} files`);
});

test("the tarball installs into an empty project and solves a fixture there, in the calling thread and on workers", () => {
  assert.ok(tarball, "packed");
  mkdirSync(project);
  run("npm", ["init", "-y"], project);
  // Only what npm takes from the registry for a user: comlink, already in the cache after npm ci.
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], project);
  const fixture = "tests/fixtures/res-exp-gauss";
  for (const f of ["A.mtx", "b.txt", "w.txt", "x0.txt"]) writeFileSync(join(project, f), readFileSync(join(root, fixture, f)));
  writeFileSync(
    join(project, "fit.mjs"),
    `import { readFileSync } from "node:fs";
import { createPool, parseMatrixMarket, parseVector, solve } from "hyperreg";
const text = (f) => readFileSync(f, "utf8");
const A = parseMatrixMarket(text("A.mtx"));
const [b, w, x0] = ["b", "w", "x0"].map((v) => parseVector(text(v + ".txt"), v));
const here = await solve({ problem: "rescaled", f: "exp", A, b, w }, { x0, tol: 1e-9 });
const pool = await createPool({ threads: 2 });
const model = await pool.load(A);
const pooled = await model.solve({ problem: "rescaled", f: "exp", b, w }, { x0, tol: 1e-9, hessian: "sketch-pcg" });
await pool.close();
console.log(JSON.stringify({ here: { status: here.status, loss: here.loss, x: Array.from(here.x) }, pooled: { status: pooled.status, loss: pooled.loss, threads: pooled.threads } }));
`,
  );
  const out = JSON.parse(run(process.execPath, ["fit.mjs"], project)) as { here: { status: string; loss: number; x: number[] }; pooled: { status: string; loss: number; threads: number } };
  const ref = JSON.parse(readFileSync(join(root, fixture, "reference.json"), "utf8")) as { loss: number; x: number[] };
  assert.is(out.here.status, "converged");
  assert.is(out.pooled.status, "converged");
  assert.is(out.pooled.threads, 2);
  // ||grad|| <= 1e-9 with lambda_min >= 815 (reference.json) puts both far inside these.
  for (const loss of [out.here.loss, out.pooled.loss]) assert.ok(Math.abs(loss - ref.loss) <= 1e-9 * ref.loss, `loss ${loss} vs ${ref.loss}`);
  const err = Math.hypot(...out.here.x.map((v, i) => v - ref.x[i]!)) / Math.hypot(...ref.x);
  assert.ok(err <= 1e-6, `x relative error ${err}`);
});

test("a TypeScript consumer of the installed package type-checks against its declarations", () => {
  writeFileSync(
    join(project, "use.ts"),
    `import { solve, type SolveResult } from "hyperreg";
const r: Promise<SolveResult> = solve({ f: "exp", A: { nrows: 1, ncols: 1, indptr: [0, 1], indices: [0], data: [1] }, b: [1], w: [1] });
// @ts-expect-error an unknown Hessian mode is a type error
void solve({ f: "exp", A: { nrows: 1, ncols: 1, indptr: [0, 1], indices: [0], data: [1] }, b: [1], w: [1] }, { hessian: "newton" });
export { r };
`,
  );
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, skipLibCheck: false, lib: ["es2022", "dom"], types: [] }, files: ["use.ts"] }));
  run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], project);
});

test("the installed package puts the hyperreg command on the project's PATH", () => {
  const out = run("npx", ["--no-install", "hyperreg", "solve", "--A", "A.mtx", "--b", "b.txt", "--w", "w.txt", "--problem", "rescaled", "--quiet"], project);
  assert.match(out, /status\s+converged/);
});

test.run();
