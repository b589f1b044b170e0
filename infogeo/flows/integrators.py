r"""Explicit Runge–Kutta integrators of the Fisher flow, as step rules of order 1 to 4.

For the flow :math:`\dot\theta = -u(\theta)`, :math:`u = I(\theta)^{-1}\nabla L(\theta)`,
an explicit Runge–Kutta method with Butcher tableau :math:`(a, b, c)` takes

.. math::

    k_s = u\Big(\theta - \alpha \sum_{j<s} a_{sj} k_j\Big), \qquad
    \Delta = -\alpha \sum_s b_s k_s .

The flow is chart-independent (its images in two charts are the same curve), so a method
of order :math:`p` — global error :math:`O(\alpha^p)` against the flow at a fixed time —
is invariant to order :math:`p`: the discrepancy between the images of the discrete
trajectories of two charts at a fixed flow time, which :func:`~infogeo.flows.invariance_order`
measures, is at most the sum of the two global errors, :math:`O(\alpha^p)`, and exactly of
that order when the leading error coefficients of the two charts differ (they generally do:
the local error :math:`C(\theta)\alpha^{p+1}` involves chart-dependent derivatives of
:math:`u`). Song, Song & Ermon, "Accelerating natural gradient with higher-order invariance",
ICML 2018, §4 make the same argument for the midpoint rule (:math:`p = 2`); E. Hairer,
S. P. Nørsett & G. Wanner, *Solving Ordinary Differential Equations I* (1993), §II.1 give
the tableaus.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._checks import check_positive
from .transforms import GradientTransformation, require_extra, tree_map

__all__ = ["ButcherTableau", "TABLEAUS", "runge_kutta", "RungeKuttaState", "butcher_tableau"]


class ButcherTableau(NamedTuple):
    """An explicit Runge–Kutta scheme: strictly lower-triangular ``a`` ``[s, s]``,
    weights ``b`` ``[s]``, and its classical order."""

    a: NDArray
    b: NDArray
    order: int


def _tableau(a: list[list[float]], b: list[float], order: int) -> ButcherTableau:
    return ButcherTableau(np.array(a, dtype=float), np.array(b, dtype=float), order)


#: explicit schemes by name (Hairer, Nørsett & Wanner 1993, §II.1, Tables 1.1–1.2)
TABLEAUS: dict[str, ButcherTableau] = {
    "euler": _tableau([[0.0]], [1.0], 1),
    "midpoint": _tableau([[0, 0], [0.5, 0]], [0, 1], 2),
    "heun2": _tableau([[0, 0], [1, 0]], [0.5, 0.5], 2),
    "rk3": _tableau([[0, 0, 0], [0.5, 0, 0], [-1, 2, 0]], [1 / 6, 2 / 3, 1 / 6], 3),
    "heun3": _tableau([[0, 0, 0], [1 / 3, 0, 0], [0, 2 / 3, 0]], [0.25, 0, 0.75], 3),
    "rk4": _tableau([[0, 0, 0, 0], [0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 1, 0]],
                    [1 / 6, 1 / 3, 1 / 3, 1 / 6], 4),
    "rk38": _tableau([[0, 0, 0, 0], [1 / 3, 0, 0, 0], [-1 / 3, 1, 0, 0], [1, -1, 1, 0]],
                     [1 / 8, 3 / 8, 3 / 8, 1 / 8], 4),
}


def butcher_tableau(method: str | ButcherTableau) -> ButcherTableau:
    """The tableau called ``method`` (a key of :data:`TABLEAUS`), or ``method`` itself
    after checking that it is explicit and consistent (:math:`\\sum_s b_s = 1`)."""
    if isinstance(method, str):
        if method not in TABLEAUS:
            raise ValueError(f"method must be one of {sorted(TABLEAUS)}, got {method!r}")
        return TABLEAUS[method]
    if not isinstance(method, ButcherTableau):
        raise TypeError(f"method must be a name or a ButcherTableau, got "
                        f"{type(method).__name__}")
    a, b = np.asarray(method.a, dtype=float), np.asarray(method.b, dtype=float)
    if a.ndim != 2 or a.shape != (b.size, b.size) or np.any(np.triu(a) != 0):
        raise ValueError(f"method.a must be strictly lower triangular [s, s] with s = len(b), "
                         f"got shape {a.shape} and len(b) = {b.size}")
    if not np.isclose(b.sum(), 1.0):
        raise ValueError(f"method.b must sum to 1 (consistency), got {b.sum()!r}")
    return ButcherTableau(a, b, int(method.order))


def rk_combination(tableau: ButcherTableau, base: Any, slopes: list[Any], row: NDArray,
                   h: float) -> Any:
    """:math:`\\text{base} + h \\sum_j \\text{row}_j\\, k_j` over parameter trees."""
    out = base
    for weight, k in zip(row, slopes, strict=False):
        if weight != 0.0:
            out = tree_map(lambda p, d, w=weight: p + h * w * d, out, k)
    return out


class RungeKuttaState(NamedTuple):
    """State of :func:`runge_kutta`: the direction piece's state and the step size."""

    inner: Any
    step_size: float


