"""The exponential family of waiting times Exponential(λ): flat in log λ.

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.2; Miyamoto et al.,
"On closed-form expressions for the Fisher–Rao distance", arXiv:2304.14885, §3.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._checks import check_positive
from .charts import Chart, identity_chart
from .onedim import AbstractOneParameterFamily, scalar_chart, scipy_frozen_name

__all__ = ["Exponential"]


def _reciprocal(y: NDArray) -> NDArray:
    return 1.0 / y


def _check_scale(y: NDArray, name: str) -> None:
    check_positive(y, f"{name}: scale")


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

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> bool(np.isclose(ig.manifolds.Exponential().dist([1.0], [np.e]), 1.0))
    True
    """

    def _family_charts(self) -> list[Chart]:
        return [
            identity_chart("rate", ("lambda",)),
            scalar_chart("scale", "beta", _reciprocal, _reciprocal, lambda b: -1.0 / b**2,
                         check=_check_scale),
            scalar_chart("natural", "theta", np.negative, np.negative,
                         lambda t: -np.ones_like(t),
                         check=lambda t, name: check_positive(-t, f"{name}: -theta (rate)")),
            scalar_chart("mean", "eta", _reciprocal, _reciprocal, lambda m: -1.0 / m**2,
                         check=lambda m, name: check_positive(m, f"{name}: mean")),
        ]

    def _check_base(self, x: NDArray, name: str) -> None:
        check_positive(x[..., 0], f"{name}: lambda")

    def _check_data(self, data: NDArray, name: str) -> None:
        check_positive(data, f"{name} (support of the exponential distribution)",
                       strict=False)

    def _random_base_point(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        return np.exp(rng.uniform(-1.0, 1.0, size))[..., None]

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
        # log of the ratio: no cancellation for nearby rates
        return np.abs(np.log(xa[..., 0] / xb[..., 0]))

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
        r""":math:`KL = \log(\lambda_p/\lambda_q) + \lambda_q/\lambda_p - 1`."""
        ratio = xq[..., 0] / xp[..., 0]
        return ratio - 1.0 - np.log(ratio)

    def to_scipy(self, theta: NDArray):  # noqa: ANN201 - scipy frozen type is private
        """The frozen ``scipy.stats.expon`` (``scale = 1/λ``) at ``theta`` (current chart)."""
        from scipy import stats

        return stats.expon(scale=1.0 / self._to_base(theta)[..., 0])

    def from_scipy(self, dist) -> NDArray:  # noqa: ANN001
        """The point (current chart) of a frozen ``scipy.stats.expon`` with ``loc = 0``."""
        scipy_frozen_name(dist, "expon")
        if np.any(np.asarray(dist.support()[0]) != 0):
            raise ValueError("dist must have loc = 0 (support starting at 0)")
        return self._from_base((1.0 / np.asarray(dist.mean(), dtype=float))[..., None])
