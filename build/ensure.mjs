// SPDX-License-Identifier: MIT
// Run before `npm start`, `npm test` and `npm run bench`: installs dependencies on a fresh clone
// and rebuilds when a source is newer than the last build, so each of those is one command.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

// npm writes node_modules/.package-lock.json on install: older than the lockfile means a stale install.
const installed = `${root}node_modules/.package-lock.json`;
if (!existsSync(`${root}node_modules/.bin/asc`) || !existsSync(installed) || statSync(installed).mtimeMs < statSync(`${root}package-lock.json`).mtimeMs) {
  execFileSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
}

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stamp = `${root}dist/.stamp`;
const sources = ["assembly", "src", "workers"].map((d) => newest(`${root}${d}`));
const inputs = Math.max(...sources, ...["asconfig.json", "package.json", "tsconfig.build.json"].map((f) => statSync(`${root}${f}`).mtimeMs));
if (!existsSync(stamp) || statSync(stamp).mtimeMs < inputs) {
  const { build } = await import("./build.mjs");
  await build();
}
