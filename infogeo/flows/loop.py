r"""The one optimizer loop: run a transformation on a loss over a parameter tree.

:func:`minimize` serves every discrete driver (natural-gradient and gradient descent,
mirror descent, :func:`infogeo.learning.train`). Parameters are a 1-D array ``[dim]`` or
a tree (nested lists/tuples) of arrays; the loss is given as ``loss`` and ``loss_grad``,
as ``loss`` alone (gradient by central differences, 1-D arrays only), or as an
objective with ``value_and_grad(params)`` and ``loss(params)``.

One divergence rule: a run stops, as *diverged*, when the loss rises above
:math:`L_0 + \text{divergence}\cdot(1 + |L_0|)`; a non-finite loss, gradient or update
stops it as *non_finite*; a singular curvature (:class:`~infogeo.errors.SingularCurvatureError`)
as *singular_curvature*. Only finite, accepted points are returned.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive, check_positive_int
from ..errors import SingularCurvatureError
from .trajectory import Trajectory
from .transforms import (
    GradientTransformation,
    apply_updates,
    tree_all_finite,
    tree_get,
    tree_map,
    tree_scale,
    tree_vdot,
)

__all__ = ["minimize", "central_difference_gradient", "check_loss_target",
           "as_value_and_grad", "MAX_HALVINGS"]

#: halvings allowed to bring a step back into the parameter domain (2**-60 ~ 1e-18)
MAX_HALVINGS = 60

ValueAndGrad = Callable[[Any], tuple[float, Any]]


def central_difference_gradient(loss: Callable[[NDArray], float], theta: NDArray) -> NDArray:
    """Fourth-order central differences, for a loss given without its gradient.

    .. math::

        \\partial_i L \\approx \\frac{8(L(\\theta + h e_i) - L(\\theta - h e_i))
        - (L(\\theta + 2h e_i) - L(\\theta - 2h e_i))}{12 h},
        \\qquad h_i = 10^{-4}\\max(|\\theta_i|, 10^{-2})

    (error :math:`O(h^4)`, about 1e-10 relative for smooth losses).
    """
    theta = np.asarray(theta, dtype=float)
    h = 1e-4 * np.maximum(np.abs(theta), 1e-2)
    grad = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h[i]
        grad[i] = (8 * (loss(theta + e) - loss(theta - e))
                   - (loss(theta + 2 * e) - loss(theta - 2 * e))) / (12 * h[i])
    return grad


def check_loss_target(loss_target: float | None) -> float | None:
    """``loss_target`` as a float (or None); ``ValueError`` if it is NaN or infinite."""
    if loss_target is None:
        return None
    if isinstance(loss_target, bool) or not isinstance(loss_target, int | float | np.number):
        raise TypeError(f"loss_target must be a number, got {type(loss_target).__name__}")
    if not np.isfinite(loss_target):
        raise ValueError(f"loss_target must be finite, got {loss_target!r}")
    return float(loss_target)


def as_value_and_grad(loss: Any, loss_grad: Callable[[Any], Any] | None
                      ) -> tuple[Callable[[Any], float], Callable[[Any], Any], ValueAndGrad]:
    """``(loss_fn, grad_fn, value_and_grad)`` from a loss and gradient, a loss alone
    (central differences) or an objective with ``value_and_grad`` and ``loss``."""
    if loss_grad is None and hasattr(loss, "value_and_grad"):
        objective = loss

        def grad_of(params: Any) -> Any:
            return objective.value_and_grad(params)[1]

        return objective.loss, grad_of, objective.value_and_grad
    if not callable(loss):
        raise TypeError(f"loss must be callable (or an objective with value_and_grad), got "
                        f"{type(loss).__name__}")
    if loss_grad is None:
        def fd_grad(theta: Any) -> NDArray:
            return central_difference_gradient(loss, np.asarray(theta, dtype=float))

        loss_grad = fd_grad
    elif not callable(loss_grad):
        raise TypeError(f"loss_grad must be callable or None, got {type(loss_grad).__name__}")
    grad_fn = loss_grad

    def value_and_grad(params: Any) -> tuple[float, Any]:
        return float(loss(params)), _as_float_tree(grad_fn(params))

    return loss, grad_fn, value_and_grad


def _as_float_tree(tree: Any) -> Any:
    return tree_map(lambda leaf: np.asarray(leaf, dtype=float), tree)


def _structure(tree: Any) -> Any:
    if isinstance(tree, list | tuple):
        return (type(tree).__name__, tuple(_structure(x) for x in tree))
    return np.shape(tree)


def _check_params(theta0: Any) -> Any:
    if isinstance(theta0, list | tuple) and theta0 and not np.isscalar(theta0[0]):
        params = tree_map(lambda leaf: np.array(leaf, dtype=float), theta0)
        if not tree_all_finite(params):
            raise ValueError("theta0 must be finite (no NaN or inf in any array)")
        return params
    theta = as_finite_array(theta0, "theta0")
    if theta.ndim != 1 or theta.size == 0:
        raise ValueError(f"theta0 must be a 1-D point of shape [dim] (or a list of arrays), "
                         f"got shape {theta.shape}")
    return theta


def _stack(points: list[Any]) -> Any:
    return tree_map(lambda *leaves: np.stack(leaves), points[0], *points[1:])


def minimize(optimizer: GradientTransformation, loss: Any, loss_grad: Callable | None,
             theta0: ArrayLike | Any, *, in_domain: Callable[[Any], bool] | None = None,
             max_iter: int = 1000, gtol: float = 1e-8, divergence: float = 1e8,
             loss_target: float | None = None, chart: str | None = None,
             convergence_norm: Callable[[Any, Any], float] | None = None,
             record: bool = True, callback: Callable[[int, Any, float], Any] | None = None,
             extra: dict[str, Any] | None = None) -> Trajectory:
    """Run ``optimizer`` from ``theta0`` until :math:`\\|\\nabla L\\| \\le` ``gtol``
    (or, if given, until the loss is at most ``loss_target``).

    A step whose end point fails ``in_domain`` (or makes the loss or its gradient raise
    ``ValueError``) is halved until it is valid, never taken as is. The run stops, with
    the reason (``reason``, and ``status`` from :data:`~infogeo.flows.trajectory.STATUSES`),
    on convergence, ``max_iter``, a non-finite update/loss/gradient, a singular curvature,
    a failed update or step-size rule, divergence (loss above
    :math:`L_0 + \\text{divergence}\\,(1 + |L_0|)`) or a ``callback`` returning True.

    Parameters
    ----------
    optimizer : GradientTransformation
        Receives the extras ``value``, ``grad``, ``loss_fn`` and ``grad_fn`` (and ``extra``).
    loss : callable or objective
        ``params -> float``, or an object with ``value_and_grad(params)`` and
        ``loss(params)`` (then ``loss_grad`` must be None).
    loss_grad : callable or None
        ``params -> gradient`` (same structure as ``params``); None: central differences
        (1-D ``params`` only) or the objective's gradient.
    theta0 : array-like, shape=[dim], or a list of arrays
    gtol : float
        Threshold of the gradient norm (0 disables it).
    convergence_norm : callable, optional
        ``(theta, grad) -> float`` compared with ``gtol`` instead of the Euclidean norm
        (e.g. the chart-independent :math:`\\sqrt{g^\\top I^{-1} g}`); ``grad_norms``
        always records the Euclidean norm.
    record : bool
        Keep every accepted point (``Trajectory.params``); else only the last
        (``Trajectory.final``), for large parameter trees.
    callback : callable, optional
        ``callback(iteration, params, loss)`` after every accepted step; returning True
        stops the run (status ``"callback"``).
    extra : dict, optional
        More extras for the optimizer (e.g. ``quadratic_form``).
    """
    max_iter = check_positive_int(max_iter, "max_iter")
    check_positive(gtol, "gtol", strict=False)
    check_positive(divergence, "divergence")
    target = check_loss_target(loss_target)
    loss_fn, grad_fn, value_and_grad = as_value_and_grad(loss, loss_grad)
    inside = in_domain or (lambda theta: True)
    theta = _check_params(theta0)
    if not inside(theta):
        raise ValueError(f"theta0 must lie in the parameter domain, got {np.ravel(theta).tolist()}"
                         if isinstance(theta, np.ndarray) else "theta0 must lie in the domain")
    value, grad = value_and_grad(theta)
    shape = _structure(theta)
    if _structure(grad) != shape:
        raise ValueError(f"loss_grad must return an array of shape {np.shape(theta)} (like "
                         f"theta0), got shape {np.shape(grad)}" if isinstance(theta, np.ndarray)
                         else "loss_grad must return a tree shaped like theta0")
    if not tree_all_finite(grad):
        raise ValueError(f"loss_grad must be finite at theta0, got "
                         f"{grad.tolist() if isinstance(grad, np.ndarray) else 'a NaN or inf'}")
    if not np.isfinite(value):
        raise ValueError(f"loss must be finite at theta0, got {value}")
    start = time.perf_counter()
    limit = value + divergence * (1.0 + abs(value))
    points, losses, steps = [theta], [value], []
    norms = [float(np.sqrt(tree_vdot(grad, grad)))]
    measure = convergence_norm or (lambda _theta, g: float(np.sqrt(tree_vdot(g, g))))
    size = measure(theta, grad)
    label = "gradient norm" if convergence_norm is None else "convergence norm"
    more = extra or {}
    state = optimizer.init(theta)
    converged, status, reason = False, "max_iter", f"reached max_iter={max_iter}"
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for k in range(max_iter):
            if gtol > 0 and size <= gtol:
                converged, status = True, "converged"
                reason = f"{label} {size:.3g} <= gtol={gtol:g}"
                break
            if target is not None and value <= target:
                converged, status = True, "loss_target"
                reason = f"loss {value:.10g} <= loss_target={target:.10g}"
                break
            try:
                update, state = optimizer.update(grad, state, theta, value=value, grad=grad,
                                                 loss_fn=loss_fn, grad_fn=grad_fn, **more)
            except SingularCurvatureError as err:
                status, reason = "singular_curvature", f"singular curvature at iteration {k}: {err}"
                break
            except (ValueError, ArithmeticError) as err:  # e.g. a mirror point outside
                status, reason = "update_failed", f"update failed at iteration {k}: {err}"
                break
            if _structure(update) != shape or not tree_all_finite(update):
                status, reason = "non_finite", f"non-finite or mis-shaped update at iteration {k}"
                break
            if not tree_get(state, "success", True):
                status = "step_rule_failed"
                reason = f"step-size rule found no acceptable step at iteration {k}"
                break
            step = tree_get(state, "step_size", 1.0)
            for _ in range(MAX_HALVINGS):
                candidate = apply_updates(theta, update)
                if inside(candidate):
                    try:  # loss or gradient may validate their input more strictly
                        new_value, new_grad = value_and_grad(candidate)
                        break
                    except ValueError:
                        pass
                update, step = tree_scale(update, 0.5), 0.5 * step
            else:
                status = "domain"
                reason = f"could not stay in the parameter domain at iteration {k}"
                break
            if _structure(new_grad) != shape:
                raise ValueError(f"loss_grad must return an array of shape {np.shape(theta)}, "
                                 f"got shape {np.shape(new_grad)} at iteration {k + 1}")
            if not (np.isfinite(new_value) and tree_all_finite(new_grad)):
                status = "non_finite"
                reason = f"non-finite loss or gradient at iteration {k + 1}; last finite point kept"
                break
            if new_value > limit:
                status = "diverged"
                reason = (f"diverged: loss {new_value:.3g} at iteration {k + 1} "
                          f"(start {losses[0]:.3g})")
                break
            theta, value, grad = candidate, new_value, new_grad
            if record:
                points.append(theta)
            losses.append(value)
            norms.append(float(np.sqrt(tree_vdot(grad, grad))))
            size = measure(theta, grad)
            steps.append(float(step))
            if callback is not None and callback(k + 1, theta, value):
                status, reason = "callback", f"stopped by the callback at iteration {k + 1}"
                break
        else:
            if (gtol > 0 and size <= gtol) or (target is not None and value <= target):
                converged, status = True, "converged" if target is None else "loss_target"
                reason = f"met the stopping criterion at max_iter={max_iter}"
    steps_arr = np.asarray(steps, dtype=float)
    path = _stack(points) if record else None
    return Trajectory(path, np.asarray(losses), np.asarray(norms), steps_arr,
                      np.concatenate([[0.0], np.cumsum(steps_arr)]), converged, reason,
                      len(steps), chart=chart, final=theta, status=status,
                      wall_time=time.perf_counter() - start)
