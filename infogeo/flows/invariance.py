"""Reparametrization invariance: run an optimizer in several charts and compare.

A loss :math:`L` given in a reference chart :math:`x` is pulled back to a chart
:math:`y` by :math:`L_y = L\\circ x(y)`, with the chain rule

.. math::

    \\nabla_y L = J^\\top \\nabla_x L, \\qquad J^a{}_i = \\frac{\\partial x^a}{\\partial y^i}
    = \\big(J_{x}^{-1} J_{y}\\big)^a{}_i ,

where :math:`J_x, J_y` are the Jacobians of the two charts' maps to the family's base
chart (``Chart.jacobian_at``). The continuous flow is invariant (its images agree up to
ODE tolerance); a plain natural-gradient step is invariant to first order in the step
size, the geodesic-corrected and midpoint steps to second order (Song et al. 2018).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive_int
from .descent import domain_check, gradient_descent, natural_gradient_descent
from .loop import central_difference_gradient, minimize
from .ode import fisher_flow
from .trajectory import Trajectory

__all__ = ["pull_back", "check_invariance", "InvarianceReport", "invariance_order",
           "InvarianceOrder", "METHODS"]

METHODS = ("flow", "ngd", "gd")


def pull_back(manifold: Any, loss: Callable[[NDArray], float],
              loss_grad: Callable[[NDArray], NDArray] | None, chart: str
              ) -> tuple[Any, Callable[[NDArray], float], Callable[[NDArray], NDArray]]:
    """The manifold in ``chart`` with the loss and its gradient pulled back from the
    manifold's current chart (the reference chart).

    Returns
    -------
    (manifold_in_chart, loss_in_chart, loss_grad_in_chart)
    """
    ref = manifold.chart.name
    other = manifold.in_chart(chart)
    grad_ref = loss_grad if loss_grad is not None else (
        lambda x: central_difference_gradient(loss, np.asarray(x, dtype=float)))

    def to_ref(y: NDArray) -> NDArray:
        return other.change_chart(y, ref)

    def loss_c(y: NDArray) -> float:
        return loss(to_ref(np.asarray(y, dtype=float)))

    def grad_c(y: NDArray) -> NDArray:
        y = np.asarray(y, dtype=float)
        x = to_ref(y)
        jac = np.linalg.solve(manifold.chart.jacobian_at(x), other.chart.jacobian_at(y))
        return jac.T @ np.asarray(grad_ref(x), dtype=float)

    return other, loss_c, grad_c


def _chart_map(manifold: Any, to: str) -> Callable[[NDArray], NDArray]:
    return lambda y: manifold.change_chart(y, to)


@dataclass(frozen=True)
class InvarianceReport:
    """Trajectories of one optimizer run in several charts, mapped to the reference chart.

    Attributes
    ----------
    method : str
    reference_chart : str
        Chart of the loss, of ``theta0`` and of every mapped trajectory.
    charts : tuple of str
        Charts run; the first is the baseline of the discrepancies.
    trajectories : dict
        ``chart -> Trajectory`` mapped to the reference chart.
    discrepancy : dict
        ``chart -> max_k ||x_k(chart) - x_k(baseline)||`` over the common points.
    final_discrepancy : dict
        The same at the last common point.
    n_compared : int
        Number of common points compared.
    final_fisher_rao : dict or None
        ``chart -> d_FR(last point, baseline's last point)``: a chart-free measure (None if
        the family's distance is unavailable or fails).
    """

    method: str
    reference_chart: str
    charts: tuple[str, ...]
    trajectories: dict[str, Trajectory]
    discrepancy: dict[str, float]
    final_discrepancy: dict[str, float]
    n_compared: int
    final_fisher_rao: dict[str, float] | None = None

    @property
    def max_discrepancy(self) -> float:
        """Largest coordinate discrepancy over charts and points."""
        return max(self.discrepancy.values())

    def is_invariant(self, tol: float) -> bool:
        """True if every chart's trajectory stays within ``tol`` of the baseline."""
        return self.max_discrepancy <= tol

    def __repr__(self) -> str:
        rows = ", ".join(f"{c}: {d:.3g}" for c, d in self.discrepancy.items())
        return (f"InvarianceReport(method={self.method!r}, reference={self.reference_chart!r},"
                f" n_compared={self.n_compared}, discrepancy={{{rows}}})")


def check_invariance(manifold: Any, loss_in_base_chart: Callable[[NDArray], float],
                     theta0: ArrayLike, charts: list[str] | tuple[str, ...] | None = None,
                     method: str = "flow", *,
                     loss_grad: Callable[[NDArray], NDArray] | None = None,
                     t_span: tuple[float, float] = (0.0, 1.0), t_eval: ArrayLike | None = None,
                     rtol: float = 1e-10, atol: float = 1e-12, ode_method: str = "RK45",
                     n_steps: int = 20, step_size: float = 0.05, **options: Any
                     ) -> InvarianceReport:
    """Run ``method`` in each chart from the same point and compare the images.

    Parameters
    ----------
    manifold : StatisticalManifold
        Its current chart is the reference chart ("base chart" of the loss).
    loss_in_base_chart : callable
        :math:`L(x)`, ``[dim] -> float``, in the reference chart.
    theta0 : array-like, shape=[dim]
        Start point in the reference chart.
    charts : sequence of str, optional
        Charts to run in (at least two); all of the family's charts by default.
    method : {"flow", "ngd", "gd"}
        Fisher flow at ``t_eval`` (default 11 points over ``t_span``), or ``n_steps`` steps
        of natural-gradient / gradient descent with ``step_size`` (no early stop).
    loss_grad : callable, optional
        :math:`\\nabla_x L` in the reference chart; central differences if omitted.
    t_span, t_eval, rtol, atol, ode_method
        Flow settings (``ode_method`` is the ``solve_ivp`` method).
    **options
        Passed to the driver (e.g. ``step_rule="geodesic"`` for ``"ngd"``). For ``"ngd"``,
        ``step_rule`` may also be a factory ``(manifold_in_chart, step_size) ->
        GradientTransformation`` building the whole optimizer (e.g.
        ``lambda m, a: runge_kutta(precondition_by_metric(m), a, "rk4")``), run by
        :func:`~infogeo.flows.minimize`.

    Returns
    -------
    InvarianceReport
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    charts = tuple(manifold.chart_names if charts is None else charts)
    if len(charts) < 2:
        raise ValueError(f"charts must name at least two charts, got {charts!r}")
    n_steps = check_positive_int(n_steps, "n_steps")
    ref = manifold.chart.name
    x0 = as_finite_array(theta0, "theta0")
    times = np.linspace(*t_span, 11) if t_eval is None else as_finite_array(t_eval, "t_eval")
    runs: dict[str, Trajectory] = {}
    for chart in charts:
        other, loss_c, grad_c = pull_back(manifold, loss_in_base_chart, loss_grad, chart)
        y0 = manifold.change_chart(x0, chart)
        if method == "flow":
            traj = fisher_flow(other, loss_c, grad_c, y0, t_span, rtol=rtol, atol=atol,
                               method=ode_method, t_eval=times, gtol=0.0, **options)
        elif method == "ngd" and callable(options.get("step_rule")):
            rest = {k: v for k, v in options.items() if k != "step_rule"}
            traj = minimize(options["step_rule"](other, step_size), loss_c, grad_c, y0,
                            in_domain=domain_check(other), max_iter=n_steps, gtol=0.0,
                            chart=other.chart.name, **rest)
        elif method == "ngd":
            traj = natural_gradient_descent(other, loss_c, grad_c, y0, step_size=step_size,
                                            max_iter=n_steps, gtol=0.0, **options)
        else:
            traj = gradient_descent(other, loss_c, grad_c, y0, step_size=step_size,
                                    max_iter=n_steps, gtol=0.0, **options)
        runs[chart] = traj.map_params(_chart_map(other, ref), ref)
    n = min(len(t) for t in runs.values())
    base = runs[charts[0]].params[:n]
    gaps = {c: np.linalg.norm(runs[c].params[:n] - base, axis=-1) for c in charts}
    return InvarianceReport(method=method, reference_chart=ref, charts=charts,
                            trajectories=runs,
                            discrepancy={c: float(g.max()) for c, g in gaps.items()},
                            final_discrepancy={c: float(g[-1]) for c, g in gaps.items()},
                            n_compared=n,
                            final_fisher_rao=_final_distances(manifold, runs, charts, n))


def _final_distances(manifold: Any, runs: dict[str, Trajectory], charts: tuple[str, ...],
                     n: int) -> dict[str, float] | None:
    base = runs[charts[0]].params[n - 1]
    try:
        dists = {c: float(manifold.dist(runs[c].params[n - 1], base)) for c in charts}
    except (NotImplementedError, RuntimeError, ValueError):
        return None  # no distance for this family (or shooting failed): coordinates only
    return dists if all(np.isfinite(d) for d in dists.values()) else None


@dataclass(frozen=True)
class InvarianceOrder:
    """Chart discrepancy at a fixed flow time as a function of the step size.

    ``slope`` is the least-squares slope of log(discrepancy) on log(step size): the
    order to which the update is invariant (1 for plain natural-gradient steps).
    """

    step_sizes: NDArray
    discrepancies: NDArray
    slope: float
    intercept: float


def invariance_order(manifold: Any, loss_in_base_chart: Callable[[NDArray], float],
                     theta0: ArrayLike, charts: list[str] | tuple[str, ...],
                     step_sizes: ArrayLike, horizon: float, *,
                     step_rule: str | Callable[[Any, float], Any] = "fixed",
                     loss_grad: Callable[[NDArray], NDArray] | None = None
                     ) -> InvarianceOrder:
    """Fit the invariance order of a natural-gradient update.

    For each step size α, run ``round(horizon / α)`` steps in every chart (flow time
    ``horizon``) and take the largest final discrepancy :math:`D(\\alpha)`; fit
    :math:`\\log D = p \\log\\alpha + c` (global error of an order-:math:`p` update).
    ``step_rule`` is a name of ``natural_gradient_descent`` or an optimizer factory
    ``(manifold_in_chart, step_size) -> GradientTransformation`` (see
    :func:`check_invariance`).
    """
    alphas = as_finite_array(step_sizes, "step_sizes")
    if alphas.ndim != 1 or alphas.size < 2 or np.any(alphas <= 0):
        raise ValueError(f"step_sizes must be >= 2 positive values, got {step_sizes!r}")
    gaps = []
    for alpha in alphas:
        report = check_invariance(manifold, loss_in_base_chart, theta0, charts, "ngd",
                                  loss_grad=loss_grad, step_size=float(alpha),
                                  n_steps=max(1, round(horizon / alpha)), step_rule=step_rule)
        if report.n_compared != max(1, round(horizon / alpha)) + 1:
            raise RuntimeError(f"a run stopped early at step size {alpha}: "
                               f"{[t.reason for t in report.trajectories.values()]}")
        gaps.append(max(report.final_discrepancy.values()))
    gaps_arr = np.asarray(gaps)
    if np.any(gaps_arr <= 0):
        raise ValueError("a discrepancy is exactly 0: the update is invariant at these step "
                         "sizes, so there is no order to fit")
    slope, intercept = np.polyfit(np.log(alphas), np.log(gaps_arr), 1)
    return InvarianceOrder(alphas, gaps_arr, float(slope), float(intercept))
