"""Bernoulli(p) and Binomial(n, p) with n fixed: an arc of a circle.

With ξ = 2√n·(√p, √(1 − p)) the Fisher metric is the Euclidean metric on a quarter circle
of radius 2√n, so the arc length is :math:`\\varphi(p) = 2\\sqrt n \\arcsin\\sqrt p`.

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.2; Miyamoto et al.,
"On closed-form expressions for the Fisher–Rao distance", arXiv:2304.14885, §3 (binomial).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, gammaln, logit

from .._checks import check_in_interval, check_positive_int
from .charts import Chart, identity_chart
from .onedim import (
    AbstractOneParameterFamily,
    check_integer_data,
    scalar_chart,
    scipy_frozen_name,
)

__all__ = ["Bernoulli", "Binomial"]


class _AbstractBinomial(AbstractOneParameterFamily):
    r"""Binomial(n, p) for the fixed number of trials ``self.n_trials``, base chart p.

    .. math::

        p(k\mid p) = \binom nk p^k (1-p)^{n-k}, \qquad g(p) = \frac{n}{p(1-p)}, \qquad
        \Gamma^p_{pp} = -\frac{1-2p}{2p(1-p)}, \qquad T_{ppp} = \frac{n(1-2p)}{p^2(1-p)^2},

    .. math::

        \varphi(p) = 2\sqrt n\,\arcsin\sqrt p, \qquad
        d(p_1, p_2) = 2\sqrt n\,\bigl|\arcsin\sqrt{p_1} - \arcsin\sqrt{p_2}\bigr|.

    Charts: ``"p"`` (base), ``"logit"`` (natural θ = log(p/(1−p)), metric
    :math:`n p(1-p)`), ``"mean"`` (m = n p) and ``"arc_length"``.
    """

    discrete = True
    n_trials: int

    def _family_charts(self) -> list[Chart]:
        n = self.n_trials
        return [
            identity_chart("p", ("p",)),
            scalar_chart("logit", "theta", expit, logit,
                         lambda t: expit(t) * expit(-t)),
            scalar_chart("mean", "m", lambda m: m / n, lambda p: n * p,
                         lambda m: np.full_like(m, 1.0 / n),
                         check=lambda m, name: check_in_interval(m, f"{name}: mean", 0, n)),
        ]

    def _check_base(self, x: NDArray, name: str) -> None:
        check_in_interval(x[..., 0], f"{name}: p", 0.0, 1.0)

    def _check_data(self, data: NDArray, name: str) -> None:
        check_integer_data(data, name, 0, self.n_trials)

    def _random_base_point(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        # away from 0 and 1, so that unit-size geodesic steps stay inside (0, 1)
        return rng.uniform(0.25, 0.75, size)[..., None]

    # -- geometry (Amari & Nagaoka 2000; REFERENCE.md) ------------------------------
    def _g(self, p: NDArray) -> NDArray:
        return self.n_trials / (p * (1.0 - p))

    def _gamma(self, p: NDArray) -> NDArray:
        return -(1.0 - 2.0 * p) / (2.0 * p * (1.0 - p))

    def _skew(self, p: NDArray) -> NDArray:
        # score (k − np)/(p(1−p)); third cumulant of k is np(1−p)(1−2p)
        return self.n_trials * (1.0 - 2.0 * p) / (p * (1.0 - p)) ** 2

    def _arc_length(self, p: NDArray) -> NDArray:
        return 2.0 * np.sqrt(self.n_trials) * np.arcsin(np.sqrt(p))

    def _arc_length_inverse(self, s: NDArray) -> NDArray:
        return np.sin(s / (2.0 * np.sqrt(self.n_trials))) ** 2

    def _arc_length_range(self) -> tuple[float, float]:
        return 0.0, float(np.pi * np.sqrt(self.n_trials))

    # -- statistics -------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        n, p = self.n_trials, x[..., 0]
        log_choose = gammaln(n + 1.0) - gammaln(data + 1.0) - gammaln(n - data + 1.0)
        return log_choose + data * np.log(p) + (n - data) * np.log1p(-p)

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        p = x[..., 0]
        return ((data - self.n_trials * p) / (p * (1.0 - p)))[..., None]

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        p = x[..., 0]
        return (-data / p**2 - (self.n_trials - data) / (1.0 - p) ** 2)[..., None, None]

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return rng.binomial(self.n_trials, x[..., 0], size=(n,) + x.shape[:-1])

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r""":math:`KL = n\,[p \log(p/q) + (1-p)\log((1-p)/(1-q))]`."""
        p, q = xp[..., 0], xq[..., 0]
        return self.n_trials * (p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)))


class Bernoulli(_AbstractBinomial):
    r"""Bernoulli(p), support {0, 1}: the binomial family with one trial.

    .. math::

        g(p) = \frac{1}{p(1-p)}, \qquad d(p_1, p_2)
        = 2\,\bigl|\arcsin\sqrt{p_1} - \arcsin\sqrt{p_2}\bigr|

    See ``_AbstractBinomial`` for Γ, T and the charts (``"p"``, ``"logit"``, ``"mean"``
    — here equal to p —, ``"arc_length"``).

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> bool(np.isclose(ig.manifolds.Bernoulli().dist([0.5], [1e-300]), np.pi / 2))
    True
    """

    n_trials = 1

    def to_scipy(self, theta: NDArray):  # noqa: ANN201 - scipy frozen type is private
        """The frozen ``scipy.stats.bernoulli`` at ``theta`` (current chart)."""
        from scipy import stats

        return stats.bernoulli(self._to_base(theta)[..., 0])

    def from_scipy(self, dist) -> NDArray:  # noqa: ANN001
        """The point (current chart) of a frozen ``scipy.stats.bernoulli`` (loc = 0)."""
        scipy_frozen_name(dist, "bernoulli")
        if np.any(np.asarray(dist.support()[0]) != 0):
            raise ValueError("dist must have loc = 0 (support {0, 1})")
        return self._from_base(np.asarray(dist.mean(), dtype=float)[..., None])


class Binomial(_AbstractBinomial):
    r"""Binomial(n, p) with the number of trials n fixed, support {0, ..., n}.

    .. math::

        g(p) = \frac{n}{p(1-p)}, \qquad
        d(p_1, p_2) = 2\sqrt n\,\bigl|\arcsin\sqrt{p_1} - \arcsin\sqrt{p_2}\bigr|

    (the Bernoulli metric × n, distance × √n). See ``_AbstractBinomial`` for Γ, T
    and the charts.

    Parameters
    ----------
    n_trials : int
        Number of trials n >= 1.
    chart : str, optional
        ``"p"`` (default), ``"logit"``, ``"mean"`` or ``"arc_length"``.
    """

    def __init__(self, n_trials: int, chart: str | None = None) -> None:
        self.n_trials = check_positive_int(n_trials, "n_trials")
        super().__init__(chart)

    def to_scipy(self, theta: NDArray):  # noqa: ANN201 - scipy frozen type is private
        """The frozen ``scipy.stats.binom`` at ``theta`` (current chart)."""
        from scipy import stats

        return stats.binom(self.n_trials, self._to_base(theta)[..., 0])

    def from_scipy(self, dist) -> NDArray:  # noqa: ANN001
        """The point (current chart) of a frozen ``scipy.stats.binom`` with the same n."""
        scipy_frozen_name(dist, "binom")
        low, high = (np.asarray(b) for b in dist.support())
        if np.any(low != 0) or np.any(high != self.n_trials):
            raise ValueError(f"dist must have n = {self.n_trials} trials and loc = 0, "
                             f"got support [{low}, {high}]")
        return self._from_base((np.asarray(dist.mean(), dtype=float) / self.n_trials)[..., None])

    def __repr__(self) -> str:
        return f"Binomial(n_trials={self.n_trials}, chart={self.chart.name!r})"
