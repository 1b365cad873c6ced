// SPDX-License-Identifier: MIT
// The test command. Four runtimes, each with its own "N passed, N failed":
//   node     the unit tests (tests/*.test.ts, each file bundled by esbuild and run in its own Node
//            process, so one crash cannot hide the others), the portable suite, the type check;
//   deno     the portable suite in Deno (the `deno` npm package), allowed to read the worker script only;
//   browser  the portable suite, the pool and the demo in headless Chromium (Debian's chromium);
//   edge     the portable suite through POST /solve of examples/edge in workerd.
// The portable suite (tests/portable) runs against the built bundle, dist/hyperreg.js; afterwards the
// runtimes' results are compared with Node's. `--runtime=deno,edge` picks runtimes; other arguments
// pick unit test files by name (and then nothing else runs). The last line is "N passed, N failed".
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// Installs on a fresh clone and rebuilds when sources changed; only then can esbuild be loaded.
await import("./ensure.mjs");
const esbuild = await import("esbuild");
const { bundleOptions, buildWorker } = await import("./build.mjs");

const root = fileURLToPath(new URL("..", import.meta.url));
const RUNTIMES = ["node", "deno", "browser", "edge"];
const args = process.argv.slice(2);
const runtimeArg = args.find((a) => a.startsWith("--runtime="))?.slice("--runtime=".length);
const only = args.filter((a) => !a.startsWith("--"));
const runtimes = runtimeArg === undefined ? RUNTIMES : runtimeArg.split(",");
for (const r of runtimes) if (!RUNTIMES.includes(r)) throw new Error(`unknown runtime ${r}: expected one of ${RUNTIMES.join(", ")}`);

// Unit test files that drive Chromium belong to the browser runtime.
const runtimeOf = (f) => (f === "browser.test.ts" || f === "demo.test.ts" ? "browser" : "node");
const files = readdirSync(`${root}tests`)
  .filter((f) => f.endsWith(".test.ts"))
  .filter((f) => (only.length > 0 ? only.some((o) => f.includes(o)) : runtimes.includes(runtimeOf(f))))
  .sort();

const out = `${root}.test-out`;
rmSync(out, { recursive: true, force: true });
await esbuild.build({
  ...bundleOptions,
  platform: "node",
  entryPoints: files.map((f) => `${root}tests/${f}`),
  outdir: out,
  outExtension: { ".js": ".mjs" },
  sourcemap: "inline",
  // The browser tests' driver requires its own files at run time, which a bundle cannot do.
  external: ["playwright-core"],
});
await buildWorker(out);

/** The fixtures as text, as the portable suite's "portable:fixtures" module. */
const fixturesModule = {
  name: "portable-fixtures",
  setup(build) {
    build.onResolve({ filter: /^portable:fixtures$/ }, () => ({ path: "fixtures", namespace: "portable" }));
    build.onLoad({ filter: /.*/, namespace: "portable" }, () => {
      const dir = `${root}tests/fixtures`;
      const text = (name, f) => readFileSync(`${dir}/${name}/${f}`, "utf8");
      const fixtures = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort()
        .map((name) => ({ name, meta: JSON.parse(text(name, "meta.json")), A: text(name, "A.mtx"), b: text(name, "b.txt"), w: text(name, "w.txt"), x0: text(name, "x0.txt"), ref: JSON.parse(text(name, "reference.json")) }));
      return { contents: JSON.stringify(fixtures), loader: "json" };
    });
  },
};

const portable = `${out}/portable`;
if (only.length === 0) {
  // "hyperreg" stays a bare import, resolved by each runtime to the built bundle as a user's would be:
  // Node by the package's own name, Deno and Chromium by an import map, workerd by its config.
  const common = { ...bundleOptions, outdir: portable, external: ["hyperreg", "playwright-core"], plugins: [fixturesModule] };
  await esbuild.build({ ...common, platform: "neutral", entryPoints: [`${root}tests/portable/main.ts`, `${root}tests/portable/page.ts`] });
  await esbuild.build({ ...common, platform: "node", entryPoints: [`${root}tests/portable/chromium.ts`, `${root}tests/portable/edge.ts`], outExtension: { ".js": ".mjs" } });
  copyFileSync(`${root}tests/portable/page.html`, `${portable}/page.html`);
  // The same page as an application bundler would make it: the library inside page.js, the worker
  // script copied beside it (bundlers leave new URL("./blocks.worker.js", import.meta.url) alone).
  await esbuild.build({ ...common, platform: "browser", external: [], entryPoints: [`${root}tests/portable/page.ts`], outdir: `${portable}/bundled` });
  copyFileSync(`${root}dist/blocks.worker.js`, `${portable}/bundled/blocks.worker.js`);
  writeFileSync(`${portable}/bundled/page.html`, readFileSync(`${root}tests/portable/page.html`, "utf8").replace(/<script type="importmap">.*<\/script>\n/, ""));
  writeFileSync(`${portable}/import-map.json`, JSON.stringify({ imports: { hyperreg: new URL("dist/hyperreg.js", `file://${root}`).href } }));
}

/** Runs one process to the end; its stdout is shown without the outcomes line, which is returned. */
function runProcess(label, command, commandArgs, timeoutMs) {
  const r = spawnSync(command, commandArgs, { cwd: root, encoding: "utf8", timeout: timeoutMs, maxBuffer: 256 << 20 });
  const lines = (r.stdout ?? "").split("\n");
  const outcomes = lines.find((l) => l.startsWith("#outcomes "));
  process.stdout.write(`# ${label}\n${lines.filter((l) => !l.startsWith("#outcomes ")).join("\n")}`);
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.error) console.log(`# ${label}: ${r.error.message}`);
  return { r, stdout: r.stdout ?? "", outcomes: outcomes === undefined ? null : JSON.parse(outcomes.slice("#outcomes ".length)) };
}

