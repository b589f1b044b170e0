"""The Gamma family Gamma(α, β) (shape α, rate β): a Hessian manifold without closed-form
geodesics.

Gamma is an exponential family with sufficient statistic (log x, x) and natural
parameter (α − 1, −β), an affine image of the base chart (α, β); so in the base chart the
Fisher metric is the Hessian of :math:`F(\\alpha, \\beta) = \\log\\Gamma(\\alpha) -
\\alpha\\log\\beta` and the skewness tensor its third derivative.

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.3 and §3.4;
K. Arwini & C. T. J. Dodson, *Information Geometry: Near Randomness and Near
Independence*, Springer LNM 1953 (2008), ch. 3; REFERENCE.md.
"""

from __future__ import annotations

from math import factorial

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._checks import check_positive
from ._arrays import matrix_from_rows as _jac
from ._arrays import stack_last as _stack
from ._divergences import bregman_by_taylor
from ._special import polygammas
from .charts import RECIPROCAL, Chart, affine_chart, coordinate_chart
from .declarations import (
    POSITIVE,
    GeomstatsCounterpart,
    Parameter,
    Reciprocal,
    ScipyCounterpart,
    SymbolicCounterpart,
)
from .hessian_family import AbstractHessianFamily, NormalModel

__all__ = ["Gamma"]

#: _BETA_COUNT[n][i1, ..., in] = number of indices equal to 1 (the rate β)
_BETA_COUNT = {n: np.indices((2,) * n).sum(axis=0) for n in range(2, 7)}


def gamma_jets(x: NDArray, order: int = 2) -> tuple[NDArray, ...]:
    r"""Derivatives 2, …, ``order`` of :math:`F(\alpha, \beta) = \log\Gamma(\alpha) -
    \alpha\log\beta`, components first (``x[0] = α``, ``x[1] = β``).

    A derivative depends only on how many of its indices are β:

    .. math::

        \partial_\alpha^n F = \psi^{(n-1)}(\alpha), \quad
        \partial_\alpha\partial_\beta^{n-1} F = (-1)^{n-1}\frac{(n-2)!}{\beta^{n-1}}, \quad
        \partial_\beta^n F = (-1)^n\frac{(n-1)!\,\alpha}{\beta^n},

    and is 0 with two or more α's and at least one β. For n = 2, the Fisher metric
    :math:`\begin{pmatrix}\psi'(\alpha) & -1/\beta\\ -1/\beta & \alpha/\beta^2\end{pmatrix}`
    (REFERENCE.md; Arwini & Dodson 2008, §3.1).
    """
    alpha, beta = x[0], x[1]
    psis = polygammas(alpha, order - 1)
    inv_beta = 1.0 / beta
    out = []
    for n in range(2, order + 1):
        sign = (-1.0) ** (n - 1)
        by_count = np.zeros((n + 1,) + alpha.shape)  # value for 0, 1, ..., n β-indices
        by_count[0] = psis[n - 2]
        by_count[n - 1] = sign * factorial(n - 2) * inv_beta ** (n - 1)
        by_count[n] = -sign * factorial(n - 1) * alpha * inv_beta**n
        out.append(by_count[_BETA_COUNT[n]])
    return tuple(out)


def _normal_chart(x: NDArray) -> NDArray:
    r"""(μ, σ) = (log(α/β), α^{-1/2}): for large α, log x is close to N(log mean, 1/α) and the
    Gamma metric :math:`\frac{d\alpha^2}{2\alpha^2} + \alpha\,(d\log\gamma)^2` (the
    ``"shape_mean"`` metric with ψ'(α) − 1/α ≈ 1/(2α²)) is the normal family's
    :math:`(d\mu^2 + 2d\sigma^2)/\sigma^2`."""
    return _stack(np.log(x[..., 0] / x[..., 1]), x[..., 0] ** -0.5)


def _normal_chart_jacobian(x: NDArray) -> NDArray:
    alpha, beta = x[..., 0], x[..., 1]
    return _jac([[1.0 / alpha, -1.0 / beta], [-0.5 * alpha**-1.5, 0.0]])


def _normal_chart_inverse(y: NDArray) -> NDArray:
    """α = σ⁻², β = α e^{−μ}."""
    alpha = y[..., 1] ** -2.0
    return _stack(alpha, alpha * np.exp(-y[..., 0]))


def _check_natural(y: NDArray, name: str) -> None:
    check_positive(y[..., 0] + 1.0, f"{name}: theta1 + 1 (theta1 = alpha - 1)")
    check_positive(-y[..., 1], f"{name}: -theta2 (theta2 = -beta)")


