// SPDX-License-Identifier: MIT
// Types of serve-static.mjs for the TypeScript that imports it (the tests).

export interface StaticServer {
  /** "http://127.0.0.1:<port>" */
  readonly origin: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** 0 (the default) takes a free port. */
  port?: number;
  /** "127.0.0.1" unless told. */
  host?: string;
}

/** Serves each folder of `mounts` under its URL prefix, e.g. { "/": "tests/browser/page", "/dist/": "dist" }. */
export function serveStatic(mounts: Record<string, string>, options?: ServeOptions): Promise<StaticServer>;
