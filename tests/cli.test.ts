// SPDX-License-Identifier: MIT
// The command-line contract, run as a user runs it: `node bin/hyperreg.js ...` on the built bundle.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { test } from "./uvu.js";
import * as assert from "uvu/assert";
import { sensitivity, solve } from "../src/index.js";
import { loadFixture, relativeError } from "./helpers.js";

const dir = mkdtempSync(`${tmpdir()}/hyperreg-cli-`);
const fixture = "tests/fixtures/reg-exp-tiny";
const reference = JSON.parse(readFileSync(`${fixture}/reference.json`, "utf8")) as { x: number[]; loss: number };

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/hyperreg.js", ...args], { encoding: "utf8", timeout: 120e3 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("solve writes the JSON contract and exits 0 when converged", () => {
  const out = `${dir}/tiny.json`;
  const r = cli("solve", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`, "--w", `${fixture}/w.txt`, "--f", "exp", "--hessian", "exact", "--tol", "1e-9", "--json", out);
  assert.is(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(out, "utf8"));
  for (const key of ["x", "loss", "gradNorm", "iterations", "status", "message", "hessian", "threads", "seconds", "ioSeconds", "history"]) {
    assert.ok(key in json, `missing ${key}`);
  }
  assert.ok(Array.isArray(json.x) && json.x.every((v: unknown) => typeof v === "number"));
  assert.is(json.status, "converged");
  assert.ok(Math.abs(json.loss - reference.loss) <= 1e-9 * reference.loss);
  assert.ok(relativeError(json.x, reference.x) <= 1e-6);
  assert.is(json.history.length, json.iterations + 1);
  // One live line per iteration (and the start) on stderr, the summary on stdout.
  assert.is(r.stderr.trim().split("\n").filter((l) => l.startsWith("iter")).length, json.iterations + 1);
  assert.match(r.stdout, /status\s+converged/);
});

test("--quiet silences the progress lines but keeps the summary", () => {
  const r = cli("solve", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`, "--w", `${fixture}/w.txt`, "--quiet");
  assert.is(r.code, 0);
  assert.is(r.stderr, "");
  assert.match(r.stdout, /converged/);
});

test("--w takes one number for every row, and vectors may be Matrix Market arrays", () => {
  const b = readFileSync(`${fixture}/b.txt`, "utf8").trim().split(/\s+/);
  writeFileSync(`${dir}/b.mtx`, `%%MatrixMarket matrix array real general\n% b as an array\n${b.length} 1\n${b.join("\n")}\n`);
  const r = cli("solve", "--A", `${fixture}/A.mtx`, "--b", `${dir}/b.mtx`, "--w", "5", "--quiet", "--json", `${dir}/w5.json`);
  assert.is(r.code, 0, r.stderr);
  assert.is(JSON.parse(readFileSync(`${dir}/w5.json`, "utf8")).status, "converged");
});

test("stopping without convergence exits 1", () => {
  const r = cli("solve", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`, "--w", `${fixture}/w.txt`, "--max-iter", "1", "--quiet");
  assert.is(r.code, 1);
  assert.match(r.stdout, /max-iterations/);
});

test("--threads 3 spreads the solve over workers and writes the same x, bit for bit", () => {
  const common = ["solve", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`, "--w", `${fixture}/w.txt`, "--hessian", "sketch-pcg", "--quiet"];
  assert.is(cli(...common, "--json", `${dir}/t0.json`).code, 0);
  const r = cli(...common, "--threads", "3", "--json", `${dir}/t3.json`);
  assert.is(r.code, 0, r.stderr);
  const [t0, t3] = ["t0", "t3"].map((n) => JSON.parse(readFileSync(`${dir}/${n}.json`, "utf8")));
  assert.is(t0.threads, 0);
  assert.is(t3.threads, 3);
  // JSON writes the shortest round-trip decimal of each double: equal text is equal bits.
  assert.equal(t3.x, t0.x);
});

const rescaled = "tests/fixtures/res-exp-sparse";

