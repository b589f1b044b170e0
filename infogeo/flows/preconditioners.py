"""Preconditioners and damping: the "direction" half of a natural-gradient step.

A preconditioner turns the gradient :math:`g` into the direction :math:`u` that solves

.. math::

    (I(\\theta) + \\lambda\\,\\mathbb 1)\\, u = g ,

with :math:`I` the exact Fisher metric of a manifold, a Fisher estimate, or any
structured approximation (diagonal, block, Kronecker-factored, low rank plus diagonal),
and :math:`\\lambda \\ge 0` a Tikhonov damping. Everything is reached through one *solver*
signature, ``solve(params, v, damping) -> u``; :func:`as_solver` builds it from

* a manifold (anything with ``metric_matrix``): the exact metric at ``params``;
* an object with ``solve(v, damping)`` (a Fisher estimate made once, e.g. the
  ``infogeo.estimators`` structured estimates): used as is at every step;
* a callable ``params -> object with solve(v, damping)``: re-estimated at every step
  (this is how a K-FAC optimizer plugs in its current Kronecker factors).

``v`` and ``u`` have the structure of ``params`` (arrays or lists of arrays); the exact
metric solver needs a single array ``[dim]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .._checks import check_positive
from ..errors import SingularCurvatureError
from .transforms import GradientTransformation, require_extra, tree_all_finite, tree_map, tree_vdot

__all__ = ["SingularCurvatureError", "as_solver", "precondition", "precondition_by_metric",
           "precondition_by_fisher", "levenberg_marquardt", "DampingState",
           "LevenbergMarquardtState"]

Solver = Callable[[Any, Any, float], Any]

#: relative size of a loss change below which a reduction ratio is round-off noise
_ROUNDOFF = 1e3 * np.finfo(float).eps


def _metric_solver(manifold: Any, max_condition: float) -> Solver:
    def solve(params: Any, v: Any, damping: float) -> Any:
        theta = np.asarray(params, dtype=float)
        matrix = manifold.metric_matrix(theta)
        if matrix.shape != (theta.size, theta.size):
            raise ValueError(f"params must be one point of shape [{matrix.shape[-1]}] for the "
                             f"exact-metric preconditioner, got shape {theta.shape}")
        matrix = matrix + damping * np.eye(theta.size)
        if not np.all(np.isfinite(matrix)):
            raise SingularCurvatureError(f"metric of {manifold!r} is not finite at "
                                         f"theta={theta}")
        # one symmetric eigendecomposition gives both the conditioning check and the solve
        eigvals, eigvecs = np.linalg.eigh(matrix)
        if not eigvals[0] * max_condition > eigvals[-1]:
            cond = eigvals[-1] / eigvals[0] if eigvals[0] > 0 else np.inf
            raise SingularCurvatureError(
                f"metric of {manifold!r} + damping {damping:g} is singular at theta={theta} "
                f"(condition number {cond:.3g} >= {max_condition:.0e}); use damping > 0")
        return eigvecs @ ((eigvecs.T @ np.asarray(v, dtype=float)) / eigvals)

    return solve


def as_solver(curvature: Any, max_condition: float = 1e12) -> Solver:
    """Normalize a manifold, a Fisher estimate or an estimate factory to
    ``solve(params, v, damping) -> u``.

    Parameters
    ----------
    curvature : manifold, object with ``solve(v, damping)``, or callable
        See the module docstring.
    max_condition : float
        For the exact metric: a damped matrix whose condition number reaches this bound
        (or that is not positive definite) is reported as singular
        (:class:`SingularCurvatureError`) rather than solved.
    """
    if hasattr(curvature, "metric_matrix"):
        return _metric_solver(curvature, max_condition)
    if hasattr(curvature, "solve"):
        return lambda params, v, damping: curvature.solve(v, damping)
    if callable(curvature):
        return lambda params, v, damping: curvature(params).solve(v, damping)
    raise TypeError("curvature must be a manifold (with metric_matrix), an object with "
                    f"solve(v, damping) or a callable params -> such object, got "
                    f"{type(curvature).__name__}")


def _checked_solve(solver: Solver, params: Any, v: Any, damping: float) -> Any:
    try:
        u = solver(params, v, damping)
    except np.linalg.LinAlgError as err:
        raise SingularCurvatureError(f"curvature solve failed with damping {damping:g} "
                                     f"({err}); use damping > 0") from err
    if not tree_all_finite(u):
        raise SingularCurvatureError(f"preconditioner returned a non-finite direction with "
                                     f"damping {damping:g}; use damping > 0")
    return u


class DampingState(NamedTuple):
    """State of :func:`precondition`: the (fixed) Tikhonov damping."""

    damping: float


def precondition(solver: Solver, damping: float = 0.0) -> GradientTransformation:
    """Precondition the gradient with a Tikhonov-damped curvature solve.

    .. math::

        u = (I(\\theta) + \\lambda\\,\\mathbb 1)^{-1} g

    Parameters
    ----------
    solver : callable
        ``solve(params, v, damping) -> u`` (see :func:`as_solver`).
    damping : float
        Tikhonov damping :math:`\\lambda \\ge 0`.
    """
    check_positive(damping, "damping", strict=False)
    damping = float(damping)

    def update(grads: Any, state: DampingState, params: Any = None, **extra: Any
               ) -> tuple[Any, DampingState]:
        return _checked_solve(solver, params, grads, damping), state

    return GradientTransformation(lambda params: DampingState(damping), update)


def precondition_by_metric(manifold: Any, damping: float = 0.0,
                           max_condition: float = 1e12) -> GradientTransformation:
    """Precondition by the exact Fisher metric of ``manifold`` (in its current chart).

    .. math::

        u = (I(\\theta) + \\lambda\\,\\mathbb 1)^{-1} \\nabla L(\\theta)

    Examples
    --------
    >>> import numpy as np
    >>> from infogeo.manifolds import Normal
    >>> from infogeo.flows import chain, fixed_step, precondition_by_metric
    >>> opt = chain(precondition_by_metric(Normal()), fixed_step(0.5))
    >>> theta = np.array([0.0, 2.0])
    >>> updates, _ = opt.update(np.array([1.0, 1.0]), opt.init(theta), theta)
    >>> updates.tolist()  # -0.5 * diag(4, 2) @ (1, 1)
    [-2.0, -1.0]
    """
    return precondition(as_solver(manifold, max_condition), damping)


def precondition_by_fisher(fisher: Any, damping: float = 0.0) -> GradientTransformation:
    """Precondition by a Fisher estimate or structured approximation.

    Parameters
    ----------
    fisher : object with ``solve(v, damping)``, or callable ``params -> such object``
        Duck-typed: ``FullFisher``, ``DiagonalFisher``, ``BlockDiagonalFisher``,
        ``KroneckerFactoredFisher``, ``LowRankPlusDiagonalFisher`` or your own.
    damping : float
        Tikhonov damping passed to ``solve``.
    """
    if hasattr(fisher, "metric_matrix") or not (hasattr(fisher, "solve") or callable(fisher)):
        raise TypeError("fisher must have solve(v, damping) or be a callable returning such an "
                        f"object, got {type(fisher).__name__} (use precondition_by_metric for a "
                        "manifold)")
    return precondition(as_solver(fisher), damping)


class LevenbergMarquardtState(NamedTuple):
    """State of :func:`levenberg_marquardt`.

    Attributes
    ----------
    damping : float
        Damping to use at the next step.
    ratio : float
        Reduction ratio :math:`\\rho` of the last accepted step (NaN before the first).
    n_rejected : int
        Damping increases forced by rejected trial steps at the last update.
    """

    damping: float
    ratio: float
    n_rejected: int


def levenberg_marquardt(curvature: Any, initial_damping: float = 1.0, step_size: float = 1.0,
                        lower: float = 0.25, upper: float = 0.75, decrease: float = 2 / 3,
                        increase: float = 1.5, min_damping: float = 1e-10,
                        max_damping: float = 1e10, max_retries: int = 40
                        ) -> GradientTransformation:
    """Damped preconditioner whose damping adapts to the reduction ratio.

    The trial step :math:`\\Delta = -\\alpha u`, :math:`(I + \\lambda)u = g`, is compared
    with the quadratic model :math:`q(\\Delta) = g^\\top\\Delta + \\tfrac12\\Delta^\\top I\\Delta`,
    which needs only the solve because :math:`u^\\top I u = g^\\top u - \\lambda u^\\top u`:

    .. math::

        \\rho = \\frac{L(\\theta + \\Delta) - L(\\theta)}{q(\\Delta)}, \\qquad
        q = -\\alpha\\, g^\\top u + \\tfrac12 \\alpha^2 (g^\\top u - \\lambda\\, u^\\top u).

    :math:`\\rho < 1/4` (model too optimistic): :math:`\\lambda \\leftarrow`
    ``increase`` · λ; :math:`\\rho > 3/4`: :math:`\\lambda \\leftarrow` ``decrease`` · λ
    (Martens & Grosse 2015, §6.5). A trial that does not decrease the loss is rejected and
    retried with a larger damping. Outputs the direction ``u``; follow it with
    ``fixed_step(step_size)`` (same ``step_size``). Needs the extras ``value`` and ``loss_fn``.
    """
    solver = as_solver(curvature)
    for name, val in (("initial_damping", initial_damping), ("step_size", step_size),
                      ("min_damping", min_damping)):
        check_positive(val, name)
    if not 0 < lower < upper < 1:
        raise ValueError(f"thresholds must satisfy 0 < lower < upper < 1, got {lower}, {upper}")
    if not (0 < decrease < 1 < increase):
        raise ValueError(f"need 0 < decrease < 1 < increase, got {decrease}, {increase}")

    def init(params: Any) -> LevenbergMarquardtState:
        return LevenbergMarquardtState(float(initial_damping), float("nan"), 0)

    def update(grads: Any, state: LevenbergMarquardtState, params: Any = None, **extra: Any
               ) -> tuple[Any, LevenbergMarquardtState]:
        value = float(require_extra(extra, "value", "levenberg_marquardt"))
        loss_fn = require_extra(extra, "loss_fn", "levenberg_marquardt")
        lam = state.damping
        for rejected in range(max_retries + 1):
            u = _checked_solve(solver, params, grads, lam)
            gu, uu = tree_vdot(grads, u), tree_vdot(u, u)
            predicted = -step_size * gu + 0.5 * step_size**2 * (gu - lam * uu)
            if -predicted <= _ROUNDOFF * (1.0 + abs(value)):
                # the model change is at round-off level: the ratio is noise, keep λ
                return u, LevenbergMarquardtState(lam, float("nan"), rejected)
            trial = tree_map(lambda p, d: p - step_size * d, params, u)
            try:
                new = float(loss_fn(trial))
            except ValueError:  # the trial left the parameter domain
                new = np.inf
            ratio = (new - value) / predicted if predicted < 0 else -np.inf
            if np.isfinite(new) and ratio > 0:
                if ratio < lower:
                    lam *= increase
                elif ratio > upper:
                    lam *= decrease
                lam = float(np.clip(lam, min_damping, max_damping))
                return u, LevenbergMarquardtState(lam, float(ratio), rejected)
            if lam >= max_damping:
                break
            lam = float(min(lam * increase, max_damping))
        # no acceptable trial: hand back the most damped direction; the driver's own
        # checks (domain, divergence) decide what happens next
        return u, LevenbergMarquardtState(lam, float(ratio), rejected)

    return GradientTransformation(init, update)
