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
from ._resultant_length import (
    natural_christoffels,
    natural_metric,
    radial_terms,
    resultant_length,
    resultant_length_derivatives,
)
from .base import StatisticalManifold
from .charts import Chart, log_chart
from .declarations import POSITIVE, REAL, Parameter, ScipyCounterpart, SymbolicCounterpart
from .geodesic_flow import GeodesicFlow

__all__ = ["VonMises", "resultant_length", "resultant_length_derivatives",
           "natural_christoffels"]

_EXP_SUBSTEPS = 16
# Gauss–Legendre rule (per panel) of the KL integral in log κ
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)


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
        _, _, _, beta = radial_terms(kappa)
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

