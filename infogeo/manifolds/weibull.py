r"""The Weibull family W(k, λ) (shape k, scale λ): a half-plane of curvature −6/π².

The map :math:`x \mapsto \log x` sends W(k, λ) to the location–scale family of the
standard Gumbel (minimum) law :math:`f(z) = e^{z - e^z}`, with location
:math:`\mu = \log\lambda` and scale :math:`\sigma = 1/k`. A bijection of the data does not
change the Fisher metric, and a location–scale family has :math:`I = \sigma^{-2}
\left(\begin{smallmatrix} a & c \\ c & b\end{smallmatrix}\right)`; here

.. math::

    a = E[(W-1)^2] = 1, \quad c = 1 - \gamma_E, \quad b = (1-\gamma_E)^2 + \frac{\pi^2}{6},
    \qquad W = e^z \sim \mathrm{Exp}(1),

so in :math:`\nu = \mu + c\,\sigma` the metric is :math:`\sigma^{-2}(d\nu^2 + \frac{\pi^2}{6}
d\sigma^2)`: :math:`\pi^2/6` times the Poincaré half-plane in :math:`(\nu\sqrt{6}/\pi,
\sigma)`. Geodesics, ``exp``, ``log`` and the distance are the closed forms of
:mod:`infogeo.manifolds.halfplane` in those coordinates.

Sources: N. L. Johnson, S. Kotz & N. Balakrishnan, *Continuous Univariate
Distributions*, vol. 1, 2nd ed. (1994), ch. 21 (Fisher information); Costa, Santos &
Strapasson, "Fisher information distance: a geometrical reading", arXiv:1210.2354, §3
(location–scale families as half-planes); C. Bauckhage, "Computing the Kullback–Leibler
divergence between two Weibull distributions", arXiv:1310.3713 (2013); REFERENCE.md.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._checks import check_positive
from ..errors import OutOfRangeError
from ._arrays import matrix_from_rows as _jac
from ._arrays import stack_last as _stack
from ._divergences import clip_nonnegative, expm1mx, log_ratio
from .base import StatisticalManifold
from .charts import Chart, log_chart
from .declarations import POSITIVE, Parameter, ScipyCounterpart, SymbolicCounterpart
from .halfplane import halfplane_dist, halfplane_exp, halfplane_log

__all__ = ["Weibull"]

_C = 1.0 - np.euler_gamma                      # E[(W − 1)(z(W − 1) − 1)]
_P = np.pi**2 / 6                              # b − c²
_B = _C**2 + _P                                # E[(z(W − 1) − 1)²]
#: third moments of the (μ, σ) scores of the standard Gumbel (minimum) law, times σ³:
#: E[s_μ³], E[s_μ² s_σ], E[s_μ s_σ²], E[s_σ³] (E[z^m W^n] = Γ^(m)(n + 1))
_G, _Z3 = np.euler_gamma, special.zeta(3.0)
_SKEW = (2.0, 4.0 - 2.0 * _G, 4.0 - 8.0 * _G + 2.0 * _G**2 + np.pi**2 / 3,
         2.0 - 12.0 * _G + 12.0 * _G**2 - 2.0 * _G**3 + 2.0 * np.pi**2 - _G * np.pi**2
         - 4.0 * _Z3)
#: ζ(n), n = 2..21, for the series of log Γ(1 + x) + γ x
_ZETA = special.zeta(np.arange(2.0, 22.0))


def _to_halfplane(x: NDArray) -> NDArray:
    """(k, λ) -> (ν, σ) = (log λ + c/k, 1/k)."""
    k, lam = x[..., 0], x[..., 1]
    return _stack(np.log(lam) + _C / k, 1.0 / k)


def _from_halfplane(z: NDArray) -> NDArray:
    """(ν, σ) -> (k, λ) = (1/σ, exp(ν − cσ))."""
    nu, sigma = z[..., 0], z[..., 1]
    return _stack(1.0 / sigma, np.exp(nu - _C * sigma))


def _halfplane_jacobian(x: NDArray) -> NDArray:
    """d(ν, σ)/d(k, λ)."""
    k, lam = x[..., 0], x[..., 1]
    return _jac([[-_C / k**2, 1.0 / lam], [-1.0 / k**2, 0.0]])


def _chart_jacobian(y: NDArray) -> NDArray:
    """d(k, λ)/d(ν, σ) of the ``"halfplane"`` chart."""
    lam = np.exp(y[..., 0] - _C * y[..., 1])
    return _jac([[0.0, -1.0 / y[..., 1] ** 2], [lam, -_C * lam]])


def _chart_second(y: NDArray) -> NDArray:
    """d²(k, λ)/d(ν, σ)² of the ``"halfplane"`` chart."""
    lam = np.exp(y[..., 0] - _C * y[..., 1])
    h = np.zeros(y.shape + (2, 2))
    h[..., 0, 1, 1] = 2.0 / y[..., 1] ** 3
    h[..., 1, 0, 0] = lam
    h[..., 1, 0, 1] = h[..., 1, 1, 0] = -_C * lam
    h[..., 1, 1, 1] = _C**2 * lam
    return h


def _log_gamma_plus_gamma_x(x: NDArray) -> NDArray:
    r""":math:`g = \log\Gamma(1 + x) + \gamma_E x \ge 0` (a double zero at x = 0), by its
    Taylor series :math:`\sum_{n\ge2}\zeta(n)(-x)^n/n` for |x| < 0.1, where the closed
    form cancels."""
    small = np.abs(x) < 0.1
    xs = np.where(small, x, 0.0)
    series = np.zeros_like(xs)
    for n in range(len(_ZETA) + 1, 1, -1):  # Horner in −x, n = 21 .. 2
        series = series * (-xs) + _ZETA[n - 2] / n
    with np.errstate(invalid="ignore"):
        direct = special.gammaln(1.0 + x) + np.euler_gamma * x
    return np.where(small, series * xs * xs, direct)


class Weibull(StatisticalManifold):
    r"""Weibull family on (0, ∞), base chart (shape k, scale λ).

    .. math::

        p(x\mid k, \lambda) = \frac k\lambda\left(\frac x\lambda\right)^{k-1}
        e^{-(x/\lambda)^k}, \qquad
        I(k, \lambda) = \begin{pmatrix} b/k^2 & -c/\lambda \\ -c/\lambda & k^2/\lambda^2
        \end{pmatrix},

    :math:`c = 1 - \gamma_E`, :math:`b = c^2 + \pi^2/6`. With :math:`p = \pi^2/6` the
    Christoffel symbols are

    .. math::

        \Gamma^k_{kk} = -\frac{b}{pk}, \quad \Gamma^k_{k\lambda} = \frac{ck}{p\lambda}, \quad
        \Gamma^k_{\lambda\lambda} = -\frac{k^3}{p\lambda^2}, \quad
        \Gamma^\lambda_{kk} = -\frac{cb\lambda}{pk^3}, \quad
        \Gamma^\lambda_{k\lambda} = \frac{b}{pk}, \quad
        \Gamma^\lambda_{\lambda\lambda} = -\frac{1}{\lambda}\left(1 + \frac{ck}{p}\right),

    the Gaussian curvature is :math:`-1/p = -6/\pi^2` and, with :math:`\nu = \log\lambda +
    c/k`, :math:`\sigma = 1/k`,

    .. math::

        d = \frac{\pi}{\sqrt6}\operatorname{arccosh}\left(1 + \frac{(6/\pi^2)
        (\nu_1 - \nu_2)^2 + (\sigma_1 - \sigma_2)^2}{2\sigma_1\sigma_2}\right).

    Charts: ``"shape_scale"`` (base), ``"log_k_log_lambda"`` and ``"halfplane"``
    (ν, σ), in which the metric is :math:`\sigma^{-2}\operatorname{diag}(1, \pi^2/6)`.

    Examples
    --------
    >>> import infogeo as ig
    >>> w = ig.manifolds.Weibull()
    >>> round(float(w.scalar_curvature([2.0, 1.5])), 6)  # 2K = -12/π²
    -1.215854
    """

    parameters = (Parameter("k", POSITIVE, typical=(0.5, 5.0), log_scale=True,
                            edges=(1e-4, 1e4), description="shape"),
                  Parameter("lambda", POSITIVE, typical=(np.exp(-1.0), np.exp(1.0)),
                            log_scale=True, description="scale"))
    scipy_counterpart = ScipyCounterpart("weibull_min", {"c": "k", "scale": "lambda"},
                                         fixed={"loc": 0.0})
    symbolic_counterpart = SymbolicCounterpart("weibull")

    def _charts(self) -> list[Chart]:
        base = self._declared_base_chart("shape_scale")
        return [
            base,
            log_chart(base.coordinates, "k", "lambda"),
            Chart("halfplane", ("nu", "sigma"), to_base=_from_halfplane,
                  from_base=_to_halfplane, jacobian=_chart_jacobian,
                  check=lambda y, name: check_positive(y[..., 1], f"{name}: sigma"),
                  second=_chart_second),
        ]

    def _check_data(self, data: NDArray, name: str) -> None:
        check_positive(data, f"{name} (the support is x > 0)")

    # -- metric, connection, skewness (JKB 1994 ch. 21; REFERENCE.md) ------------------
    def _metric(self, x: NDArray) -> NDArray:
        k, lam = x[..., 0], x[..., 1]
        cross = -_C / lam
        return _jac([[_B / k**2, cross], [cross, (k / lam) ** 2]])

    def _christoffels(self, x: NDArray) -> NDArray:
        k, lam = x[..., 0], x[..., 1]
        gamma = np.zeros(x.shape[:-1] + (2, 2, 2))
        gamma[..., 0, 0, 0] = -_B / (_P * k)
        gamma[..., 0, 0, 1] = gamma[..., 0, 1, 0] = _C * k / (_P * lam)
        gamma[..., 0, 1, 1] = -(k**3) / (_P * lam**2)
        gamma[..., 1, 0, 0] = -_C * _B * lam / (_P * k**3)
        gamma[..., 1, 0, 1] = gamma[..., 1, 1, 0] = _B / (_P * k)
        gamma[..., 1, 1, 1] = -(1.0 + _C * k / _P) / lam
        return gamma

    def _skewness(self, x: NDArray) -> NDArray:
        r""":math:`T_{ijk} = E[\partial_i\ell\,\partial_j\ell\,\partial_k\ell]`, from the
        Gumbel scores :math:`\sigma s_\mu = W - 1`, :math:`\sigma s_\sigma = z(W-1) - 1`
        pulled back by :math:`d\mu = d\lambda/\lambda`, :math:`d\sigma = -dk/k^2`:

        .. math::

            T_{kkk} = -\frac{t_{\sigma\sigma\sigma}}{k^3}, \quad
            T_{kk\lambda} = \frac{t_{\mu\sigma\sigma}}{k\lambda}, \quad
            T_{k\lambda\lambda} = -\frac{k\,t_{\mu\mu\sigma}}{\lambda^2}, \quad
            T_{\lambda\lambda\lambda} = \frac{2k^3}{\lambda^3},

        :math:`t_{\mu\mu\sigma} = 4 - 2\gamma_E`, :math:`t_{\mu\sigma\sigma} = 4 - 8\gamma_E
        + 2\gamma_E^2 + \pi^2/3`, :math:`t_{\sigma\sigma\sigma} = 2 - 12\gamma_E
        + 12\gamma_E^2 - 2\gamma_E^3 + (2 - \gamma_E)\pi^2 - 4\zeta(3)` (moments
        :math:`E[z^m W^n] = \Gamma^{(m)}(n + 1)`).
        """
        k, lam = x[..., 0], x[..., 1]
        _, t_mms, t_mss, t_sss = _SKEW
        t = np.zeros(x.shape[:-1] + (2, 2, 2))
        t[..., 0, 0, 0] = -t_sss / k**3
        t[..., 0, 0, 1] = t[..., 0, 1, 0] = t[..., 1, 0, 0] = t_mss / (k * lam)
        t[..., 0, 1, 1] = t[..., 1, 0, 1] = t[..., 1, 1, 0] = -k * t_mms / lam**2
        t[..., 1, 1, 1] = 2.0 * k**3 / lam**3
        return t

    # -- geodesics: the half-plane in (ν, σ) ----------------------------------------------
    def _dist(self, xa: NDArray, xb: NDArray) -> NDArray:
        return halfplane_dist(_to_halfplane(xa), _to_halfplane(xb), 1.0, _P)

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        w = np.einsum("...ai,...i->...a", _halfplane_jacobian(x), v)
        with np.errstate(over="ignore"):
            end = _from_halfplane(halfplane_exp(w, _to_halfplane(x), 1.0, _P))
        if not np.all(np.isfinite(end)):
            raise OutOfRangeError("tangent_vec is too long: exp(tangent_vec, base_point) "
                                  "overflows the floating-point range of (k, lambda)")
        return end

    def _log(self, y: NDArray, x: NDArray) -> NDArray:
        w = halfplane_log(_to_halfplane(y), _to_halfplane(x), 1.0, _P)
        return np.linalg.solve(_halfplane_jacobian(x), w[..., None])[..., 0]

    # -- statistics -------------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        k, lam = x[..., 0], x[..., 1]
        t = np.log(data) - np.log(lam)
        with np.errstate(over="ignore"):
            return np.log(k) - np.log(lam) + (k - 1.0) * t - np.exp(k * t)

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        k, lam = x[..., 0], x[..., 1]
        t = np.log(data) - np.log(lam)
        power = np.exp(k * t)  # (x/λ)^k
        return _stack(1.0 / k + t * (1.0 - power), (k / lam) * (power - 1.0))

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        k, lam = x[..., 0], x[..., 1]
        t = np.log(data) - np.log(lam)
        power = np.exp(k * t)
        cross = (power - 1.0 + k * t * power) / lam
        return _jac([[-1.0 / k**2 - t**2 * power, cross],
                     [cross, -(k / lam**2) * (power - 1.0) - (k / lam) ** 2 * power]])

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        # λ E^{1/k}, E ~ Exp(1), in log space: small shapes spread over many decades;
        # draws beyond the floating-point range move to the nearest positive float
        log_draws = np.log(x[..., 1]) + np.log(rng.standard_exponential(
            (n,) + x.shape[:-1])) / x[..., 0]
        with np.errstate(over="ignore", under="ignore"):
            draws = np.exp(log_draws)
        return np.clip(draws, np.finfo(float).tiny, np.finfo(float).max)

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r"""Bauckhage (2013), rewritten as a sum of two nonnegative terms: with
        :math:`r = k_q/k_p`, :math:`w = k_q\log(\lambda_p/\lambda_q) + \log\Gamma(1 + r)`,

        .. math::

            KL = \log\frac{k_p}{\lambda_p^{k_p}} - \log\frac{k_q}{\lambda_q^{k_q}}
            + (k_p - k_q)\left(\log\lambda_p - \frac{\gamma_E}{k_p}\right)
            + \left(\frac{\lambda_p}{\lambda_q}\right)^{k_q}\Gamma(1 + r) - 1
            = \left(e^w - 1 - w\right) + \left(\log\Gamma(r) + \gamma_E(r - 1)\right),

        the second term convex in r with a double zero at r = 1 (its Taylor series
        :math:`\sum_{n\ge2}\zeta(n)(1-r)^n/n` near there). Overflows to ``inf`` only when
        the divergence itself exceeds the floating-point range.
        """
        (kp, lp), (kq, lq) = np.moveaxis(xp, -1, 0), np.moveaxis(xq, -1, 0)
        x = (kq - kp) / kp  # r − 1
        w = kq * log_ratio(lp, lq) + special.gammaln(2.0 + x)
        with np.errstate(over="ignore"):
            return clip_nonnegative(expm1mx(w) + _log_gamma_plus_gamma_x(x))
