"""Geodesics and Fisher–Rao balls of a 2-parameter family, drawn in its chart.

Named after the (μ, σ) half-plane of the normal family, the first picture of information
geometry, but general: every helper works for any 2-D
:class:`~infogeo.manifolds.StatisticalManifold` through its public methods
(``geodesic``, ``exp``, ``metric_matrix``), in the manifold's current chart.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_positive, check_positive_int
from ._common import as_plane_points, check_2d_manifold, get_axes, label_axes, unit_circle

__all__ = ["plot_geodesics", "plot_halfplane_geodesics", "plot_geodesic_rays",
           "plot_fisher_rao_ball", "fisher_rao_circle"]


def plot_geodesics(manifold: Any, pairs: ArrayLike, ax: Any = None, n_points: int = 100,
                   endpoints: bool = True, **line_kwargs: Any) -> list[Any]:
    r"""Draw the Fisher–Rao geodesic between each pair of points.

    Each curve is :math:`\gamma(t) = \exp_{a}(t \log_a b)`, :math:`t \in [0, 1]`,
    computed by ``manifold.geodesic(a, end_point=b)`` (closed form where the family has
    one, shooting otherwise).

    Parameters
    ----------
    manifold : StatisticalManifold
        A 2-parameter family; points are in its current chart.
    pairs : array-like, shape=[n, 2, 2] or [2, 2]
        ``pairs[i] = (start, end)``.
    ax : matplotlib Axes, optional
        Defaults to ``plt.gca()``.
    n_points : int
        Points per curve.
    endpoints : bool
        Also mark the start and end points.
    **line_kwargs
        Passed to ``ax.plot`` (``color``, ``lw``, ``label``). All curves share one colour
        (the next in the cycle unless ``color`` is given) and the label goes on the first
        curve only, so a call is one legend entry.

    Returns
    -------
    list of matplotlib.lines.Line2D
        One curve per pair (then the endpoint markers, if drawn).
    """
    check_2d_manifold(manifold)
    ax = get_axes(ax)
    n_points = check_positive_int(n_points, "n_points")
    arr = as_plane_points(pairs, "pairs", min_ndim=2)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != 2:
        raise ValueError(f"pairs must have shape [n, 2, 2] (start and end of each geodesic), "
                         f"got shape {arr.shape}")
    path = manifold.geodesic(arr[:, 0], end_point=arr[:, 1])
    curves = path(np.linspace(0.0, 1.0, n_points))  # [n, T, 2]
    artists = _plot_curves(ax, curves, line_kwargs)
    if endpoints:
        color = artists[0].get_color() if "color" not in line_kwargs else line_kwargs["color"]
        ends = arr.reshape(-1, 2)
        artists += ax.plot(ends[:, 0], ends[:, 1], "o", color=color, ms=3)
    label_axes(ax, manifold)
    return artists


#: the name used in the design notes; same function
plot_halfplane_geodesics = plot_geodesics


def plot_geodesic_rays(manifold: Any, base_point: ArrayLike, tangent_vecs: ArrayLike,
                       ax: Any = None, n_points: int = 100, **line_kwargs: Any) -> list[Any]:
    r"""Draw :math:`t \mapsto \exp_{\theta}(t v)`, :math:`t\in[0,1]`, for each velocity ``v``.

    Parameters
    ----------
    manifold : StatisticalManifold
    base_point : array-like, shape=[2]
    tangent_vecs : array-like, shape=[n, 2] or [2]
    ax, n_points, **line_kwargs
        As in :func:`plot_geodesics`.

    Returns
    -------
    list of matplotlib.lines.Line2D
    """
    check_2d_manifold(manifold)
    ax = get_axes(ax)
    n_points = check_positive_int(n_points, "n_points")
    base = as_plane_points(base_point, "base_point")
    if base.ndim != 1:
        raise ValueError(f"base_point must have shape [2], got shape {base.shape}")
    vecs = as_plane_points(tangent_vecs, "tangent_vecs").reshape(-1, 2)
    path = manifold.geodesic(np.broadcast_to(base, vecs.shape), initial_tangent_vec=vecs)
    artists = _plot_curves(ax, path(np.linspace(0.0, 1.0, n_points)), line_kwargs)
    label_axes(ax, manifold)
    return artists


def fisher_rao_circle(manifold: Any, center: ArrayLike, radius: float,
                      n_points: int = 120) -> np.ndarray:
    r"""Points at Fisher–Rao distance ``radius`` from ``center``: the geodesic circle.

    .. math::

        S_r(\theta) = \{\exp_\theta(v) : v^\top I(\theta) v = r^2\},
        \qquad v = r\, L^{-\top} u,\ I(\theta) = L L^\top,\ \|u\| = 1

    (a unit circle of directions :math:`u` mapped to metric-unit tangent vectors by the
    Cholesky factor). It is the distance sphere while ``radius`` is below the injectivity
    radius (always, on the normal family's hyperbolic half-plane).

    Returns
    -------
    ndarray, shape=[n_points, 2]
        A closed curve (first point = last point), in the manifold's chart.
    """
    check_2d_manifold(manifold)
    check_positive(radius, "radius")
    n_points = check_positive_int(n_points, "n_points")
    if n_points < 4:
        raise ValueError(f"n_points must be >= 4 to draw a circle, got {n_points}")
    theta = as_plane_points(center, "center")
    if theta.ndim != 1:
        raise ValueError(f"center must have shape [2], got shape {theta.shape}")
    chol = np.linalg.cholesky(manifold.metric_matrix(theta))
    u = unit_circle(n_points)
    v = radius * np.linalg.solve(chol.T, u.T).T  # v^T I v = |u|^2 r^2 = r^2
    return manifold.exp(v, np.broadcast_to(theta, v.shape))


def plot_fisher_rao_ball(manifold: Any, center: ArrayLike, radius: float, ax: Any = None,
                         n_points: int = 120, fill: bool = False, center_marker: bool = True,
                         **kwargs: Any) -> list[Any]:
    """Draw the boundary of the Fisher–Rao ball of ``radius`` around ``center``.

    See :func:`fisher_rao_circle` for the construction.

    Parameters
    ----------
    manifold : StatisticalManifold
    center : array-like, shape=[2]
    radius : float
        > 0, in Fisher–Rao units.
    ax : matplotlib Axes, optional
    n_points : int
    fill : bool
        Draw a filled polygon (``ax.fill``) instead of an outline.
    center_marker : bool
        Mark the center.
    **kwargs
        Passed to ``ax.plot`` (or ``ax.fill``).

    Returns
    -------
    list of matplotlib artists
        The outline (Line2D) or polygon, then the center marker if drawn.
    """
    check_2d_manifold(manifold)
    ax = get_axes(ax)
    circle = fisher_rao_circle(manifold, center, radius, n_points)
    if fill:
        artists = list(ax.fill(circle[:, 0], circle[:, 1], **kwargs))
        color = artists[0].get_facecolor()
    else:
        artists = list(ax.plot(circle[:, 0], circle[:, 1], **kwargs))
        color = artists[0].get_color()
    if center_marker:
        c = np.asarray(center, dtype=float)
        artists += ax.plot([c[0]], [c[1]], "+", color=color)
    label_axes(ax, manifold)
    return artists


def _plot_curves(ax: Any, curves: np.ndarray, line_kwargs: dict[str, Any]) -> list[Any]:
    """Plot ``curves [n, T, 2]``; a ``label`` goes on the first curve only."""
    artists = []
    kwargs = dict(line_kwargs)
    for curve in curves:
        artists += ax.plot(curve[:, 0], curve[:, 1], **kwargs)
        kwargs.pop("label", None)
        kwargs.setdefault("color", artists[0].get_color())
    return artists
