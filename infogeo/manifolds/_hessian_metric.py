"""Hessian metrics :math:`g = \\nabla^2 F`: their Christoffel symbols (the one place the
formula is written) and the inverse of many small metrics stored components first."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["hessian_christoffels", "inv_components_first"]


def inv_components_first(g: NDArray) -> NDArray:
    """Inverse of matrices stored components first, ``g[d, d, ...]``.

    Adjugate formulas for d <= 3 (elementwise over the batch, much faster than LAPACK on
    many tiny matrices); ``numpy.linalg.inv`` otherwise.
    """
    d = g.shape[0]
    if d == 1:
        return 1.0 / g
    if d == 2:
        det = g[0, 0] * g[1, 1] - g[0, 1] * g[1, 0]
        return np.array([[g[1, 1], -g[0, 1]], [-g[1, 0], g[0, 0]]]) / det
    if d == 3:
        cof = np.array([[g[(i + 1) % 3, (j + 1) % 3] * g[(i + 2) % 3, (j + 2) % 3]
                         - g[(i + 1) % 3, (j + 2) % 3] * g[(i + 2) % 3, (j + 1) % 3]
                         for j in range(3)] for i in range(3)])  # cof[i, j] = C_ij
        det = np.einsum("j...,j...->...", g[0], cof[0])
        return np.swapaxes(cof, 0, 1) / det
    return np.moveaxis(np.linalg.inv(np.moveaxis(g, (0, 1), (-2, -1))), (-2, -1), (0, 1))


def hessian_christoffels(metric: NDArray, third: NDArray) -> NDArray:
    r"""Levi-Civita symbols of a Hessian metric :math:`g = \nabla^2 F` (the one place this
    formula is written; the geodesic field of :meth:`GeodesicFlow.from_hessian` contracts
    it with the velocity).

    .. math::

        \Gamma^k_{ij} = \tfrac12 g^{kl} F_{ijl}, \qquad F_{ijl} = \partial_i\partial_j
        \partial_l F = \partial_l g_{ij}

    (Amari & Nagaoka 2000, §3.4: in the natural chart of an exponential family, and in any
    chart affinely related to it). Batch first: ``metric[..., i, j]``,
    ``third[..., i, j, l] = F_ijl``; returns ``gamma[..., k, i, j]``.
    """
    return 0.5 * np.einsum("...kl,...ijl->...kij", np.linalg.inv(metric), third)
