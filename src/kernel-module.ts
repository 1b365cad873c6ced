// SPDX-License-Identifier: MIT
// The kernel module's bytes (inlined by the bundler) and its one compilation per realm.
import kernelBytes from "../dist/wasm/kernels.wasm";
import { HyperregError, HyperregTypeError } from "./errors.js";
import { type Arena, createKernels } from "./kernels.js";

let compiled: Promise<WebAssembly.Module> | undefined;

/** @internal The compiled kernel module, memoised: compile once, instantiate per worker. */
export function kernelModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(kernelBytes).catch((e: unknown) => {
    compiled = undefined;
    // Edge runtimes (workerd, Cloudflare Workers) forbid compiling Wasm from bytes at run time;
    // they only instantiate modules that were bundled as .wasm, hence the second way in.
    const forbidden = /disallowed|not allowed|code generation/i.test(String(e));
    throw new HyperregError(
      "ERR_WASM_LOAD",
      forbidden
        ? `this runtime does not compile WebAssembly from bytes (${String(e)}): import "hyperreg/kernels.wasm" as a module and pass it to useKernelModule() before solving`
        : `the kernel module did not compile: ${String(e)}; this runtime needs WebAssembly with SIMD (fixed-width 128-bit)`,
    );
  });
  return compiled;
}

/**
 * Uses an already compiled kernel module (the package's `hyperreg/kernels.wasm`) instead of
 * compiling the inlined bytes: the way in for runtimes that only instantiate bundled modules.
 */
export function useKernelModule(module: WebAssembly.Module): void {
  const names = module instanceof WebAssembly.Module ? new Set(WebAssembly.Module.exports(module).map((e) => e.name)) : null;
  if (names === null || !names.has("dcsrmv") || !names.has("dpotrf")) {
    throw new HyperregTypeError("ERR_INVALID_TYPE", `invalid module: expected the WebAssembly.Module of hyperreg/kernels.wasm, received ${names === null ? typeof module : "a module without hyperreg's kernels"}`, {
      argument: "module",
      value: module,
    });
  }
  compiled = Promise.resolve(module);
}

/** @internal A fresh kernel instance in this thread. */
export async function newKernels(): Promise<Arena> {
  return createKernels(await kernelModule());
}
