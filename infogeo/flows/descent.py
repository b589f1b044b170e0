"""Drivers: run an optimizer built from transformations and record a :class:`Trajectory`.

:func:`minimize` is the generic loop; :func:`natural_gradient_descent` and
:func:`gradient_descent` assemble the optimizer from the pieces in
:mod:`~infogeo.flows.preconditioners` and :mod:`~infogeo.flows.step_rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive
from .loop import minimize
from .preconditioners import as_solver, levenberg_marquardt, precondition
from .protocols import ChartedManifold
from .step_rules import (
    backtracking_line_search,
    exp_map_step,
    fixed_step,
    geodesic_step,
    kl_trust_region,
    midpoint,
)
from .trajectory import Trajectory
from .transforms import GradientTransformation, chain, identity

__all__ = ["minimize", "natural_gradient", "natural_gradient_descent", "gradient_descent",
           "domain_check", "STEP_RULES"]

LossFn = Callable[[NDArray], float]
GradFn = Callable[[NDArray], NDArray]
OptionalGrad = Callable[[NDArray], NDArray] | None

STEP_RULES = ("fixed", "armijo", "trust_region", "geodesic", "exp", "midpoint")

def domain_check(manifold: ChartedManifold | None) -> Callable[[NDArray], bool]:
    """``theta -> bool``: does ``theta`` pass the manifold's validation (current chart)?"""
    if manifold is None:
        return lambda theta: True

    def inside(theta: NDArray) -> bool:
        try:
            manifold.change_chart(theta, manifold.chart.name)
        except ValueError:
            return False
        return True

    return inside


def check_start(loss_grad: GradFn, theta0: ArrayLike,
                in_domain: Callable[[NDArray], bool]) -> tuple[NDArray, NDArray]:
    """Validate a start point and the gradient there: ``(theta, grad)`` or ValueError."""
    theta = as_finite_array(theta0, "theta0")
    if theta.ndim != 1 or theta.size == 0:
        raise ValueError(f"theta0 must be a 1-D point of shape [dim], got shape {theta.shape}")
    if not in_domain(theta):
        raise ValueError(f"theta0 must lie in the parameter domain, got {theta.tolist()}")
    grad = np.asarray(loss_grad(theta), dtype=float)
    if grad.shape != theta.shape:
        raise ValueError(f"loss_grad must return an array of shape {theta.shape} (like theta0),"
                         f" got shape {grad.shape}")
    if not np.all(np.isfinite(grad)):
        raise ValueError(f"loss_grad must be finite at theta0, got {grad.tolist()}")
    return theta, grad


def _direction(curvature: Any, damping: float | str, step_size: float,
               initial_damping: float) -> GradientTransformation:
    if isinstance(damping, str):
        if damping != "adaptive":
            raise ValueError(f"damping must be a float >= 0 or 'adaptive', got {damping!r}")
        return levenberg_marquardt(curvature, initial_damping=initial_damping,
                                   step_size=step_size)
    return precondition(as_solver(curvature), damping)


def _with_step_rule(direction: GradientTransformation, manifold: Any, step_rule: str,
                    step_size: float, trust_radius: float) -> GradientTransformation:
    if step_rule == "fixed":
        return chain(direction, fixed_step(step_size))
    if step_rule == "armijo":
        return chain(direction, backtracking_line_search(initial_step=step_size))
    if step_rule == "trust_region":
        return chain(direction, kl_trust_region(trust_radius, max_step=step_size,
                                                metric=manifold))
    if step_rule == "geodesic":
        return chain(direction, geodesic_step(manifold, step_size))
    if step_rule == "exp":
        return chain(direction, exp_map_step(manifold, step_size))
    if step_rule == "midpoint":
        return midpoint(direction, step_size)
    raise ValueError(f"step_rule must be one of {STEP_RULES}, got {step_rule!r}")


def natural_gradient(manifold: Any, step_size: float = 1.0, step_rule: str = "fixed",
                     damping: float | str = 0.0, *, initial_damping: float = 1.0,
                     trust_radius: float = 0.1, curvature: Any = None
                     ) -> GradientTransformation:
    """The natural-gradient optimizer as one transformation (what
    :func:`natural_gradient_descent` runs): a damped preconditioner chained with a step rule.

    Examples
    --------
    >>> import numpy as np
    >>> from infogeo.manifolds import Normal
    >>> opt = natural_gradient(Normal(), step_size=0.5, step_rule="geodesic")
    >>> theta = np.array([0.0, 1.0])
    >>> update, state = opt.update(np.array([1.0, 0.0]), opt.init(theta), theta)
    >>> update.round(6).tolist()  # -0.5 u - 0.125 Γ(u, u), u = (1, 0), Γ^σ_μμ = 1/(2σ)
    [-0.5, -0.0625]
    """
    check_positive(step_size, "step_size")
    direction = _direction(manifold if curvature is None else curvature, damping, step_size,
                           initial_damping)
    return _with_step_rule(direction, manifold, step_rule, step_size, trust_radius)


