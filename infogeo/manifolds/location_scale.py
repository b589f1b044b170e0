"""Symmetric location–scale families with a scaled half-plane geometry: Student-t and Cauchy.

A density :math:`p(x\\mid\\mu,\\sigma) = \\sigma^{-1} f(z)`, :math:`z = (x-\\mu)/\\sigma`, with
:math:`f` symmetric has Fisher information :math:`\\sigma^{-2}\\operatorname{diag}(a, b)`;
its geometry (curvature :math:`-1/b`, closed-form distance, ``exp``, ``log``) is in
:mod:`infogeo.manifolds.halfplane`.

Sources: Costa, Santos & Strapasson, arXiv:1210.2354 (Student-t and Cauchy metrics);
Miyamoto et al., arXiv:2304.14885; Chyzak & Nielsen, "A closed-form formula for the
Kullback–Leibler divergence between Cauchy distributions", arXiv:1905.10965 (2019).
"""

from __future__ import annotations

import abc

import numpy as np
from numpy.typing import NDArray
from scipy import integrate, special

from ._arrays import matrix_from_rows as _jac
from ._arrays import stack_last as _stack
from ._divergences import clip_nonnegative, expm1mx, log_ratio
from .base import StatisticalManifold
from .charts import Chart, log_chart
from .declarations import POSITIVE, REAL, Parameter, ScipyCounterpart, SymbolicCounterpart
from .halfplane import (
    halfplane_christoffels,
    halfplane_dist,
    halfplane_exp,
    halfplane_log,
    halfplane_metric,
)

__all__ = ["AbstractLocationScale", "StudentT", "Cauchy"]

#: absolute and relative tolerances of the quadrature behind StudentT.kl_divergence (the
#: integrand is nonnegative, so a relative tolerance holds even for nearby points; the
#: absolute one is far below any KL that matters and above the rounding noise ~1e-32 of
#: the integrand between identical points)
KL_QUAD_EPSABS = 1e-30
KL_QUAD_EPSREL = 1e-10


