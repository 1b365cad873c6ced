// SPDX-License-Identifier: MIT
// An edge worker that fits hyperreg models: POST /solve with a JSON problem, get the result as JSON.
// workerd has no Worker constructor, so every solve runs in the calling thread (threads: 0).
import { csr, isHyperregError, solve, useKernelModule } from "hyperreg";
import kernels from "hyperreg/kernels.wasm";

useKernelModule(kernels);

const USAGE = `POST /solve with a JSON body:
  { "problem": "regularized" | "rescaled", "f": "exp" | "cosh" | "sinh",
    "A": { "nrows", "ncols", "indptr", "indices", "data" },  (CSR, 0-based)
    "b": [...], "w": [...], "options": { "hessian", "tol", "x0", "maxIterations", "seed", ... } }
Answer: { status, message, loss, gradNorm, iterations, x, certificate, hessian, history, threads },
or { error: { name, code, message } } with status 400 for a problem hyperreg cannot take.
`;

const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname !== "/solve") return new Response(USAGE, { status: url.pathname === "/" ? 200 : 404 });
    if (request.method !== "POST") return new Response(USAGE, { status: 405, headers: { allow: "POST" } });
    let body;
    try {
      body = await request.json();
    } catch (e) {
      return json({ error: { name: "SyntaxError", code: "ERR_PARSE", message: `the body is not JSON: ${e.message}` } }, 400);
    }
    try {
      const { problem = "regularized", f, A, b, w, options = {} } = body ?? {};
      const r = await solve({ problem, f, A: csr(A), b, w }, { ...options, threads: 0 });
      const { x, history, ...rest } = r;
      return json({ ...rest, x: Array.from(x), history });
    } catch (e) {
      if (isHyperregError(e)) return json({ error: { name: e.name, code: e.code, message: e.message } }, 400);
      return json({ error: { name: e?.name ?? "Error", code: "ERR_INTERNAL", message: String(e?.message ?? e) } }, 500);
    }
  },
};