/** A uvu file: its Total / Passed; a file without a summary or with a bad exit counts as failed. */
function unitFile(f) {
  const { r, stdout } = runProcess(f, process.execPath, ["--enable-source-maps", "--expose-gc", `${out}/${f.replace(/\.ts$/, ".mjs")}`], 20 * 60e3);
  const total = Number(/Total:\s+(\d+)/.exec(stdout)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(stdout)?.[1] ?? NaN);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    console.log(`# ${f}: no summary (exit ${r.status ?? r.signal}); counted as one failure`);
    return { passed: 0, failed: 1 };
  }
  // uvu counts a throwing suite hook as no test at all: a non-zero exit must still fail the run.
  return { passed: ok, failed: Math.max(total - ok, r.status === 0 ? 0 : 1) };
}

/** A portable-suite runner: it prints "N passed, N failed" itself; no such line is one failure. */
function suite(label, command, commandArgs) {
  const { r, stdout, outcomes } = runProcess(label, command, commandArgs, 30 * 60e3);
  const m = /^(\d+) passed, (\d+) failed$/m.exec(stdout);
  if (m === null) {
    console.log(`# ${label}: did not run to the end (exit ${r.status ?? r.signal}); counted as one failure`);
    return { passed: 0, failed: 1, outcomes };
  }
  return { passed: Number(m[1]), failed: Number(m[2]) + (r.status === 0 ? 0 : 1), outcomes };
}

const require = createRequire(import.meta.url);
const totals = { passed: 0, failed: 0 };
const outcomes = {};
const summaries = [];

for (const runtime of runtimes) {
  const unitFiles = files.filter((f) => runtimeOf(f) === runtime);
  if (only.length > 0 && unitFiles.length === 0) continue;
  const counts = { passed: 0, failed: 0 };
  const add = (c) => {
    counts.passed += c.passed;
    counts.failed += c.failed;
    if (c.outcomes) outcomes[runtime] = c.outcomes;
  };
  for (const f of unitFiles) add(unitFile(f));
  if (only.length === 0) {
    if (runtime === "node") {
      add(suite("portable suite in Node", process.execPath, [`${portable}/main.js`]));
      // The type-level checks count as one test each: the sources, tests and benchmarks; the kernels
      // against AssemblyScript's declarations (what an editor shows; asc checks them again as it compiles).
      for (const config of ["tsconfig.json", "assembly/tsconfig.json"]) {
        const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", `${root}${config}`, "--noEmit"], { cwd: root, encoding: "utf8" });
        console.log(`# typecheck (tsc -p ${config} --noEmit): ${tsc.status === 0 ? "ok" : `FAILED\n${tsc.stdout}${tsc.stderr}`}`);
        add(tsc.status === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });
      }
    } else if (runtime === "deno") {
      // The narrowest permissions that work: reading the worker script, which the pool spawns.
      const deno = require.resolve("deno/bin.cjs");
      add(suite("portable suite in Deno", process.execPath, [deno, "run", "--no-config", "--no-lock", "--no-prompt", `--import-map=${portable}/import-map.json`, `--allow-read=${root}dist/blocks.worker.js`, `${portable}/main.js`]));
    } else if (runtime === "browser") {
      add(suite("portable suite in Chromium", process.execPath, ["--enable-source-maps", `${portable}/chromium.mjs`]));
    } else if (runtime === "edge") {
      add(suite("portable suite in workerd", process.execPath, ["--enable-source-maps", `${portable}/edge.mjs`]));
    }
  }
  console.log(`# ${runtime}: ${counts.passed} passed, ${counts.failed} failed\n`);
  summaries.push(`${runtime} ${counts.passed}/${counts.passed + counts.failed}`);
  totals.passed += counts.passed;
  totals.failed += counts.failed;
}

// The same cases in every runtime: Node's results are the yardstick, to 1e-12 relative (x relative
// to max(||x||, 1e-6), since the fixtures with x* = 0 end a rounding error away from 0).
if (outcomes.node) {
  for (const [runtime, theirs] of Object.entries(outcomes)) {
    if (runtime === "node") continue;
    const names = Object.keys(theirs).filter((n) => n in outcomes.node);
    const worst = { loss: 0, x: 0, at: "" };
    for (const n of names) {
      const [a, b] = [outcomes.node[n], theirs[n]];
      const loss = Math.abs(a.loss - b.loss) / Math.max(Math.abs(a.loss), Number.MIN_VALUE);
      const x = Math.hypot(...a.x.map((v, i) => v - b.x[i])) / Math.max(Math.hypot(...a.x), 1e-6);
      if (Math.max(loss, x) > Math.max(worst.loss, worst.x)) Object.assign(worst, { loss, x, at: n });
    }
    const ok = names.length > 0 && worst.loss <= 1e-12 && worst.x <= 1e-12;
    console.log(`# ${runtime} agrees with Node on ${names.length} cases: largest relative difference loss ${worst.loss.toExponential(1)}, x ${worst.x.toExponential(1)}${worst.at ? ` (${worst.at})` : ""}: ${ok ? "ok" : "FAILED"}`);
    totals[ok ? "passed" : "failed"] += 1;
  }
}

if (summaries.length > 1) console.log(`# ${summaries.join(", ")}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed > 0 ? 1 : 0;