class AbstractLocationScale(StatisticalManifold):
    r"""A symmetric location–scale family, base chart (μ, σ), metric :math:`\sigma^{-2}
    \operatorname{diag}(a, b)`.

    A subclass gives :math:`(a, b)` (``_halfplane``), the standard log-density
    :math:`\phi = \log f` with its first two derivatives (``_phi``) and a standard sampler;
    the score and Hessian then follow from :math:`\ell = \phi(z) - \log\sigma`:

    .. math::

        \partial_\mu \ell = -\frac{\phi'(z)}{\sigma}, \quad
        \partial_\sigma \ell = -\frac{z\phi'(z) + 1}{\sigma}, \quad
        \nabla^2 \ell = \frac{1}{\sigma^2}\begin{pmatrix} \phi'' & z\phi'' + \phi' \\
        z\phi'' + \phi' & z^2\phi'' + 2z\phi' + 1\end{pmatrix}.

    Charts: ``"mu_sigma"`` (base) and ``"mu_log_sigma"``.
    """

    parameters = (Parameter("mu", REAL, typical=(-4.0, 4.0)),
                  Parameter("sigma", POSITIVE, typical=(np.exp(-1.0), np.exp(1.0)),
                            log_scale=True))

    @abc.abstractmethod
    def _halfplane(self) -> tuple[float, float]:
        """``(a, b)`` with :math:`I = \\sigma^{-2}\\operatorname{diag}(a, b)`."""

    @abc.abstractmethod
    def _phi(self, z: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        """``(φ(z), φ'(z), φ''(z))`` of the standard log-density φ = log f."""

    @abc.abstractmethod
    def _standard_sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        """Draws from the standard density f."""

    @abc.abstractmethod
    def _skewness_constants(self) -> tuple[float, float]:
        r"""``(c₁, c₂)`` with :math:`T_{\mu\mu\sigma} = c_1/\sigma^3`,
        :math:`T_{\sigma\sigma\sigma} = c_2/\sigma^3`."""

    def _charts(self) -> list[Chart]:
        base = self._declared_base_chart("mu_sigma")
        return [base, log_chart(base.coordinates, "sigma")]

    # -- geometry: b × the Poincaré half-plane in (μ√(a/b), σ) ---------------------------
    def _metric(self, x: NDArray) -> NDArray:
        return halfplane_metric(x, *self._halfplane())

    def _christoffels(self, x: NDArray) -> NDArray:
        return halfplane_christoffels(x, *self._halfplane())

    def _dist(self, xa: NDArray, xb: NDArray) -> NDArray:
        return halfplane_dist(xa, xb, *self._halfplane())

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        return halfplane_exp(v, x, *self._halfplane())

    def _log(self, y: NDArray, x: NDArray) -> NDArray:
        return halfplane_log(y, x, *self._halfplane())

    def _skewness(self, x: NDArray) -> NDArray:
        r""":math:`T_{ijk} = E[\partial_i\ell\,\partial_j\ell\,\partial_k\ell]`: the score in
        μ is odd in z and the one in σ even, so only :math:`T_{\mu\mu\sigma}` (and its
        permutations) and :math:`T_{\sigma\sigma\sigma}` survive, both ∝ σ⁻³."""
        c1, c2 = self._skewness_constants()
        inv3 = 1.0 / x[..., 1] ** 3
        t = np.zeros(x.shape[:-1] + (2, 2, 2))
        t[..., 0, 0, 1] = t[..., 0, 1, 0] = t[..., 1, 0, 0] = c1 * inv3
        t[..., 1, 1, 1] = c2 * inv3
        return t

    # -- statistics ---------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        sigma = x[..., 1]
        return self._phi((data - x[..., 0]) / sigma)[0] - np.log(sigma)

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        sigma = x[..., 1]
        z = (data - x[..., 0]) / sigma
        _, d1, _ = self._phi(z)
        return _stack(-d1 / sigma, -(z * d1 + 1) / sigma)

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        sigma = x[..., 1]
        z = (data - x[..., 0]) / sigma
        _, d1, d2 = self._phi(z)
        inv2 = 1.0 / sigma**2
        cross = (z * d2 + d1) * inv2
        return _jac([[d2 * inv2, cross], [cross, (z**2 * d2 + 2 * z * d1 + 1) * inv2]])

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        z = self._standard_sample(rng, (n,) + x.shape[:-1])
        return x[..., 0] + x[..., 1] * z


class StudentT(AbstractLocationScale):
    r"""Student-t family with ν > 0 degrees of freedom (fixed), base chart (μ, σ).

    .. math::

        p(x\mid\mu,\sigma) = \frac{\Gamma(\frac{\nu+1}2)}{\Gamma(\frac\nu2)\sqrt{\nu\pi}\,
        \sigma}\left(1 + \frac{z^2}{\nu}\right)^{-\frac{\nu+1}2}, \qquad
        I(\mu, \sigma) = \frac{1}{(\nu+3)\sigma^2}\begin{pmatrix}\nu+1 & 0\\
        0 & 2\nu\end{pmatrix},

    so scalar curvature :math:`-(\nu+3)/\nu` (Costa et al., arXiv:1210.2354) and
    :math:`d = \sqrt b\,\operatorname{arccosh}(1 + ((a/b)\Delta\mu^2 + \Delta\sigma^2)
    / (2\sigma_1\sigma_2))` with :math:`a = \frac{\nu+1}{\nu+3}, b = \frac{2\nu}{\nu+3}`.

    The KL divergence has no closed form for general ν; it is computed by adaptive
    quadrature (``scipy.integrate.quad`` over the standardized variable, relative
    tolerance ``KL_QUAD_EPSREL = 1e-10``), one integral per pair of points, of a
    nonnegative integrand for nearby points.

    Examples
    --------
    >>> import infogeo as ig
    >>> t5 = ig.manifolds.StudentT(5)
    >>> round(float(t5.scalar_curvature([0.0, 1.0])), 6)  # -(nu + 3) / nu
    -1.6
    """

    scipy_counterpart = ScipyCounterpart("t", {"loc": "mu", "scale": "sigma"},
                                         hyper={"nu": "df"})
    symbolic_counterpart = SymbolicCounterpart("student_t", hyper={"nu": "nu"})
    examples = {"student_t": lambda: StudentT(nu=5)}

    def __init__(self, nu: float, chart: str | None = None) -> None:
        nu_arr = np.asarray(nu, dtype=float)
        if nu_arr.ndim != 0 or not np.isfinite(nu_arr) or nu_arr <= 0:
            raise ValueError(f"nu must be a finite scalar > 0, got {nu!r}")
        self.nu = float(nu_arr)
        self._log_norm = (special.gammaln((self.nu + 1) / 2) - special.gammaln(self.nu / 2)
                          - 0.5 * np.log(self.nu * np.pi))
        super().__init__(chart)

    def _halfplane(self) -> tuple[float, float]:
        nu = self.nu
        return (nu + 1) / (nu + 3), 2 * nu / (nu + 3)

    def _phi(self, z: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        nu = self.nu
        w = nu + z**2
        return (self._log_norm - 0.5 * (nu + 1) * np.log1p(z**2 / nu),
                -(nu + 1) * z / w, -(nu + 1) * (nu - z**2) / w**2)

    def _standard_sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        return rng.standard_t(self.nu, size)

    def _skewness_constants(self) -> tuple[float, float]:
        r"""With :math:`u = z^2/(\nu + z^2) \sim \mathrm{Beta}(\frac12, \frac\nu2)`,
        :math:`\sigma s_\mu = (\nu+1)\,z/(\nu+z^2)` and :math:`\sigma s_\sigma =
        (\nu+1)u - 1`, the Beta moments give

        .. math::

            T_{\mu\mu\sigma} = \frac{2(\nu+1)(\nu-1)}{(\nu+3)(\nu+5)\sigma^3}, \qquad
            T_{\sigma\sigma\sigma} = \frac{8\nu(\nu-1)}{(\nu+3)(\nu+5)\sigma^3}

        (2/σ³ and 8/σ³ of the normal as ν → ∞; zero for the Cauchy, ν = 1).
        """
        nu = self.nu
        den = (nu + 3) * (nu + 5)
        return 2 * (nu + 1) * (nu - 1) / den, 8 * nu * (nu - 1) / den

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r"""KL by quadrature in :math:`z = (x - \mu_p)/\sigma_p`, with
        :math:`\log r(z) = \log\frac{\sigma_p}{\sigma_q} + \phi(z_q) - \phi(z)`,
        :math:`z_q = \frac{\mu_p - \mu_q}{\sigma_q} + \frac{\sigma_p}{\sigma_q} z`:

        .. math::

            KL = -E_p[\log r] = E_p\left[r - 1 - \log r\right].

        Nearby points (Fisher–Rao distance below 1/2) use the second, pointwise
        nonnegative form (both densities have mass 1, so :math:`E_p[r - 1] = 0`), with
        :math:`e^u - 1 - u` evaluated without cancellation: accurate to the relative
        tolerance however close the points, never negative. Distant points use the first:
        there q may be a spike far narrower than p that the quadrature of
        :math:`E_p[r]` would step over, while :math:`\log r` stays smooth.
        """
        out = np.empty(xp.shape[:-1])
        flat_p, flat_q = xp.reshape(-1, 2), xq.reshape(-1, 2)
        near = (self._dist(flat_p, flat_q) < 0.5).tolist()
        for k, ((mp, sp), (mq, sq)) in enumerate(zip(flat_p, flat_q, strict=True)):
            c = float(log_ratio(sp, sq))
            shift, ratio = float((mp - mq) / sq), float(sp / sq)

            def log_r(z: float, shift=shift, ratio=ratio, c=c) -> tuple[float, float]:
                phi_p = float(self._phi(z)[0])
                return phi_p, c + float(self._phi(shift + ratio * z)[0]) - phi_p

            if near[k]:
                def integrand(z: float, log_r=log_r) -> float:
                    phi_p, u = log_r(z)
                    return float(np.exp(phi_p) * expm1mx(u))
            else:
                def integrand(z: float, log_r=log_r) -> float:
                    phi_p, u = log_r(z)
                    return -np.exp(phi_p) * u

            # split at z = 0 and at the mode of q so that quad sees both peaks
            cuts = sorted({0.0, float((mq - mp) / sp)})
            pieces = [(-np.inf, cuts[0])] + list(zip(cuts[:-1], cuts[1:], strict=True)) \
                + [(cuts[-1], np.inf)]
            out.reshape(-1)[k] = sum(
                integrate.quad(integrand, lo, hi, epsabs=KL_QUAD_EPSABS if near[k] else 1e-13,
                               epsrel=KL_QUAD_EPSREL, limit=200)[0] for lo, hi in pieces)
        return clip_nonnegative(out)

    def __repr__(self) -> str:
        return f"StudentT(nu={self.nu!r}, chart={self.chart.name!r})"


class Cauchy(AbstractLocationScale):
    r"""Cauchy family, base chart (μ, σ) (location, scale γ = σ).

    .. math::

        p(x\mid\mu,\sigma) = \frac{\sigma}{\pi(\sigma^2 + (x-\mu)^2)}, \qquad
        I = \frac{1}{2\sigma^2}\begin{pmatrix}1 & 0\\0 & 1\end{pmatrix}, \qquad K = -2,

    .. math::

        d = \frac{1}{\sqrt2}\operatorname{arccosh}\!\left(1 + \frac{(\mu_1-\mu_2)^2
        + (\sigma_1-\sigma_2)^2}{2\sigma_1\sigma_2}\right), \qquad
        KL = \log\frac{(\sigma_1+\sigma_2)^2 + (\mu_1-\mu_2)^2}{4\sigma_1\sigma_2}

    (the KL divergence is symmetric; Chyzak & Nielsen 2019).

    Examples
    --------
    >>> import infogeo as ig
    >>> c = ig.manifolds.Cauchy()
    >>> round(float(c.kl_divergence([0.0, 1.0], [0.0, 2.0])), 6)  # log(9/8)
    0.117783
    """

    scipy_counterpart = ScipyCounterpart("cauchy", {"loc": "mu", "scale": "sigma"})
    symbolic_counterpart = SymbolicCounterpart("cauchy")

    def _halfplane(self) -> tuple[float, float]:
        return 0.5, 0.5

    def _phi(self, z: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        w = 1.0 + z**2
        return -np.log(np.pi) - np.log1p(z**2), -2 * z / w, -2 * (1 - z**2) / w**2

    def _standard_sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        return rng.standard_cauchy(size)

    def _skewness_constants(self) -> tuple[float, float]:
        """T = 0: every α-connection of the Cauchy family is the Levi-Civita one."""
        return 0.0, 0.0

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        (mp, sp), (mq, sq) = np.moveaxis(xp, -1, 0), np.moveaxis(xq, -1, 0)
        # log(1 + t) with t = ((σp − σq)² + Δμ²)/(4σpσq): accurate for nearby points;
        # far apart (t > 1) the logarithms of the factors, which do not overflow
        with np.errstate(over="ignore"):
            t = (((sp - sq) / (2 * sp)) * ((sp - sq) / (2 * sq))
                 + ((mp - mq) / (2 * sp)) * ((mp - mq) / (2 * sq)))
            far = (2 * np.log(np.hypot(0.5 * sp + 0.5 * sq, 0.5 * (mp - mq)))
                   - np.log(sp) - np.log(sq))
        return np.where(t > 1.0, far, np.log1p(np.minimum(t, 1.0)))

