"""Metric ellipses (Tissot indicatrices) of a 2-parameter Fisher metric."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive
from ._common import as_plane_points, check_2d_manifold, get_axes, label_axes

__all__ = ["metric_ellipses", "plot_metric_ellipses"]


def metric_ellipses(manifold: Any, points: ArrayLike, scale: float = 0.1
                    ) -> tuple[NDArray, NDArray, NDArray]:
    r"""Axes of the metric ellipses :math:`\{\theta + v : v^\top I(\theta) v = s^2\}`.

    With :math:`I(\theta) = Q\,\mathrm{diag}(\lambda_1, \lambda_2)\,Q^\top` the ellipse has
    semi-axes :math:`s/\sqrt{\lambda_i}` along the eigenvectors: long where the family
    is hard to tell apart (small information), short where it is sensitive.

    Parameters
    ----------
    manifold : StatisticalManifold
        2-parameter family (current chart).
    points : array-like, shape=[..., 2]
    scale : float
        :math:`s > 0`, the Fisher length of the radius.

    Returns
    -------
    widths, heights : ndarray, shape=[...]
        Full axis lengths :math:`2s/\sqrt{\lambda_1}`, :math:`2s/\sqrt{\lambda_2}`.
    angles : ndarray, shape=[...]
        Angle of the first axis from the horizontal, in degrees.
    """
    check_2d_manifold(manifold)
    check_positive(scale, "scale")
    pts = as_plane_points(points, "points")
    eigval, eigvec = np.linalg.eigh(manifold.metric_matrix(pts))
    if np.any(eigval <= 0):
        raise ValueError("the metric must be positive definite at every point of points")
    axes = 2.0 * scale / np.sqrt(eigval)
    angles = np.degrees(np.arctan2(eigvec[..., 1, 0], eigvec[..., 0, 0]))
    return axes[..., 0], axes[..., 1], angles


def plot_metric_ellipses(manifold: Any, points: ArrayLike, ax: Any = None,
                         scale: float = 0.1, **patch_kwargs: Any) -> list[Any]:
    """Draw a metric ellipse (Tissot indicatrix) at each point; see :func:`metric_ellipses`.

    Parameters
    ----------
    manifold : StatisticalManifold
    points : array-like, shape=[..., 2]
        Centres, e.g. a grid ``np.stack(np.meshgrid(mu, sigma), -1)``.
    ax : matplotlib Axes, optional
    scale : float
        Fisher length of the ellipse radius; choose it so neighbours do not overlap.
    **patch_kwargs
        Passed to :class:`matplotlib.patches.Ellipse` (default: unfilled, thin).

    Returns
    -------
    list of matplotlib.patches.Ellipse
    """
    from matplotlib.patches import Ellipse

    check_2d_manifold(manifold)
    ax = get_axes(ax)
    pts = as_plane_points(points, "points").reshape(-1, 2)
    widths, heights, angles = metric_ellipses(manifold, pts, scale)
    style = {"fill": False, "lw": 0.8, **patch_kwargs}
    label = style.pop("label", None)
    patches = []
    for i, (center, w, h, a) in enumerate(zip(pts, widths, heights, angles, strict=True)):
        # one legend entry for the whole set, not one per ellipse
        patch = Ellipse(tuple(center), w, h, angle=a, label=label if i == 0 else None,
                        **style)
        ax.add_patch(patch)
        patches.append(patch)
    ax.autoscale_view()
    label_axes(ax, manifold)
    return patches
