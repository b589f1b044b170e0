"""The Beta family Beta(a, b): the Dirichlet family with two categories.

Beta(a, b) is the law of the first component of Dir(a, b), so its Fisher geometry is the
k = 2 Dirichlet geometry: the Hessian of :math:`F(a, b) = \\log\\Gamma(a) + \\log\\Gamma(b)
- \\log\\Gamma(a + b)`. No closed-form geodesics (Le Brigant, Preston & Puechmorel,
"Fisher-Rao geometry of Dirichlet distributions", Differential Geom. Appl. 74, 2021).

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000); REFERENCE.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._checks import check_in_interval, check_positive
from ._arrays import matrix_from_rows as _jac
from ._arrays import stack_last as _stack
from .charts import Chart, affine_chart
from .declarations import (
    POSITIVE,
    GeomstatsCounterpart,
    Parameter,
    ScipyCounterpart,
    SymbolicCounterpart,
)
from .dirichlet import dirichlet_jets, dirichlet_kl
from .hessian_family import AbstractHessianFamily, NormalModel

__all__ = ["Beta"]


def _check_natural(y: NDArray, name: str) -> None:
    check_positive(y + 1.0, f"{name}: theta + 1 (natural parameters a - 1, b - 1)")


def _check_mean_precision(y: NDArray, name: str) -> None:
    check_in_interval(y[..., 0], f"{name}: m (the mean a/(a+b))", 0.0, 1.0)
    check_positive(y[..., 1], f"{name}: s (the precision a+b)")


def _mean_precision_second(y: NDArray) -> NDArray:
    """d²(a, b)/d(m, s)²: a = m s and b = (1 − m) s are bilinear, ∂²a/∂m∂s = 1 = −∂²b/∂m∂s."""
    h = np.zeros(y.shape + (2, 2))
    h[..., 0, 0, 1] = h[..., 0, 1, 0] = 1.0
    h[..., 1, 0, 1] = h[..., 1, 1, 0] = -1.0
    return h


def _normal_chart(x: NDArray) -> NDArray:
    r"""(μ, σ) = (2 arcsin √m, s^{-1/2}), m = a/s, s = a + b: for large s the Beta metric is
    :math:`\tfrac12 (d\log s)^2 + s\,dm^2/(m(1-m))` to leading order, which is the normal
    family's :math:`(d\mu^2 + 2 d\sigma^2)/\sigma^2` in these coordinates."""
    s = x.sum(axis=-1)
    return _stack(2 * np.arcsin(np.sqrt(x[..., 0] / s)), s**-0.5)


def _normal_chart_jacobian(x: NDArray) -> NDArray:
    a, b = x[..., 0], x[..., 1]
    s = a + b
    # d(2 arcsin √m) = dm / √(m(1−m)), dm = (b da − a db)/s², √(m(1−m)) = √(ab)/s
    root = np.sqrt(a * b) * s
    return _jac([[b / root, -a / root], [-0.5 * s**-1.5, -0.5 * s**-1.5]])


def _normal_chart_inverse(y: NDArray) -> NDArray:
    """(a, b) = (m s, (1 − m) s) with m = sin²(μ/2), s = σ⁻²."""
    s, m = y[..., 1] ** -2.0, np.sin(0.5 * y[..., 0]) ** 2
    return _stack(m * s, (1.0 - m) * s)


class Beta(AbstractHessianFamily):
    r"""Beta family on (0, 1), base chart (a, b).

    .. math::

        p(x\mid a, b) = \frac{x^{a-1}(1-x)^{b-1}}{B(a, b)}, \qquad
        I(a, b) = \begin{pmatrix}\psi'(a) - \psi'(a+b) & -\psi'(a+b)\\
        -\psi'(a+b) & \psi'(b) - \psi'(a+b)\end{pmatrix}

    Charts: ``"a_b"`` (base), ``"natural"`` (:math:`\theta = (a - 1, b - 1)`, sufficient
    statistic :math:`(\log x, \log(1-x))`) and ``"mean_precision"``
    (:math:`m = a/(a+b)`, :math:`s = a + b`). ``exp`` integrates the geodesic ODE and
    ``log``/``dist`` shoot with exact Jacobians
    (:class:`~infogeo.manifolds.geodesic_flow.GeodesicFlow`).

    Examples
    --------
    >>> import infogeo as ig
    >>> ig.manifolds.Beta().metric_matrix([1.0, 1.0]).round(6)  # 1 - π²/6 off the diagonal
    array([[ 1.      , -0.644934],
           [-0.644934,  1.      ]])
    """

    parameters = (Parameter("a", POSITIVE, typical=(0.5, 5.0), edges=(1e-4, 1e4)),
                  Parameter("b", POSITIVE, typical=(0.5, 5.0), edges=(1e-4, 1e4)))
    scipy_counterpart = ScipyCounterpart("beta", {"a": "a", "b": "b"},
                                         fixed={"loc": 0.0, "scale": 1.0})
    symbolic_counterpart = SymbolicCounterpart("beta")
    geomstats_counterpart = GeomstatsCounterpart("beta.BetaDistributions", "a_b")

    def __init__(self, chart: str | None = None) -> None:
        # log starts from the geodesic of a matched normal model (exact as a + b → ∞)
        self._init_flow(dirichlet_jets, NormalModel(_normal_chart, _normal_chart_jacobian,
                                                    _normal_chart_inverse))
        super().__init__(chart)

    def _jets(self, x_components: NDArray, order: int) -> tuple[NDArray, ...]:
        return dirichlet_jets(x_components, order)

    def _charts(self) -> list[Chart]:
        return [
            self._declared_base_chart("a_b"),
            affine_chart("natural", ("theta1", "theta2"), np.eye(2), [1.0, 1.0],
                         check=_check_natural),
            Chart("mean_precision", ("m", "s"),
                  to_base=lambda y: _stack(y[..., 0] * y[..., 1], (1 - y[..., 0]) * y[..., 1]),
                  from_base=lambda x: _stack(x[..., 0] / x.sum(-1), x.sum(-1)),
                  jacobian=lambda y: _jac([[y[..., 1], y[..., 0]],
                                           [-y[..., 1], 1 - y[..., 0]]]),
                  check=_check_mean_precision, second=_mean_precision_second),
        ]

    def _check_data(self, data: NDArray, name: str) -> None:
        check_in_interval(data, name, 0.0, 1.0)

    # -- geometry: the k = 2 Dirichlet formulas -------------------------------------------
    # -- statistics -----------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        a, b = x[..., 0], x[..., 1]
        return ((a - 1) * np.log(data) + (b - 1) * np.log1p(-data)
                - special.betaln(a, b))

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        a, b = x[..., 0], x[..., 1]
        common = special.digamma(a + b)
        return _stack(np.log(data) - special.digamma(a) + common,
                      np.log1p(-data) - special.digamma(b) + common)

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        draws = rng.beta(x[..., 0], x[..., 1], size=(n,) + x.shape[:-1])
        # for small shapes a draw can round to exactly 0 or 1, outside the open support
        # that log_prob accepts; move it to the nearest float inside (a change far below
        # the sampling resolution)
        return np.clip(draws, np.finfo(float).tiny, np.nextafter(1.0, 0.0))

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r"""Bregman divergence of F: :math:`\log\frac{B(a_q, b_q)}{B(a_p, b_p)}
        + (a_p - a_q)\psi(a_p) + (b_p - b_q)\psi(b_p) + (a_q - a_p + b_q - b_p)
        \psi(a_p + b_p)` (by its Taylor series for nearby points)."""
        return dirichlet_kl(xp, xq)
