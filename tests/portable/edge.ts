// SPDX-License-Identifier: MIT
// The suite against workerd, Cloudflare's edge runtime: starts examples/edge (the worker script and
// config the README documents) on a free port of 127.0.0.1 and solves every case through its
// POST /solve. workerd has no Worker constructor, so the cases run in its calling thread (threads 0).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import type { SolveOptions } from "hyperreg";
import fixtures from "portable:fixtures";
import { type Outcome, type WireProblem, runSuite } from "./suite.js";

const START_MS = 30e3;

/** A port nobody listens on now (the kernel's choice for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// The workerd npm package's main export is the path of its binary (from an optional platform package).
const workerd = (createRequire(import.meta.url)("workerd") as { default: string }).default;
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const child = spawn(workerd, ["serve", "examples/edge/config.capnp", "--socket-addr", `http=127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
let output = "";
child.stdout.on("data", (d) => (output += d));
child.stderr.on("data", (d) => (output += d));
const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(`workerd exited (${code ?? signal})`)));

async function started(): Promise<void> {
  const deadline = Date.now() + START_MS;
  for (;;) {
    const early = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
    if (early !== null) throw new Error(`${early} before serving:\n${output}`);
    try {
      if ((await fetch(`${origin}/`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`workerd did not answer on ${origin} within ${START_MS} ms:\n${output}`);
  }
}

async function remote(problem: WireProblem, options: SolveOptions): Promise<Outcome> {
  const response = await fetch(`${origin}/solve`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...problem, options }) });
  const body = (await response.json()) as Outcome & { error?: { name: string; code: string; message: string } };
  if (body.error !== undefined) throw Object.assign(new Error(body.error.message), { name: body.error.name, code: body.error.code });
  return body;
}

try {
  await started();
  const report = await runSuite(fixtures, { threads: [0], remote, log: (line) => line.startsWith("not ok") && console.log(line) });
  // The answer to bad input crosses HTTP as a typed error too.
  const bad = await fetch(`${origin}/solve`, { method: "POST", body: JSON.stringify({ f: "exp", A: { nrows: 1, ncols: 1, indptr: [0, 1], indices: [0], data: [1] }, b: [1, 2], w: [1] }) });
  const error = ((await bad.json()) as { error?: { code?: string } }).error;
  if (bad.status === 400 && error?.code === "ERR_SIZE_MISMATCH") report.passed++;
  else {
    report.failed++;
    console.log(`not ok a wrong length of b is answered with 400 and ERR_SIZE_MISMATCH: HTTP ${bad.status}, ${JSON.stringify(error)}`);
  }
  console.log(`#outcomes ${JSON.stringify(report.outcomes)}`);
  console.log(`${report.passed} passed, ${report.failed} failed`);
} catch (e) {
  console.log(`not ok workerd: ${e instanceof Error ? e.message : String(e)}`);
  console.log("0 passed, 1 failed");
} finally {
  child.kill();
}
