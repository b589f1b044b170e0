"""Quadratures that densities live on: grids (1-D, 2-D), histograms, weighted samples.

Every representation is a set of nodes :math:`x_k` with positive weights :math:`w_k`, so
that :math:`\\int f\\,dx \\approx \\sum_k w_k f(x_k)`; a density is the array of its values
:math:`p(x_k)` (for a histogram, the bin heights). The geometry in
:mod:`infogeo.nonparametric.geometry` only ever sees ``(p, weights)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive_int
from ._validate import check_density, check_weights

__all__ = ["grid_weights", "normalize", "histogram_density", "importance_weights"]


def _axis_weights(x: NDArray, rule: str, name: str) -> NDArray:
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"{name} must be a 1-D array of at least 2 grid nodes, got shape "
                         f"{x.shape}")
    h = np.diff(x)
    if np.any(h <= 0):
        raise ValueError(f"{name} must be strictly increasing (grid nodes)")
    if rule == "trapezoid":
        w = np.zeros_like(x)
        w[:-1] += 0.5 * h
        w[1:] += 0.5 * h
        return w
    if rule == "simpson":
        if x.size % 2 == 0 or not np.allclose(h, h[0], rtol=1e-9, atol=0.0):
            raise ValueError(f"rule='simpson' needs an odd number of equally spaced nodes in "
                             f"{name}, got {x.size} nodes")
        w = np.full_like(x, 2.0)
        w[1::2] = 4.0
        w[0] = w[-1] = 1.0
        return w * h[0] / 3.0
    raise ValueError(f"rule must be 'trapezoid' or 'simpson', got {rule!r}")


def grid_weights(*axes: ArrayLike, rule: str = "trapezoid") -> NDArray:
    """Quadrature weights of a tensor-product grid.

    Parameters
    ----------
    *axes : array-like, shape=[n_i]
        Strictly increasing nodes of each axis (one axis: a 1-D grid; two: a 2-D grid,
        densities of shape ``[n_1, n_2]`` indexed ``p[i, j] = p(x_i, y_j)``).
    rule : {"trapezoid", "simpson"}
        Composite rule on each axis (Simpson needs an odd number of equispaced nodes).

    Returns
    -------
    ndarray, shape=[n_1, ..., n_d]
        :math:`w_{i_1\\dots i_d} = \\prod_a w^{(a)}_{i_a}`.

    Notes
    -----
    For a smooth density that decays to zero at both ends of the grid the trapezoid rule
    on a uniform grid converges faster than any power of the spacing (Trefethen &
    Weideman, "The exponentially convergent trapezoidal rule", SIAM Rev. 56, 2014).
    """
    if not axes:
        raise ValueError("axes: give at least one array of grid nodes")
    weights = np.ones(())
    for i, x in enumerate(axes):
        w = _axis_weights(as_finite_array(x, f"axes[{i}]"), rule, f"axes[{i}]")
        weights = np.multiply.outer(weights, w)
    return weights


def normalize(p: ArrayLike, weights: ArrayLike) -> NDArray:
    """``p`` divided by its quadrature mass :math:`\\sum_k w_k p_k`.

    Parameters
    ----------
    p : array-like, shape=[..., \\*grid_shape]
        Nonnegative (unnormalized) density values at the grid nodes.
    weights : array-like, shape=grid_shape
        Positive quadrature weights.
    """
    return check_density(p, check_weights(weights), "p")


def histogram_density(samples: ArrayLike, bins: int | ArrayLike = 50,
                      range: tuple[float, float] | None = None  # noqa: A002 - numpy's name
                      ) -> tuple[NDArray, NDArray, NDArray]:
    """A 1-D histogram as a density on a quadrature.

    Parameters
    ----------
    samples : array-like, shape=[n]
    bins : int or array-like
        Number of equal bins, or the bin edges (as in :func:`numpy.histogram`).
    range : (float, float), optional
        Lower and upper edge when ``bins`` is an int.

    Returns
    -------
    density : ndarray, shape=[k]
        Bin heights :math:`c_i / (n\\,\\Delta_i)` (counts over n times the width).
    weights : ndarray, shape=[k]
        Bin widths :math:`\\Delta_i`; :math:`\\sum_i \\Delta_i\\,\\text{density}_i = 1`.
    centers : ndarray, shape=[k]
        Bin midpoints.

    Notes
    -----
    With these weights the Fisher–Rao distance between two histograms on the same edges
    is the categorical distance :math:`2\\arccos\\sum_i\\sqrt{P_iQ_i}` between their bin
    masses :math:`P_i = \\Delta_i\\,\\text{density}_i`.
    """
    x = as_finite_array(samples, "samples")
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"samples must be a non-empty 1-D array, got shape {x.shape}")
    if isinstance(bins, int | np.integer):
        check_positive_int(bins, "bins")
    counts, edges = np.histogram(x, bins=bins, range=range)
    if counts.sum() == 0:
        raise ValueError("samples: no sample falls inside the histogram range")
    widths = np.diff(edges)
    return counts / (counts.sum() * widths), widths, 0.5 * (edges[:-1] + edges[1:])


def importance_weights(log_proposal: ArrayLike) -> NDArray:
    """Monte Carlo quadrature weights of samples :math:`x_k \\sim r`.

    .. math::

        \\int f\\,dx = E_r\\left[\\frac{f(x)}{r(x)}\\right]
        \\approx \\sum_{k=1}^n w_k f(x_k), \\qquad w_k = \\frac{1}{n\\,r(x_k)}.

    Parameters
    ----------
    log_proposal : array-like, shape=[n]
        :math:`\\log r(x_k)` of the (normalized) sampling density at the samples.

    Returns
    -------
    ndarray, shape=[n]
        Positive weights for every function of :mod:`infogeo.nonparametric` that takes
        ``weights``; use :func:`~infogeo.nonparametric.bhattacharyya_from_samples` for the
        standard error of such estimates.
    """
    log_r = as_finite_array(log_proposal, "log_proposal")
    if log_r.ndim != 1 or log_r.size == 0:
        raise ValueError(f"log_proposal must be a non-empty 1-D array, got {log_r.shape}")
    return check_weights(np.exp(-log_r) / log_r.size, "importance weights exp(-log_proposal)/n")
