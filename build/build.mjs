// SPDX-License-Identifier: MIT
// The whole build, as one plain Node script: AssemblyScript kernels (release + debug) into
// dist/wasm, type declarations into dist/types, esbuild bundles into dist/.
// `build/` holds scripts only; every output goes to `dist/` (git-ignored).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

/** Options every bundle shares: ESM, the kernel bytes inlined so no runtime reads a file. */
export const bundleOptions = {
  bundle: true,
  format: "esm",
  target: "es2022",
  loader: { ".wasm": "binary" },
  legalComments: "none",
  logLevel: "warning",
  // Node's built-ins are imported only where the runtime has them (worker_threads, os, fs).
  external: ["node:*"],
  // Comlink's ESM build (a neutral platform reads no "main" field unless told).
  mainFields: ["module", "main"],
};

/**
 * The worker entry, emitted beside the bundle that spawns it: the library finds it at
 * `new URL("./blocks.worker.js", import.meta.url)`, which bundlers leave as it is.
 */
export function buildWorker(outdir) {
  return esbuild.build({ ...bundleOptions, platform: "neutral", entryPoints: { "blocks.worker": `${root}workers/blocks.worker.ts` }, outdir });
}

export async function build() {
  mkdirSync(`${root}dist/wasm`, { recursive: true });
  run(bin("asc"), ["assembly/index.ts", "--target", "release"]);
  run(bin("asc"), ["assembly/index.ts", "--target", "debug"]);
  run(bin("tsc"), ["-p", "tsconfig.build.json"]);
  await esbuild.build({
    ...bundleOptions,
    platform: "neutral",
    entryPoints: { hyperreg: "src/index.ts" },
    outdir: `${root}dist`,
  });
  await buildWorker(`${root}dist`);
  // For runtimes that instantiate only bundled modules (useKernelModule); the bundle inlines the same bytes.
  copyFileSync(`${root}dist/wasm/kernels.wasm`, `${root}dist/kernels.wasm`);
  await esbuild.build({
    ...bundleOptions,
    platform: "node",
    entryPoints: { cli: "src/cli/main.ts" },
    outdir: `${root}dist`,
    // The CLI loads the library bundle rather than a second copy of it.
    plugins: [libraryAsExternal],
  });
  writeFileSync(`${root}dist/.stamp`, new Date().toISOString());
}

const libraryAsExternal = {
  name: "library-as-external",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/index\.js$/ }, () => ({ path: "./hyperreg.js", external: true }));
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await build();
