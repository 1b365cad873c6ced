// SPDX-License-Identifier: MIT
// The scipy fixtures of tests/fixtures as text, put into each runner's bundle by the test build (build/test.mjs).
declare module "portable:fixtures" {
  const fixtures: import("./suite.js").FixtureText[];
  export default fixtures;
}
