// @ts-check
// SPDX-License-Identifier: MIT
// A small static file server for the browser tests and the web demo: node:http on 127.0.0.1, a few
// folders mounted under URL prefixes. Nothing is cached, so a rebuilt dist/ is what the page loads.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, resolve, sep } from "node:path";

/** @type {Record<string, string>} */
const MIME = {
  ".html": "text/html; charset=utf-8",
  // Module scripts and workers are refused under any type that is not JavaScript.
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  // Stylesheets are ignored under any other type.
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
  ".mtx": "text/plain; charset=utf-8",
  // WebAssembly.compileStreaming and instantiateStreaming require exactly this type.
  ".wasm": "application/wasm",
};

/**
 * @typedef {object} StaticServer
 * @property {string} origin "http://127.0.0.1:<port>"
 * @property {() => Promise<void>} close
 */

/**
 * Serves each folder of `mounts` under its URL prefix, e.g. { "/": "tests/browser/page", "/dist/": "dist" }.
 *
 * @example
 * const server = await serveStatic({ "/": "examples/web", "/dist/": "dist" }, { port: 8080 });
 * console.log(server.origin);
 *
 * @param {Record<string, string>} mounts folders by URL prefix; a prefix ends with "/"
 * @param {{ port?: number, host?: string }} [options] port 0 (the default) takes a free one
 * @returns {Promise<StaticServer>}
 */
export async function serveStatic(mounts, { port = 0, host = "127.0.0.1" } = {}) {
  // The longest prefix wins, so "/dist/" is not read from the folder mounted at "/".
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => ({ prefix, dir: resolve(dir) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);

  const server = createServer(async (req, res) => {
    /** @param {number} status @param {string | Buffer} body */
    const reply = (status, body, type = "text/plain; charset=utf-8") => {
      // Cross-origin isolated pages have SharedArrayBuffer: a pool then runs whole solves in its
      // workers (src/pool/shared.ts). Everything here is same-origin, so require-corp costs nothing.
      res.writeHead(status, { "content-type": type, "cache-control": "no-store", "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "method not allowed\n");
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      return reply(400, "bad request\n");
    }
    // A folder's URL serves its index.html, as the demo's "/" does.
    if (path.endsWith("/")) path += "index.html";
    const mount = table.find((m) => path.startsWith(m.prefix));
    const file = mount && resolve(mount.dir, path.slice(mount.prefix.length));
    if (!mount || !file || !file.startsWith(mount.dir + sep)) return reply(404, `not found: ${path}\n`);
    try {
      reply(200, await readFile(file), MIME[extname(file)] ?? "application/octet-stream");
    } catch {
      reply(404, `not found: ${path}\n`);
    }
  });

  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => ok(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error(`unexpected server address ${String(address)}`);
  return {
    origin: `http://${host}:${address.port}`,
    close: () =>
      new Promise((ok) => {
        // Keep-alive connections from the browser would otherwise hold close() open.
        server.closeAllConnections();
        server.close(() => ok(undefined));
      }),
  };
}
