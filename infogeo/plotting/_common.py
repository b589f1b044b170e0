"""Input checks shared by the plotting helpers."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array

__all__ = ["get_axes", "check_2d_manifold", "as_plane_points", "label_axes"]


def get_axes(ax: Any) -> Any:
    """``ax`` if it is a matplotlib Axes; the current Axes of pyplot when ``ax`` is None."""
    from matplotlib.axes import Axes

    if ax is None:
        import matplotlib.pyplot as plt  # only when the caller did not give axes

        return plt.gca()
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    return ax


def check_2d_manifold(manifold: Any, name: str = "manifold") -> None:
    """Require a 2-parameter manifold with the public StatisticalManifold API."""
    for attr in ("dim", "metric_matrix", "exp"):
        if not hasattr(manifold, attr):
            raise TypeError(f"{name} must be a StatisticalManifold (no {attr!r}), "
                            f"got {type(manifold).__name__}")
    if manifold.dim != 2:
        raise ValueError(f"{name} must be 2-dimensional to be drawn in the plane, "
                         f"got dim={manifold.dim}")


def as_plane_points(points: ArrayLike, name: str, min_ndim: int = 1) -> NDArray:
    """A finite float array of shape ``[..., 2]`` with at least ``min_ndim`` axes."""
    arr = as_finite_array(points, name)
    if arr.ndim < min_ndim or arr.shape[-1] != 2:
        raise ValueError(f"{name} must have shape [..., 2] (points of a 2-D chart), "
                         f"got shape {arr.shape}")
    return arr


def label_axes(ax: Any, manifold: Any) -> None:
    """Name the axes after the chart coordinates, unless the caller already did."""
    coords = getattr(manifold, "coordinates", None)
    if coords is None or len(coords) != 2:
        return
    if not ax.get_xlabel():
        ax.set_xlabel(coords[0])
    if not ax.get_ylabel():
        ax.set_ylabel(coords[1])


def unit_circle(n_points: int) -> NDArray:
    """``n_points`` unit vectors, shape ``[n_points, 2]``, closed (first = last)."""
    angle = np.linspace(0.0, 2.0 * np.pi, n_points)
    return np.stack([np.cos(angle), np.sin(angle)], axis=-1)
