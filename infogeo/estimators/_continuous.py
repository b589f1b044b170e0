r"""Fisher integrals over a continuous scalar support, in coordinates without end points.

The support is mapped onto a whole line ``u`` that removes its finite ends:

.. math::

    (a, \infty):\ x = a + e^u, \qquad (-\infty, b):\ x = b - e^u, \qquad
    (a, b):\ x = a + (b - a)\operatorname{expit}(u), \qquad \mathbb R:\ x = u.

A density with an integrable singularity :math:`y^{\alpha-1}` at an end (distance y)
becomes :math:`e^{\alpha u}` in u: smooth, decaying exponentially, no singularity left.
The bulk of the density in u is located (median and spread of a few seeded draws, or a
scan of the density over the whole float range), the integral is taken over
:math:`z = (u - c)/s` with adaptive Gauss–Kronrod (``scipy.integrate.quad_vec``), and
entries are scaled by the natural scale :math:`\sqrt{I_{ii}I_{jj}}` so that the error
estimate is relative entry by entry.

What floats cannot reach is accounted for, not ignored: past a finite end's resolution
limit (``x`` rounds onto the end) the u-density is extrapolated by its own exponential
rate there, which bounds the mass and — with the terms at the limit — the Fisher
contribution left out. The total mass is integrated with the terms: a mass that is not one
after that accounting means a wrong support, and within round-off it normalizes the
result (a normalizing constant slightly off cancels).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from ..errors import UnreliableEstimateError
from ..manifolds.base import StatisticalManifold
from ._adaptive import integrate_adaptive
from .terms import packed_terms

__all__ = ["SupportMap", "support_map", "integrate_continuous", "ContinuousResult"]

#: draws used to locate the bulk of the density (seeded: the result is deterministic)
_BULK_DRAWS = 256
#: safety factor on the extrapolated Fisher contribution beyond a resolution limit
_TAIL_FACTOR = 4.0


@dataclass(frozen=True)
class SupportMap:
    """``x(u)`` on ``u ∈ (u_min, u_max)`` and its inverse; ``u_min``/``u_max`` are where
    ``x`` rounds onto a finite end (``±inf`` for an infinite end)."""

    low: float
    high: float
    to_x: Callable[[NDArray], NDArray]
    log_jac: Callable[[NDArray], NDArray]
    to_u: Callable[[NDArray], NDArray]
    u_min: float
    u_max: float


#: ulps of headroom at a finite end: offsets from it are resolved to 0.4 % or better
_HEADROOM = 2.0**8
#: distances (in u) inside a resolution limit where the density's decay rate is measured:
#: e² and e⁴ times the limit's offset, resolved to 5e-4 and 7e-5
_PROBES = (2.0, 4.0)


def _resolution(end: float, width: float = 1.0) -> float:
    """log of the smallest offset from ``end`` (relative to ``width``) that floats resolve
    to a few digits (normal numbers only: subnormals carry too few bits)."""
    offset = max(_HEADROOM * np.spacing(abs(end)), np.finfo(float).tiny)
    return float(np.log(offset / width))


def support_map(low: float, high: float) -> SupportMap:
    """The map of the module docstring for the support ``(low, high)``."""
    if np.isfinite(low) and np.isfinite(high):
        width = high - low

        def to_x(u: NDArray) -> NDArray:
            # measure the gap from the nearer end: no cancellation at either end
            return np.where(u <= 0, low + width * special.expit(u),
                            high - width * special.expit(-u))

        def log_jac(u: NDArray) -> NDArray:
            return np.log(width) - np.logaddexp(0.0, u) - np.logaddexp(0.0, -u)

        def to_u(x: NDArray) -> NDArray:
            return np.log(x - low) - np.log(high - x)

        return SupportMap(low, high, to_x, log_jac, to_u, _resolution(low, width),
                          -_resolution(high, width))
    if np.isfinite(low) or np.isfinite(high):
        end, sign = (low, 1.0) if np.isfinite(low) else (high, -1.0)
        limit = _resolution(end)
        return SupportMap(low, high, lambda u: end + sign * np.exp(u), lambda u: u,
                          lambda x: np.log(sign * (x - end)), limit, np.inf)
    return SupportMap(low, high, lambda u: u, np.zeros_like, lambda x: x, -np.inf, np.inf)


@dataclass(frozen=True)
class ContinuousResult:
    """Packed Fisher integral, its relative error (natural scale), evaluations used."""

    packed: NDArray
    rel_error: float
    n_eval: int
    converged: bool
    note: str


class _Integrand:
    """Packed Fisher terms times the u-density, and the density itself (last column)."""

    def __init__(self, family: StatisticalManifold, theta: NDArray, smap: SupportMap,
                 hessian: bool) -> None:
        self.family, self.theta, self.smap, self.hessian = family, theta, smap, hessian

    def parts(self, u: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        """u-density (per unit u), packed terms and their error bound at the nodes ``u``."""
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            x = self.smap.to_x(u)
            inside = (x > self.smap.low) & (x < self.smap.high) & np.isfinite(x)
            xs = np.where(inside, x, self.smap.to_x(np.zeros(1)))  # any inner point: masked
            log_w = self.family.log_prob(xs, self.theta) + self.smap.log_jac(u)
            dens = np.where(inside, np.exp(log_w), 0.0)
            terms = packed_terms(self.family, xs, self.theta, self.hessian)
            t = terms.neg_hessian if self.hessian else terms.outer
            t_err = terms.hessian_error if self.hessian else np.zeros_like(terms.outer)
            assert t is not None and t_err is not None
            keep = (dens > 0)[:, None]
            return dens, np.where(keep, t, 0.0), np.where(keep, t_err, 0.0)

    def weighted(self, u: NDArray, jac: NDArray) -> NDArray:
        """``[m, 2p + 1]``: terms, their error bound and the density, times ``jac``."""
        dens, t, t_err = self.parts(u)
        w = (dens * jac)[:, None]
        return np.concatenate([t * w, t_err * w, w], axis=1)


def _z_of_t(t: NDArray) -> tuple[NDArray, NDArray]:
    """z = t / (1 - t²) on (-1, 1) and dz/dt: the bulk z ∈ [-1, 1] fills |t| < 0.62."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return t / (1.0 - t * t), (1.0 + t * t) / (1.0 - t * t) ** 2


