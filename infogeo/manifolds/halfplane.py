"""Closed-form geometry of location–scale families whose Fisher metric is a scaled half-plane.

For a location–scale family with density :math:`\\sigma^{-1} f((x-\\mu)/\\sigma)` the Fisher
information has the form

.. math::

    I(\\mu, \\sigma) = \\frac{1}{\\sigma^2}\\begin{pmatrix} a & c \\\\ c & b \\end{pmatrix},

and :math:`c = 0` whenever :math:`f` is symmetric. With :math:`u = \\mu\\sqrt{a/b}`,

.. math::

    ds^2 = \\frac{a\\,d\\mu^2 + b\\,d\\sigma^2}{\\sigma^2}
         = b\\,\\frac{du^2 + d\\sigma^2}{\\sigma^2},

so the family is :math:`b` times the Poincaré half-plane: Gaussian curvature
:math:`K = -1/b` (scalar curvature :math:`2K`), the same geodesics as the half-plane
(a constant factor does not change them), and distances scaled by :math:`\\sqrt b`.
Normal: ``a, b = 1, 2``; Cauchy: ``1/2, 1/2``; Student-t with ν degrees of freedom:
``(ν+1)/(ν+3), 2ν/(ν+3)``.

Sources: Costa, Santos & Strapasson, "Fisher information distance: a geometrical
reading", arXiv:1210.2354 (§3); Miyamoto et al., arXiv:2304.14885 (§4, location–scale).

All functions take points ``x = (μ, σ)`` of shape ``[..., 2]`` in the (μ, σ) chart and
broadcast over the leading axes; Christoffel symbols are ``gamma[..., k, i, j] = Γ^k_ij``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._arrays import matrix_from_rows, stack_last

__all__ = ["halfplane_metric", "halfplane_christoffels", "halfplane_dist", "halfplane_exp",
           "halfplane_log"]


def halfplane_metric(x: NDArray, a: float, b: float) -> NDArray:
    r"""The metric :math:`\sigma^{-2}\operatorname{diag}(a, b)`, shape ``[..., 2, 2]``."""
    inv_var = 1.0 / x[..., 1] ** 2
    zero = np.zeros_like(inv_var)
    return matrix_from_rows([[a * inv_var, zero], [zero, b * inv_var]])


def halfplane_christoffels(x: NDArray, a: float, b: float) -> NDArray:
    r"""Levi-Civita symbols of :math:`\sigma^{-2}\operatorname{diag}(a, b)`.

    .. math::

        \Gamma^\mu_{\mu\sigma} = \Gamma^\mu_{\sigma\mu} = -\frac1\sigma, \qquad
        \Gamma^\sigma_{\mu\mu} = \frac{a}{b\,\sigma}, \qquad
        \Gamma^\sigma_{\sigma\sigma} = -\frac1\sigma,

    all others zero (from :math:`\Gamma^k_{ij} = \frac12 g^{kl}(\partial_i g_{jl}
    + \partial_j g_{il} - \partial_l g_{ij})` with only :math:`\partial_\sigma g \ne 0`).
    """
    inv = 1.0 / x[..., 1]
    gamma = np.zeros(x.shape[:-1] + (2, 2, 2))
    gamma[..., 0, 0, 1] = gamma[..., 0, 1, 0] = -inv
    gamma[..., 1, 0, 0] = (a / b) * inv
    gamma[..., 1, 1, 1] = -inv
    return gamma


def halfplane_dist(xa: NDArray, xb: NDArray, a: float, b: float) -> NDArray:
    r"""Geodesic distance, shape ``[...]``.

    .. math::

        d = \sqrt b\,\operatorname{arccosh}\!\left(1 + \frac{(a/b)(\mu_1-\mu_2)^2
        + (\sigma_1-\sigma_2)^2}{2\sigma_1\sigma_2}\right)
    """
    # arccosh(1 + t) = 2 arcsinh(sqrt(t / 2)): accurate for nearby points, and computed
    # in place on one buffer (fresh temporaries of large batches cost more than the math)
    out = np.subtract(xa[..., 0], xb[..., 0], out=np.empty(np.broadcast_shapes(
        xa.shape[:-1], xb.shape[:-1])))
    dsigma = np.subtract(xa[..., 1], xb[..., 1])
    np.multiply(out, out, out=out)
    out *= a / b
    out += dsigma * dsigma
    out /= 4.0 * xa[..., 1] * xb[..., 1]
    np.sqrt(out, out=out)
    np.arcsinh(out, out=out)
    out *= 2.0 * np.sqrt(b)
    return out


def halfplane_exp(v: NDArray, x: NDArray, a: float, b: float) -> NDArray:
    r"""Riemannian exponential: the point reached at t = 1 from ``x`` with velocity ``v``.

    In the complex coordinate :math:`z = u + i\sigma`, :math:`u = \mu\sqrt{a/b}`, the
    geodesic from :math:`z_0 = u_0 + i\sigma_0` is :math:`z_0` translated/scaled from the
    one through :math:`i`: with :math:`\omega = \dot z(0)/\sigma_0`, :math:`s = |\omega|`
    (the half-plane speed) and :math:`\phi = \tfrac12\arg(\omega/i)`,

    .. math::

        \zeta = \frac{\cos\phi\; i e^{s} + \sin\phi}{-\sin\phi\; i e^{s} + \cos\phi}
        = \frac{-\sin 2\phi\,\sinh s + i}{\sin^2\!\phi\; e^{s} + \cos^2\!\phi\; e^{-s}},
        \qquad z(1) = u_0 + \sigma_0\,\zeta,

    the image of the vertical geodesic :math:`i e^{t s}` under the rotation about
    :math:`i` that turns the vertical direction into :math:`\omega`. ``a`` does not
    change the geodesics, only the scaling of μ; ``b`` cancels. The second form is
    evaluated in logarithms (``logaddexp``), so long vectors give the right point as long
    as it is representable, and ``inf`` (σ overflows) or ``0`` (σ underflows) beyond,
    never NaN.
    """
    r = np.sqrt(a / b)
    sigma = x[..., 1]
    omega = (v[..., 0] * r + 1j * v[..., 1]) / sigma
    speed = np.abs(omega)
    safe = np.where(speed > 0, speed, 1.0)
    half = 0.5 * np.angle(np.where(speed > 0, omega / (1j * safe), 1.0))
    c, s = np.cos(half), np.sin(half)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_den = np.logaddexp(2 * np.log(np.abs(s)) + speed, 2 * np.log(np.abs(c)) - speed)
        imag = np.exp(-log_den)
        # sin 2φ sinh s / den = 2sc (1 - e^{-2s})/2 · e^{s - log den}
        real = -np.sign(s * c) * np.exp(np.log(np.abs(s * c)) + np.log(-np.expm1(-2 * speed))
                                        + speed - log_den)
    real = np.where(s * c == 0, 0.0, real)
    return stack_last(x[..., 0] + sigma * real / r, sigma * imag)


def halfplane_log(y: NDArray, x: NDArray, a: float, b: float) -> NDArray:
    r"""Riemannian logarithm: the velocity at ``x`` of the geodesic reaching ``y`` at t = 1.

    The inverse of :func:`halfplane_exp`: with :math:`\zeta = (z_y - u_x)/\sigma_x`
    (the target seen from the base point moved to :math:`i`) and :math:`d_H` the
    half-plane distance from :math:`i` to :math:`\zeta`,

    .. math::

        \omega = i\,d_H\,e^{i\varphi}, \qquad
        \varphi = \operatorname{atan2}(-2\operatorname{Re}\zeta,\; |\zeta|^2 - 1),
        \qquad \dot z(0) = \sigma_x\,\omega .
    """
    r = np.sqrt(a / b)
    sigma = x[..., 1]
    zeta = ((y[..., 0] - x[..., 0]) * r + 1j * y[..., 1]) / sigma
    p, modsq = zeta.real, np.abs(zeta) ** 2
    d_h = np.arccosh(np.maximum(1.0 + np.abs(zeta - 1j) ** 2 / (2 * zeta.imag), 1.0))
    omega = 1j * d_h * np.exp(1j * np.arctan2(-2 * p, modsq - 1))
    w = sigma * omega
    return stack_last(w.real / r, w.imag)
