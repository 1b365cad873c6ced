// SPDX-License-Identifier: MIT
// The part of numeric (numericjs.com, 1.2.6) the bench uses: uncmin, its BFGS minimizer.
declare module "numeric" {
  interface UncminResult {
    solution: number[];
    f: number;
    gradient: number[];
    iterations: number;
    message: string;
  }
  const numeric: {
    /**
     * Minimizes f from x0 by BFGS with a backtracking line search; stops when a step is shorter than
     * tol, after maxit iterations (line-search halvings included) or when `callback` returns true.
     */
    uncmin(
      f: (x: number[]) => number,
      x0: number[],
      tol?: number,
      gradient?: (x: number[]) => number[],
      maxit?: number,
      callback?: (iteration: number, x: number[], f: number, g: number[]) => boolean,
    ): UncminResult;
  };
  export default numeric;
}
