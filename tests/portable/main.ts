// SPDX-License-Identifier: MIT
// The suite as a script, for the runtimes that run one (Node, Deno): the same file in both. It prints
// the failures, the outcomes for the comparison across runtimes, and "N passed, N failed".
import fixtures from "portable:fixtures";
import { runSuite } from "./suite.js";

const report = await runSuite(fixtures, { threads: [0, 1, 2], log: (line) => line.startsWith("not ok") && console.log(line) });
console.log(`#outcomes ${JSON.stringify(report.outcomes)}`);
console.log(`${report.passed} passed, ${report.failed} failed`);
