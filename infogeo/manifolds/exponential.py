"""The exponential family of waiting times Exponential(λ): flat in log λ.

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.2; Miyamoto et al.,
"On closed-form expressions for the Fisher–Rao distance", arXiv:2304.14885, §3.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from .._checks import check_positive
from ._divergences import clip_nonnegative, expm1mx, log_ratio
from .charts import NEGATE, RECIPROCAL, Chart, coordinate_chart
from .declarations import (
    NEGATIVE,
    POSITIVE,
    GeomstatsCounterpart,
    Parameter,
    Reciprocal,
    ScipyCounterpart,
    SymbolicCounterpart,
)
from .onedim import AbstractOneParameterFamily

__all__ = ["Exponential"]

class Exponential(AbstractOneParameterFamily):
    r"""Exponential distribution with rate λ > 0 (base chart), support x >= 0.

    .. math::

        p(x\mid\lambda) = \lambda e^{-\lambda x}, \qquad g(\lambda) = \frac{1}{\lambda^2},
        \qquad \Gamma^\lambda_{\lambda\lambda} = -\frac1\lambda,
        \qquad T_{\lambda\lambda\lambda} = -\frac{2}{\lambda^3},

    .. math::

        \varphi(\lambda) = \log\lambda, \qquad
        d(\lambda_1, \lambda_2) = \left|\log\frac{\lambda_1}{\lambda_2}\right|.

    Charts: ``"rate"`` (base), ``"scale"`` (β = 1/λ, scipy's ``scale``), ``"natural"``
    (θ = −λ, for T(x) = x), ``"mean"`` (the expectation parameter η = E x = 1/λ, which
    for this family coincides with the scale) and ``"arc_length"`` (log λ, metric 1).
    The ``"natural"`` coordinate must be < 0.

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> bool(np.isclose(ig.manifolds.Exponential().dist([1.0], [np.e]), 1.0))
    True
    """

    parameters = (Parameter("lambda", POSITIVE, typical=(np.exp(-1.0), np.exp(1.0)),
                            log_scale=True),)
    scipy_counterpart = ScipyCounterpart("expon", {"scale": Reciprocal("lambda")},
                                         fixed={"loc": 0.0})
    symbolic_counterpart = SymbolicCounterpart("exponential")
    geomstats_counterpart = GeomstatsCounterpart("exponential.ExponentialDistributions",
                                                 "rate")

    def _family_charts(self) -> list[Chart]:
        rate = ("lambda",)
        return [
            self._declared_base_chart("rate"),
            coordinate_chart("scale", rate, {"lambda": ("beta", RECIPROCAL)}),
            coordinate_chart("natural", rate, {"lambda": (
                "theta", dataclasses.replace(NEGATE, domain=NEGATIVE))}),
            coordinate_chart("mean", rate, {"lambda": ("mean", RECIPROCAL)}),
        ]

    def _check_data(self, data: NDArray, name: str) -> None:
        check_positive(data, f"{name} (support of the exponential distribution)",
                       strict=False)

    # -- geometry (Amari & Nagaoka 2000; REFERENCE.md) ------------------------------
    def _g(self, p: NDArray) -> NDArray:
        return 1.0 / p**2

    def _gamma(self, p: NDArray) -> NDArray:
        return -1.0 / p

    def _skew(self, p: NDArray) -> NDArray:
        # score 1/λ − x; E[(1/λ − x)^3] = −κ₃ with κ₃ = 2/λ³
        return -2.0 / p**3

    def _arc_length(self, p: NDArray) -> NDArray:
        return np.log(p)

    def _arc_length_inverse(self, s: NDArray) -> NDArray:
        return np.exp(s)

    def _arc_length_range(self) -> tuple[float, float]:
        return -np.inf, np.inf

    def _dist(self, xa: NDArray, xb: NDArray) -> NDArray:
        # no cancellation for nearby rates, no overflow of the ratio for distant ones
        return np.abs(log_ratio(xa[..., 0], xb[..., 0]))

    # -- statistics -------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        lam = x[..., 0]
        return np.log(lam) - lam * data

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        return (1.0 / x[..., 0] - data)[..., None]

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        hess = -1.0 / x[..., 0] ** 2
        return np.broadcast_to(hess, np.broadcast_shapes(np.shape(data), hess.shape))[
            ..., None, None]

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return rng.exponential(1.0 / x[..., 0], size=(n,) + x.shape[:-1])

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r""":math:`KL = \log(\lambda_p/\lambda_q) + \lambda_q/\lambda_p - 1
        = e^u - 1 - u`, :math:`u = \log(\lambda_q/\lambda_p)` (no cancellation)."""
        with np.errstate(over="ignore"):
            return clip_nonnegative(expm1mx(log_ratio(xq[..., 0], xp[..., 0])))
