"""Confidence ellipses of 2-D Gaussian distributions (posteriors, variational fits)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive, check_positive_int
from ._common import get_axes, unit_circle

__all__ = ["gaussian_ellipse", "plot_gaussian_ellipse"]


def gaussian_ellipse(mean: ArrayLike, cov: ArrayLike, n_std: float = 2.0,
                     n_points: int = 200) -> NDArray:
    r"""Points of the ellipse :math:`\{x : (x - m)^\top \Sigma^{-1} (x - m) = k^2\}`.

    With :math:`\Sigma = LL^\top` (Cholesky) the ellipse is :math:`m + kLu` for the unit
    vectors :math:`u`. It holds a fraction :math:`1 - e^{-k^2/2}` of the Gaussian's
    mass (86.5% for :math:`k = 2`).

    Parameters
    ----------
    mean : array-like, shape=[2]
    cov : array-like, shape=[2, 2]
        Symmetric positive definite covariance.
    n_std : float
        :math:`k > 0`, the Mahalanobis radius.
    n_points : int
        Points on the closed curve (first = last).

    Returns
    -------
    ndarray, shape=[n_points, 2]
    """
    m = as_finite_array(mean, "mean")
    c = as_finite_array(cov, "cov")
    if m.shape != (2,):
        raise ValueError(f"mean must have shape [2], got {m.shape}")
    if c.shape != (2, 2):
        raise ValueError(f"cov must have shape [2, 2], got {c.shape}")
    if not np.allclose(c, c.T, rtol=1e-10, atol=1e-12 * np.max(np.abs(c))):
        raise ValueError("cov must be symmetric")
    check_positive(n_std, "n_std")
    n_points = check_positive_int(n_points, "n_points")
    if n_points < 3:
        raise ValueError(f"n_points must be >= 3, got {n_points}")
    try:
        chol = np.linalg.cholesky(c)
    except np.linalg.LinAlgError as err:
        raise ValueError("cov must be positive definite") from err
    return m + float(n_std) * unit_circle(n_points) @ chol.T


def plot_gaussian_ellipse(mean: ArrayLike, cov: ArrayLike, ax: Any = None, n_std: float = 2.0,
                          center: bool = True, **line_kwargs: Any) -> list[Any]:
    """Draw the ``n_std`` ellipse of :math:`N(m, \\Sigma)` (:func:`gaussian_ellipse`) and
    optionally its centre.

    Returns
    -------
    list of matplotlib.lines.Line2D
        The ellipse, then the centre marker if drawn.
    """
    ax = get_axes(ax)
    curve = gaussian_ellipse(mean, cov, n_std)
    (line,) = ax.plot(curve[:, 0], curve[:, 1], **line_kwargs)
    artists = [line]
    if center:
        m = np.asarray(mean, dtype=float)
        artists += ax.plot(m[0], m[1], "+", color=line.get_color(), ms=8)
    return artists
