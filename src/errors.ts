// SPDX-License-Identifier: MIT
// Misuse and infrastructure failures throw one of these; numerical trouble is a `status` on the
// result instead (see solve.ts). Every error carries a stable `code` that scripts and the CLI use.

export type ErrorCode =
  | "ERR_INVALID_TYPE" //     an argument has the wrong type
  | "ERR_INVALID_VALUE" //    an argument or option has a value outside its domain
  | "ERR_SIZE_MISMATCH" //    lengths or shapes disagree
  | "ERR_NOT_FINITE" //       NaN or Infinity in numeric data
  | "ERR_INVALID_CSR" //      indptr / indices do not describe a CSR matrix
  | "ERR_PARSE" //            a Matrix Market or vector text could not be read
  | "ERR_ABORTED" //          the caller's AbortSignal fired
  | "ERR_WASM_LOAD" //        the kernel module could not be compiled or instantiated
  | "ERR_WORKER_CRASHED" //   a worker threw, failed to load or died
  | "ERR_INTERNAL"; //        a bug in hyperreg: please report it

export interface ErrorDetails {
  /** The argument (or option, or file) at fault, e.g. "A.indices" or "options.tol". */
  readonly argument?: string;
  /** The first offending position, when there is one. */
  readonly index?: number;
  /** The offending value, as received. */
  readonly value?: unknown;
  /** 1-based line of a parsed text. */
  readonly line?: number;
}

interface Coded {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
}

/** A wrong type: not an array, not a number, not an object. */
export class HyperregTypeError extends TypeError implements Coded {
  override readonly name = "HyperregTypeError";
  constructor(readonly code: ErrorCode, message: string, readonly details: ErrorDetails = {}) {
    super(message);
  }
}

/** A value out of its domain: a length, an index, a NaN, a negative weight. */
export class HyperregRangeError extends RangeError implements Coded {
  override readonly name = "HyperregRangeError";
  constructor(readonly code: ErrorCode, message: string, readonly details: ErrorDetails = {}) {
    super(message);
  }
}

/** A text (Matrix Market, vector file) that does not parse. */
export class HyperregParseError extends SyntaxError implements Coded {
  override readonly name = "HyperregParseError";
  constructor(message: string, readonly details: ErrorDetails = {}, readonly code: ErrorCode = "ERR_PARSE") {
    super(message);
  }
}

/** Aborts, kernel loading, workers and internal failures. */
export class HyperregError extends Error implements Coded {
  override readonly name = "HyperregError";
  constructor(readonly code: ErrorCode, message: string, readonly details: ErrorDetails = {}) {
    super(message);
  }
}

export type AnyHyperregError = HyperregTypeError | HyperregRangeError | HyperregParseError | HyperregError;

/** True for every error hyperreg throws on purpose. */
export function isHyperregError(e: unknown): e is AnyHyperregError {
  return e instanceof HyperregTypeError || e instanceof HyperregRangeError || e instanceof HyperregParseError || e instanceof HyperregError;
}

/** Shows a received value briefly in a message: numbers as written, arrays by type and length. */
export function describe(value: unknown): string {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (value === null) return "null";
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === "object") return "an object";
  return String(value);
}
