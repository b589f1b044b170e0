"""Iterations and wall time to a loss target: natural gradient, Fisher flow, GD and Adam.

Problems: the normal MLE, an ill-conditioned logistic regression, and (when the family
exists) a Dirichlet MLE. The target is ``L* + 1e-8 (1 + |L*|)`` with ``L*`` from a long
natural-gradient run. Every number is printed as a ratio to gradient descent measured in
the same run (the machine is shared, so absolute times are only indicative).

Run: ``python benchmarks/bench_flows.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from scipy import special

import infogeo.manifolds as mf
from infogeo.flows import fisher_flow, gradient_descent, natural_gradient_descent

TOL = 1e-8
MAX_ITER = 20000
REPEATS = 3


def adam(loss: Callable, grad: Callable, theta0: np.ndarray, target: float, lr: float,
         in_domain: Callable[[np.ndarray], bool], max_iter: int = MAX_ITER
         ) -> tuple[int, bool]:
    """Plain Adam (b1 = 0.9, b2 = 0.999); steps leaving the domain are halved."""
    theta, m, v = theta0.copy(), np.zeros_like(theta0), np.zeros_like(theta0)
    for k in range(1, max_iter + 1):
        if loss(theta) <= target:
            return k - 1, True
        g = grad(theta)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        step = lr * (m / (1 - 0.9**k)) / (np.sqrt(v / (1 - 0.999**k)) + 1e-12)
        while not in_domain(theta - step):
            step = step / 2
        theta = theta - step
    return max_iter, False


def normal_problem() -> tuple:
    n = mf.Normal()
    mean, var = 1.0, 0.5

    def loss(x):
        return float(np.log(x[1]) + ((x[0] - mean) ** 2 + var) / (2 * x[1] ** 2))

    def grad(x):
        return np.array([(x[0] - mean) / x[1] ** 2,
                         1 / x[1] - ((x[0] - mean) ** 2 + var) / x[1] ** 3])

    return "normal MLE", n, loss, grad, np.array([-3.0, 4.0]), 0.05, 0.1


def logistic_problem() -> tuple:
    rng = np.random.default_rng(5)
    n_obs = 400
    z = rng.standard_normal((n_obs, 2))
    design = np.column_stack([np.ones(n_obs), 5.0 * z[:, 0], z[:, 0] + 0.5 * z[:, 1]])
    y = (rng.random(n_obs) < 1 / (1 + np.exp(-design @ [0.3, 0.12, 0.45]))).astype(float)
    model = mf.LogisticRegression(design)

    def loss(w):
        return float(model.nll(y, w, "sum"))

    def grad(w):
        return model.nll_grad(y, w, "sum")

    # the classical safe GD step 1/L, L = λ_max(X^T X)/4 bounds the NLL Hessian
    smooth = np.linalg.eigvalsh(design.T @ design)[-1] / 4
    return "logistic regression", model, loss, grad, np.zeros(3), 1 / smooth, 0.05


def dirichlet_problem() -> tuple | None:
    family = getattr(mf, "Dirichlet", None)
    if family is None:
        try:
            from infogeo.manifolds.dirichlet import Dirichlet as family
        except ImportError:
            return None
    d = family(3)
    rng = np.random.default_rng(2)
    mean_log = np.mean(np.log(rng.dirichlet([2.0, 5.0, 1.5], size=500)), axis=0)

    def loss(a):
        return float(special.gammaln(a).sum() - special.gammaln(a.sum()) - (a - 1) @ mean_log)

    def grad(a):
        return special.digamma(a) - special.digamma(a.sum()) - mean_log

    return "Dirichlet MLE", d, loss, grad, np.ones(3), 0.2, 0.05


def best_time(run: Callable[[], tuple[int, bool]]) -> tuple[int, bool, float]:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        n_iter, ok = run()
        times.append(time.perf_counter() - start)
    return n_iter, ok, min(times)


def bench(problem: tuple) -> list[tuple[str, int, bool, float]]:
    name, manifold, loss, grad, x0, gd_step, adam_lr = problem
    ref = natural_gradient_descent(manifold, loss, grad, x0, step_rule="armijo", gtol=1e-12,
                                   max_iter=200)
    target = ref.final_loss + TOL * (1 + abs(ref.final_loss))

    def inside(theta):
        try:
            manifold.change_chart(theta, manifold.chart.name)
        except ValueError:
            return False
        return True

    def ngd():
        t = natural_gradient_descent(manifold, loss, grad, x0, step_size=1.0,
                                     step_rule="armijo", loss_target=target, gtol=0.0)
        return t.n_iter, t.converged

    def flow():
        t = fisher_flow(manifold, loss, grad, x0, (0.0, 200.0), loss_target=target,
                        gtol=0.0, rtol=1e-6, atol=1e-9)
        return t.n_iter, t.converged

    def gd():
        t = gradient_descent(manifold, loss, grad, x0, step_size=gd_step, loss_target=target,
                             gtol=0.0, max_iter=MAX_ITER)
        return t.n_iter, t.converged

    runs = [("NGD (Armijo)", ngd), ("Fisher flow (RK45 steps)", flow), ("GD", gd),
            ("Adam", lambda: adam(loss, grad, x0, target, adam_lr, inside))]
    return [(label, *best_time(run)) for label, run in runs]


def main() -> None:
    problems = [normal_problem(), logistic_problem(), dirichlet_problem()]
    print(f"iterations and best-of-{REPEATS} wall time to L* + {TOL:g}(1 + |L*|); "
          "ratios are method / GD (same run)")
    header = f"{'problem':22s} {'method':26s} {'iter':>7s} {'time ms':>9s} " \
             f"{'iter/GD':>9s} {'time/GD':>9s}"
    print(header)
    print("-" * len(header))
    for problem in problems:
        if problem is None:
            print(f"{'Dirichlet MLE':22s} skipped: infogeo.manifolds.Dirichlet not available")
            continue
        rows = bench(problem)
        gd_iter, _, gd_time = next(r[1:] for r in rows if r[0] == "GD")
        for label, n_iter, ok, seconds in rows:
            flag = "" if ok else " (target not reached)"
            print(f"{problem[0]:22s} {label:26s} {n_iter:7d} {1e3 * seconds:9.2f} "
                  f"{n_iter / max(gd_iter, 1):9.4f} {seconds / gd_time:9.4f}{flag}")


if __name__ == "__main__":
    main()
