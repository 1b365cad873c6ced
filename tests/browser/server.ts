// SPDX-License-Identifier: MIT
// The browser tests' static server is the one the web demo uses (build/serve-static.mjs).
export { serveStatic } from "../../build/serve-static.mjs";
export type { ServeOptions, StaticServer } from "../../build/serve-static.mjs";
