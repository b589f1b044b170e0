r"""The mean resultant length of the von Mises family and its geometry in natural
coordinates.

:math:`A(\kappa) = I_1(\kappa)/I_0(\kappa)` and its derivatives (Riccati equation
:math:`A' = 1 - A/\kappa - A^2`, with series where the Riccati forms cancel), and from
them the metric and Christoffel symbols of the natural coordinates
:math:`\theta = \kappa(\cos\mu, \sin\mu)` (Mardia & Jupp 2000, §3.5; Amari & Nagaoka
2000). :mod:`.von_mises` builds the family on them and re-exports the public names.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

__all__ = ["resultant_length", "resultant_length_derivatives", "radial_terms",
           "natural_christoffels", "natural_metric"]

# Below _SMALL and above _LARGE the Riccati expressions for A' and A'' cancel
# catastrophically (relative error ~ε/κ² and ~εκ³); series are used there instead.
_SMALL, _LARGE = 0.25, 25.0
_N_TAYLOR = 16
_N_ASYMPTOTIC = 50


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


def radial_terms(r: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
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
    return a_over_r.reshape(shape), da.reshape(shape), alpha.reshape(shape), beta.reshape(shape)


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
    a_over_r, da, alpha, beta = radial_terms(r)
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
    a_over_r, da, _, _ = radial_terms(r)
    nn = n[..., :, None] * n[..., None, :]
    return da[..., None, None] * nn + a_over_r[..., None, None] * (np.eye(2) - nn)
