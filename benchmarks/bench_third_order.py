"""Third-order methods against the order-2 integrators, in the same run.

1. Accuracy per gradient evaluation: the error at flow time 1 of each integrator of the
   Fisher flow (against the closed-form normal flow, and a tight ``fisher_flow`` run for the
   gamma MLE), at equal budgets of gradient evaluations; ratios to the midpoint rule.
2. Invariance-order slopes (``invariance_order``, charts of the normal family).
3. The cubic-model KL trust region against the quadratic one: steps, shrinkings of the
   proposal, and the model's error on the accepted steps' KL.

Run: ``python benchmarks/bench_third_order.py``.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import special

import infogeo.manifolds as mf
from infogeo.flows import (
    alpha_geodesic_step,
    chain,
    fisher_flow,
    fixed_step,
    geodesic_step,
    invariance_order,
    kl_cubic_trust_region,
    midpoint,
    minimize,
    precondition_by_metric,
    runge_kutta,
)

#: name -> (factory (manifold, step) -> optimizer, gradient evaluations per step)
METHODS = {
    "euler (plain NGD)": (lambda m, a: chain(precondition_by_metric(m), fixed_step(a)), 1),
    "geodesic (Song §3)": (lambda m, a: chain(precondition_by_metric(m), geodesic_step(m, a)),
                           1),
    "midpoint (Song §4)": (lambda m, a: midpoint(precondition_by_metric(m), a), 2),
    "rk3": (lambda m, a: runge_kutta(precondition_by_metric(m), a, "rk3"), 3),
    "rk4": (lambda m, a: runge_kutta(precondition_by_metric(m), a, "rk4"), 4),
    "LC-geodesic rk4": (lambda m, a: chain(precondition_by_metric(m),
                                           alpha_geodesic_step(m, a, 0.0, method="rk4")), 1),
}
BASELINE = "midpoint (Song §4)"
BUDGETS = (24, 48, 96)


def normal_problem() -> tuple:
    n, mean, var = mf.Normal(), 1.0, 0.5

    def loss(x):
        return float(np.log(x[1]) + ((x[0] - mean) ** 2 + var) / (2 * x[1] ** 2))

    def grad(x):
        return np.array([(x[0] - mean) / x[1] ** 2,
                         1 / x[1] - ((x[0] - mean) ** 2 + var) / x[1] ** 3])

    x0 = np.array([0.0, 2.0])
    t_bar = np.array([mean, mean**2 + var])
    eta1 = t_bar + (n.change_chart(x0, "expectation") - t_bar) * np.exp(-1.0)
    exact = n.in_chart("expectation").change_chart(eta1, n.chart.name)
    return "normal MLE (closed-form flow)", n, loss, grad, x0, exact


def gamma_problem() -> tuple:
    g, mean_x, mean_log = mf.Gamma(), 2.0, 0.5

    def loss(x):
        a, b = x
        return float(special.gammaln(a) - a * np.log(b) - (a - 1) * mean_log + b * mean_x)

    def grad(x):
        a, b = x
        return np.array([special.digamma(a) - np.log(b) - mean_log, -a / b + mean_x])

    x0 = np.array([1.0, 2.0])
    ref = fisher_flow(g, loss, grad, x0, (0.0, 1.0), rtol=1e-12, atol=1e-14, gtol=0.0,
                      method="DOP853").final
    return "gamma MLE (DOP853 flow, rtol 1e-12)", g, loss, grad, x0, ref


def accuracy_table(problem: tuple) -> None:
    name, fam, loss, grad, x0, exact = problem
    print(f"\n{name}: error at t = 1 for a budget of gradient evaluations; "
          f"ratio = error({BASELINE.split()[0]}) / error(method)")
    print(f"{'method':22s}" + "".join(f"{'evals ' + str(b):>22s}" for b in BUDGETS)
          + f"{'ms/step ratio':>16s}")
    errors: dict[str, list[float]] = {}
    times: dict[str, float] = {}
    for method, (factory, cost) in METHODS.items():
        row, spent = [], 0.0
        for budget in BUDGETS:
            n_steps = max(1, budget // cost)
            start = time.perf_counter()
            traj = minimize(factory(fam, 1.0 / n_steps), loss, grad, x0, max_iter=n_steps,
                            gtol=0.0)
            spent += (time.perf_counter() - start) / n_steps
            row.append(float(np.linalg.norm(traj.final - exact)))
        errors[method], times[method] = row, spent / len(BUDGETS)
    for method, row in errors.items():
        cells = "".join(f"{e:12.2e} ({errors[BASELINE][i] / e:6.1f}x)"
                        for i, e in enumerate(row))
        print(f"{method:22s}{cells}{times[method] / times[BASELINE]:16.2f}")


def slopes_table() -> None:
    normal = normal_problem()
    fam, loss, grad, x0 = normal[1], normal[2], normal[3], normal[4]
    charts = ["mu_sigma", "mu_log_sigma", "natural"]
    print("\ninvariance-order slopes (normal, charts mu_sigma / mu_log_sigma / natural, "
          "steps 0.2 .. 0.025, horizon 1)")
    extra = {"e-geodesic taylor2": lambda m, a: chain(
        precondition_by_metric(m), alpha_geodesic_step(m, a, 1.0, method="taylor2")),
        "m-geodesic rk4": lambda m, a: chain(
        precondition_by_metric(m), alpha_geodesic_step(m, a, -1.0, method="rk4"))}
    rules = {k: f for k, (f, _) in METHODS.items()} | extra
    for method, factory in rules.items():
        result = invariance_order(fam, loss, x0, charts, [0.2, 0.1, 0.05, 0.025], 1.0,
                                  step_rule=factory, loss_grad=grad)
        print(f"  {method:22s} slope {result.slope:5.2f}   discrepancy at 0.025: "
              f"{result.discrepancies[-1]:.2e}")


def trust_region_table() -> None:
    print("\nKL trust region, radius 0.5 (large steps), max step 1: quadratic vs cubic model")
    print(f"  {'problem':10s}{'order':>6s}{'steps':>7s}{'shrinks':>9s}"
          f"{'median |KL-model|/KL':>23s}")
    problems = [normal_problem(), gamma_problem()]
    for (name, fam, loss, grad, x0, _) in problems:
        for order in (2, 3):
            states = []
            rule = kl_cubic_trust_region(fam, 0.5, max_step=1.0, order=order)
            opt = chain(precondition_by_metric(fam), rule)
            traj = minimize(opt, loss, grad, x0, max_iter=500, gtol=1e-9)
            # replay the accepted steps to collect the model's prediction error
            shrinks, errs = 0, []
            state = opt.init(x0)
            for theta in traj.params[:-1]:
                _, state = opt.update(grad(theta), state, theta)
                states.append(state[1])
                shrinks += state[1].n_shrinks
                errs.append(abs(state[1].kl_actual - state[1].kl_model) / state[1].kl_actual)
            print(f"  {name.split()[0]:10s}{order:6d}{traj.n_iter:7d}{shrinks:9d}"
                  f"{np.median(errs):23.3e}")


if __name__ == "__main__":
    for problem in (normal_problem(), gamma_problem()):
        accuracy_table(problem)
    slopes_table()
    trust_region_table()