test("--problem rescaled solves the rescaled fixture to its reference", () => {
  const out = `${dir}/res.json`;
  const r = cli("solve", "--A", `${rescaled}/A.mtx`, "--b", `${rescaled}/b.txt`, "--w", `${rescaled}/w.txt`, "--problem", "rescaled", "--hessian", "sketch-pcg", "--tol", "1e-9", "--quiet", "--json", out);
  assert.is(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(out, "utf8"));
  const ref = JSON.parse(readFileSync(`${rescaled}/reference.json`, "utf8")) as { x: number[]; loss: number };
  assert.ok(Math.abs(json.loss - ref.loss) <= 1e-9 * ref.loss);
  assert.ok(relativeError(json.x, ref.x) <= 1e-6);
  assert.match(r.stdout, /certificate holds at x/);
});

test("sensitivity prints and writes dx and its bound, the same as the library's", async () => {
  const fx = loadFixture("res-exp-sparse");
  const db = fx.b.map((v, i) => 1e-6 * v * Math.cos(i));
  writeFileSync(`${dir}/db.txt`, `${Array.from(db).join("\n")}\n`);
  const out = `${dir}/sens.json`;
  const r = cli("sensitivity", "--A", `${rescaled}/A.mtx`, "--b", `${rescaled}/b.txt`, "--w", `${rescaled}/w.txt`, "--problem", "rescaled", "--hessian", "exact", "--db", `${dir}/db.txt`, "--quiet", "--json", out);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /sensitivity ok/);
  assert.match(r.stdout, /bound\s+\S+ = \|d_b g\|/);
  const json = JSON.parse(readFileSync(out, "utf8"));
  assert.is(json.status, "converged");
  assert.is(json.sensitivity.status, "ok");
  const lib = await sensitivity(await solve({ problem: "rescaled", f: "exp", A: fx.A, b: fx.b, w: fx.w }, { hessian: "exact" }), db);
  // The CLI reads the numbers back from decimal text (17 significant digits round-trip exactly).
  assert.ok(relativeError(json.sensitivity.dx, lib.dx) <= 1e-12, "dx");
  assert.ok(Math.abs(json.sensitivity.bound - lib.bound) <= 1e-12 * lib.bound, "bound");
});

const invalid: [string, string[], RegExp][] = [
  ["sensitivity without --db", ["sensitivity", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`], /ERR_INVALID_VALUE: .*--db/],
  ["a db of the wrong length", ["sensitivity", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`, "--db", `${fixture}/x0.txt`], /ERR_SIZE_MISMATCH: .*db/],
  ["an unknown problem", ["solve", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`, "--problem", "scaled"], /ERR_INVALID_VALUE: .*scaled/],
  ["a missing --b", ["solve", "--A", `${fixture}/A.mtx`], /ERR_INVALID_VALUE: .*--b/],
  ["an unreadable file", ["solve", "--A", `${dir}/nope.mtx`, "--b", `${fixture}/b.txt`], /ERR_INVALID_VALUE: cannot read --A/],
  ["b of the wrong length", ["solve", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/x0.txt`], /ERR_SIZE_MISMATCH: /],
  ["an unknown hessian", ["solve", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`, "--hessian", "fast"], /ERR_INVALID_VALUE: .*fast/],
  ["a non-numeric --tol", ["solve", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`, "--tol", "small"], /ERR_INVALID_VALUE: .*--tol/],
  ["an unknown option", ["solve", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`, "--fast"], /unknown option --fast/],
  ["a negative --threads", ["solve", "--A", `${fixture}/A.mtx`, "--b", `${fixture}/b.txt`, "--threads", "-2"], /ERR_INVALID_VALUE: .*threads/],
  ["a malformed matrix", ["solve", "--A", `${fixture}/b.txt`, "--b", `${fixture}/b.txt`], /ERR_PARSE: /],
];

for (const [what, args, pattern] of invalid) {
  test(`${what} exits 2 with "hyperreg: <CODE>: " on stderr`, () => {
    const r = cli(...args);
    assert.is(r.code, 2, r.stderr);
    assert.ok(r.stderr.startsWith("hyperreg: ERR_"), r.stderr);
    assert.match(r.stderr, pattern);
  });
}

test("demo solves the built-in example in every mode and exits 0", () => {
  const r = cli("demo", "--quiet");
  assert.is(r.code, 0, r.stdout + r.stderr);
  for (const mode of ["exact", "sketch", "sketch-pcg", "auto"]) assert.match(r.stdout, new RegExp(`${mode}\\s+converged`));
  assert.match(r.stdout, /2 worker threads: converged .* bit-identical/);
});

test.run();
