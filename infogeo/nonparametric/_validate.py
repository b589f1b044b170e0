"""Input checks for densities given on a quadrature (grid, histogram, weighted samples).

A *quadrature* is an array of positive weights ``weights`` of shape ``grid_shape``
(1-D or 2-D grids, histogram bin widths/areas, importance weights of samples): every
integral is :math:`\\int f \\approx \\sum_k w_k f(x_k)`. A density on it is an array of
shape ``[..., *grid_shape]`` (leading axes are a batch).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive

__all__ = ["check_weights", "check_density", "check_log_density", "integrate", "grid_axes"]


def check_weights(weights: ArrayLike, name: str = "weights") -> NDArray:
    """Finite, strictly positive quadrature weights, at least one of them."""
    w = as_finite_array(weights, name)
    if w.ndim == 0 or w.size == 0:
        raise ValueError(f"{name} must be a non-empty array of quadrature weights "
                         f"(one per grid node), got shape {w.shape}")
    check_positive(w, f"{name} (quadrature weights)")
    return w


def grid_axes(weights: NDArray) -> tuple[int, ...]:
    """The trailing axes that a quadrature over ``weights`` sums over."""
    return tuple(range(-weights.ndim, 0))


def integrate(values: NDArray, weights: NDArray) -> NDArray:
    """:math:`\\sum_k w_k f(x_k)` over the trailing grid axes, shape ``[...]``."""
    # tensordot contracts through BLAS without a product temporary
    return np.tensordot(values, weights, axes=weights.ndim)


def _check_shape(p: NDArray, weights: NDArray, name: str) -> None:
    if p.shape[p.ndim - weights.ndim:] != weights.shape or p.ndim < weights.ndim:
        raise ValueError(f"{name} must have shape [..., {', '.join(map(str, weights.shape))}] "
                         f"(the grid shape of weights), got {p.shape}")


def check_density(p: ArrayLike, weights: NDArray, name: str = "p",
                  normalize_mass: bool = True) -> NDArray:
    """A nonnegative finite density on the quadrature, rescaled to unit mass.

    Raises
    ------
    ValueError
        If ``p`` does not have the grid shape of ``weights`` in its trailing axes, holds a
        negative or non-finite value, or has zero mass (it cannot be normalized).
    """
    try:
        arr = np.asarray(p, dtype=float)
    except (TypeError, ValueError):
        arr = as_finite_array(p, name)  # raises with the standard message
    _check_shape(arr, weights, name)
    # fast path: two reductions without temporaries (NaN fails `>= 0`); the detailed
    # checks, with their messages, only run when something is wrong
    if arr.size and not (arr.min() >= 0 and arr.max() < np.inf):
        as_finite_array(arr, name)
        check_positive(arr, f"{name} (a density)", strict=False)
    mass = integrate(arr, weights)
    if np.any(~(mass > 0)) or not np.all(np.isfinite(mass)):
        raise ValueError(f"{name} is not normalizable: its quadrature mass sum(weights * "
                         f"{name}) must be finite and > 0, got {np.min(mass)!r}")
    if not normalize_mass:
        return arr
    return arr / np.expand_dims(mass, grid_axes(weights))


def check_log_density(log_p: ArrayLike, weights: NDArray, name: str) -> NDArray:
    """Log-density values on the grid: real or −inf (zero density), never NaN or +inf."""
    try:
        arr = np.asarray(log_p, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a numeric array, got {log_p!r}") from err
    _check_shape(arr, weights, name)
    if np.any(np.isnan(arr)) or np.any(arr == np.inf):
        raise ValueError(f"{name} must be a log-density: real or -inf, never NaN or +inf")
    if np.all(arr == -np.inf):
        raise ValueError(f"{name} is not normalizable: it is -inf (zero density) everywhere")
    return arr
