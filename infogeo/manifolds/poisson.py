"""The Poisson family Poisson(λ): a half-line, flat in the coordinate 2√λ.

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.2; Miyamoto et al.,
"On closed-form expressions for the Fisher–Rao distance", arXiv:2304.14885, §3.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from .._checks import check_positive
from .charts import Chart, identity_chart
from .onedim import (
    AbstractOneParameterFamily,
    check_integer_data,
    scalar_chart,
    scipy_frozen_name,
)

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

    def _family_charts(self) -> list[Chart]:
        return [
            identity_chart("rate", ("lambda",)),
            scalar_chart("natural", "theta", np.exp, np.log, np.exp),
            scalar_chart("sqrt", "sqrt_lambda", np.square, np.sqrt, lambda s: 2 * s,
                         check=lambda s, name: check_positive(s, f"{name}: sqrt_lambda")),
        ]

    def _check_base(self, x: NDArray, name: str) -> None:
        check_positive(x[..., 0], f"{name}: lambda")

    def _check_data(self, data: NDArray, name: str) -> None:
        check_integer_data(data, name)

    def _random_base_point(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        return np.exp(rng.uniform(-1.0, 2.5, size))[..., None]

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
        lp, lq = xp[..., 0], xq[..., 0]
        return lp * np.log(lp / lq) - lp + lq

    def to_scipy(self, theta: NDArray):  # noqa: ANN201 - scipy frozen type is private
        """The frozen ``scipy.stats.poisson`` at ``theta`` (current chart)."""
        from scipy import stats

        return stats.poisson(mu=self._to_base(theta)[..., 0])

    def from_scipy(self, dist) -> NDArray:  # noqa: ANN001
        """The point (current chart) of a frozen ``scipy.stats.poisson`` (with loc = 0)."""
        scipy_frozen_name(dist, "poisson")
        if np.any(np.asarray(dist.support()[0]) != 0):
            raise ValueError("dist must have loc = 0 (support starting at 0)")
        return self._from_base(np.asarray(dist.mean(), dtype=float)[..., None])
