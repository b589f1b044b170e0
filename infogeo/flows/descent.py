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

from .._checks import as_finite_array, check_positive, check_positive_int
from .preconditioners import SingularCurvatureError, as_solver, levenberg_marquardt, precondition
from .step_rules import (
    backtracking_line_search,
    exp_map_step,
    fixed_step,
    geodesic_step,
    kl_trust_region,
    midpoint,
)
from .trajectory import Trajectory
from .transforms import GradientTransformation, chain, identity, tree_get

__all__ = ["minimize", "natural_gradient", "natural_gradient_descent", "gradient_descent",
           "domain_check", "STEP_RULES"]

LossFn = Callable[[NDArray], float]
GradFn = Callable[[NDArray], NDArray]

STEP_RULES = ("fixed", "armijo", "trust_region", "geodesic", "exp", "midpoint")

#: halvings allowed to bring a step back into the parameter domain (2**-60 ~ 1e-18)
MAX_HALVINGS = 60


def domain_check(manifold: Any) -> Callable[[NDArray], bool]:
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


def _start(loss: LossFn, loss_grad: GradFn, theta0: ArrayLike,
           in_domain: Callable[[NDArray], bool]) -> tuple[NDArray, float, NDArray]:
    """Validate the start point and the shapes/values the callables return there."""
    theta, grad = check_start(loss_grad, theta0, in_domain)
    value = float(loss(theta))
    if not np.isfinite(value):
        raise ValueError(f"loss must be finite at theta0, got {value}")
    return theta, value, grad


