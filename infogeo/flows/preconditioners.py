"""Preconditioners: the "direction" half of a natural-gradient step.

A preconditioner turns the gradient :math:`g` into the direction :math:`u` that solves

.. math::

    (F(\\theta) + (\\lambda + \\lambda_2)\\,\\mathbb 1)\\, u = g ,

with :math:`F` the exact Fisher metric of a manifold, a Fisher estimate, or any
structured approximation (diagonal, block, Kronecker-factored, low rank plus diagonal),
:math:`\\lambda \\ge 0` a damping (fixed, or published by a damping piece before it:
:mod:`~infogeo.flows.damping`) and :math:`\\lambda_2` a weight decay folded into the
curvature (extra ``l2_reg``). Everything is reached through one *solver* signature,
``solve(params, v, damping) -> u`` (:class:`~infogeo.flows.protocols.CurvatureSolver`);
:func:`as_solver` builds it from

* a manifold (anything with ``metric_matrix``): the exact metric at ``params``;
* an object with ``solve(v, damping)`` (a Fisher estimate made once, e.g. the
  ``infogeo.estimators`` structured estimates): used as is at every step;
* a square matrix ``[dim, dim]``: solved directly;
* a callable ``params -> object with solve(v, damping)`` (or ``-> matrix``):
  re-estimated at every step.

A curvature piece may instead publish its current estimate (extra ``curvature``, an
object with ``solve(v, damping)``): :func:`precondition` without a solver uses it. This
is how K-FAC plugs in (:func:`infogeo.learning.kfac_curvature`).

A damped curvature that cannot be solved with always raises
:class:`~infogeo.errors.SingularCurvatureError`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import SingularCurvatureError
from .damping import (
    DampingState,
    LevenbergMarquardtState,
    check_damping,
    levenberg_marquardt_damping,
    matrix_quadratic_form,
    metric_quadratic_form,
)
from .protocols import CurvatureSolver, QuadraticForm
from .transforms import GradientTransformation, chain, tree_all_finite

__all__ = ["SingularCurvatureError", "as_solver", "precondition", "precondition_by_metric",
           "precondition_by_fisher", "levenberg_marquardt", "DampingState",
           "LevenbergMarquardtState", "quadratic_form_of"]

Solver = CurvatureSolver


def _eig_solve(matrix: NDArray, v: Any, damping: float, max_condition: float,
               what: str) -> NDArray:
    """:math:`(M + \\lambda I)^{-1} v` by one symmetric eigendecomposition, which also gives
    the conditioning check."""
    matrix = matrix + damping * np.eye(matrix.shape[0])
    if not np.all(np.isfinite(matrix)):
        raise SingularCurvatureError(f"{what} is not finite")
    eigvals, eigvecs = np.linalg.eigh(matrix)
    if not eigvals[0] * max_condition > eigvals[-1]:
        cond = eigvals[-1] / eigvals[0] if eigvals[0] > 0 else np.inf
        raise SingularCurvatureError(
            f"{what} + damping {damping:g} is singular (condition number {cond:.3g} >= "
            f"{max_condition:.0e}); use damping > 0")
    return eigvecs @ ((eigvecs.T @ np.asarray(v, dtype=float)) / eigvals)


def _metric_solver(manifold: Any, max_condition: float) -> Solver:
    def solve(params: Any, v: Any, damping: float) -> Any:
        theta = np.asarray(params, dtype=float)
        matrix = np.asarray(manifold.metric_matrix(theta), dtype=float)
        if matrix.shape != (theta.size, theta.size):
            raise ValueError(f"params must be one point of shape [{matrix.shape[-1]}] for the "
                             f"exact-metric preconditioner, got shape {theta.shape}")
        return _eig_solve(matrix, v, damping, max_condition,
                          f"metric of {manifold!r} at theta={theta}")

    return solve


def _square(matrix: Any, name: str) -> NDArray:
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise TypeError(f"{name} must be a square matrix or an object with solve(v, damping),"
                        f" got an array of shape {m.shape}")
    return m


def _estimate_solver(estimate: Any, max_condition: float, name: str) -> Any:
    """``(v, damping) -> u`` for an estimate: its own ``solve``, or a dense matrix."""
    if hasattr(estimate, "solve"):
        return estimate.solve
    if isinstance(estimate, np.ndarray | list | tuple):
        matrix = _square(estimate, name)
        return lambda v, damping: _eig_solve(matrix, v, damping, max_condition,
                                             "curvature matrix")
    raise TypeError(f"{name} must have solve(v, damping) or be a square matrix, got "
                    f"{type(estimate).__name__}")


def as_solver(curvature: Any, max_condition: float = 1e12) -> Solver:
    """Normalize a manifold, a Fisher estimate, a matrix or an estimate factory to
    ``solve(params, v, damping) -> u``.

    Parameters
    ----------
    curvature : manifold, object with ``solve(v, damping)``, matrix, or callable
        See the module docstring.
    max_condition : float
        For the exact metric or a matrix: a damped matrix whose condition number reaches
        this bound (or that is not positive definite) is reported as singular
        (:class:`~infogeo.errors.SingularCurvatureError`) rather than solved.
    """
    if hasattr(curvature, "metric_matrix"):
        return _metric_solver(curvature, max_condition)
    if hasattr(curvature, "solve") or isinstance(curvature, np.ndarray):
        solve = _estimate_solver(curvature, max_condition, "curvature")
        return lambda params, v, damping: solve(v, damping)
    if callable(curvature):
        def solve_fresh(params: Any, v: Any, damping: float) -> Any:
            estimate = _estimate_solver(curvature(params), max_condition,
                                        "curvature(params)")
            return estimate(v, damping)

        return solve_fresh
    raise TypeError("curvature must be a manifold (with metric_matrix), an object with "
                    "solve(v, damping), a square matrix or a callable params -> such "
                    f"object, got {type(curvature).__name__}")


def quadratic_form_of(curvature: Any) -> QuadraticForm | None:
    """The Gram matrix :math:`v_i^\\top F v_j` of a curvature when it can be had exactly:
    a manifold's metric, an estimate's ``matrix()``, a dense matrix, or those returned by
    a factory; ``None`` otherwise."""
    if hasattr(curvature, "metric_matrix"):
        return metric_quadratic_form(curvature)
    if hasattr(curvature, "matrix"):
        return matrix_quadratic_form(lambda params: curvature.matrix())
    if isinstance(curvature, np.ndarray):
        return matrix_quadratic_form(lambda params: curvature)
    if callable(curvature):
        def dense(params: Any) -> NDArray:
            estimate = curvature(params)
            if hasattr(estimate, "matrix"):
                return estimate.matrix()
            if isinstance(estimate, np.ndarray):
                return estimate
            raise TypeError("adaptive damping needs the curvature's quadratic form: "
                            "curvature(params) must have matrix() or be a matrix, got "
                            f"{type(estimate).__name__}")

        return matrix_quadratic_form(dense)
    return None


def checked_solve(solver: Solver, params: Any, v: Any, damping: float) -> Any:
    """``solver(params, v, damping)``, with every failure to solve reported as
    :class:`~infogeo.errors.SingularCurvatureError`."""
    try:
        u = solver(params, v, damping)
    except np.linalg.LinAlgError as err:
        raise SingularCurvatureError(f"curvature solve failed with damping {damping:g} "
                                     f"({err}); use damping > 0") from err
    if not tree_all_finite(u):
        raise SingularCurvatureError(f"preconditioner returned a non-finite direction with "
                                     f"damping {damping:g}; use damping > 0")
    return u


def precondition(solver: Solver | None = None, damping: float | None = 0.0
                 ) -> GradientTransformation:
    """Precondition the gradient with a damped curvature solve.

    .. math::

        u = (F(\\theta) + (\\lambda + \\lambda_2)\\,\\mathbb 1)^{-1} g

    Parameters
    ----------
    solver : callable, optional
        ``solve(params, v, damping) -> u`` (see :func:`as_solver`); if omitted, the
        estimate published by a curvature piece before it (extra ``curvature``).
    damping : float or None
        Tikhonov damping :math:`\\lambda \\ge 0` (published to the pieces after it);
        ``None``: the damping published by a damping piece before it (0 if none).
    """
    fixed = None if damping is None else check_damping(damping)

    def update(grads: Any, state: DampingState, params: Any = None, **extra: Any
               ) -> tuple[Any, DampingState]:
        lam = fixed if fixed is not None else float(extra.get("damping") or 0.0)
        solve = solver
        if solve is None:
            estimate = extra.get("curvature")
            if estimate is None:
                raise TypeError("precondition() without a solver needs the extra "
                                "'curvature' (publish it from a curvature piece before it)")
            solve = as_solver(estimate)
        shift = lam + float(extra.get("l2_reg") or 0.0)
        return checked_solve(solve, params, grads, shift), DampingState(lam)

    return GradientTransformation(lambda params: DampingState(fixed or 0.0), update,
                                  lambda state: {"damping": state.damping})


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


def levenberg_marquardt(curvature: Any, initial_damping: float = 1.0, step_size: float = 1.0,
                        lower: float = 0.25, upper: float = 0.75, decrease: float = 2 / 3,
                        increase: float = 1.5, min_damping: float = 1e-10,
                        max_damping: float = 1e10, max_retries: int | None = None,
                        *, quadratic_form: QuadraticForm | None = None
                        ) -> GradientTransformation:
    """Damped preconditioner whose damping adapts to the reduction ratio:
    ``chain(levenberg_marquardt_damping(...), precondition(as_solver(curvature)))``.

    The step actually applied (whatever the step rule after it) is judged at the next
    update by :math:`\\rho` = actual / predicted change of the loss, the prediction
    being the quadratic model with the curvature's own quadratic form
    (:func:`quadratic_form_of`, or ``quadratic_form=``); see
    :func:`~infogeo.flows.levenberg_marquardt_damping`. ``step_size`` is accepted for
    compatibility and not used (the applied step is measured); ``max_retries`` is
    deprecated (steps are no longer re-tried).
    """
    if max_retries is not None:
        warnings.warn("levenberg_marquardt(max_retries=...) is deprecated and ignored: the "
                      "damping now judges the step actually applied instead of re-trying "
                      "steps", DeprecationWarning, stacklevel=2)
    check_damping(step_size, "step_size", strict=True)
    form = quadratic_form or quadratic_form_of(curvature)
    if form is None:
        raise TypeError("levenberg_marquardt needs the curvature's quadratic form: give a "
                        "manifold, an estimate with matrix(), a matrix, or quadratic_form=")
    return chain(levenberg_marquardt_damping(initial_damping, quadratic_form=form,
                                             decay=decrease, increase=increase,
                                             thresholds=(lower, upper),
                                             min_damping=min_damping,
                                             max_damping=max_damping,
                                             include_damping_in_model=False),
                 precondition(as_solver(curvature), damping=None))
