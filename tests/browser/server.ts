// SPDX-License-Identifier: MIT
// A static file server for the browser tests: node:http on 127.0.0.1, an ephemeral port, a few folders
// mounted under URL prefixes. Nothing is cached, so a rebuilt dist/ is what the page loads.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, resolve, sep } from "node:path";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  // Module scripts and workers are refused under any type that is not JavaScript.
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  // WebAssembly.compileStreaming and instantiateStreaming require exactly this type.
  ".wasm": "application/wasm",
};

export interface StaticServer {
  /** "http://127.0.0.1:<port>" */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves each folder of `mounts` under its URL prefix, e.g. { "/": "tests/browser/page", "/dist/": "dist" }. */
export async function serveStatic(mounts: Record<string, string>): Promise<StaticServer> {
  // The longest prefix wins, so "/dist/" is not read from the folder mounted at "/".
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => ({ prefix, dir: resolve(dir) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);

  const server = createServer(async (req, res) => {
    const reply = (status: number, body: string | Buffer, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "method not allowed\n");
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      return reply(400, "bad request\n");
    }
    const mount = table.find((m) => path.startsWith(m.prefix));
    const file = mount && resolve(mount.dir, path.slice(mount.prefix.length));
    if (!mount || !file || !file.startsWith(mount.dir + sep)) return reply(404, `not found: ${path}\n`);
    try {
      reply(200, await readFile(file), MIME[extname(file)] ?? "application/octet-stream");
    } catch {
      reply(404, `not found: ${path}\n`);
    }
  });

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error(`unexpected server address ${String(address)}`);
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((ok) => {
        // Keep-alive connections from the browser would otherwise hold close() open.
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
