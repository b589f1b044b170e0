"""The Poisson family Poisson(λ): a half-line, flat in the coordinate 2√λ.

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.2; Miyamoto et al.,
"On closed-form expressions for the Fisher–Rao distance", arXiv:2304.14885, §3.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from ._divergences import relative_entropy_term
from .charts import LOG, SQRT, Chart, coordinate_chart
from .declarations import (
    POSITIVE,
    GeomstatsCounterpart,
    Parameter,
    ScipyCounterpart,
    SymbolicCounterpart,
)
from .onedim import AbstractOneParameterFamily, check_integer_data

__all__ = ["Poisson"]


class Poisson(AbstractOneParameterFamily):
    r"""Poisson family, base chart the rate λ > 0, support {0, 1, 2, ...}.

    .. math::

        p(k\mid\lambda) = \frac{\lambda^k e^{-\lambda}}{k!}, \qquad
        g(\lambda) = \frac1\lambda, \qquad \Gamma^\lambda_{\lambda\lambda} = -\frac{1}{2\lambda},
        \qquad T_{\lambda\lambda\lambda} = \frac{1}{\lambda^2},

    .. math::

        \varphi(\lambda) = 2\sqrt\lambda, \qquad d(\lambda_1, \lambda_2)
        = 2\,\bigl|\sqrt{\lambda_1} - \sqrt{\lambda_2}\bigr|.

    Charts: ``"rate"`` (base), ``"natural"`` (θ = log λ, metric :math:`e^\theta`),
    ``"sqrt"`` (:math:`\sqrt\lambda`, metric 4) and ``"arc_length"`` (2√λ, metric 1).

    Examples
    --------
    >>> import infogeo as ig
    >>> float(ig.manifolds.Poisson().dist([1.0], [4.0]))
    2.0
    """

    discrete = True
    parameters = (Parameter("lambda", POSITIVE, typical=(np.exp(-1.0), np.exp(2.5)),
                            log_scale=True),)
    scipy_counterpart = ScipyCounterpart("poisson", {"mu": "lambda"}, fixed={"loc": 0.0})
    symbolic_counterpart = SymbolicCounterpart("poisson")
    geomstats_counterpart = GeomstatsCounterpart("poisson.PoissonDistributions", "rate")

    def _family_charts(self) -> list[Chart]:
        rate = ("lambda",)
        return [
            self._declared_base_chart("rate"),
            coordinate_chart("natural", rate, {"lambda": ("theta", LOG)}),
            coordinate_chart("sqrt", rate, {"lambda": ("sqrt_lambda", SQRT)}),
        ]

    def _check_data(self, data: NDArray, name: str) -> None:
        check_integer_data(data, name)

    # -- geometry (Amari & Nagaoka 2000; REFERENCE.md) ------------------------------
    def _g(self, p: NDArray) -> NDArray:
        return 1.0 / p

    def _gamma(self, p: NDArray) -> NDArray:
        return -0.5 / p

    def _skew(self, p: NDArray) -> NDArray:
        # E[(k/λ - 1)^3] = κ₃/λ³ with third cumulant κ₃ = λ
        return 1.0 / p**2

    def _arc_length(self, p: NDArray) -> NDArray:
        return 2.0 * np.sqrt(p)

    def _arc_length_inverse(self, s: NDArray) -> NDArray:
        return 0.25 * s**2

    def _arc_length_range(self) -> tuple[float, float]:
        return 0.0, np.inf

    # -- statistics -------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        lam = x[..., 0]
        return data * np.log(lam) - lam - gammaln(data + 1)

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        lam = x[..., 0]
        return (data / lam - 1.0)[..., None]

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        return (-data / x[..., 0] ** 2)[..., None, None]

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return rng.poisson(x[..., 0], size=(n,) + x.shape[:-1])

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r""":math:`KL = \lambda_p \log(\lambda_p/\lambda_q) - \lambda_p + \lambda_q`."""
        return relative_entropy_term(xp[..., 0], xq[..., 0])  # no cancellation
