"""Geometric(p) (trials to the first success) and NegativeBinomial(r, p) with r fixed.

Both follow scipy.stats: ``geom`` counts *trials* (support 1, 2, ...), ``nbinom`` counts
*failures* before the r-th success (support 0, 1, ...). So Geometric(p) is
NegativeBinomial(1, p) shifted by one; the shift does not change the score, hence the
metric, connections and distances coincide, but ``log_prob`` and ``sample`` differ.

The arc length has a closed form (substitute u = √(1 − p), dp = −2u du):

.. math::

    \\int \\frac{dp}{p\\sqrt{1-p}} = -2\\operatorname{artanh}\\sqrt{1-p}
    = \\log p - 2\\log\\left(1 + \\sqrt{1-p}\\right),
    \\qquad \\varphi^{-1}(s) = \\operatorname{sech}^2(s/2).

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.2 (metric);
Miyamoto et al., "On closed-form expressions for the Fisher–Rao distance",
arXiv:2304.14885, §3 (negative binomial distance); REFERENCE.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from .._checks import as_finite_array, check_positive
from ._divergences import bernoulli_kl
from .charts import Chart
from .declarations import (
    UNIT,
    GeomstatsCounterpart,
    Parameter,
    ScipyCounterpart,
    SymbolicCounterpart,
)
from .onedim import AbstractOneParameterFamily, check_integer_data, scalar_chart

__all__ = ["Geometric", "NegativeBinomial"]


class _AbstractNegativeBinomial(AbstractOneParameterFamily):
    r"""Failures (+ ``shift``) before the r-th success, success probability p (base chart).

    With f = x − shift failures:

    .. math::

        p(x\mid p) = \frac{\Gamma(f + r)}{\Gamma(r)\, f!} p^r (1-p)^f, \qquad
        g(p) = \frac{r}{p^2(1-p)}, \qquad
        \Gamma^p_{pp} = -\frac1p + \frac{1}{2(1-p)}, \qquad
        T_{ppp} = -\frac{r(2-p)}{p^3(1-p)^2},

    .. math::

        \varphi(p) = \sqrt r\left(\log p - 2\log\left(1+\sqrt{1-p}\right)\right)
        \in (-\infty, 0), \qquad d(p_1, p_2) = |\varphi(p_1) - \varphi(p_2)|.

    Charts: ``"p"`` (base), ``"natural"`` (θ = log(1 − p) < 0, for T(x) = x),
    ``"mean"`` (m = shift + r(1 − p)/p) and ``"arc_length"``.
    """

    discrete = True
    r: float
    shift: int
    parameters = (Parameter("p", UNIT, typical=(0.1, 0.75)),)

    def _family_charts(self) -> list[Chart]:
        r, shift = self.r, self.shift
        return [
            self._declared_base_chart("p"),
            scalar_chart("natural", "theta", lambda t: -np.expm1(t), lambda p: np.log1p(-p),
                         lambda t: -np.exp(t),
                         check=lambda t, name: check_positive(-t, f"{name}: -theta"),
                         second=lambda t: -np.exp(t)),
            scalar_chart("mean", "m", lambda m: r / (m - shift + r),
                         lambda p: shift + r * (1.0 - p) / p,
                         lambda m: -r / (m - shift + r) ** 2,
                         check=lambda m, name: check_positive(
                             m - shift, f"{name}: mean - {shift}"),
                         second=lambda m: 2.0 * r / (m - shift + r) ** 3),
        ]

    def _check_data(self, data: NDArray, name: str) -> None:
        check_integer_data(data, name, self.shift)

    # -- geometry -------------------------------------------------------------------
    def _g(self, p: NDArray) -> NDArray:
        return self.r / (p**2 * (1.0 - p))

    def _gamma(self, p: NDArray) -> NDArray:
        return -1.0 / p + 0.5 / (1.0 - p)

    def _skew(self, p: NDArray) -> NDArray:
        # score −(f − E f)/(1 − p); third cumulant of f is r(2 − p)(1 − p)/p³
        return -self.r * (2.0 - p) / (p**3 * (1.0 - p) ** 2)

    def _arc_length(self, p: NDArray) -> NDArray:
        # −2 artanh √(1−p), written without the cancellation of artanh near u = 1
        return np.sqrt(self.r) * (np.log(p) - 2.0 * np.log1p(np.sqrt(1.0 - p)))

    def _arc_length_inverse(self, s: NDArray) -> NDArray:
        return 1.0 / np.cosh(s / (2.0 * np.sqrt(self.r))) ** 2

    def _arc_length_range(self) -> tuple[float, float]:
        return -np.inf, 0.0

    # -- statistics -------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        r, p, f = self.r, x[..., 0], data - self.shift
        log_coef = gammaln(f + r) - gammaln(r) - gammaln(f + 1.0)
        return log_coef + r * np.log(p) + f * np.log1p(-p)

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        p, f = x[..., 0], data - self.shift
        return (self.r / p - f / (1.0 - p))[..., None]

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        p, f = x[..., 0], data - self.shift
        return (-self.r / p**2 - f / (1.0 - p) ** 2)[..., None, None]

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return self.shift + rng.negative_binomial(self.r, x[..., 0], size=(n,) + x.shape[:-1])

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r""":math:`KL = r\,[\log(p/q) + \frac{1-p}{p}\log\frac{1-p}{1-q}]
        = \frac rp\,KL_{\text{Bernoulli}}(p\,\|\,q)` (the latter free of cancellation)."""
        p = xp[..., 0]
        return self.r / p * bernoulli_kl(p, xq[..., 0])


class Geometric(_AbstractNegativeBinomial):
    r"""Geometric(p): number of trials up to and including the first success.

    Support {1, 2, ...}, as ``scipy.stats.geom`` and ``numpy.random.Generator.geometric``.

    .. math::

        p(k\mid p) = p(1-p)^{k-1}, \qquad g(p) = \frac{1}{p^2(1-p)}, \qquad
        d(p_1, p_2) = 2\,\bigl|\operatorname{artanh}\sqrt{1-p_1}
        - \operatorname{artanh}\sqrt{1-p_2}\bigr|.

    Charts ``"p"`` (base), ``"natural"`` (log(1 − p)), ``"mean"`` (1/p), ``"arc_length"``.

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> d = ig.manifolds.Geometric().dist([0.5], [0.2])
    >>> bool(np.isclose(d, 2 * (np.arctanh(np.sqrt(0.8)) - np.arctanh(np.sqrt(0.5)))))
    True
    """

    r = 1.0
    shift = 1
    scipy_counterpart = ScipyCounterpart("geom", {"p": "p"}, fixed={"loc": 0.0})
    symbolic_counterpart = SymbolicCounterpart("geometric")
    geomstats_counterpart = GeomstatsCounterpart("geometric.GeometricDistributions", "p")


class NegativeBinomial(_AbstractNegativeBinomial):
    r"""NegativeBinomial(r, p): failures before the r-th success, r > 0 fixed.

    Support {0, 1, ...}, the convention of ``scipy.stats.nbinom(n=r, p)`` and
    ``numpy.random.Generator.negative_binomial``; r may be any real > 0.

    .. math::

        g(p) = \frac{r}{p^2(1-p)}, \qquad
        d(p_1, p_2) = 2\sqrt r\,\bigl|\operatorname{artanh}\sqrt{1-p_1}
        - \operatorname{artanh}\sqrt{1-p_2}\bigr|

    (the geometric metric × r, distance × √r). Charts as for ``Geometric``, with mean
    r(1 − p)/p.

    Parameters
    ----------
    r : float
        Number of successes (dispersion), > 0.
    chart : str, optional
    """

    shift = 0
    scipy_counterpart = ScipyCounterpart("nbinom", {"p": "p"}, fixed={"loc": 0.0},
                                         hyper={"r": "n"})
    symbolic_counterpart = SymbolicCounterpart("negative_binomial", hyper={"r": "r"})
    examples = {"negative_binomial": lambda: NegativeBinomial(r=3)}

    def __init__(self, r: float, chart: str | None = None) -> None:
        r_arr = as_finite_array(r, "r")
        if r_arr.ndim != 0:
            raise ValueError(f"r must be a scalar, got shape {r_arr.shape}")
        check_positive(r_arr, "r")
        self.r = float(r_arr)
        super().__init__(chart)

    def __repr__(self) -> str:
        return f"NegativeBinomial(r={self.r}, chart={self.chart.name!r})"
