// SPDX-License-Identifier: MIT
// `npm run demo:web [-- --port=8080]`: builds the library when its sources changed, then serves the
// demo page at "/", the bundle at "/dist/" and uPlot at "/vendor/uplot/" on 127.0.0.1.
import { fileURLToPath } from "node:url";

// Installs on a fresh clone and rebuilds dist/ when a source is newer than it.
await import("../../build/ensure.mjs");
const { serveStatic } = await import("../../build/serve-static.mjs");

const root = fileURLToPath(new URL("../..", import.meta.url));
const flag = process.argv.find((a) => a.startsWith("--port="));
const port = Number(flag?.slice("--port=".length) ?? process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`demo:web: invalid port ${JSON.stringify(flag ?? process.env.PORT)}: expected a whole number from 0 to 65535`);
  process.exit(2);
}

try {
  const server = await serveStatic({ "/": `${root}examples/web`, "/dist/": `${root}dist`, "/vendor/uplot/": `${root}node_modules/uplot/dist` }, { port });
  console.log(`hyperreg demo: ${server.origin}/   (Ctrl+C stops it)`);
} catch (e) {
  if (e?.code === "EADDRINUSE") {
    console.error(`demo:web: port ${port} is in use; choose another: npm run demo:web -- --port=${port + 1}`);
    process.exit(1);
  }
  throw e;
}
