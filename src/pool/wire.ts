// SPDX-License-Identifier: MIT
// What crosses the worker boundary besides plain data: typed errors and transfer lists.
//
// Comlink rebuilds an error thrown in a worker as a plain Error, without its class or `code`. The
// handler below wraps Comlink's own "throw" handler (the thrown-value marker is private to Comlink)
// and carries hyperreg's errors whole; both sides of the boundary install it.
import * as Comlink from "comlink";
import { type AnyHyperregError, type ErrorCode, type ErrorDetails, HyperregError, HyperregParseError, HyperregRangeError, HyperregTypeError, isHyperregError } from "../errors.js";

interface WireError {
  name: string;
  code: ErrorCode;
  message: string;
  details: ErrorDetails;
  stack: string | undefined;
}

export function toWire(e: AnyHyperregError): WireError {
  return { name: e.name, code: e.code, message: e.message, details: e.details, stack: e.stack };
}

export function fromWire(w: WireError): AnyHyperregError {
  const e =
    w.name === "HyperregTypeError" ? new HyperregTypeError(w.code, w.message, w.details)
    : w.name === "HyperregRangeError" ? new HyperregRangeError(w.code, w.message, w.details)
    : w.name === "HyperregParseError" ? new HyperregParseError(w.message, w.details, w.code)
    : new HyperregError(w.code, w.message, w.details);
  // The worker's stack says where it was thrown; the caller's own frames follow from the await.
  if (w.stack !== undefined) e.stack = w.stack;
  return e;
}

let installed = false;

/** Makes Comlink carry hyperreg's errors with their class, `code` and details (idempotent). */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const plain = Comlink.transferHandlers.get("throw") as Comlink.TransferHandler<{ value: unknown }, unknown>;
  Comlink.transferHandlers.set("throw", {
    canHandle: plain.canHandle,
    serialize(thrown) {
      return isHyperregError(thrown.value) ? [{ hyperreg: toWire(thrown.value) }, []] : plain.serialize(thrown);
    },
    deserialize(serialized) {
      const s = serialized as { hyperreg?: WireError };
      if (s.hyperreg !== undefined) throw fromWire(s.hyperreg);
      return plain.deserialize(serialized);
    },
  } as Comlink.TransferHandler<{ value: unknown }, unknown>);
}

/** The ArrayBuffers under the typed arrays in a (nested) result, to transfer rather than copy. */
export function buffersOf(value: unknown, out: ArrayBuffer[] = []): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    // Only whole buffers: a view's buffer may be shared with data that must stay (Wasm memory).
    if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && value.buffer instanceof ArrayBuffer && !out.includes(value.buffer)) out.push(value.buffer);
  } else if (Array.isArray(value)) {
    for (const v of value) buffersOf(v, out);
  } else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) buffersOf(v, out);
  }
  return out;
}
