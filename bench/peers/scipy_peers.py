# SPDX-License-Identifier: MIT
"""The scipy peers of `npm run bench:peers`: L-BFGS-B, trust-exact, Newton-CG and an exact
Newton-Cholesky on the very instance the TypeScript bench wrote to a folder.

    python3 scipy_peers.py DIR

DIR holds meta.json ({nrows, ncols, problem, f, tol, dense, budget_s}) and raw little-endian arrays:
indptr.i32, indices.i32, data.f64, b.f64, w2.f64 (w squared), x0.f64. After loading them this prints
{"ready": true}; then each line on stdin names a method, which is run once from x0: the answer is one
JSON line (seconds, iterations, evaluation counts turned into passes over A, the final gradient
norm) and the final x in x.<method>.f64, which the bench evaluates again with its own evaluator.
Only the solve is timed (time.perf_counter), never the reading of the files; the bench interleaves
these runs with its other contenders. Run with one BLAS thread (the bench sets
OMP/OPENBLAS/MKL_NUM_THREADS=1).

A method stops when ||grad||_2 <= tol (the tolerance every contender gets), through its callback
where scipy has no such test of its own (L-BFGS-B tests the projected gradient's infinity norm,
Newton-CG the step length). It also stops at the wall-clock budget or its iteration cap, and is then
reported as stalled with its gradient norm.
"""
import json
import os
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

# exp and cosh overflow on long trial steps; the loss is then inf and the line searches step back.
np.seterr(over="ignore", invalid="ignore")
import scipy.sparse as sp  # noqa: E402
from scipy.linalg import LinAlgError, cho_factor, cho_solve  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

FUNCTIONS = {"exp": (np.exp, np.exp), "cosh": (np.cosh, np.sinh), "sinh": (np.sinh, np.cosh)}


class Budget(Exception):
    """The method ran past its wall-clock budget."""


class Objective:
    """Loss, gradient, Hessian and Hessian-vector products of either problem (math.md sections 1, 2),
    caching the state at the last evaluated x. `passes` counts reads of A: A x and A^T r are one each,
    the Gram A^T diag(B) A one, the rescaled rank-2 vectors [A^T u', A^T (u' b)] one."""

    def __init__(self, A, b, w2, f, rescaled):
        self.A, self.b, self.w2, self.rescaled = A, b, w2, rescaled
        self.fn, self.fp = FUNCTIONS[f]
        self.bb = float(b @ b)
        self.passes = 0
        self.iterations = 0
        self.x = None

    def weights(self, z):
        """Loss and gradient weights r at z = A x; keeps what the Hessian weights need."""
        u, up, w2, b = self.fn(z), self.fp(z), self.w2, self.b
        reg = 0.5 * float(w2 @ (z * z))
        self.u, self.up, self._D = u, up, None
        if self.rescaled:
            alpha = u.sum()
            c = u - alpha * b
            self.q = c - float(c @ b)
            return 0.5 * float(c @ c) + reg, up * self.q + w2 * z
        self.res = u - b
        return 0.5 * float(self.res @ self.res) + reg, self.res * up + w2 * z

    @property
    def D(self):
        """Hessian weights: B = f'^2 + (f - b) f'' + w^2 (f'' = f for exp, cosh and sinh), or u'^2 + e
        with e = u q + w^2 (rescaled)."""
        if self._D is None:
            self._D = self.up * self.up + (self.u * self.q if self.rescaled else self.res * self.u) + self.w2
        return self._D

    def gauss_newton(self):
        """Weights of a positive semidefinite model where the Hessian weight is not positive: f'^2 + w^2
        on those rows, or e clipped at w^2 (rescaled)."""
        if self.rescaled:
            return self.up * self.up + np.maximum(self.u * self.q + self.w2, self.w2)
        return np.where(self.D > 0, self.D, self.up * self.up + self.w2)

    def loss_at(self, z):
        u = self.fn(z)
        reg = 0.5 * float(self.w2 @ (z * z))
        if self.rescaled:
            c = u - u.sum() * self.b
            return 0.5 * float(c @ c) + reg
        res = u - self.b
        return 0.5 * float(res @ res) + reg

    def fg(self, x):
        z = self.A @ x
        loss, r = self.weights(z)
        g = self.A.T @ r
        self.passes += 2
        self.x, self.z, self.g = x.copy(), z, g
        return loss, g

    def at(self, x):
        if self.x is None or not np.array_equal(self.x, x):
            self.fg(x)

    def rank2(self):
        P = self.A.T @ np.column_stack((self.up, self.up * self.b))
        self.passes += 1
        return P[:, 0], P[:, 1]

    def gram(self, D):
        self.passes += 1
        A = self.A
        if sp.issparse(A):
            return (A.T @ (sp.diags_array(D) @ A)).toarray()
        return A.T @ (D[:, None] * A)

    def hess(self, x, D=None):
        self.at(x)
        H = self.gram(self.D if D is None else D)
        if self.rescaled:
            p1, p2 = self.rank2()
            H += self.bb * np.outer(p1, p1) - np.outer(p1, p2) - np.outer(p2, p1)
        return H

    def hessp(self, x, v):
        self.at(x)
        Av = self.A @ v
        y = self.A.T @ (self.D * Av)
        self.passes += 2
        if self.rescaled:
            if not hasattr(self, "P") or self.P[0] is not self.x:
                self.P = (self.x, *self.rank2())
            _, p1, p2 = self.P
            y += self.bb * p1 * (p1 @ v) - p1 * (p2 @ v) - p2 * (p1 @ v)
        return y


