"""Level sets of a loss over a rectangle of a 2-D chart (the landscape under a path)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive_int
from ._common import get_axes

__all__ = ["loss_grid", "plot_loss_contours"]


def _check_range(lim: ArrayLike, name: str) -> tuple[float, float]:
    lo, hi = (float(v) for v in np.asarray(lim, dtype=float).reshape(-1)[:2])
    if np.size(lim) != 2 or not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"{name} must be (low, high) with finite low < high, got {lim!r}")
    return lo, hi


def loss_grid(loss: Callable[[NDArray], Any], xlim: ArrayLike, ylim: ArrayLike,
              n: int = 80, vectorized: bool = False
              ) -> tuple[NDArray, NDArray, np.ma.MaskedArray]:
    r"""Evaluate ``loss`` on an ``n`` × ``n`` grid of the rectangle ``xlim`` × ``ylim``.

    By default the loss is called on one point ``[2]`` at a time (losses written for the
    optimizers in :mod:`infogeo.flows` take a single point). With ``vectorized=True`` it
    is called once on all the points ``[n, n, 2]`` and must return ``[n, n]`` (e.g.
    ``lambda th: manifold.kl_divergence(p, th)``), which is much faster; if that call
    raises ``ValueError`` (a point outside the parameter domain) the grid is evaluated
    point by point instead. A point where the loss raises ``ValueError`` or is not finite
    is masked.

    Returns
    -------
    x, y : ndarray, shape=[n, n]
        ``np.meshgrid`` of the coordinates.
    values : numpy.ma.MaskedArray, shape=[n, n]
    """
    n = check_positive_int(n, "n")
    if n < 2:
        raise ValueError(f"n must be >= 2 (grid points per axis), got {n}")
    x, y = np.meshgrid(np.linspace(*_check_range(xlim, "xlim"), n),
                       np.linspace(*_check_range(ylim, "ylim"), n))
    if vectorized:
        try:
            values = np.asarray(loss(np.stack([x, y], axis=-1)), dtype=float)
        except ValueError:
            pass  # some point is outside the domain: fall back to one point at a time
        else:
            if values.shape != x.shape:
                raise ValueError(f"loss with vectorized=True must map points [n, n, 2] to "
                                 f"values [n, n], got shape {values.shape} for n = {n}")
            return x, y, np.ma.masked_invalid(values)
    values = np.full(x.shape, np.nan)
    for idx in np.ndindex(x.shape):
        try:
            values[idx] = float(loss(np.array([x[idx], y[idx]])))
        except ValueError:
            pass  # outside the domain: left masked
    return x, y, np.ma.masked_invalid(values)


def plot_loss_contours(loss: Callable[[NDArray], Any], xlim: ArrayLike, ylim: ArrayLike,
                       ax: Any = None, n: int = 80, levels: int | ArrayLike = 15,
                       log: bool = False, vectorized: bool = False,
                       **contour_kwargs: Any) -> Any:
    r"""Draw level sets of ``loss`` over a rectangle of a 2-D chart.

    With ``log=True`` the levels are those of :math:`\log(L - L_{\min} + \epsilon)`
    (:math:`L_{\min}` the smallest grid value, :math:`\epsilon` a millionth of the range),
    which spreads the contours of a loss with a sharp valley and a flat plateau.

    Parameters
    ----------
    loss : callable
        ``[2] -> float`` in the chart of the axes.
    xlim, ylim : (float, float)
        The rectangle.
    ax : matplotlib Axes, optional
    n : int
        Grid points per axis.
    levels : int or array-like
        Passed to ``ax.contour`` (in the transformed scale when ``log=True``).
    log : bool
        Contour the logarithm of the excess loss.
    vectorized : bool
        ``loss`` maps points ``[..., 2]`` to values ``[...]``: one call for the whole
        grid (see :func:`loss_grid`).
    **contour_kwargs
        Passed to ``ax.contour`` (default: thin solid grey lines).

    Returns
    -------
    matplotlib.contour.QuadContourSet
    """
    ax = get_axes(ax)
    x, y, values = loss_grid(loss, xlim, ylim, n, vectorized=vectorized)
    if values.count() == 0:
        raise ValueError("loss must be finite somewhere in xlim x ylim, got no finite value")
    if log:
        spread = float(values.max() - values.min())
        values = np.ma.log(values - values.min() + 1e-6 * max(spread, 1e-300))
    style = {"colors": "0.6", "linewidths": 0.7, "linestyles": "solid", **contour_kwargs}
    return ax.contour(x, y, values, levels=levels, **style)