def runge_kutta(direction: GradientTransformation, step_size: float,
                method: str | ButcherTableau = "rk4") -> GradientTransformation:
    r"""An explicit Runge–Kutta step of the flow :math:`\dot\theta = -u(\theta)`.

    .. math::

        k_s = u\Big(\theta - \alpha\sum_{j<s} a_{sj}k_j\Big),\qquad
        \Delta = -\alpha\sum_s b_s k_s

    ``method`` names a scheme of :data:`TABLEAUS` (``"rk3"``: Kutta's third-order rule,
    ``"rk4"``: the classical fourth-order rule, ``"midpoint"``: :func:`midpoint`) or is a
    :class:`ButcherTableau`. A scheme of order :math:`p` costs one gradient per stage and
    is invariant to reparametrization to order :math:`p` (see
    :mod:`infogeo.flows.integrators`). ``direction`` maps a gradient to :math:`u` (e.g.
    ``precondition_by_metric``); needs the extra ``grad_fn``. A stage point outside the
    parameter domain makes the update fail (``ValueError`` from ``grad_fn``), and the
    driver stops with status ``"update_failed"``.

    Examples
    --------
    >>> import numpy as np
    >>> from infogeo.flows import precondition_by_metric
    >>> from infogeo.manifolds import Poisson
    >>> opt = runge_kutta(precondition_by_metric(Poisson()), 0.1, "rk4")
    >>> lam = np.array([2.0])
    >>> grad_fn = lambda x: 1.0 - 3.0 / x   # Poisson NLL, data mean 3: flow λ̇ = 3 − λ
    >>> upd, _ = opt.update(grad_fn(lam), opt.init(lam), lam, grad_fn=grad_fn, grad=grad_fn(lam))
    >>> bool(abs(upd[0] - (1 - np.exp(-0.1))) < 1e-6)   # exact flow: λ(t) = 3 − e^{−t}
    True
    """
    check_positive(step_size, "step_size")
    tableau = butcher_tableau(method)
    alpha = float(step_size)

    def init(params: Any) -> RungeKuttaState:
        return RungeKuttaState(direction.init(params), alpha)

    def update(grads: Any, state: RungeKuttaState, params: Any = None, **extra: Any
               ) -> tuple[Any, RungeKuttaState]:
        grad_fn = require_extra(extra, "grad_fn", "runge_kutta")
        inner = state.inner
        slopes: list[Any] = []
        for s in range(tableau.b.size):
            if s == 0:
                point, grad, stage_extra = params, grads, extra
            else:
                point = rk_combination(tableau, params, slopes, tableau.a[s], -alpha)
                grad = grad_fn(point)
                stage_extra = {**extra, "grad": grad, "value": None}
            u, inner = direction.update(grad, inner, point, **stage_extra)
            slopes.append(u)
        zero = tree_map(np.zeros_like, slopes[0])
        return rk_combination(tableau, zero, slopes, tableau.b, -alpha), RungeKuttaState(
            inner, state.step_size)

    return GradientTransformation(init, update)
