"""The von Mises family on the circle, VM(μ, κ), with its Fisher metric.

Everything is expressed through the mean resultant length :math:`A(\\kappa) =
I_1(\\kappa)/I_0(\\kappa)` and its derivative, which satisfies the Riccati equation

.. math::

    A'(\\kappa) = 1 - \\frac{A}{\\kappa} - A^2 \\; (= \\operatorname{Var}[\\cos(x-\\mu)]),
    \\qquad A'' = -\\frac{A'}{\\kappa} + \\frac{A}{\\kappa^2} - 2AA'.

Sources: Mardia & Jupp, *Directional Statistics* (2000), §3.5 and §5.3 (Fisher
information, A′); Amari & Nagaoka (2000) for the exponential-family view
(natural parameters κ(cos μ, sin μ)).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from ._arrays import matrix_from_rows as _jac
from ._arrays import stack_last as _stack
from ._divergences import clip_nonnegative, log_ratio
from ._newton import NewtonResult as ShootingResult
from .base import StatisticalManifold
from .charts import Chart, log_chart
from .declarations import POSITIVE, REAL, Parameter, ScipyCounterpart, SymbolicCounterpart
from .geodesic_flow import GeodesicFlow

__all__ = ["VonMises", "resultant_length", "resultant_length_derivatives",
           "natural_christoffels"]

# Below _SMALL and above _LARGE the Riccati expressions for A' and A'' cancel
# catastrophically (relative error ~ε/κ² and ~εκ³); series are used there instead.
_SMALL, _LARGE = 0.25, 25.0
_N_TAYLOR = 16
_N_ASYMPTOTIC = 50
_EXP_SUBSTEPS = 16
# Gauss–Legendre rule (per panel) of the KL integral in log κ
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)


def _asymptotic_coefficients(n_terms: int) -> NDArray:
    r"""``c[n]`` of the asymptotic series :math:`A(\kappa) \sim 1 - \sum_{n\ge1} c_n
    \kappa^{-n}`, from the Riccati equation :math:`A' = 1 - A/\kappa - A^2` term by term:

    .. math::

        c_1 = \tfrac12, \qquad c_m = \tfrac12\Big((m-2)c_{m-1}
        + \sum_{i=1}^{m-1} c_i c_{m-i}\Big)

    (1/2, 1/8, 1/8, 25/128, 13/32, ...). The series diverges; its smallest term is near
    n ≈ 2κ, so 50 terms give full double precision for κ ≥ 25.
    """
    c = np.zeros(n_terms + 1)
    c[1] = 0.5
    for m in range(2, n_terms + 1):
        c[m] = 0.5 * ((m - 2) * c[m - 1] + np.dot(c[1:m], c[m - 1:0:-1]))
    return c


def _taylor_coefficients(n_terms: int) -> NDArray:
    r"""``a[n]`` of the Taylor series :math:`A(\kappa) = \sum_{n\ge0} a_n \kappa^{2n+1}`,
    from the same Riccati equation: :math:`(2n+2)\,a_n = \delta_{n0}
    - \sum_{i+j=n-1} a_i a_j` (1/2, −1/16, 1/96, ...). The radius of convergence is the
    first zero of :math:`I_0` in the complex plane, |κ| = 2.405, so 16 terms give full
    precision for κ < 0.5 (the series are used below κ = 0.25 and, for the natural-chart
    terms, below r = 0.5).
    """
    a = np.zeros(n_terms)
    a[0] = 0.5
    for n in range(1, n_terms):
        a[n] = -np.dot(a[:n], a[n - 1::-1]) / (2 * n + 2)
    return a


_C = _asymptotic_coefficients(_N_ASYMPTOTIC)
_TAYLOR = _taylor_coefficients(_N_TAYLOR)
_M = np.arange(_N_TAYLOR)
# A'' = Σ (2n+1)(2n) a_n κ^{2n-1} = κ · Σ_{n≥1} (2n+1)(2n) a_n (κ²)^{n-1}
_D2A_SMALL = ((2 * _M + 1) * (2 * _M) * _TAYLOR)[1:]   # A''/κ in powers of κ²
_DA_SMALL = (2 * _M + 1) * _TAYLOR                     # A'
_BETA_SMALL = (2 * _M * _TAYLOR)[1:]                   # β/r
_ALPHA_SMALL = (4 * _M * (_M - 1) * _TAYLOR)[2:]       # α/r
_ALPHA_SMALL = np.concatenate([[0.0], _ALPHA_SMALL])
# columns: A/r, A', β/r, α/r as power series in r² (_TAYLOR has _N_TAYLOR terms)
_SMALL_SERIES = np.stack([_TAYLOR, _DA_SMALL, np.append(_BETA_SMALL, 0.0),
                          np.append(_ALPHA_SMALL, 0.0)], axis=-1)


_N = np.arange(_N_ASYMPTOTIC + 1)
# A' = Σ n c_n κ^{-(n+1)},  A'' = −Σ n(n+1) c_n κ^{-(n+2)}: polynomials in t = 1/κ
_DA_POLY = np.concatenate([[0.0], _N * _C])             # coefficient of t^(n+1)
_D2A_POLY = np.concatenate([[0.0, 0.0], -_N * (_N + 1) * _C])  # coefficient of t^(n+2)


def _powers(t: NDArray, n: int) -> NDArray:
    """``[t^0, ..., t^(n-1)]`` on a new last axis (series evaluated as one matmul)."""
    return t[:, None] ** np.arange(n)


def resultant_length(kappa: NDArray) -> NDArray:
    r""":math:`A(\kappa) = I_1(\kappa)/I_0(\kappa)`, via exponentially scaled Bessel
    functions so that large κ does not overflow: ``scipy.special.i1e``/``i0e``, the
    orders 1 and 0 of ``ive`` (same values, ~4x faster than the general-order routine)."""
    return special.i1e(kappa) / special.i0e(kappa)


def resultant_length_derivatives(kappa: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    r"""``(A, A', A'')`` at ``kappa`` (relative error < 1e-11 for every κ > 0).

    .. math::

        A' = 1 - \frac{A}{\kappa} - A^2, \qquad
        A'' = -\frac{A'}{\kappa} + \frac{A}{\kappa^2} - 2AA'

    (the Taylor series below κ = 0.25, the asymptotic series above κ = 25).
    """
    kappa = np.asarray(kappa, dtype=float)
    k = kappa.reshape(-1)
    a = resultant_length(k)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        da = 1.0 - a / k - a**2
        d2a = -da / k + a / k**2 - 2 * a * da
    large = k > _LARGE
    if np.any(large):
        powers = _powers(1.0 / k[large], len(_DA_POLY) + 1)
        da[large] = powers[:, :-1] @ _DA_POLY
        d2a[large] = powers @ _D2A_POLY
    small = k < _SMALL
    if np.any(small):
        d2a[small] = k[small] * (_powers(k[small] ** 2, len(_D2A_SMALL)) @ _D2A_SMALL)
    return a.reshape(kappa.shape), da.reshape(kappa.shape), d2a.reshape(kappa.shape)


def _radial_terms(r: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    r"""``(A/r, A', α, β)`` for the natural-coordinate geometry, finite at r = 0.

    .. math::

        \alpha = A'' - \frac{3A'}{r} + \frac{3A}{r^2}
        = \sum_{n\ge2} 4n(n-1)\,a_n r^{2n-1}, \qquad
        \beta = \frac{A' - A/r}{r} = \sum_{n\ge1} 2n\,a_n r^{2n-1}

    (series below r = 0.5, where the closed expressions cancel).
    """
    shape = np.shape(r)
    r = np.asarray(r, dtype=float).reshape(-1)
    a, da, d2a = resultant_length_derivatives(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        a_over_r = a / r
        beta = (da - a_over_r) / r
        alpha = d2a - 3 * da / r + 3 * a_over_r / r
    small = r < 2 * _SMALL
    if np.any(small):
        series = _powers(r[small] ** 2, _N_TAYLOR) @ _SMALL_SERIES
        a_over_r[small], da[small] = series[:, 0], series[:, 1]
        beta[small], alpha[small] = r[small] * series[:, 2], r[small] * series[:, 3]
    return tuple(t.reshape(shape) for t in (a_over_r, da, alpha, beta))


def natural_christoffels(theta: NDArray) -> NDArray:
    r"""Christoffel symbols in natural coordinates :math:`\theta = \kappa(\cos\mu,
    \sin\mu)`, ``gamma[..., k, i, j] = Γ^k_ij``; smooth through θ = 0 (the uniform law).

    The family is exponential with :math:`\psi(\theta) = \log 2\pi I_0(r)`,
    :math:`r = |\theta|`, :math:`n = \theta/r`, so the metric is the Hessian
    :math:`g = A'\,nn^\top + (A/r)(1 - nn^\top)` and (Hessian metric)

    .. math::

        \Gamma^k_{ij} = \tfrac12 g^{kl}\,\partial_i\partial_j\partial_l\psi, \qquad
        \partial_i\partial_j\partial_l\psi = \alpha\, n_i n_j n_l
        + \beta\,(\delta_{ij} n_l + \delta_{il} n_j + \delta_{jl} n_i).
    """
    r = np.linalg.norm(theta, axis=-1)
    n = theta / np.where(r > 0, r, 1.0)[..., None]
    a_over_r, da, alpha, beta = _radial_terms(r)
    eye = np.eye(theta.shape[-1])
    nn = n[..., :, None] * n[..., None, :]
    g_inv = nn / da[..., None, None] + (eye - nn) / a_over_r[..., None, None]
    # contracting g^{kl} with the three terms: m = g⁻¹n = n/A', so
    # Γ^k_ij = ½[(α n_i n_j + β δ_ij) m_k + β (g^{ki} n_j + g^{kj} n_i)]
    half_m = 0.5 * n / da[..., None]
    sym = alpha[..., None, None] * nn + beta[..., None, None] * eye
    cross = (0.5 * beta)[..., None, None, None] * g_inv[..., :, :, None] * n[..., None, None, :]
    return half_m[..., :, None, None] * sym[..., None, :, :] + cross + np.swapaxes(cross, -1, -2)


def natural_metric(theta: NDArray) -> NDArray:
    r"""The metric in natural coordinates, the Hessian of :math:`\psi = \log 2\pi I_0(r)`:
    :math:`g = A'\,nn^\top + (A/r)(1 - nn^\top)`, ``[..., 2, 2]`` (smooth through θ = 0)."""
    r = np.linalg.norm(theta, axis=-1)
    n = theta / np.where(r > 0, r, 1.0)[..., None]
    a_over_r, da, _, _ = _radial_terms(r)
    nn = n[..., :, None] * n[..., None, :]
    return da[..., None, None] * nn + a_over_r[..., None, None] * (np.eye(2) - nn)


#: the geodesic engine in natural coordinates (a global chart of the circle family)
_NATURAL_FLOW = GeodesicFlow.from_christoffels(natural_christoffels, 2, metric=natural_metric)


def _natural_to_base_jacobian(y: NDArray) -> NDArray:
    """``d(μ, κ)/d(θ₁, θ₂)`` for μ = atan2(θ₂, θ₁), κ = |θ|."""
    r2 = y[..., 0] ** 2 + y[..., 1] ** 2
    r = np.sqrt(r2)
    return _jac([[-y[..., 1] / r2, y[..., 0] / r2], [y[..., 0] / r, y[..., 1] / r]])


def _to_natural(x: NDArray) -> NDArray:
    return _stack(x[..., 1] * np.cos(x[..., 0]), x[..., 1] * np.sin(x[..., 0]))


def _log_i0(kappa: NDArray) -> NDArray:
    return np.log(special.i0e(kappa)) + kappa


def _log_i0_bregman(kp: NDArray, kq: NDArray) -> NDArray:
    r""":math:`\log I_0(\kappa_q) - \log I_0(\kappa_p) - A(\kappa_p)(\kappa_q - \kappa_p)
    = \int (\kappa_q - t) A'(t)\,dt`, by Gauss–Legendre in :math:`s = \log t`.

    With :math:`L = \log(\kappa_q/\kappa_p)` and :math:`t = \kappa_p e^{fL}`,
    :math:`f \in [0, 1]`: :math:`\kappa_q - t = -\kappa_q\,\mathrm{expm1}((f-1)L)`, so
    the factor that vanishes at the end is computed to full relative accuracy. One panel
    of 16 nodes per unit of |L| (at least 2): the integrand is analytic in s and varies
    by a factor e per panel.
    """
    span = log_ratio(kq, kp)
    panels = int(np.clip(np.ceil(np.max(np.abs(span), initial=0.0)), 2, 64))
    cuts = np.linspace(0.0, 1.0, panels + 1)
    f = (0.5 * (cuts[1:] + cuts[:-1]))[:, None] + (0.5 / panels) * _GL_NODES  # [P, N]
    weights = np.broadcast_to((0.5 / panels) * _GL_WEIGHTS, f.shape)
    f, weights = f.ravel(), weights.ravel()
    span_ = span[..., None]
    t = kp[..., None] * np.exp(f * span_)
    _, da, _ = resultant_length_derivatives(t)
    integrand = -kq[..., None] * np.expm1((f - 1.0) * span_) * da * t * span_
    return np.sum(weights * integrand, axis=-1)


def _wrap(angle: NDArray) -> NDArray:
    """Angle in [−π, π)."""
    return (angle + np.pi) % (2 * np.pi) - np.pi


class VonMises(StatisticalManifold):
    r"""Von Mises family on the circle, base chart (μ, κ), κ > 0.

    .. math::

        p(x\mid\mu,\kappa) = \frac{e^{\kappa\cos(x-\mu)}}{2\pi I_0(\kappa)}, \qquad
        I(\mu, \kappa) = \begin{pmatrix}\kappa A & 0 \\ 0 & A'\end{pmatrix},
        \quad A = \frac{I_1(\kappa)}{I_0(\kappa)},\; A' = 1 - \frac{A}{\kappa} - A^2 .

    Geodesics have no closed form. Both ``exp`` and ``log`` work in the natural
    coordinates :math:`\theta = \kappa(\cos\mu, \sin\mu)`, a global chart in which the
    family is smooth through κ = 0 (the uniform law; near it the family looks like a
    plane in polar coordinates :math:`(\kappa/\sqrt2, \mu)`): ``exp`` integrates the
    geodesic ODE there (:func:`natural_christoffels`), ``log`` shoots there from the
    chord :math:`\theta_b - \theta_a`.

    Periodicity: μ and μ + 2π are the same distribution; data may be any real angles.
    ``log`` returns the geodesic to the nearest copy of the target, with
    :math:`|\mu_b - \mu_a| < \pi` along it (the metric does not depend on μ, so
    shrinking Δμ shortens every path); hence ``dist`` is the Fisher–Rao distance of
    the circle family and ``exp(log(b, a), a)`` equals ``b`` up to a multiple of 2π in
    μ. ``exp`` itself returns μ continuously (it may leave [−π, π)).

    Charts: ``"mu_kappa"`` (base), ``"mu_log_kappa"`` and ``"natural"``
    (:math:`\theta_1, \theta_2`; its inverse returns μ in (−π, π]).

    Examples
    --------
    >>> import infogeo as ig
    >>> vm = ig.manifolds.VonMises()
    >>> vm.metric_matrix([0.0, 1.0]).round(4)
    array([[0.4464, 0.    ],
           [0.    , 0.3543]])
    """

    parameters = (Parameter("mu", REAL, typical=(-np.pi, np.pi), edges=(-1e3, 1e3)),
                  Parameter("kappa", POSITIVE, typical=(np.exp(-1.0), np.exp(1.5)),
                            log_scale=True))
    scipy_counterpart = ScipyCounterpart("vonmises", {"kappa": "kappa", "loc": "mu"},
                                         fixed={"scale": 1.0})
    symbolic_counterpart = SymbolicCounterpart("von_mises")

    def _charts(self) -> list[Chart]:
        base = self._declared_base_chart("mu_kappa")
        return [
            base,
            log_chart(base.coordinates, "kappa"),
            Chart("natural", ("theta1", "theta2"),
                  to_base=lambda y: _stack(np.arctan2(y[..., 1], y[..., 0]),
                                           np.hypot(y[..., 0], y[..., 1])),
                  from_base=_to_natural,
                  jacobian=_natural_to_base_jacobian),
        ]

    # -- metric and connection ------------------------------------------------------------
    def _metric(self, x: NDArray) -> NDArray:
        kappa = x[..., 1]
        a, da, _ = resultant_length_derivatives(kappa)
        zero = np.zeros_like(kappa)
        return _jac([[kappa * a, zero], [zero, da]])

    def _christoffels(self, x: NDArray) -> NDArray:
        r"""Only :math:`\partial_\kappa` of the metric is non-zero, so

        .. math::

            \Gamma^\mu_{\mu\kappa} = \Gamma^\mu_{\kappa\mu} = \frac{A + \kappa A'}{2\kappa A},
            \qquad \Gamma^\kappa_{\mu\mu} = -\frac{A + \kappa A'}{2A'}, \qquad
            \Gamma^\kappa_{\kappa\kappa} = \frac{A''}{2A'} .
        """
        kappa = x[..., 1]
        a, da, d2a = resultant_length_derivatives(kappa)
        d_gmumu = a + kappa * da
        gamma = np.zeros(x.shape[:-1] + (2, 2, 2))
        gamma[..., 0, 0, 1] = gamma[..., 0, 1, 0] = d_gmumu / (2 * kappa * a)
        gamma[..., 1, 0, 0] = -d_gmumu / (2 * da)
        gamma[..., 1, 1, 1] = d2a / (2 * da)
        return gamma

    def _skewness(self, x: NDArray) -> NDArray:
        r"""The exponential-family tensor :math:`T = \partial^3\psi` of the natural chart
        (:func:`natural_christoffels`) pulled back by :math:`\partial\theta/\partial\mu
        = \kappa\,t`, :math:`\partial\theta/\partial\kappa = n` (t ⊥ n unit vectors):

        .. math::

            T_{\mu\mu\kappa} = \kappa^2\beta = \kappa A' - A, \qquad
            T_{\kappa\kappa\kappa} = \alpha + 3\beta = A'', \qquad
            T_{\mu\mu\mu} = T_{\mu\kappa\kappa} = 0.
        """
        kappa = x[..., 1]
        _, _, _, beta = _radial_terms(kappa)
        t = np.zeros(x.shape[:-1] + (2, 2, 2))
        t[..., 0, 0, 1] = t[..., 0, 1, 0] = t[..., 1, 0, 0] = kappa**2 * beta
        t[..., 1, 1, 1] = resultant_length_derivatives(kappa)[2]
        return t

    # -- geodesics: ODE in natural coordinates; shooting log towards the nearest copy ----
    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        r"""Integrate the geodesic in natural coordinates (smooth through κ = 0, where the
        (μ, κ) chart is singular), then read μ off continuously.

        Along a geodesic :math:`p_\mu = \kappa A\,\dot\mu` is conserved (the metric does
        not depend on μ: Clairaut), so μ moves monotonically in the direction of
        :math:`\operatorname{sign}(v_\mu)`; the angle is unwrapped over 16 sub-steps
        with that sign, which resolves a pass close to κ = 0 (where μ turns by almost π
        within one sub-step).
        """
        flat_x, flat_v = x.reshape(-1, 2), v.reshape(-1, 2)
        mu, kappa = flat_x[:, 0], flat_x[:, 1]
        c, s = np.cos(mu), np.sin(mu)
        theta0 = _to_natural(flat_x)
        vel0 = _stack(flat_v[:, 1] * c - kappa * s * flat_v[:, 0],
                      flat_v[:, 1] * s + kappa * c * flat_v[:, 0])
        path, _ = _NATURAL_FLOW.path(vel0, theta0, np.linspace(0.0, 1.0, _EXP_SUBSTEPS + 1))
        angle = np.arctan2(path[..., 1], path[..., 0])            # [B, T]
        turn = _wrap(np.diff(angle, axis=-1))
        direction = np.sign(flat_v[:, 0])[:, None]
        turn += 2 * np.pi * ((direction > 0) & (turn < -np.pi / 2))
        turn -= 2 * np.pi * ((direction < 0) & (turn > np.pi / 2))
        end = _stack(mu + turn.sum(axis=-1), np.linalg.norm(path[:, -1], axis=-1))
        return end.reshape(x.shape)

    def _shoot(self, y: NDArray, x: NDArray, tol: float = 1e-10,
               max_iter: int = 50) -> ShootingResult:
        r"""The geodesic engine in natural coordinates θ = κ(cos μ, sin μ), from the chord
        θ_y − θ_x.

        θ is a global chart of the circle family, so this finds the geodesic to the
        nearest copy of ``y`` (|Δμ| < π) without any wrapping, and the chord is a good
        first guess (a straight line in (μ, κ) is not: it can overshoot by orders of
        magnitude when the geodesic passes near κ = 0).
        """
        shape = x.shape
        theta_x, theta_y = _to_natural(x.reshape(-1, 2)), _to_natural(y.reshape(-1, 2))
        res = _NATURAL_FLOW.log(theta_y, theta_x, tol, max_iter)
        # v_θ = J v_base with J = dθ/d(μ, κ)
        jac = np.linalg.inv(_natural_to_base_jacobian(theta_x))
        v = np.linalg.solve(jac, res.tangent_vec[..., None])[..., 0]
        return ShootingResult(v.reshape(shape), res.converged.reshape(shape[:-1]),
                              res.residual.reshape(shape[:-1]), res.n_iter, res.message)

    # -- statistics -----------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        mu, kappa = x[..., 0], x[..., 1]
        return kappa * np.cos(data - mu) - np.log(2 * np.pi) - _log_i0(kappa)

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        mu, kappa = x[..., 0], x[..., 1]
        return _stack(kappa * np.sin(data - mu), np.cos(data - mu) - resultant_length(kappa))

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        mu, kappa = x[..., 0], x[..., 1]
        _, da, _ = resultant_length_derivatives(kappa)
        sin = np.sin(data - mu)
        return _jac([[-kappa * np.cos(data - mu), sin], [sin, -da]])  # entries broadcast

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        return rng.vonmises(x[..., 0], x[..., 1], size=(n,) + x.shape[:-1])

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r"""With :math:`E_p[\cos(x-\mu_p)] = A(\kappa_p)` and :math:`E_p[\sin(x-\mu_p)] = 0`:

        .. math::

            KL = \log\frac{I_0(\kappa_q)}{I_0(\kappa_p)}
            + A(\kappa_p)\left(\kappa_p - \kappa_q\cos(\mu_p-\mu_q)\right)
            = \int_{\kappa_p}^{\kappa_q} (\kappa_q - t)\,A'(t)\,dt
            + 2A(\kappa_p)\,\kappa_q\sin^2\frac{\mu_p - \mu_q}{2}.

        The first term is the Bregman divergence of :math:`\log I_0` (whose derivative
        is A) in its integral form: both terms are nonnegative, so nothing cancels. The
        integral is a composite Gauss–Legendre rule in :math:`\log t`
        (:func:`_log_i0_bregman`).
        """
        (mp, kp), (mq, kq) = np.moveaxis(xp, -1, 0), np.moveaxis(xq, -1, 0)
        return clip_nonnegative(_log_i0_bregman(kp, kq) + 2.0 * resultant_length(kp) * kq
                                * np.sin(0.5 * (mp - mq)) ** 2)

    def support(self, theta: ArrayLike) -> tuple[float, float]:
        """One period of the data, ``(mu - pi, mu + pi)``, at a single ``theta``.

        The density is periodic in x, so integrals over the data (Fisher quadrature,
        normalization) run over one period; scipy reports ``(-inf, inf)`` instead.
        """
        mu = float(np.asarray(self._to_base(theta))[..., 0].reshape(-1)[0])
        return mu - np.pi, mu + np.pi

