"""Step-size rules: turn a direction ``u`` (sign of the gradient) into an update.

* :func:`fixed_step` — :math:`\\Delta = -\\alpha u`;
* :func:`backtracking_line_search` — Armijo backtracking on the loss;
* :func:`kl_trust_region` — the largest step with
  :math:`\\tfrac12 \\Delta^\\top I\\Delta \\le \\delta`;
* :func:`geodesic_step` — second-order geodesic correction (Song et al. 2018);
* :func:`exp_map_step` — the exact geodesic step (Riemannian Euler method);
* :func:`midpoint` — the midpoint rule, a wrapper around a direction transformation;
* :func:`quadratic_model_step` — step size (and momentum) minimizing the quadratic model.

Every state has a ``step_size`` field, which the drivers record.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._checks import check_positive, check_positive_int
from .transforms import GradientTransformation, require_extra, tree_map, tree_vdot

__all__ = ["StepSizeState", "LineSearchState", "TrustRegionState", "fixed_step",
           "backtracking_line_search", "kl_trust_region", "geodesic_step", "exp_map_step",
           "midpoint", "quadratic_model_step", "QuadraticModelState"]


class StepSizeState(NamedTuple):
    """The step size used by the last update."""

    step_size: float


class LineSearchState(NamedTuple):
    """Step accepted by the line search, the number of halvings, and whether it succeeded."""

    step_size: float
    n_backtracks: int
    success: bool


class TrustRegionState(NamedTuple):
    """Step size and the KL estimate :math:`\\tfrac12 \\Delta^\\top I \\Delta` of the update."""

    step_size: float
    kl_estimate: float
    success: bool


def _scaled(u: Any, alpha: float) -> Any:
    return tree_map(lambda d: -alpha * d, u)


def fixed_step(step_size: float) -> GradientTransformation:
    """:math:`\\Delta = -\\alpha u` with a fixed :math:`\\alpha > 0`."""
    check_positive(step_size, "step_size")
    alpha = float(step_size)

    def update(u: Any, state: StepSizeState, params: Any = None, **extra: Any
               ) -> tuple[Any, StepSizeState]:
        return _scaled(u, alpha), state

    return GradientTransformation(lambda params: StepSizeState(alpha), update)


def _safe_loss(loss_fn: Any, params: Any) -> float:
    try:
        value = float(loss_fn(params))
    except ValueError:  # outside the parameter domain
        return np.inf
    return value if np.isfinite(value) else np.inf


def backtracking_line_search(initial_step: float = 1.0, shrink: float = 0.5, c1: float = 1e-4,
                             max_backtracks: int = 50) -> GradientTransformation:
    """Armijo backtracking along :math:`-u`.

    The first :math:`t = t_0\\,\\beta^m` (:math:`m = 0, 1, \\dots`) with

    .. math::

        L(\\theta - t u) \\le L(\\theta) - c_1\\, t\\, g^\\top u

    is taken; a trial outside the parameter domain (``loss_fn`` raises ``ValueError``) or
    with a non-finite loss counts as a failure. Needs the extras ``value``, ``grad`` and
    ``loss_fn``. If no trial passes, or ``u`` is not a descent direction
    (:math:`g^\\top u \\le 0`), the update is zero and ``state.success`` is false.
    """
    check_positive(initial_step, "initial_step")
    check_positive(c1, "c1")
    max_backtracks = check_positive_int(max_backtracks, "max_backtracks")
    if not 0 < shrink < 1:
        raise ValueError(f"shrink must lie in (0, 1), got {shrink!r}")

    def update(u: Any, state: LineSearchState, params: Any = None, **extra: Any
               ) -> tuple[Any, LineSearchState]:
        who = "backtracking_line_search"
        value = float(require_extra(extra, "value", who))
        slope = tree_vdot(require_extra(extra, "grad", who), u)
        loss_fn = require_extra(extra, "loss_fn", who)
        if not slope > 0:
            return _scaled(u, 0.0), LineSearchState(0.0, 0, False)
        t = float(initial_step)
        for m in range(max_backtracks + 1):
            trial = tree_map(lambda p, d, t=t: p - t * d, params, u)
            if _safe_loss(loss_fn, trial) <= value - c1 * t * slope:
                return _scaled(u, t), LineSearchState(t, m, True)
            t *= shrink
        return _scaled(u, 0.0), LineSearchState(0.0, max_backtracks, False)

    return GradientTransformation(lambda params: LineSearchState(float(initial_step), 0, True),
                                  update)


def kl_trust_region(radius: float, max_step: float = 1.0, metric: Any = None
                    ) -> GradientTransformation:
    """The largest step :math:`t \\le t_{max}` whose KL estimate stays within the radius.

    .. math::

        t = \\min\\left(t_{max}, \\sqrt{2\\delta / u^\\top I u}\\right)
        \\quad\\Longrightarrow\\quad \\tfrac12 \\Delta^\\top I \\Delta \\le \\delta,
        \\quad \\Delta = -t u .

    :math:`u^\\top I u` comes from ``metric`` (a manifold, or ``params -> matrix``) when
    given; otherwise from :math:`g^\\top u` (extra ``grad``), which equals it when
    :math:`u = I^{-1} g` and bounds it from above for a damped solve (so the rule stays
    safe). Since :math:`KL(p_\\theta \\| p_{\\theta+\\Delta}) = \\tfrac12 \\Delta^\\top I \\Delta
    + O(\\|\\Delta\\|^3)`, δ is a KL budget per step.
    """
    check_positive(radius, "radius")
    check_positive(max_step, "max_step")

    def quad(u: Any, params: Any, extra: dict[str, Any]) -> float:
        if metric is None:
            return tree_vdot(require_extra(extra, "grad", "kl_trust_region"), u)
        get = metric.metric_matrix if hasattr(metric, "metric_matrix") else metric
        vec = np.asarray(u, dtype=float)
        return float(vec @ get(np.asarray(params, dtype=float)) @ vec)

    def update(u: Any, state: TrustRegionState, params: Any = None, **extra: Any
               ) -> tuple[Any, TrustRegionState]:
        q = quad(u, params, extra)
        if not q > 0:
            return _scaled(u, 0.0), TrustRegionState(0.0, 0.0, False)
        t = float(min(max_step, np.sqrt(2 * radius / q)))
        return _scaled(u, t), TrustRegionState(t, 0.5 * t * t * q, True)

    return GradientTransformation(lambda params: TrustRegionState(float(max_step), 0.0, True),
                                  update)


def geodesic_step(manifold: Any, step_size: float) -> GradientTransformation:
    """Geodesic-corrected step: the second-order Taylor expansion of the exponential map.

    .. math::

        \\Delta^k = -\\alpha u^k - \\tfrac12 \\alpha^2\\, \\Gamma^k_{ij}(\\theta)\\, u^i u^j

    (the geodesic :math:`\\gamma(t)` with :math:`\\gamma(0) = \\theta`,
    :math:`\\dot\\gamma(0) = -u` satisfies :math:`\\ddot\\gamma^k = -\\Gamma^k_{ij}\\dot
    \\gamma^i\\dot\\gamma^j`). Its chart dependence is :math:`O(\\alpha^3)` per step, against
    :math:`O(\\alpha^2)` for the straight step (Song, Song & Ermon, ICML 2018, §3).
    Uses ``manifold.christoffels`` (Levi-Civita, current chart); params ``[dim]``.
    """
    check_positive(step_size, "step_size")
    alpha = float(step_size)

    def update(u: Any, state: StepSizeState, params: Any = None, **extra: Any
               ) -> tuple[Any, StepSizeState]:
        vec = np.asarray(u, dtype=float)
        gamma = manifold.christoffels(np.asarray(params, dtype=float))
        correction = np.einsum("...kij,...i,...j->...k", gamma, vec, vec)
        return -alpha * vec - 0.5 * alpha**2 * correction, state

    return GradientTransformation(lambda params: StepSizeState(alpha), update)


def exp_map_step(manifold: Any, step_size: float) -> GradientTransformation:
    """Riemannian Euler step: follow the geodesic with initial velocity :math:`-u` for time α.

    .. math::

        \\theta_{k+1} = \\exp_{\\theta_k}(-\\alpha u), \\qquad \\Delta = \\theta_{k+1} - \\theta_k

    Chart-independent exactly (the exponential map is), so the iterates of different
    charts agree up to the accuracy of ``manifold.exp``; :func:`geodesic_step` is its
    second-order Taylor truncation (Song et al. 2018, §3). Params ``[dim]``.
    """
    check_positive(step_size, "step_size")
    alpha = float(step_size)

    def update(u: Any, state: StepSizeState, params: Any = None, **extra: Any
               ) -> tuple[Any, StepSizeState]:
        theta = np.asarray(params, dtype=float)
        return manifold.exp(-alpha * np.asarray(u, dtype=float), theta) - theta, state

    return GradientTransformation(lambda params: StepSizeState(alpha), update)


def midpoint(direction: GradientTransformation, step_size: float) -> GradientTransformation:
    """Midpoint rule (second-order Runge–Kutta) for the flow :math:`\\dot\\theta = -u(\\theta)`.

    .. math::

        \\theta_{1/2} = \\theta - \\tfrac{\\alpha}{2} u(\\theta), \\qquad
        \\Delta = -\\alpha\\, u(\\theta_{1/2})

    Global error :math:`O(\\alpha^2)` against the (chart-independent) flow, hence chart
    discrepancy :math:`O(\\alpha^2)` (Song et al. 2018, §4). ``direction`` maps a gradient
    to ``u`` (e.g. ``precondition_by_metric``); needs the extra ``grad_fn``.
    """
    check_positive(step_size, "step_size")
    alpha = float(step_size)

    def init(params: Any) -> tuple[Any, StepSizeState]:
        return direction.init(params), StepSizeState(alpha)

    def update(grads: Any, state: tuple[Any, StepSizeState], params: Any = None, **extra: Any
               ) -> tuple[Any, tuple[Any, StepSizeState]]:
        grad_fn = require_extra(extra, "grad_fn", "midpoint")
        inner = state[0]
        u, inner = direction.update(grads, inner, params, **extra)
        half = tree_map(lambda p, d: p - 0.5 * alpha * d, params, u)
        grad_half = grad_fn(half)
        mid_extra = {**extra, "grad": grad_half, "value": None}
        u_half, inner = direction.update(grad_half, inner, half, **mid_extra)
        return _scaled(u_half, alpha), (inner, state[1])

    return GradientTransformation(init, update)


class QuadraticModelState(NamedTuple):
    """State of :func:`quadratic_model_step`: the coefficients of the last update
    (``step_size`` = :math:`\\alpha`, ``momentum`` = :math:`\\mu`), its model change, and
    the point it started from (the next update's velocity is measured from it)."""

    step_size: float
    momentum: float
    model_change: float
    previous: Any


def _gram_of(vectors: list[Any]) -> NDArray:
    return np.array([[tree_vdot(a, b) for b in vectors] for a in vectors])


def quadratic_model_step(quadratic_form: Any = None, *, momentum: bool = True,
                         include_damping_in_model: bool = False) -> GradientTransformation:
    r"""Learning rate and momentum chosen jointly from the quadratic model (Martens &
    Grosse 2015, §7).

    With the direction :math:`u` (sign of the gradient) and the previous update
    :math:`v = \theta_t - \theta_{t-1}`, the update is
    :math:`\delta = \alpha(-u) + \mu v` with :math:`(\alpha, \mu)` minimizing

    .. math::

        m(w) = b^\top w + \tfrac12 w^\top (A + \lambda D)\, w ,\qquad
        A_{ij} = \Delta_i^\top (F + \lambda_2 I)\Delta_j,\;
        D_{ij} = \Delta_i^\top\Delta_j,\; b_i = g^\top\Delta_i,

    :math:`\Delta = (-u, v)`, i.e. :math:`w^* = -(A + \lambda D)^{-1} b`. With
    ``momentum=False`` (or at the first step) only :math:`\alpha = g^\top u /
    u^\top(F + \lambda_2 + \lambda)u` is fitted: the quadratic-model rescaling of §6.4.

    ``quadratic_form(params, vectors)`` gives the Gram matrix of the curvature :math:`F`
    (else the extra ``quadratic_form``); :math:`\lambda` and :math:`\lambda_2` are the
    extras ``damping`` and ``l2_reg``; :math:`g` is the extra ``grad``. The state records
    the model change :math:`m(w^*)` (without :math:`\lambda` unless
    ``include_damping_in_model``). Outputs the update (no further step rule needed).
    """

    def init(params: Any) -> QuadraticModelState:
        return QuadraticModelState(1.0, 0.0, 0.0, None)

    def update(u: Any, state: QuadraticModelState, params: Any = None, **extra: Any
               ) -> tuple[Any, QuadraticModelState]:
        form = quadratic_form or require_extra(extra, "quadratic_form", "quadratic_model_step")
        grad = require_extra(extra, "grad", "quadratic_model_step")
        lam = float(extra.get("damping") or 0.0)
        l2 = float(extra.get("l2_reg") or 0.0)
        vectors = [tree_map(lambda d: -d, u)]
        if momentum and state.previous is not None:
            velocity = tree_map(lambda p, q: p - q, params, state.previous)
            if tree_vdot(velocity, velocity) > 0:
                vectors.append(velocity)
        D = _gram_of(vectors)
        A = np.asarray(form(params, vectors), dtype=float) + l2 * D
        b = np.array([tree_vdot(grad, v) for v in vectors])
        w = _solve_model(A + lam * D, b)
        if w is None and len(vectors) == 2:  # degenerate 2-D model: fit α alone
            vectors, A, D, b = vectors[:1], A[:1, :1], D[:1, :1], b[:1]
            w = _solve_model(A + lam * D, b)
        if w is None:
            return tree_map(np.zeros_like, u), QuadraticModelState(
                0.0, 0.0, 0.0, tree_map(lambda p: np.array(p, dtype=float), params))
        curv = A + lam * D if include_damping_in_model else A
        change = float(b @ w + 0.5 * w @ curv @ w)
        out = tree_map(lambda *leaves: sum(c * leaf for c, leaf in zip(w, leaves, strict=True)),
                       *vectors)
        mu = float(w[1]) if len(w) == 2 else 0.0
        return out, QuadraticModelState(float(w[0]), mu, change,
                                        tree_map(lambda p: np.array(p, dtype=float), params))

    return GradientTransformation(init, update)


def _solve_model(M: NDArray, b: NDArray) -> NDArray | None:
    """:math:`-M^{-1}b` for a positive-definite model matrix, else None."""
    if not np.all(np.isfinite(M)) or M[0, 0] <= 0:
        return None
    if M.shape == (1, 1):
        return -b / M[0, 0]
    det = M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0]
    if not det > 1e-12 * M[0, 0] * M[1, 1]:
        return None
    return -np.linalg.solve(M, b)
