"""The univariate normal family N(μ, σ²): a hyperbolic half-plane of curvature −1/2.

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2; Costa, Santos &
Strapasson, "Fisher information distance: a geometrical reading", arXiv:1210.2354.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._checks import check_positive
from ._arrays import matrix_from_rows as _jac
from ._arrays import stack_last as _stack
from ._divergences import clip_nonnegative, expm1mx, log_ratio
from .base import StatisticalManifold
from .charts import SQUARE, Chart, coordinate_chart, log_chart
from .declarations import (
    POSITIVE,
    REAL,
    GeomstatsCounterpart,
    Parameter,
    ScipyCounterpart,
    SymbolicCounterpart,
)
from .halfplane import (
    halfplane_christoffels,
    halfplane_dist,
    halfplane_exp,
    halfplane_log,
    halfplane_metric,
)

__all__ = ["Normal"]

#: I = (1/σ²)·diag(a, b) with (a, b) = (1, 2): twice the half-plane metric in (μ/√2, σ)
_HALFPLANE = (1.0, 2.0)


def _check_natural(y: NDArray, name: str) -> None:
    check_positive(-y[..., 1], f"{name}: -theta2 (natural parameter -1/(2 sigma^2))")


def _check_expectation(y: NDArray, name: str) -> None:
    check_positive(y[..., 1] - y[..., 0] ** 2, f"{name}: eta2 - eta1^2 (the variance)")


def _natural_second(y: NDArray) -> NDArray:
    """d²(μ, σ)/dθ² for μ = −θ₁/(2θ₂), σ = (−2θ₂)^{-1/2}."""
    t1, t2 = y[..., 0], y[..., 1]
    h = np.zeros(y.shape + (2, 2))
    h[..., 0, 0, 1] = h[..., 0, 1, 0] = 0.5 / t2**2
    h[..., 0, 1, 1] = -t1 / t2**3
    h[..., 1, 1, 1] = 3.0 * (-2.0 * t2) ** -2.5
    return h


def _expectation_second(y: NDArray) -> NDArray:
    """d²(μ, σ)/dη² for μ = η₁, σ = (η₂ − η₁²)^{1/2}."""
    eta1 = y[..., 0]
    sigma = np.sqrt(y[..., 1] - eta1**2)
    h = np.zeros(y.shape + (2, 2))
    h[..., 1, 0, 0] = -1.0 / sigma - eta1**2 / sigma**3
    h[..., 1, 0, 1] = h[..., 1, 1, 0] = 0.5 * eta1 / sigma**3
    h[..., 1, 1, 1] = -0.25 / sigma**3
    return h


class Normal(StatisticalManifold):
    r"""Univariate normal family, base chart (μ, σ).

    .. math::

        I(\mu, \sigma) = \frac{1}{\sigma^2}\begin{pmatrix}1 & 0\\ 0 & 2\end{pmatrix},
        \qquad d = \sqrt2\,\operatorname{arccosh}\!\left(1 + \frac{(\mu_1-\mu_2)^2/2
        + (\sigma_1-\sigma_2)^2}{2\sigma_1\sigma_2}\right)

    With :math:`u = \mu/\sqrt2` the metric is twice the Poincaré half-plane metric in
    :math:`(u, \sigma)`, so geodesics, ``exp`` and ``log`` are Möbius-map closed forms.

    Charts: ``"mu_sigma"`` (base), ``"mu_var"``, ``"mu_log_sigma"``, ``"natural"``
    (:math:`\theta = (\mu/\sigma^2, -1/(2\sigma^2))`) and ``"expectation"``
    (:math:`\eta = (E x, E x^2)`).

    Examples
    --------
    >>> import infogeo as ig
    >>> N = ig.manifolds.Normal()
    >>> float(N.dist([0.0, 1.0], [0.0, 2.0]))  # sqrt(2) log 2
    0.980258...
    """

    parameters = (Parameter("mu", REAL, typical=(-4.0, 4.0)),
                  Parameter("sigma", POSITIVE, typical=(np.exp(-1.0), np.exp(1.0)),
                            log_scale=True))
    scipy_counterpart = ScipyCounterpart("norm", {"loc": "mu", "scale": "sigma"})
    symbolic_counterpart = SymbolicCounterpart("normal")
    geomstats_counterpart = GeomstatsCounterpart("normal.UnivariateNormalDistributions",
                                                 "mu_sigma")

    def _charts(self) -> list[Chart]:
        base = self._declared_base_chart("mu_sigma")
        return [
            base,
            coordinate_chart("mu_var", base.coordinates, {"sigma": ("var", SQUARE)}),
            log_chart(base.coordinates, "sigma"),
            Chart("natural", ("theta1", "theta2"),
                  to_base=lambda y: _stack(-y[..., 0] / (2 * y[..., 1]),
                                           (-2 * y[..., 1]) ** -0.5),
                  from_base=lambda x: _stack(x[..., 0] / x[..., 1] ** 2,
                                             -0.5 / x[..., 1] ** 2),
                  jacobian=lambda y: _jac([[-0.5 / y[..., 1], 0.5 * y[..., 0] / y[..., 1] ** 2],
                                           [0.0, (-2 * y[..., 1]) ** -1.5]]),
                  check=_check_natural, second=_natural_second),
            Chart("expectation", ("eta1", "eta2"),
                  to_base=lambda y: _stack(y[..., 0], np.sqrt(y[..., 1] - y[..., 0] ** 2)),
                  from_base=lambda x: _stack(x[..., 0], x[..., 0] ** 2 + x[..., 1] ** 2),
                  jacobian=self._expectation_jacobian,
                  check=_check_expectation, second=_expectation_second),
        ]

    @staticmethod
    def _expectation_jacobian(y: NDArray) -> NDArray:
        sigma = np.sqrt(y[..., 1] - y[..., 0] ** 2)
        return _jac([[1.0, 0.0], [-y[..., 0] / sigma, 0.5 / sigma]])

    # -- metric and connection (Amari & Nagaoka 2000; REFERENCE.md) -------------------
    def _metric(self, x: NDArray) -> NDArray:
        return halfplane_metric(x, *_HALFPLANE)

    def _christoffels(self, x: NDArray) -> NDArray:
        r"""Γ^μ_μσ = Γ^μ_σμ = −1/σ, Γ^σ_μμ = 1/(2σ), Γ^σ_σσ = −1/σ."""
        return halfplane_christoffels(x, *_HALFPLANE)

    def _skewness(self, x: NDArray) -> NDArray:
        r"""T_μμσ (and permutations) = 2/σ³, T_σσσ = 8/σ³."""
        inv3 = 1.0 / x[..., 1] ** 3
        t = np.zeros(x.shape[:-1] + (2, 2, 2))
        t[..., 0, 0, 1] = t[..., 0, 1, 0] = t[..., 1, 0, 0] = 2 * inv3
        t[..., 1, 1, 1] = 8 * inv3
        return t

    # -- geodesics: twice the Poincaré half-plane in z = μ/√2 + iσ (see halfplane.py) ---
    def _dist(self, xa: NDArray, xb: NDArray) -> NDArray:
        return halfplane_dist(xa, xb, *_HALFPLANE)

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        return halfplane_exp(v, x, *_HALFPLANE)

    def _log(self, y: NDArray, x: NDArray) -> NDArray:
        return halfplane_log(y, x, *_HALFPLANE)

    # -- statistics ---------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        mu, sigma = x[..., 0], x[..., 1]
        return -0.5 * ((data - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        mu, sigma = x[..., 0], x[..., 1]
        z = (data - mu) / sigma
        return _stack(z / sigma, (z**2 - 1) / sigma)

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        mu, sigma = x[..., 0], x[..., 1]
        z = (data - mu) / sigma
        inv2 = 1.0 / sigma**2
        return _jac([[-inv2, -2 * z * inv2], [-2 * z * inv2, (1 - 3 * z**2) * inv2]])

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return rng.normal(x[..., 0], x[..., 1], size=(n,) + x.shape[:-1])

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r"""With :math:`u = 2\log(\sigma_p/\sigma_q)`,

        .. math::

            KL = \log\frac{\sigma_q}{\sigma_p} + \frac{\sigma_p^2 + (\mu_p - \mu_q)^2}
            {2\sigma_q^2} - \frac12 = \tfrac12\left(e^u - 1 - u\right)
            + \frac{(\mu_p - \mu_q)^2}{2\sigma_q^2},

        a sum of two nonnegative terms, each free of cancellation.
        """
        (mp, sp), (mq, sq) = np.moveaxis(xp, -1, 0), np.moveaxis(xq, -1, 0)
        with np.errstate(over="ignore"):
            return clip_nonnegative(0.5 * expm1mx(2.0 * log_ratio(sp, sq))
                                    + 0.5 * ((mp - mq) / sq) ** 2)