class Gamma(AbstractHessianFamily):
    r"""Gamma family on (0, ∞), base chart (shape α, rate β).

    .. math::

        p(x\mid\alpha, \beta) = \frac{\beta^\alpha}{\Gamma(\alpha)} x^{\alpha-1}e^{-\beta x},
        \qquad I(\alpha, \beta) = \begin{pmatrix}\psi'(\alpha) & -1/\beta\\
        -1/\beta & \alpha/\beta^2\end{pmatrix}

    Charts: ``"shape_rate"`` (base), ``"shape_scale"`` (α, 1/β), ``"shape_mean"``
    (α, γ = α/β; there :math:`I = \operatorname{diag}(\psi'(\alpha) - 1/\alpha,
    \alpha/\gamma^2)`) and ``"natural"`` (α − 1, −β). ``exp`` integrates the geodesic ODE,
    ``log``/``dist`` shoot with exact Jacobians
    (:class:`~infogeo.manifolds.geodesic_flow.GeodesicFlow`).

    Examples
    --------
    >>> import infogeo as ig
    >>> G = ig.manifolds.Gamma()
    >>> G.metric_matrix([1.0, 2.0]).round(6)  # ψ'(1) = π²/6
    array([[ 1.644934, -0.5     ],
           [-0.5     ,  0.25    ]])
    """

    parameters = (Parameter("alpha", POSITIVE, typical=(0.5, 5.0), edges=(1e-4, 1e4),
                            description="shape"),
                  Parameter("beta", POSITIVE, typical=(0.5, 5.0), description="rate"))
    scipy_counterpart = ScipyCounterpart("gamma", {"a": "alpha", "scale": Reciprocal("beta")},
                                         fixed={"loc": 0.0})
    symbolic_counterpart = SymbolicCounterpart("gamma")
    # geomstats' Gamma points are (κ, γ) = (shape, mean): infogeo's "shape_mean" chart
    geomstats_counterpart = GeomstatsCounterpart("gamma.GammaDistributions", "shape_mean")

    def __init__(self, chart: str | None = None) -> None:
        # log starts from the geodesic of a matched normal model (exact as α → ∞)
        self._init_flow(gamma_jets, NormalModel(_normal_chart, _normal_chart_jacobian,
                                                _normal_chart_inverse))
        super().__init__(chart)

    def _jets(self, x_components: NDArray, order: int) -> tuple[NDArray, ...]:
        return gamma_jets(x_components, order)

    def _charts(self) -> list[Chart]:
        base = self._declared_base_chart("shape_rate")
        return [
            base,
            coordinate_chart("shape_scale", base.coordinates, {"beta": ("scale", RECIPROCAL)}),
            Chart("shape_mean", ("alpha", "mean"),
                  to_base=lambda y: _stack(y[..., 0], y[..., 0] / y[..., 1]),
                  from_base=lambda x: _stack(x[..., 0], x[..., 0] / x[..., 1]),
                  jacobian=lambda y: _jac([[1.0, 0.0],
                                           [1.0 / y[..., 1], -y[..., 0] / y[..., 1] ** 2]]),
                  check=lambda y, name: check_positive(y[..., 1], f"{name}: mean")),
            # natural parameters (α − 1, −β) of the sufficient statistic (log x, x)
            affine_chart("natural", ("theta1", "theta2"), [[1.0, 0.0], [0.0, -1.0]],
                         [1.0, 0.0], check=_check_natural),
        ]

    def _check_data(self, data: NDArray, name: str) -> None:
        check_positive(data, f"{name} (the support is x > 0)")

    # -- geometry -------------------------------------------------------------------------
    # -- statistics -----------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        alpha, beta = x[..., 0], x[..., 1]
        return (alpha * np.log(beta) + (alpha - 1) * np.log(data) - beta * data
                - special.gammaln(alpha))

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        alpha, beta = x[..., 0], x[..., 1]
        return _stack(np.log(beta) + np.log(data) - special.digamma(alpha), alpha / beta - data)

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return rng.gamma(x[..., 0], 1.0 / x[..., 1], size=(n,) + x.shape[:-1])

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r"""Bregman divergence of F, :math:`\nabla F = (\psi(\alpha) - \log\beta,
        -\alpha/\beta)`:

        .. math::

            KL = (\alpha_p - \alpha_q)\psi(\alpha_p) - \log\Gamma(\alpha_p)
            + \log\Gamma(\alpha_q) + \alpha_q\log\frac{\beta_p}{\beta_q}
            + \alpha_p\frac{\beta_q - \beta_p}{\beta_p}
        """
        (ap, bp), (aq, bq) = np.moveaxis(xp, -1, 0), np.moveaxis(xq, -1, 0)
        direct = ((ap - aq) * special.digamma(ap) - special.gammaln(ap) + special.gammaln(aq)
                  + aq * np.log(bp / bq) + ap * (bq - bp) / bp)
        # nearby points: the Taylor series of the Bregman divergence (no cancellation)
        return bregman_by_taylor(gamma_jets, xp, xq, direct)
