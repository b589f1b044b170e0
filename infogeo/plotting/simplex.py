"""Points of the probability simplex of 3 categories, in barycentric coordinates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array
from ._common import get_axes

__all__ = ["simplex_to_cartesian", "plot_simplex"]

#: corners of the equilateral triangle for categories 1, 2, 3
CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3.0) / 2.0]])
_KINDS = ("scatter", "line")


def simplex_to_cartesian(p: ArrayLike, atol: float = 1e-8) -> NDArray:
    r"""Map probability vectors of 3 categories to the plane.

    .. math::

        (x, y) = p_1 c_1 + p_2 c_2 + p_3 c_3,
        \qquad c_1 = (0, 0),\ c_2 = (1, 0),\ c_3 = (\tfrac12, \tfrac{\sqrt3}2)

    Parameters
    ----------
    p : array-like, shape=[..., 3]
        Non-negative entries summing to 1 (within ``atol``).

    Returns
    -------
    ndarray, shape=[..., 2]
    """
    arr = as_finite_array(p, "p")
    if arr.ndim == 0 or arr.shape[-1] != 3:
        raise ValueError(f"p must have shape [..., 3] (probabilities of 3 categories), "
                         f"got shape {arr.shape}")
    if np.any(arr < -atol):
        raise ValueError(f"p must be >= 0, got {float(arr.min())!r}")
    total = arr.sum(axis=-1)
    if np.any(np.abs(total - 1.0) > atol):
        worst = float(total.flat[np.argmax(np.abs(total - 1.0))])
        raise ValueError(f"p must sum to 1 over the last axis, got a sum of {worst!r}")
    return arr @ CORNERS


def plot_simplex(points: ArrayLike | None = None, ax: Any = None, kind: str = "scatter",
                 labels: Sequence[str] = ("$p_1$", "$p_2$", "$p_3$"), frame: bool = True,
                 **kwargs: Any) -> list[Any]:
    """Draw points (or paths) of the 3-category simplex on triangular axes.

    Parameters
    ----------
    points : array-like, shape=[n, 3] (scatter), [T, 3] or [n, T, 3] (line), optional
        Probability vectors; None draws only the triangle.
    ax : matplotlib Axes, optional
    kind : {"scatter", "line"}
        Markers, or connected paths (one per leading index for ``[n, T, 3]``).
    labels : sequence of 3 str
        Corner labels (category i at the corner where p_i = 1).
    frame : bool
        Draw the triangle and corner labels (once per Axes is enough).
    **kwargs
        Passed to ``ax.scatter`` or ``ax.plot``.

    Returns
    -------
    list of matplotlib artists
        The frame (line and labels) if drawn, then the data artists.
    """
    ax = get_axes(ax)
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    if len(labels) != 3:
        raise ValueError(f"labels must hold 3 strings, got {len(labels)}")
    artists: list[Any] = []
    if frame:
        closed = np.vstack([CORNERS, CORNERS[:1]])
        artists += ax.plot(closed[:, 0], closed[:, 1], color="0.3", lw=1)
        offsets = [(-0.04, -0.04), (0.04, -0.04), (0.0, 0.04)]
        for corner, label, (dx, dy) in zip(CORNERS, labels, offsets, strict=True):
            artists.append(ax.text(corner[0] + dx, corner[1] + dy, label, ha="center",
                                   va="center"))
        ax.set_aspect("equal")
        ax.set_axis_off()
    if points is None:
        return artists
    xy = simplex_to_cartesian(points)
    if kind == "scatter":
        flat = xy.reshape(-1, 2)
        artists.append(ax.scatter(flat[:, 0], flat[:, 1], **kwargs))
    else:
        if xy.ndim not in (2, 3):
            raise ValueError(f"points must have shape [T, 3] or [n, T, 3] for kind='line', "
                             f"got shape {np.shape(points)}")
        for path in xy.reshape((-1,) + xy.shape[-2:]):
            artists += ax.plot(path[:, 0], path[:, 1], **kwargs)
            kwargs.pop("label", None)
    return artists