def natural_gradient_descent(manifold: Any, loss: LossFn, loss_grad: OptionalGrad,
                             theta0: ArrayLike, *, step_size: float = 1.0,
                             step_rule: str = "fixed", damping: float | str = 0.0,
                             initial_damping: float = 1.0, trust_radius: float = 0.1,
                             curvature: Any = None, max_iter: int = 500, gtol: float = 1e-8,
                             divergence: float = 1e8, loss_target: float | None = None,
                             norm: str = "euclidean") -> Trajectory:
    """Natural-gradient descent in the current chart of ``manifold``.

    .. math::

        \\theta_{k+1} = \\theta_k - \\alpha_k\\,(I(\\theta_k) + \\lambda)^{-1}\\nabla L(\\theta_k)

    Parameters
    ----------
    manifold : StatisticalManifold
        Gives the metric (unless ``curvature`` is given), the domain check, and the
        Christoffel symbols for ``step_rule="geodesic"``.
    loss : callable
        Loss in the manifold's current chart, ``[dim] -> float``.
    loss_grad : callable or None
        Its gradient, ``[dim] -> [dim]``; None: fourth-order central differences of
        ``loss`` (:func:`~infogeo.flows.loop.central_difference_gradient`).
    theta0 : array-like, shape=[dim]
    step_size : float
        α for ``"fixed"``, ``"geodesic"``, ``"exp"`` and ``"midpoint"``; the first trial of
        ``"armijo"``; the largest step of ``"trust_region"``.
    step_rule : {"fixed", "armijo", "trust_region", "geodesic", "exp", "midpoint"}
    damping : float or "adaptive"
        Tikhonov λ, or Levenberg–Marquardt adaptation from ``initial_damping``.
    trust_radius : float
        KL budget δ per step for ``"trust_region"``.
    curvature : optional
        Replace the exact metric: a Fisher estimate with ``solve(v, damping)`` or a callable
        returning one (see :func:`~infogeo.flows.as_solver`).
    max_iter, gtol, divergence, loss_target
        Stopping rules, see :func:`minimize`.
    norm : {"euclidean", "natural"}
        Norm compared with ``gtol``: :math:`\\|\\nabla L\\|`, or the chart-independent
        :math:`\\sqrt{\\nabla L^\\top I^{-1}\\nabla L}` (exact metric, undamped).

    Returns
    -------
    Trajectory
    """
    optimizer = natural_gradient(manifold, step_size, step_rule, damping,
                                 initial_damping=initial_damping, trust_radius=trust_radius,
                                 curvature=curvature)
    if norm not in ("euclidean", "natural"):
        raise ValueError(f"norm must be 'euclidean' or 'natural', got {norm!r}")
    natural = None
    if norm == "natural":
        solve = as_solver(manifold)

        def natural(theta: NDArray, g: NDArray) -> float:
            return float(np.sqrt(max(float(g @ solve(theta, g, 0.0)), 0.0)))

    return minimize(optimizer, loss, loss_grad, theta0, in_domain=domain_check(manifold),
                    max_iter=max_iter, gtol=gtol, divergence=divergence,
                    loss_target=loss_target, chart=manifold.chart.name,
                    convergence_norm=natural)


def gradient_descent(manifold: Any, loss: LossFn, loss_grad: OptionalGrad, theta0: ArrayLike,
                     *,
                     step_size: float = 0.1, step_rule: str = "fixed", max_iter: int = 1000,
                     gtol: float = 1e-8, divergence: float = 1e8,
                     loss_target: float | None = None) -> Trajectory:
    """Euclidean gradient descent :math:`\\theta_{k+1} = \\theta_k - \\alpha_k \\nabla L`.

    ``manifold`` (or None) only supplies the domain check and the chart name;
    ``step_rule`` is ``"fixed"`` or ``"armijo"``; ``loss_grad=None`` differentiates
    ``loss`` by central differences. Arguments in the order of
    :func:`natural_gradient_descent` and :func:`~infogeo.flows.fisher_flow`.
    """
    check_positive(step_size, "step_size")
    if step_rule not in ("fixed", "armijo"):
        raise ValueError(f"step_rule must be 'fixed' or 'armijo' for gradient descent, "
                         f"got {step_rule!r}")
    optimizer = _with_step_rule(identity(), manifold, step_rule, step_size, 1.0)
    return minimize(optimizer, loss, loss_grad, theta0, in_domain=domain_check(manifold),
                    max_iter=max_iter, gtol=gtol, divergence=divergence,
                    loss_target=loss_target,
                    chart=None if manifold is None else manifold.chart.name)
