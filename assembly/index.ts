// SPDX-License-Identifier: MIT
// The kernel module: every export is an allocation-free routine on byte offsets into this
// module's memory. The TypeScript side (src/kernels.ts) lays out all buffers.
export { dcsrmv } from "./kernels/dcsrmv";
export { dcsrmtv } from "./kernels/dcsrmtv";
export { dcsrmtv3 } from "./kernels/dcsrmtv3";
export { dcsrsymv } from "./kernels/dcsrsymv";
export { dcsrdiag } from "./kernels/dcsrdiag";
export { dcsrsyrk } from "./kernels/dcsrsyrk";
export { dcsr_countsketch } from "./kernels/dcsr_countsketch";
export { dcsrlev } from "./kernels/dcsrlev";
export { dlevsample } from "./kernels/dlevsample";
export { drandn } from "./kernels/drandn";
export { dhypweights } from "./kernels/dhypweights";
export { dcsrhypgrad } from "./kernels/dcsrhypgrad";
export { dsyrk } from "./kernels/dsyrk";
export { dasum } from "./kernels/dasum";
export { daxpy } from "./kernels/daxpy";
export { dpotrf } from "./kernels/dpotrf";
export { dpotrs } from "./kernels/dpotrs";
export { dtrsm } from "./kernels/dtrsm";
export { dresrows } from "./kernels/dresrows";
export { dcsrresgrad } from "./kernels/dcsrresgrad";
export { dresweights } from "./kernels/dresweights";
export { dcsrjsketch } from "./kernels/dcsrjsketch";
export { dcsrjlev } from "./kernels/dcsrjlev";
export { dreslev } from "./kernels/dreslev";
export { djsample } from "./kernels/djsample";