def stopper(obj, tol, t0, budget):
    """A scipy callback: stop at ||grad|| <= tol (the gradient at the iterate, evaluated there if the
    method's last evaluation was elsewhere) or past the budget."""

    def callback(intermediate_result):
        obj.iterations += 1
        obj.at(intermediate_result.x)
        if np.linalg.norm(obj.g) <= tol:
            raise StopIteration
        if time.perf_counter() - t0 > budget:
            raise Budget

    return callback


def run_scipy(method, obj, x0, tol, budget, maxiter):
    t0 = time.perf_counter()
    options = {"maxiter": maxiter}
    kw = {}
    if method == "L-BFGS-B":
        # Neither of its own tests: the gradient test is the callback's.
        options.update(gtol=0.0, ftol=0.0, maxfun=10 * maxiter)
    elif method == "trust-exact":
        options.update(gtol=tol)
        kw["hess"] = obj.hess
    elif method == "Newton-CG":
        options.update(xtol=1e-300)
        kw["hessp"] = obj.hessp
    try:
        r = minimize(obj.fg, x0, jac=True, method=method, callback=stopper(obj, tol, t0, budget), options=options, **kw)
        x, msg, nit = r.x, str(r.message), int(getattr(r, "nit", obj.iterations))
        counts = {"nfev": int(r.nfev), "njev": int(getattr(r, "njev", r.nfev)), "nhev": int(getattr(r, "nhev", 0))}
    except Budget:
        x, msg, nit, counts = obj.x, f"time budget of {budget:g} s", obj.iterations, {}
    return time.perf_counter() - t0, x, nit, msg, counts


def newton_cholesky(obj, x0, tol, budget, maxiter):
    """Exact Newton: H = A^T diag(B) A (+ rank 2), Cholesky of the dense d x d H, Armijo backtracking
    on the loss along z + t A dx (a trial costs O(n), not a pass over A)."""
    t0 = time.perf_counter()
    x = x0.copy()
    loss, g = obj.fg(x)
    it = 0
    msg = "max iterations"
    while it < maxiter:
        gn = np.linalg.norm(g)
        if gn <= tol:
            msg = "converged"
            break
        if time.perf_counter() - t0 > budget:
            msg = f"time budget of {budget:g} s"
            break
        H = obj.hess(x)
        try:
            c = cho_factor(H)
        except LinAlgError:
            # Not convex here: a positive semidefinite model, so that the step is a descent direction.
            H = obj.hess(x, obj.gauss_newton())
            H[np.diag_indices_from(H)] += 1e-10 * np.abs(np.diag(H)).max()
            c = cho_factor(H)
        dx = cho_solve(c, -g)
        dz = obj.A @ dx
        obj.passes += 1
        slope = float(g @ dx)
        t = 1.0
        while t > 1e-12 and not obj.loss_at(obj.z + t * dz) <= loss + 1e-4 * t * slope:
            t *= 0.5
        if t <= 1e-12:
            msg = "line search failed"
            break
        x = x + t * dx
        z = obj.z + t * dz
        loss, r = obj.weights(z)
        g = obj.A.T @ r
        obj.passes += 1
        obj.x, obj.z, obj.g = x.copy(), z, g
        it += 1
    return time.perf_counter() - t0, x, it, msg, {}


def main():
    folder = sys.argv[1]
    meta = json.load(open(os.path.join(folder, "meta.json")))

    def raw(name, dtype):
        return np.fromfile(os.path.join(folder, name), dtype=np.dtype(dtype).newbyteorder("<"))

    n, d = meta["nrows"], meta["ncols"]
    A = sp.csr_array((raw("data.f64", np.float64), raw("indices.i32", np.int32), raw("indptr.i32", np.int32)), shape=(n, d))
    if meta["dense"]:
        # Every row is full: the scipy user holds a dense array, and BLAS does A x, A^T r and the Gram.
        A = A.toarray()
    b, w2, x0 = raw("b.f64", np.float64), raw("w2.f64", np.float64), raw("x0.f64", np.float64)
    tol, budget = meta["tol"], meta["budget_s"]
    rescaled = meta["problem"] == "rescaled"
    print(json.dumps({"ready": True}), flush=True)
    # One run per request, so that the bench interleaves these runs with its own contenders.
    for request in sys.stdin:
        method = request.strip()
        obj = Objective(A, b, w2, meta["f"], rescaled)
        if method == "newton-cholesky":
            secs, x, nit, msg, counts = newton_cholesky(obj, x0, tol, budget, 100)
        else:
            secs, x, nit, msg, counts = run_scipy(method, obj, x0, tol, budget, 10000)
        passes = obj.passes
        obj.at(x)
        gn = float(np.linalg.norm(obj.g))
        x.astype("<f8").tofile(os.path.join(folder, f"x.{method}.f64"))
        result = {"method": method, "converged": gn <= tol, "seconds": secs, "iterations": nit, "passes": passes, "gradNorm": gn, "message": msg, **counts}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