def _t_of_z(z: float) -> float:
    return float(np.sign(z)) if np.isinf(z) else 2.0 * z / (1.0 + np.sqrt(1.0 + 4.0 * z * z))


def _bulk(family: StatisticalManifold, theta: NDArray, smap: SupportMap) -> tuple[float, float]:
    """Center and half-width of the density's bulk in u."""
    try:
        x = np.asarray(family.sample(theta, _BULK_DRAWS, np.random.default_rng(0)), float)
    except NotImplementedError:
        x = np.empty(0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        u = smap.to_u(x[(x > smap.low) & (x < smap.high)])
    u = u[np.isfinite(u)]
    if u.size >= _BULK_DRAWS // 4:
        lo, mid, hi = np.quantile(u, [0.005, 0.5, 0.995])
        return float(mid), float(max(hi - lo, np.spacing(abs(mid)))) / 2.0
    return _scan(family, theta, smap)


def _scan(family: StatisticalManifold, theta: NDArray, smap: SupportMap) -> tuple[float, float]:
    """Bulk from the u-density on a grid over the whole float range (no sampler)."""
    if np.isfinite(smap.u_min) or np.isfinite(smap.u_max):
        u = np.arange(max(smap.u_min, -745.0), min(smap.u_max, 710.0), 0.25)
    else:
        mags = 10.0 ** np.arange(-300.0, 300.0, 0.02)
        u = np.concatenate([-mags[::-1], [0.0], mags])
    probe = _Integrand(family, theta, smap, False)
    with np.errstate(divide="ignore"):
        log_w = np.log(probe.parts(u)[0])
    if not np.any(np.isfinite(log_w)):
        raise ValueError(f"the density of {type(family).__name__} is zero everywhere on the "
                         f"support ({smap.low}, {smap.high}) at theta = {theta.tolist()}")
    bulk = u[log_w >= np.max(log_w) - 40.0]
    lo, hi = float(bulk.min()), float(bulk.max())
    return 0.5 * (lo + hi), max(0.5 * (hi - lo), 1e-12 * max(abs(lo), abs(hi), 1e-300))


def _beyond(integrand: _Integrand, limit: float, inward: float, scale: NDArray
            ) -> tuple[float, float]:
    r"""Mass past a resolution limit and the largest scaled term near it.

    The u-density is sampled two and four units inside the limit (``inward`` is +1 at a
    lower limit, -1 at an upper one), where x is still well resolved, and extrapolated past
    the limit by its exponential rate there: exact for a density :math:`y^{\alpha-1}` at
    the end (:math:`e^{\alpha u}` in u, mass :math:`w/\alpha` beyond). A density not
    decaying towards the end gives ``inf``: nothing can be said about what lies beyond.
    """
    near, far = _PROBES
    dens, t, _ = integrand.parts(limit + inward * np.array(_PROBES))
    if not dens[0] > 0:
        return 0.0, 0.0
    # decay rate of the density per unit of u moving outwards, past the limit
    rate = float(np.log(dens[1] / dens[0])) / (far - near) if dens[1] > 0 else -np.inf
    mass = float(dens[0]) * np.exp(-near * rate) / rate if rate > 0 else np.inf
    return mass, float(np.max(np.abs(t[0]) / scale, initial=0.0))


def _check_resolution(family: StatisticalManifold, theta: NDArray, smap: SupportMap,
                      center: float, width: float) -> None:
    """Refuse a density narrower than float64's spacing where it sits (e.g. a Cauchy of
    scale 1e-8 at 1e8, where floats are 1.5e-8 apart): no integral in x can resolve it."""
    with np.errstate(over="ignore", invalid="ignore"):
        x = smap.to_x(np.array([center - width, center, center + width]))
    spread = abs(float(x[2] - x[0]))
    spacing = float(np.spacing(abs(x[1]))) if np.isfinite(x[1]) else np.inf
    if not spread > 1e3 * spacing:
        raise UnreliableEstimateError(
            f"fisher_quadrature: the density of {type(family).__name__} at theta = "
            f"{theta.tolist()} is {spread:.3g} wide around x = {float(x[1]):.6g}, where "
            f"float64 numbers are {spacing:.3g} apart: it cannot be resolved in x")


def _natural(packed_and_mass: NDArray, dim: int) -> NDArray:
    """Scale of each component: natural scale of the packed matrix, 1 for the mass."""
    size = dim * (dim + 1) // 2
    rows, cols = np.triu_indices(dim)
    diag = np.abs(packed_and_mass[:size][rows == cols])
    return np.append(np.sqrt(diag[rows] * diag[cols]), 1.0)


def integrate_continuous(family: StatisticalManifold, theta: NDArray, low: float, high: float,
                         tol: float, hessian: bool, limit: int) -> ContinuousResult:
    """Packed Fisher integral over ``(low, high)`` with an honest relative error."""
    smap = support_map(low, high)
    center, width = _bulk(family, theta, smap)
    _check_resolution(family, theta, smap, center, width)
    integrand = _Integrand(family, theta, smap, hessian)
    dim = family.dim
    size = dim * (dim + 1) // 2
    t_lo = _t_of_z((smap.u_min - center) / width) if np.isfinite(smap.u_min) else -1.0
    t_hi = _t_of_z((smap.u_max - center) / width) if np.isfinite(smap.u_max) else 1.0

    def f(t: NDArray) -> NDArray:
        z, dz = _z_of_t(t)
        return integrand.weighted(center + width * z, dz * width)

    def scale(total: NDArray) -> NDArray:
        natural = _natural(np.concatenate([total[:size], total[-1:]]), dim)
        return np.concatenate([natural[:size], np.full(size, np.inf), natural[-1:]])

    res = integrate_adaptive(f, t_lo, t_hi, tol, scale, atol=1e-300, limit=limit)
    packed, fd_error, mass = res.value[:size], res.value[size:2 * size], float(res.value[-1])
    natural = _natural(np.append(packed, mass), dim)[:size]
    natural = np.where(natural > 0, natural, 1.0)
    rel = float(np.max(np.concatenate([res.error[:size] + fd_error, res.error[-1:]])
                       / np.append(natural, 1.0)))
    notes, lost, tail_error = [], 0.0, 0.0
    for lim, inward, end in ((smap.u_min, 1.0, low), (smap.u_max, -1.0, high)):
        if np.isfinite(lim):
            beyond, term = _beyond(integrand, lim, inward, natural)
            lost += beyond
            tail_error += _TAIL_FACTOR * beyond * max(term, 1.0)
            if beyond > tol:
                notes.append(f"a mass of {beyond:.3g} lies closer to the end {end} of the "
                             "support than float64 resolves")
    # the mass left out is extrapolated, so it is known only roughly
    slack = max(1e-6, 10.0 * float(res.error[-1]), 0.5 * lost)
    if np.isfinite(lost) and not abs(1.0 - mass - lost) <= slack:
        raise ValueError(f"the density integrates to {mass:.6g}, not 1, over the support "
                         f"({low}, {high}) of {type(family).__name__}: the support is wrong; "
                         "implement support(theta) on the family or pass support=")
    if lost <= tol:
        # self-normalized: a normalizing constant off by a factor (scipy's betaln is off
        # by 2e-11 at (1e-4, 1e4)) scales the mass and the terms alike
        packed = packed / mass
    return ContinuousResult(packed, rel + tail_error, res.n_eval, res.converged,
                            "; ".join(notes))
