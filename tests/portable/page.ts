// SPDX-License-Identifier: MIT
// The suite in a browser page (tests/portable/chromium.ts opens it): the library comes from the
// page's import map, the workers are module workers started by the library itself.
import fixtures from "portable:fixtures";
import { runSuite } from "./suite.js";

const failures: string[] = [];
Object.assign(globalThis, {
  runSuite: async () => {
    const report = await runSuite(fixtures, { threads: [0, 1, 2], log: (line) => line.startsWith("not ok") && failures.push(line) });
    return { ...report, failures };
  },
});
