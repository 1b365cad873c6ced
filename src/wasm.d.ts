// SPDX-License-Identifier: MIT
// esbuild's "binary" loader turns an imported .wasm file into its bytes.
declare module "*.wasm" {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}

// Comlink's Node adapter ships its types as node-adapter.d.ts, which the .mjs path does not reach.
declare module "comlink/dist/esm/node-adapter.mjs" {
  import type { Endpoint } from "comlink";
  export interface NodeEndpoint {
    // `any`: Node's and the DOM's Transferable types differ.
    postMessage(message: any, transfer?: any): void;
    on(type: string, listener: (value: any) => void): void;
    off(type: string, listener: (value: any) => void): void;
    start?: () => void;
  }
  export default function nodeEndpoint(nep: NodeEndpoint): Endpoint;
}
