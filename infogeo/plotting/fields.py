"""Vector fields and optimisation trajectories in a 2-D chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array
from ._common import as_plane_points, check_2d_manifold, get_axes, label_axes

__all__ = ["plot_vector_field", "plot_trajectories"]

_NORMALIZE = (None, "euclidean", "riemannian")


def plot_vector_field(manifold: Any, field: Callable[[NDArray], ArrayLike] | ArrayLike,
                      points: ArrayLike, ax: Any = None, raise_index: bool = False,
                      normalize: str | None = None, **quiver_kwargs: Any) -> Any:
    r"""Draw arrows of a vector field at ``points`` (a quiver plot).

    With ``raise_index=True`` the field is read as a covector (a Euclidean gradient
    :math:`\nabla L`) and the arrows show :math:`I(\theta)^{-1}\nabla L`, the natural
    gradient — draw both to compare steepest descent in the two geometries.

    Parameters
    ----------
    manifold : StatisticalManifold
        2-parameter family; ``points`` are in its current chart.
    field : callable or array-like
        ``field(points) -> [..., 2]``, or the vectors themselves (same shape as ``points``).
    points : array-like, shape=[..., 2]
    ax : matplotlib Axes, optional
    raise_index : bool
        Apply :math:`I(\theta)^{-1}` to the field.
    normalize : {None, "euclidean", "riemannian"}
        Rescale arrows to unit Euclidean length, or unit Fisher length
        :math:`\sqrt{v^\top I(\theta) v} = 1` (zero vectors stay zero).
    **quiver_kwargs
        Passed to ``ax.quiver`` (e.g. ``color``, ``angles="xy"``, ``scale``).

    Returns
    -------
    matplotlib.quiver.Quiver
    """
    check_2d_manifold(manifold)
    ax = get_axes(ax)
    if normalize not in _NORMALIZE:
        raise ValueError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}")
    pts = as_plane_points(points, "points").reshape(-1, 2)
    shape = np.shape(points)
    raw = field(np.asarray(points, dtype=float)) if callable(field) else field
    vecs = as_finite_array(raw, "field")
    if vecs.shape != shape:
        raise ValueError(f"field must give one vector per point, shape {shape}, "
                         f"got shape {vecs.shape}")
    vecs = vecs.reshape(-1, 2)
    if raise_index or normalize == "riemannian":
        metric = np.asarray(manifold.metric_matrix(pts), dtype=float)
    if raise_index:
        vecs = np.linalg.solve(metric, vecs[..., None])[..., 0]
    if normalize is not None:
        sq = (np.einsum("...i,...ij,...j->...", vecs, metric, vecs)
              if normalize == "riemannian" else np.sum(vecs**2, axis=-1))
        length = np.sqrt(np.maximum(sq, 0.0))
        vecs = vecs / np.where(length > 0, length, 1.0)[..., None]
    quiver = ax.quiver(pts[:, 0], pts[:, 1], vecs[:, 0], vecs[:, 1], **quiver_kwargs)
    label_axes(ax, manifold)
    return quiver


def plot_trajectories(trajectories: Sequence[Any] | Any, ax: Any = None,
                      labels: Sequence[str] | None = None, markers: bool = True,
                      **line_kwargs: Any) -> list[Any]:
    """Draw optimisation or flow paths in a 2-D chart.

    Parameters
    ----------
    trajectories : Trajectory, array-like [T, 2], or a sequence of those
        A :class:`~infogeo.flows.Trajectory` (its ``params`` are drawn) or raw points.
    ax : matplotlib Axes, optional
    labels : sequence of str, optional
        One legend label per trajectory.
    markers : bool
        Mark the start (circle) and the end (star) of each path.
    **line_kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    list of matplotlib.lines.Line2D
        One line per trajectory, then the markers.
    """
    ax = get_axes(ax)
    paths = [_as_path(t, i) for i, t in enumerate(_as_list(trajectories))]
    if not paths:
        raise ValueError("trajectories must hold at least one path")
    if labels is not None and len(labels) != len(paths):
        raise ValueError(f"labels must have one entry per trajectory ({len(paths)}), "
                         f"got {len(labels)}")
    lines, marks = [], []
    for i, path in enumerate(paths):
        kwargs = dict(line_kwargs)
        if labels is not None:
            kwargs["label"] = labels[i]
        (line,) = ax.plot(path[:, 0], path[:, 1], **kwargs)
        lines.append(line)
        if markers:
            marks += ax.plot(path[0, 0], path[0, 1], "o", color=line.get_color(), ms=4)
            marks += ax.plot(path[-1, 0], path[-1, 1], "*", color=line.get_color(), ms=8)
    return lines + marks


def _as_list(trajectories: Any) -> list[Any]:
    if hasattr(trajectories, "params"):
        return [trajectories]
    if isinstance(trajectories, np.ndarray) and trajectories.ndim == 2:
        return [trajectories]
    if isinstance(trajectories, np.ndarray) and trajectories.ndim == 3:
        return list(trajectories)
    if isinstance(trajectories, list | tuple):
        # a list of points [[x, y], ...] is one path, a list of paths is several
        first = trajectories[0] if trajectories else None
        if first is not None and not hasattr(first, "params") and np.ndim(first) == 1:
            return [trajectories]
        return list(trajectories)
    raise TypeError(f"trajectories must be a Trajectory, an array [T, 2] or a sequence of "
                    f"those, got {type(trajectories).__name__}")


def _as_path(trajectory: Any, index: int) -> NDArray:
    points = trajectory.params if hasattr(trajectory, "params") else trajectory
    path = as_plane_points(points, f"trajectories[{index}]", min_ndim=2)
    if path.ndim != 2:
        raise ValueError(f"trajectories[{index}] must have shape [T, 2], got {path.shape}")
    return path
