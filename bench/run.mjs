// SPDX-License-Identifier: MIT
// `npm run bench [-- --quick] [name...]`: bundles bench/*.bench.ts like the tests and runs each in
// its own process. Every case prints one line with medians and ratios measured in the same run.
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

await import("../build/ensure.mjs");
const esbuild = await import("esbuild");
const { bundleOptions, buildWorker } = await import("../build/build.mjs");

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith("--"));
const files = readdirSync(`${root}bench`)
  .filter((f) => f.endsWith(".bench.ts") && (names.length === 0 || names.some((n) => f.includes(n))))
  .sort();
const out = `${root}.bench-out`;
rmSync(out, { recursive: true, force: true });
await esbuild.build({ ...bundleOptions, platform: "node", entryPoints: files.map((f) => `${root}bench/${f}`), outdir: out, outExtension: { ".js": ".mjs" } });
await buildWorker(out);
let failed = false;
for (const f of files) {
  console.log(`# ${f}`);
  const r = spawnSync(process.execPath, ["--max-old-space-size=16384", "--expose-gc", `${out}/${f.replace(/\.ts$/, ".mjs")}`, ...args.filter((a) => a.startsWith("--"))], { cwd: root, stdio: "inherit" });
  failed ||= r.status !== 0;
}
process.exitCode = failed ? 1 : 0;
