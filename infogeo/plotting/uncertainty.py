"""Monte Carlo estimates with their error bands, and power-law convergence rates."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive
from ._common import get_axes

__all__ = ["plot_estimate_band", "loglog_slope", "plot_loglog_fit"]


def _same_shape_1d(arrays: dict[str, ArrayLike]) -> list[NDArray]:
    out = [as_finite_array(v, k) for k, v in arrays.items()]
    first_name, first = next(iter(arrays)), out[0]
    if first.ndim != 1 or first.size < 1:
        raise ValueError(f"{first_name} must be a non-empty 1-D array, got shape {first.shape}")
    for name, arr in zip(arrays, out, strict=True):
        if arr.shape != first.shape:
            raise ValueError(f"{name} must have the shape of {first_name} {first.shape}, "
                             f"got {arr.shape}")
    return out


def plot_estimate_band(x: ArrayLike, mean: ArrayLike, stderr: ArrayLike, ax: Any = None,
                       n_se: float = 2.0, label: str | None = None, alpha: float = 0.25,
                       **line_kwargs: Any) -> tuple[Any, Any]:
    r"""Draw a Monte Carlo estimate as a line with the band
    :math:`\hat m \pm k\,\widehat{\mathrm{se}}` around it.

    With :math:`k = 2` the band covers the true value about 95% of the time (normal
    approximation), so a reference value outside the band for most ``x`` is evidence of
    a bias.

    Parameters
    ----------
    x, mean, stderr : array-like, shape=[n]
        Abscissae, estimates and their standard errors (``stderr >= 0``).
    ax : matplotlib Axes, optional
    n_se : float
        :math:`k > 0`, the half-width of the band in standard errors.
    label : str, optional
        Legend label of the line (the band is labelled ``"± k SE"`` after it).
    alpha : float
        Opacity of the band.
    **line_kwargs
        Passed to ``ax.plot`` (the band takes the line's colour).

    Returns
    -------
    line : matplotlib.lines.Line2D
    band : matplotlib.collections.PolyCollection
    """
    ax = get_axes(ax)
    xs, m, se = _same_shape_1d({"x": x, "mean": mean, "stderr": stderr})
    check_positive(se, "stderr", strict=False)
    check_positive(n_se, "n_se")
    (line,) = ax.plot(xs, m, label=label, **line_kwargs)
    band_label = f"{label} ± {n_se:g} SE" if label else None
    band = ax.fill_between(xs, m - n_se * se, m + n_se * se, color=line.get_color(),
                           alpha=alpha, lw=0, label=band_label)
    return line, band


def loglog_slope(x: ArrayLike, y: ArrayLike) -> tuple[float, float]:
    r"""Least-squares fit of :math:`\log y = a + b \log x`: the exponent of a power law.

    .. math::

        y \approx e^a x^b, \qquad
        b = \frac{\sum_i (u_i - \bar u)(v_i - \bar v)}{\sum_i (u_i - \bar u)^2},
        \quad u = \log x,\ v = \log y

    Returns
    -------
    slope : float
        :math:`b` (e.g. :math:`-1/2` for a Monte Carlo error against the sample size).
    intercept : float
        :math:`a`.
    """
    xs, ys = _same_shape_1d({"x": x, "y": y})
    check_positive(xs, "x")
    check_positive(ys, "y")
    if xs.size < 2 or np.ptp(xs) == 0:
        raise ValueError("x must hold at least two distinct values to fit a slope, "
                         f"got {xs.tolist()}")
    slope, intercept = np.polyfit(np.log(xs), np.log(ys), 1)
    return float(slope), float(intercept)


def plot_loglog_fit(x: ArrayLike, y: ArrayLike, ax: Any = None, label: str = "",
                    reference_slope: float | None = None, marker: str = "o",
                    **line_kwargs: Any) -> tuple[float, list[Any]]:
    r"""Draw ``y`` against ``x`` on log-log axes with its fitted power law.

    The fitted line (dashed, same colour) is labelled with its slope
    (:func:`loglog_slope`); with ``reference_slope`` a thin grey line of that slope
    through the first point shows the expected rate, e.g. :math:`-1/2` for Monte Carlo.

    Returns
    -------
    slope : float
    artists : list of matplotlib.lines.Line2D
        The data, the fit, and the reference line if drawn.
    """
    ax = get_axes(ax)
    xs, ys = _same_shape_1d({"x": x, "y": y})
    slope, intercept = loglog_slope(xs, ys)
    (data,) = ax.plot(xs, ys, marker, label=label or None, **line_kwargs)
    grid = np.geomspace(xs.min(), xs.max(), 50)
    (fit,) = ax.plot(grid, np.exp(intercept) * grid**slope, "--", color=data.get_color(),
                     label=f"{label + ': ' if label else ''}fitted slope {slope:.3f}")
    artists = [data, fit]
    if reference_slope is not None:
        ref = as_finite_array(reference_slope, "reference_slope")
        first = np.argmin(xs)
        artists += ax.plot(grid, ys[first] * (grid / xs[first]) ** float(ref), color="0.6",
                           lw=0.8, zorder=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    return slope, artists
