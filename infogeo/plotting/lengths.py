"""The Fisher length of a drawn curve: the number that backs a picture of geodesics."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array

__all__ = ["curve_length"]


def curve_length(manifold: Any, curve: ArrayLike) -> NDArray:
    r"""Fisher length of polylines in the manifold's current chart (midpoint rule).

    .. math::

        \ell(\gamma) = \int_0^1 \sqrt{\dot\gamma^\top I(\gamma)\,\dot\gamma}\,dt
        \approx \sum_{k} \sqrt{\Delta_k^\top I(m_k)\,\Delta_k},
        \qquad \Delta_k = \gamma_{k+1} - \gamma_k,\ m_k = \tfrac12(\gamma_k + \gamma_{k+1})

    The error is :math:`O(h^2)` in the spacing of the points. Because the length is
    chart-independent, the same curve measured in two charts gives the same number (up to
    that error); for a geodesic it is the Fisher–Rao distance between its ends.

    Parameters
    ----------
    manifold : StatisticalManifold
        Any dimension; ``curve`` is in its current chart.
    curve : array-like, shape=[..., T, dim]
        ``T >= 2`` points along each curve. The midpoints must lie in the domain (true
        for a finely sampled curve of a convex chart).

    Returns
    -------
    ndarray, shape=[...]

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> N = ig.manifolds.Normal()
    >>> sigma = np.geomspace(1.0, np.e, 200)
    >>> vertical = np.stack([np.zeros_like(sigma), sigma], -1)
    >>> round(float(curve_length(N, vertical)), 4)  # sqrt(2) * log(e / 1), error O(h^2)
    1.4142
    """
    pts = as_finite_array(curve, "curve")
    dim = getattr(manifold, "dim", None)
    if dim is None or not hasattr(manifold, "norm"):
        raise TypeError(f"manifold must be a StatisticalManifold, got {type(manifold).__name__}")
    if pts.ndim < 2 or pts.shape[-1] != dim or pts.shape[-2] < 2:
        raise ValueError(f"curve must have shape [..., T, {dim}] with T >= 2 points, "
                         f"got shape {pts.shape}")
    steps = np.diff(pts, axis=-2)
    mids = 0.5 * (pts[..., 1:, :] + pts[..., :-1, :])
    return np.sum(manifold.norm(steps, mids), axis=-1)
