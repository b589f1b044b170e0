"""Generic Riemannian quantities from a metric function, by finite differences.

These are the fallbacks a family inherits when it gives no closed form. Indices follow
the project convention ``gamma[..., k, i, j] = Γ^k_ij``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .charts import numeric_jacobian

__all__ = ["koszul_christoffels", "christoffels_from_metric_derivative",
           "riemann_from_christoffels", "ricci_from_riemann", "scalar_from_ricci"]


def christoffels_from_metric_derivative(metric: NDArray, dmetric: NDArray) -> NDArray:
    r"""Koszul formula from the metric and its derivative ``dmetric[..., i, j, l] = ∂_l g_ij``.

    .. math::

        \Gamma^k_{ij} = \tfrac12 g^{kl}\left(\partial_i g_{jl} + \partial_j g_{il}
        - \partial_l g_{ij}\right)
    """
    # first kind: gamma_first[..., i, j, l] = Γ_ij,l
    d_i_gjl = np.einsum("...jli->...ijl", dmetric)
    d_j_gil = np.einsum("...ilj->...ijl", dmetric)
    gamma_first = 0.5 * (d_i_gjl + d_j_gil - dmetric)
    inv = np.linalg.inv(metric)
    return np.einsum("...kl,...ijl->...kij", inv, gamma_first)


def koszul_christoffels(metric_fn: Callable[[NDArray], NDArray], x: NDArray) -> NDArray:
    """Christoffel symbols of the second kind from central differences of ``metric_fn``."""
    dmetric = numeric_jacobian(metric_fn, x)  # [..., i, j, l] = ∂_l g_ij
    return christoffels_from_metric_derivative(metric_fn(x), dmetric)


def riemann_from_christoffels(christoffel_fn: Callable[[NDArray], NDArray],
                              x: NDArray) -> NDArray:
    r"""Riemann tensor ``R[..., l, i, j, k] = R^l_{ijk}`` by differentiating Γ numerically.

    .. math::

        R^l{}_{ijk} = \partial_j \Gamma^l_{ki} - \partial_k \Gamma^l_{ji}
        + \Gamma^l_{jm}\Gamma^m_{ki} - \Gamma^l_{km}\Gamma^m_{ji}

    (so that the Ricci tensor is :math:`R_{ik} = R^j{}_{ijk}` with sign such that the
    round sphere has positive curvature).
    """
    gamma = christoffel_fn(x)
    dgamma = numeric_jacobian(christoffel_fn, x)  # [..., l, k, i, j] = ∂_j Γ^l_ki
    term1 = np.einsum("...lkij->...lijk", dgamma)  # ∂_j Γ^l_ki
    term2 = np.einsum("...ljik->...lijk", dgamma)  # ∂_k Γ^l_ji
    term3 = np.einsum("...ljm,...mki->...lijk", gamma, gamma)
    term4 = np.einsum("...lkm,...mji->...lijk", gamma, gamma)
    return term1 - term2 + term3 - term4


def ricci_from_riemann(riemann: NDArray) -> NDArray:
    """Ricci tensor ``Ric[..., i, k] = R^j_{ijk}``."""
    return np.einsum("...jijk->...ik", riemann)


def scalar_from_ricci(ricci: NDArray, metric: NDArray) -> NDArray:
    """Scalar curvature ``g^{ik} R_ik``."""
    return np.einsum("...ik,...ik->...", np.linalg.inv(metric), ricci)
