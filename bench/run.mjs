// SPDX-License-Identifier: MIT
// `npm run bench [-- --quick] [name...]`: bundles bench/*.bench.ts like the tests and runs each in
// its own process. Every case prints one line with medians and ratios measured in the same run.
import { readdirSync } from "node:fs";
import { bundleBenches, root, runBench } from "./bundle.mjs";

const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith("--"));
const files = readdirSync(`${root}bench`)
  .filter((f) => f.endsWith(".bench.ts") && (names.length === 0 || names.some((n) => f.includes(n))))
  .sort();
const out = `${root}.bench-out`;
await bundleBenches(files.map((f) => `${root}bench/${f}`), out);
let failed = false;
for (const f of files) {
  console.log(`# ${f}`);
  failed = !runBench(`${out}/${f.replace(/\.ts$/, ".mjs")}`, args.filter((a) => a.startsWith("--"))) || failed;
}
process.exitCode = failed ? 1 : 0;
