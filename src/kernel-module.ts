// SPDX-License-Identifier: MIT
// The kernel module's bytes (inlined by the bundler) and its one compilation per realm.
import kernelBytes from "../dist/wasm/kernels.wasm";
import { HyperregError } from "./errors.js";
import { type Arena, createKernels } from "./kernels.js";

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled kernel module, memoised: compile once, instantiate per worker. */
export function kernelModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(kernelBytes).catch((e: unknown) => {
    compiled = undefined;
    throw new HyperregError("ERR_WASM_LOAD", `the kernel module did not compile: ${String(e)}; this runtime needs WebAssembly with SIMD (fixed-width 128-bit)`);
  });
  return compiled;
}

/** A fresh kernel instance in this thread. */
export async function newKernels(): Promise<Arena> {
  return createKernels(await kernelModule());
}
