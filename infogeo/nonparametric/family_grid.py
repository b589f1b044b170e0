"""Quadratures fitted to a parametric family: where its densities live, for any family.

Continuous supports get double-exponential nodes (Takahasi & Mori, Publ. RIMS 9, 1974):
the trapezoid rule in t after a substitution x(t) that sends the ends to ±∞ and makes
the integrand decay doubly exponentially, so that a few hundred nodes integrate smooth
densities, heavy tails (Cauchy) and integrable end-point singularities (Beta, Gamma with
shape < 1) to near machine precision. Discrete supports get the integers, truncated
where the remaining mass is negligible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .._checks import check_positive_int
from .._quadrature import location_scale
from ..estimators import family_support
from ..manifolds import StatisticalManifold

__all__ = ["FamilyGrid", "family_grid", "family_density"]

_HALF_PI = 0.5 * np.pi
_NEGLIGIBLE = 50.0   # log-density drop below the peak beyond which nodes are dropped


@dataclass(frozen=True)
class FamilyGrid:
    """Nodes and quadrature weights on a family's data space.

    Attributes
    ----------
    nodes : ndarray, shape=[\\*grid_shape, \\*event_shape]
        Data points; pass them to ``manifold.log_prob``.
    weights : ndarray, shape=grid_shape
        Positive weights (1 for discrete families: the counting measure).
    """

    nodes: NDArray
    weights: NDArray


def _log_mass_density(manifold: StatisticalManifold, theta: NDArray, x: NDArray) -> NDArray:
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        out = manifold.log_prob(x, theta)
    return np.where(np.isnan(out), -np.inf, out)


def _de_map(low: float, high: float, loc: float, scale: float):  # noqa: ANN202
    """``t -> (x(t), dx/dt)`` and the default t-range for the support (low, high)."""
    if np.isfinite(low) and np.isfinite(high):
        half = 0.5 * (high - low)

        def tanh_sinh(t: NDArray) -> tuple[NDArray, NDArray]:
            z = _HALF_PI * np.sinh(t)
            # distances to the ends through expit: accurate next to either end
            x = np.where(z < 0, low + 2 * half * special.expit(2 * z),
                         high - 2 * half * special.expit(-2 * z))
            return x, half * _HALF_PI * np.cosh(t) / np.cosh(z) ** 2

        # |t| <= 4.5 reaches e^-140 from the ends; nodes that round onto an end are
        # dropped by the caller (the mass beyond them is below the rounding there)
        return tanh_sinh, (-4.5, 4.5)
    if np.isfinite(low) or np.isfinite(high):
        end, sign = (low, 1.0) if np.isfinite(low) else (high, -1.0)
        gap = max(abs(loc - end), 1e-300) if np.isfinite(loc) else scale

        def exp_sinh(t: NDArray) -> tuple[NDArray, NDArray]:
            e = gap * np.exp(_HALF_PI * np.sinh(t))
            return end + sign * e, e * _HALF_PI * np.cosh(t)

        return exp_sinh, (-4.0, 4.0)

    def sinh_map(t: NDArray) -> tuple[NDArray, NDArray]:
        return loc + scale * np.sinh(t), scale * np.cosh(t)

    return sinh_map, (-4.0, 4.0)


def _scan_end(logf, t0: float, direction: float, limit: float, peak: float) -> float:  # noqa: ANN001
    """Move from t0 in steps of 0.25 until log(p·dx/dt) is _NEGLIGIBLE below the peak."""
    t = t0
    while abs(t) < limit:
        t += 0.25 * direction
        if logf(t) < peak - _NEGLIGIBLE:
            return t
    return t


def _support(manifold: StatisticalManifold, theta: NDArray,
             support: tuple[float, float] | None) -> tuple[float, float]:
    if support is None:
        return family_support(manifold, theta)
    low, high = (float(v) for v in support)
    if not low < high:
        raise ValueError(f"support must be (low, high) with low < high, got {support!r}")
    return low, high


def _continuous_axis(manifold: StatisticalManifold, theta: NDArray, n: int,
                     loc: float, scale: float, support: tuple[float, float] | None
                     ) -> tuple[NDArray, NDArray]:
    low, high = _support(manifold, theta, support)
    mapping, (t_lo, t_hi) = _de_map(low, high, loc, scale)

    def logf(t: float) -> float:
        x, dx = mapping(np.array([t]))
        if not (low < x[0] < high) or not dx[0] > 0:
            return -np.inf
        return float(_log_mass_density(manifold, theta, x)[0] + np.log(dx[0]))

    if not (np.isfinite(low) and np.isfinite(high)):
        grid = np.linspace(t_lo, t_hi, 65)
        vals = np.array([logf(t) for t in grid])
        peak = float(np.max(vals))
        if not np.isfinite(peak):
            raise ValueError(f"theta: the density of {type(manifold).__name__} vanishes on "
                             "the probed grid; pass loc= and scale= near its mass")
        t_mid = float(grid[np.argmax(vals)])
        limit = 6.0 if np.isfinite(low) or np.isfinite(high) else 40.0
        t_lo = _scan_end(logf, t_mid, -1.0, limit, peak) if not np.isfinite(low) else t_lo
        t_hi = _scan_end(logf, t_mid, 1.0, limit, peak) if not np.isfinite(high) else t_hi
    t = np.linspace(t_lo, t_hi, n)
    x, dx = mapping(t)
    inside = (x > low) & (x < high)
    return x[inside], (dx * (t[1] - t[0]))[inside]


def _discrete_axis(manifold: StatisticalManifold, theta: NDArray,
                   support: tuple[float, float] | None) -> tuple[NDArray, NDArray]:
    low, high = _support(manifold, theta, support)
    if not np.isfinite(low):
        raise ValueError(f"{type(manifold).__name__}: a discrete support must have a finite "
                         f"lower end, got {low}")
    block = 64
    while True:
        top = low + block - 1 if not np.isfinite(high) else min(high, low + block - 1)
        k = np.arange(low, top + 1.0)
        pmf = np.exp(_log_mass_density(manifold, theta, k))
        tail = pmf[len(pmf) // 2:].sum()
        if top >= high or (abs(pmf.sum() - 1.0) < 1e-13 and tail < 1e-16):
            return k, np.ones_like(k)
        if block > 2**24:
            raise ValueError(f"{type(manifold).__name__}: the mass on the integers does not "
                             f"reach 1 (got {pmf.sum():.6g} on {k.size} integers)")
        block *= 2


def _loc_scale(manifold: StatisticalManifold, theta: NDArray) -> tuple[NDArray, NDArray]:
    """Centre and spread per data coordinate from the scipy counterpart, if any."""
    d = int(np.prod(manifold.event_shape, dtype=int))
    to_scipy = getattr(manifold, "to_scipy", None)
    if callable(to_scipy):
        dist = to_scipy(theta)
        if manifold.event_shape:
            mean, cov = getattr(dist, "mean", None), getattr(dist, "cov", None)
            if callable(mean) or mean is None or cov is None:
                # e.g. the Dirichlet: its data live on a simplex, not on a box of R^d
                raise ValueError(f"manifold: family_grid builds grids on R^d for vector data "
                                 f"(a scipy counterpart with .mean and .cov arrays); "
                                 f"{type(manifold).__name__} has none")
            mean = np.asarray(mean, dtype=float).reshape(d)
            return mean, np.sqrt(np.diag(np.asarray(cov, dtype=float).reshape(d, d)))
        with np.errstate(all="ignore"):
            q1, q2, q3 = (float(dist.ppf(u)) for u in (0.25, 0.5, 0.75))
        if np.isfinite(q2) and q3 > q1:
            return np.array([q2]), np.array([0.5 * (q3 - q1)])
    if not manifold.event_shape and not manifold.discrete:
        # no scipy counterpart (a NumericFamily, a compiled family): the median and spread
        # of the density itself, by the quadrature's own coarse CDF
        low, high = family_support(manifold, theta)
        centre, spread = location_scale(lambda x: manifold.log_prob(x, theta), low, high)
        return np.array([centre]), np.array([spread])
    return np.zeros(max(d, 1)), np.ones(max(d, 1))


def family_grid(manifold: StatisticalManifold, theta: ArrayLike, n_points: int = 801,
                loc: ArrayLike | None = None, scale: ArrayLike | None = None,
                max_nodes: int = 4_000_000,
                support: tuple[float, float] | None = None) -> FamilyGrid:
    """A quadrature that integrates the densities of ``manifold`` near ``theta``.

    Parameters
    ----------
    manifold : StatisticalManifold
        A numeric family with ``log_prob``; scalar observations (continuous or on the
        integers) or continuous vectors with ``event_shape = (d,)`` (a tensor-product grid,
        :math:`n^d` nodes; meant for d = 2).
    theta : array-like, shape=[dim]
        The parameter the grid is fitted to (current chart).
    n_points : int
        Nodes per continuous axis.
    loc, scale : array-like, shape=[d], optional
        Centre and spread of the data per coordinate (from ``to_scipy`` by default).
    max_nodes : int
        Largest tensor grid allowed for vector observations.
    support : (float, float), optional
        ``(low, high)`` of scalar data (infinite ends allowed); by default from the
        family's ``support(theta)`` or ``to_scipy(theta)``, as in
        :func:`infogeo.estimators.fisher_quadrature`.

    Returns
    -------
    FamilyGrid

    Notes
    -----
    Maps: tanh-sinh :math:`x = c + h\\tanh(\\tfrac\\pi2\\sinh t)` on a bounded support,
    exp-sinh :math:`x = a + s\\,e^{\\frac\\pi2\\sinh t}` on a half line, and
    :math:`x = m + s\\sinh t` on the real line, with weights
    :math:`w_k = \\Delta t\\,x'(t_k)` and the t-range cut where
    :math:`p(x(t))\\,x'(t)` is :math:`e^{-50}` below its peak.
    """
    theta = np.asarray(theta, dtype=float)
    n_points = check_positive_int(n_points, "n_points")
    if n_points < 3:
        raise ValueError(f"n_points must be >= 3 (nodes per continuous axis), got {n_points}")
    centre, spread = _loc_scale(manifold, theta)
    if loc is not None:
        centre = np.broadcast_to(np.asarray(loc, dtype=float), centre.shape)
    if scale is not None:
        spread = np.broadcast_to(np.asarray(scale, dtype=float), spread.shape)
    if len(manifold.event_shape) > 1:
        raise ValueError(f"manifold: family_grid needs scalar or vector observations, "
                         f"got event_shape {manifold.event_shape}")
    if manifold.discrete:
        if manifold.event_shape:
            raise ValueError(f"manifold: discrete families with vector observations "
                             f"({type(manifold).__name__}) have no grid here")
        nodes, weights = _discrete_axis(manifold, theta, support)
        return FamilyGrid(nodes, weights)
    if not manifold.event_shape:
        nodes, weights = _continuous_axis(manifold, theta, n_points, float(centre[0]),
                                          float(spread[0]), support)
        return FamilyGrid(nodes, weights)
    if n_points ** centre.size > max_nodes:
        raise ValueError(f"n_points: a tensor grid of {n_points}**{centre.size} nodes exceeds "
                         f"max_nodes = {max_nodes}; lower n_points (or raise max_nodes)")
    # vector data: sinh map per coordinate, ±15 spreads (light tails assumed)
    t = np.linspace(-np.arcsinh(15.0), np.arcsinh(15.0), n_points)
    axes = [c + s * np.sinh(t) for c, s in zip(centre, spread, strict=True)]
    ws = [s * np.cosh(t) * (t[1] - t[0]) for s in spread]
    nodes = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    weights = ws[0]
    for w in ws[1:]:
        weights = np.multiply.outer(weights, w)
    return FamilyGrid(nodes, weights)


def family_density(manifold: StatisticalManifold, theta: ArrayLike, grid: FamilyGrid
                   ) -> NDArray:
    """Density values :math:`p(x_k\\mid\\theta)` at the grid nodes, shape ``[..., *grid_shape]``
    for ``theta`` of shape ``[..., dim]`` (zero where the density underflows)."""
    theta = np.asarray(theta, dtype=float)
    gdim = grid.weights.ndim
    batch = theta.reshape(theta.shape[:-1] + (1,) * gdim + theta.shape[-1:])
    return np.exp(_log_mass_density(manifold, batch, grid.nodes))
