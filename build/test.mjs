// SPDX-License-Identifier: MIT
// The test command: bundles each tests/*.test.ts with esbuild (kernels inlined, as in the library)
// and runs every file in its own Node process, so one crash cannot hide the others. uvu prints a
// summary per file; this script adds them up and ends with the line "N passed, N failed".
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Installs on a fresh clone and rebuilds when sources changed; only then can esbuild be loaded.
await import("./ensure.mjs");
const esbuild = await import("esbuild");
const { bundleOptions, buildWorker } = await import("./build.mjs");

const root = fileURLToPath(new URL("..", import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(`${root}tests`)
  .filter((f) => f.endsWith(".test.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
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

let passed = 0;
let failed = 0;
for (const f of files) {
  const file = `${out}/${f.replace(/\.ts$/, ".mjs")}`;
  const r = spawnSync(process.execPath, ["--enable-source-maps", "--expose-gc", file], { cwd: root, encoding: "utf8", timeout: 20 * 60e3 });
  process.stdout.write(`# ${f}\n${r.stdout}`);
  if (r.stderr) process.stderr.write(r.stderr);
  const total = Number(/Total:\s+(\d+)/.exec(r.stdout)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(r.stdout)?.[1] ?? NaN);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    console.log(`# ${f}: no summary (exit ${r.status ?? r.signal}); counted as one failure`);
    failed += 1;
    continue;
  }
  passed += ok;
  // uvu counts a throwing suite hook as no test at all: a non-zero exit must still fail the run.
  failed += Math.max(total - ok, r.status === 0 ? 0 : 1);
}
// The type-level check of the sources, tests and benchmarks counts as one test (full runs only).
if (only.length === 0) {
  const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", `${root}tsconfig.json`], { cwd: root, encoding: "utf8" });
  console.log(`# typecheck (tsc --noEmit): ${tsc.status === 0 ? "ok" : `FAILED\n${tsc.stdout}${tsc.stderr}`}`);
  if (tsc.status === 0) passed += 1;
  else failed += 1;
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
