// SPDX-License-Identifier: MIT
// Loads the AssemblyScript kernel module and lays out buffers in its memory.
//
// The module is compiled once per realm and instantiated through AssemblyScript's raw bindings
// (`instantiate(module, imports)`): a worker receives the compiled WebAssembly.Module and makes its
// own instance, with its own memory. The kernels never allocate; `Arena` below is the one
// allocator, a bump pointer over 16-byte-aligned offsets so that v128 loads are naturally aligned.
// The module's bytes live in kernel-module.ts, so that the worker bundle does not carry them.
import { instantiate } from "../dist/wasm/kernels.js";
import { HyperregError } from "./errors.js";

export type KernelExports = Awaited<ReturnType<typeof instantiate>>;

/** f codes of assembly/kernels/dhypweights.ts. */
export const F_CODE = { exp: 0, cosh: 1, sinh: 2 } as const;

/** A fresh instance of the kernels with its own memory and allocator. */
export async function createKernels(module: WebAssembly.Module): Promise<Arena> {
  let exports: KernelExports;
  try {
    exports = await instantiate(module, {});
  } catch (e) {
    throw new HyperregError("ERR_WASM_LOAD", `the kernel module did not instantiate: ${String(e)}`);
  }
  return new Arena(exports);
}

const ALIGN = 16;
const PAGE = 65536;

/**
 * Bump allocator over the kernel instance's memory. Offsets stay valid for the life of the arena;
 * typed views do not (memory growth detaches them), so views are made fresh by `f64()`/`i32()`.
 */
export class Arena {
  readonly k: KernelExports;
  private top: number;

  constructor(k: KernelExports) {
    this.k = k;
    // Everything below the initial size belongs to the module's static data.
    this.top = k.memory.buffer.byteLength;
  }

  /**
   * Grows the memory once so that `bytes` more fit: each growth may move the whole memory, so
   * loading a large matrix piece by piece would copy it many times over.
   */
  reserve(bytes: number): void {
    const need = this.top + bytes - this.k.memory.buffer.byteLength;
    if (need > 0) this.grow(need);
  }

  private grow(bytes: number): void {
    try {
      this.k.memory.grow(Math.ceil(bytes / PAGE));
    } catch {
      throw new HyperregError("ERR_INTERNAL", `out of WebAssembly memory: ${this.top + bytes} bytes needed (a 32-bit Wasm memory holds at most 4 GiB); split A into fewer rows per model or use more worker threads`);
    }
  }

  /** Reserves `bytes` (rounded up to 16) and returns the byte offset. The memory is zeroed unless `zero` is false. */
  alloc(bytes: number, zero = true): number {
    const ptr = this.top;
    const end = ptr + Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
    const have = this.k.memory.buffer.byteLength;
    // Grow by at least an eighth, so that many small allocations do not each move the memory;
    // near the 4 GiB ceiling, by just what is needed.
    if (end > have) {
      try {
        this.k.memory.grow(Math.ceil(Math.max(end - have, have >> 3) / PAGE));
      } catch {
        this.grow(end - have);
      }
    }
    // Released or reserved space below the old size may hold old data; fresh pages are already zero.
    if (zero) new Uint8Array(this.k.memory.buffer, ptr, Math.min(end, have) - ptr).fill(0);
    this.top = end;
    return ptr;
  }

  allocF64(length: number): number {
    return this.alloc(length * 8);
  }

  /** A current view of `length` doubles at `ptr`. */
  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.k.memory.buffer, ptr, length);
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, ptr, length);
  }

  /** Copies `src` into the memory at a new offset. */
  putF64(src: ArrayLike<number>): number {
    const p = this.alloc(src.length * 8, false);
    this.f64(p, src.length).set(src);
    return p;
  }

  putI32(src: ArrayLike<number>): number {
    const p = this.alloc(src.length * 4, false);
    this.i32(p, src.length).set(src);
    return p;
  }

  /** The current top, to free everything allocated after it with `release`. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }
}
