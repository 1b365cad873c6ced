// SPDX-License-Identifier: MIT
// `npm run bench:peers [-- --quick] [--case=text]`: hyperreg against the solvers a user would pick
// instead (a hand-written Newton, numeric.uncmin, scipy) and against the machine's bandwidth, in one
// run. Installs this folder's own packages on first use, bundles the bench like bench/run.mjs, and
// compiles the native CSR matvec with the system cc when there is one.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bundleBenches, runBench } from "../bundle.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
if (!existsSync(`${here}node_modules/numeric`)) execFileSync(npm, ["install", "--no-audit", "--no-fund"], { cwd: here, stdio: "inherit" });
const out = `${here}.out`;
await bundleBenches([`${here}peers.bench.ts`], out);
// The native bound, twice: plain -O3, and with -ffast-math, which lets the compiler reorder each
// row's sum into vector lanes (AVX-512 gathers here), the freedom the Wasm kernel takes by hand.
const natives = [];
for (const [name, flags] of [["csrmv", []], ["csrmv-fast", ["-ffast-math"]]]) {
  try {
    const cc = spawnSync("cc", ["-O3", "-march=native", ...flags, "-o", `${out}/${name}`, `${here}csrmv.c`], { stdio: "inherit" });
    if (cc.status === 0) natives.push(`${out}/${name}`);
  } catch {
    // No C compiler: the table goes without the native bound.
  }
}
const args = [...process.argv.slice(2), `--python-peers=${here}scipy_peers.py`];
if (natives.length === 2) args.push(`--csrmv=${natives.join(",")}`);
process.exitCode = runBench(`${out}/peers.bench.mjs`, args) ? 0 : 1;
