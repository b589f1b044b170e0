"""Bernoulli(p) and Binomial(n, p) with n fixed: an arc of a circle.

With ξ = 2√n·(√p, √(1 − p)) the Fisher metric is the Euclidean metric on a quarter circle
of radius 2√n, so the arc length is :math:`\\varphi(p) = 2\\sqrt n \\arcsin\\sqrt p`.

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.2; Miyamoto et al.,
"On closed-form expressions for the Fisher–Rao distance", arXiv:2304.14885, §3 (binomial).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from .._checks import check_in_interval, check_positive_int
from ._divergences import bernoulli_kl
from .charts import LOGIT, Chart, affine_chart, coordinate_chart
from .declarations import (
    UNIT,
    GeomstatsCounterpart,
    Parameter,
    ScipyCounterpart,
    SymbolicCounterpart,
)
from .onedim import AbstractOneParameterFamily, check_integer_data

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
    # typical points away from 0 and 1, so that unit-size geodesic steps stay inside
    parameters = (Parameter("p", UNIT, typical=(0.25, 0.75)),)

    def _family_charts(self) -> list[Chart]:
        n = self.n_trials
        return [
            self._declared_base_chart("p"),
            coordinate_chart("logit", ("p",), {"p": ("theta", LOGIT)}),
            affine_chart("mean", ("m",), [[1.0 / n]], [0.0],
                         check=lambda m, name: check_in_interval(m[..., 0], f"{name}: mean",
                                                                 0, n)),
        ]

    def _check_data(self, data: NDArray, name: str) -> None:
        check_integer_data(data, name, 0, self.n_trials)

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
        return self.n_trials * bernoulli_kl(xp[..., 0], xq[..., 0])  # no cancellation


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
    scipy_counterpart = ScipyCounterpart("bernoulli", {"p": "p"}, fixed={"loc": 0.0})
    symbolic_counterpart = SymbolicCounterpart("bernoulli")


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

    scipy_counterpart = ScipyCounterpart("binom", {"p": "p"}, fixed={"loc": 0.0},
                                         hyper={"n_trials": "n"})
    symbolic_counterpart = SymbolicCounterpart("binomial", kwargs={"n": "n_trials"})
    geomstats_counterpart = GeomstatsCounterpart("binomial.BinomialDistributions", "p",
                                                 hyper={"n_trials": ("n_draws", 0)})
    examples = {"binomial": lambda: Binomial(n_trials=10)}

    def __init__(self, n_trials: int, chart: str | None = None) -> None:
        self.n_trials = check_positive_int(n_trials, "n_trials")
        super().__init__(chart)

    def __repr__(self) -> str:
        return f"Binomial(n_trials={self.n_trials}, chart={self.chart.name!r})"
