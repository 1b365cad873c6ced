// SPDX-License-Identifier: MIT
// Shared by bench/run.mjs and bench/peers/run.mjs: bundles benchmark entries for Node like the
// tests (the worker entry beside them) and runs one in a process of its own.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));

/** Installs and builds when needed, then bundles `entryPoints` into a fresh `outdir` as .mjs files. */
export async function bundleBenches(entryPoints, outdir) {
  await import("../build/ensure.mjs");
  const esbuild = await import("esbuild");
  const { bundleOptions, buildWorker } = await import("../build/build.mjs");
  rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({ ...bundleOptions, platform: "node", entryPoints, outdir, outExtension: { ".js": ".mjs" } });
  await buildWorker(outdir);
}

/** Runs a bundled bench with room for large matrices and gc() between contenders; true when it passed. */
export function runBench(file, args) {
  const r = spawnSync(process.execPath, ["--max-old-space-size=16384", "--expose-gc", file, ...args], { cwd: root, stdio: "inherit" });
  return r.status === 0;
}