def minimize(optimizer: GradientTransformation, loss: LossFn, loss_grad: GradFn,
             theta0: ArrayLike, *, in_domain: Callable[[NDArray], bool] | None = None,
             max_iter: int = 1000, gtol: float = 1e-8, divergence: float = 1e8,
             loss_target: float | None = None, chart: str | None = None,
             convergence_norm: Callable[[NDArray, NDArray], float] | None = None
             ) -> Trajectory:
    """Run ``optimizer`` from ``theta0`` until :math:`\\|\\nabla L\\| \\le` ``gtol``
    (or, if given, until the loss is at most ``loss_target``).

    A step whose end point fails ``in_domain`` (or makes ``loss`` or ``loss_grad`` raise
    ``ValueError``) is halved until it is valid, never taken as is. The run stops, with the
    reason, on
    convergence, ``max_iter``, a non-finite update/loss/gradient, a singular curvature, a
    failed line search, or divergence (loss above :math:`L_0 + \\text{divergence}\\,
    (1 + |L_0|)`); only finite, accepted points are returned.

    Parameters
    ----------
    optimizer : GradientTransformation
        Receives the extras ``value``, ``grad``, ``loss_fn`` and ``grad_fn``.
    loss, loss_grad : callable
        ``theta [dim] -> float`` and ``theta [dim] -> [dim]``.
    theta0 : array-like, shape=[dim]
    convergence_norm : callable, optional
        ``(theta, grad) -> float`` compared with ``gtol`` instead of the Euclidean norm
        (e.g. the chart-independent :math:`\\sqrt{g^\\top I^{-1} g}`); ``grad_norms``
        always records the Euclidean norm.
    """
    max_iter = check_positive_int(max_iter, "max_iter")
    check_positive(gtol, "gtol", strict=False)
    check_positive(divergence, "divergence")
    inside = in_domain or (lambda theta: True)
    theta, value, grad = _start(loss, loss_grad, theta0, inside)
    limit = value + divergence * (1.0 + abs(value))
    params, losses, norms, steps = [theta], [value], [float(np.linalg.norm(grad))], []
    measure = convergence_norm or (lambda _theta, g: float(np.linalg.norm(g)))
    size = measure(theta, grad)
    label = "gradient norm" if convergence_norm is None else "convergence norm"
    state = optimizer.init(theta)
    converged, reason = False, f"reached max_iter={max_iter}"
    for k in range(max_iter):
        if size <= gtol:
            converged, reason = True, f"{label} {size:.3g} <= gtol={gtol:g}"
            break
        if loss_target is not None and value <= loss_target:
            converged, reason = True, f"loss {value:.10g} <= loss_target={loss_target:.10g}"
            break
        try:
            update, state = optimizer.update(grad, state, theta, value=value, grad=grad,
                                             loss_fn=loss, grad_fn=loss_grad)
        except SingularCurvatureError as err:
            reason = f"singular curvature at iteration {k}: {err}"
            break
        except ValueError as err:  # e.g. a mirror or midpoint point outside the domain
            reason = f"update failed at iteration {k}: {err}"
            break
        update = np.asarray(update, dtype=float)
        if update.shape != theta.shape or not np.all(np.isfinite(update)):
            reason = f"non-finite or mis-shaped update at iteration {k}"
            break
        if not tree_get(state, "success", True):
            reason = f"step-size rule found no acceptable step at iteration {k}"
            break
        step = tree_get(state, "step_size", 1.0)
        for _ in range(MAX_HALVINGS):
            candidate = theta + update
            if inside(candidate):
                try:  # loss or gradient may validate their input more strictly
                    new_value = float(loss(candidate))
                    new_grad = np.asarray(loss_grad(candidate), dtype=float)
                    break
                except ValueError:
                    pass
            update, step = 0.5 * update, 0.5 * step
        else:
            reason = f"could not stay in the parameter domain at iteration {k}"
            break
        if new_grad.shape != theta.shape:
            raise ValueError(f"loss_grad must return an array of shape {theta.shape}, got "
                             f"shape {new_grad.shape} at iteration {k + 1}")
        if not (np.isfinite(new_value) and np.all(np.isfinite(new_grad))):
            reason = f"non-finite loss or gradient at iteration {k + 1}; last finite point kept"
            break
        if new_value > limit:
            reason = f"diverged: loss {new_value:.3g} at iteration {k + 1} (start {losses[0]:.3g})"
            break
        theta, value, grad = candidate, new_value, new_grad
        params.append(theta)
        losses.append(value)
        norms.append(float(np.linalg.norm(grad)))
        size = measure(theta, grad)
        steps.append(float(step))
    else:
        if size <= gtol or (loss_target is not None and value <= loss_target):
            converged, reason = True, f"met the stopping criterion at max_iter={max_iter}"
    steps_arr = np.asarray(steps, dtype=float)
    return Trajectory(params=np.array(params), losses=np.array(losses),
                      grad_norms=np.array(norms), step_sizes=steps_arr,
                      times=np.concatenate([[0.0], np.cumsum(steps_arr)]),
                      converged=converged, reason=reason, n_iter=len(steps), chart=chart)


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


def natural_gradient_descent(manifold: Any, loss: LossFn, loss_grad: GradFn,
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
    loss, loss_grad : callable
        Loss and its gradient in the manifold's current chart, ``[dim] -> float / [dim]``.
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
            return float(np.sqrt(max(g @ solve(theta, g, 0.0), 0.0)))

    return minimize(optimizer, loss, loss_grad, theta0, in_domain=domain_check(manifold),
                    max_iter=max_iter, gtol=gtol, divergence=divergence,
                    loss_target=loss_target, chart=manifold.chart.name,
                    convergence_norm=natural)


def gradient_descent(manifold: Any, loss: LossFn, loss_grad: GradFn, theta0: ArrayLike, *,
                     step_size: float = 0.1, step_rule: str = "fixed", max_iter: int = 1000,
                     gtol: float = 1e-8, divergence: float = 1e8,
                     loss_target: float | None = None) -> Trajectory:
    """Euclidean gradient descent :math:`\\theta_{k+1} = \\theta_k - \\alpha_k \\nabla L`.

    ``manifold`` (or None) only supplies the domain check and the chart name;
    ``step_rule`` is ``"fixed"`` or ``"armijo"``.
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
