// SPDX-License-Identifier: MIT
// hyperreg: regularized and rescaled exp / cosh / sinh regression by sketched Newton in input-sparsity time.
export { solve } from "./solve.js";
export { useKernelModule } from "./kernel-module.js";
export { createPool, Model, Pool } from "./pool/pool.js";
export type { LoadOptions, ModelProblem, PoolOptions } from "./pool/pool.js";
export { sensitivity } from "./sensitivity.js";
export { csr, csrFromCoo, csrFromDense, nnz } from "./csr.js";
export { parseMatrixMarket, parseVector, formatMatrixMarket, formatVector } from "./matrix-market.js";
export { phi, regularizedCertificate } from "./certificate.js";
export { generateProblem, rng } from "./generate.js";
export type { Family, GenerateOptions, GeneratedProblem } from "./generate.js";
export { HyperregError, HyperregParseError, HyperregRangeError, HyperregTypeError, isHyperregError } from "./errors.js";
export type { ErrorCode, ErrorDetails } from "./errors.js";
export type * from "./types.js";
