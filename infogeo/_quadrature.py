r"""Expectations over a one-dimensional support by double-exponential quadrature.

One mechanism for the package's numeric expectations of a density known only through its
log-density (the symbolic cross-checks, the numeric route of :mod:`infogeo.manifolds`,
numeric inverse-CDF sampling):

* continuous supports: the substitution of Takahasi & Mori (1974) — tanh-sinh on (a, b),
  exp-sinh on half lines, sinh-sinh on the real line — turns integrable end-point
  singularities and infinite ranges into integrands that decay doubly exponentially in
  ``t``; the trapezoidal rule in ``t`` then converges exponentially. The step is halved
  until two successive levels agree; their difference is the reported error estimate
  (conservative: the error of the finer level is roughly its square);
* discrete supports: direct summation in blocks until the remaining probability mass and
  the last block are negligible; the error estimate bounds the tail.

.. math::

    E_\theta[f] = \int_a^b f(x)\,p(x)\,dx
    = \int_{-\infty}^{\infty} f(x(t))\,p(x(t))\,x'(t)\,dt
    \approx h \sum_k f(x(kh))\,p(x(kh))\,x'(kh)

Integrands are evaluated on all nodes of a level at once (vectorized in ``x``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from ._discrete_sum import discrete_window, sum_pmf

__all__ = ["QuadratureResult", "expectation", "de_nodes", "de_map", "location_scale",
           "inverse_cdf"]

#: ``fn(x[m]) -> (log_density[m], values[m, k])``
Integrand = Callable[[NDArray], tuple[NDArray, NDArray]]

_HALF_PI = 0.5 * np.pi


@dataclass(frozen=True)
class QuadratureResult:
    """An expectation with its error estimate.

    Attributes
    ----------
    value : ndarray, shape=[k]
    error : ndarray, shape=[k]
        Absolute error estimates (difference of the last two levels, plus the truncated
        tail for sums).
    n_eval : int
        Number of integrand evaluations (nodes).
    converged : bool
        Whether the requested tolerance was reached.
    method : str
        ``"tanh-sinh"``, ``"exp-sinh"``, ``"sinh-sinh"`` or ``"sum"``; split at break
        points, the rules of the pieces and their number (``"exp-sinh on 3 pieces"``).
    """

    value: NDArray
    error: NDArray
    n_eval: int
    converged: bool
    method: str


def de_nodes(n: int = 161, t_max: float = 3.2) -> tuple[NDArray, NDArray]:
    """Fixed tanh-sinh nodes and weights on (−1, 1) (the multivariate tensor rule)."""
    t = np.linspace(-t_max, t_max, n)
    h = t[1] - t[0]
    u = np.tanh(_HALF_PI * np.sinh(t))
    w = h * _HALF_PI * np.cosh(t) / np.cosh(_HALF_PI * np.sinh(t)) ** 2
    keep = np.abs(u) < 1.0
    return u[keep], w[keep]


def de_map(u: NDArray, lo: NDArray | float, hi: NDArray | float) -> tuple[NDArray, NDArray]:
    """Map u ∈ (−1, 1) onto (lo, hi); returns x and dx/du (lo, hi may be arrays)."""
    lo_inf, hi_inf = np.all(np.isneginf(lo)), np.all(np.isposinf(hi))
    if lo_inf and hi_inf:
        return u / (1 - u**2), (1 + u**2) / (1 - u**2) ** 2
    if hi_inf:
        return lo + (1 + u) / (1 - u), 2 / (1 - u) ** 2
    if lo_inf:
        return hi - (1 - u) / (1 + u), 2 / (1 + u) ** 2
    return lo + (hi - lo) * (u + 1) / 2, (hi - lo) / 2 * np.ones_like(u)


#: ``(t_low, t_high)`` ranges of the substitutions: the usual one, and the wider one tried
#: when mass is left beyond the usual ends
_RANGES = {"tanh-sinh": ((-6.5, 6.5), (-6.5, 6.5)),
           # gaps from ~1e-277 scales to e^78 scales, or to ~1e168 scales (a log-logistic of
           # shape 0.05 puts 1 % of its mass beyond e^78)
           "exp-sinh": ((-6.7, 4.6), (-6.7, 6.2)),
           "sinh-sinh": ((-4.6, 4.6), (-6.2, 6.2))}


def _substitution(low: float, high: float, centre: float, scale: float
                  ) -> tuple[Callable[[NDArray], tuple[NDArray, NDArray]], str]:
    """``x(t), x'(t)`` and the rule's name."""
    if np.isfinite(low) and np.isfinite(high):
        width = high - low

        def tanh_sinh(t: NDArray) -> tuple[NDArray, NDArray]:
            z = _HALF_PI * np.sinh(t)
            # x - low = width·expit(2z), high - x = width·expit(-2z): both gaps accurate
            x = np.where(z < 0, low + width * special.expit(2 * z),
                         high - width * special.expit(-2 * z))
            with np.errstate(over="ignore"):  # cosh(z)² = inf: the weight is 0 there
                return x, width * _HALF_PI * np.cosh(t) / (2.0 * np.cosh(z) ** 2)

        return tanh_sinh, "tanh-sinh"
    if np.isfinite(low) or np.isfinite(high):
        end, sign = (low, 1.0) if np.isfinite(low) else (high, -1.0)

        def exp_sinh(t: NDArray) -> tuple[NDArray, NDArray]:
            gap = scale * np.exp(_HALF_PI * np.sinh(t))
            return end + sign * gap, gap * _HALF_PI * np.cosh(t)

        return exp_sinh, "exp-sinh"

    def sinh_sinh(t: NDArray) -> tuple[NDArray, NDArray]:
        z = _HALF_PI * np.sinh(t)
        return centre + scale * np.sinh(z), scale * np.cosh(z) * _HALF_PI * np.cosh(t)

    return sinh_sinh, "sinh-sinh"


def _weighted(fn: Integrand, x: NDArray, jac: NDArray, low: float, high: float) -> NDArray:
    """``f(x) p(x) x'(t)`` at the nodes, ``[m, k]``; zero where the density underflows or
    the node rounded onto an end point (measure zero)."""
    inside = (x > low) & (x < high) & np.isfinite(jac) & (jac > 0)
    xs = np.where(inside, x, np.nan)
    with np.errstate(all="ignore"):
        logp, values = fn(xs[inside])
        dens = np.exp(np.asarray(logp, dtype=float))
        out = values * (dens * jac[inside])[:, None]
    out = np.where((dens > 0)[:, None], out, 0.0)
    bad = ~np.isfinite(out)
    weight = dens * jac[inside]
    # far in a tail an intermediate (x^b, e^x) overflows although the true integrand is
    # negligible: a node whose weight is below 1e-100 of the largest carries no mass
    moot = bad & (weight <= 1e-100 * np.max(weight, initial=0.0))[:, None]
    out = np.where(moot, 0.0, out)
    bad &= ~moot
    if bad.any():
        where = float(xs[inside][np.nonzero(bad.any(axis=1))[0][0]])
        raise ValueError(f"the integrand is not finite at x = {where:.6g} where the density "
                         "is positive: the expectation does not exist or the log-density "
                         "overflows there")
    full = np.zeros((x.size, out.shape[1]))
    full[inside] = out
    return full


def expectation(fn: Integrand, low: float, high: float, *, discrete: bool = False,
                tol: float = 1e-12, centre: float = 0.0, scale: float = 1.0,
                max_level: int = 9, normalized: bool = True,
                points: Sequence[float] = ()) -> QuadratureResult:
    r""":math:`E[f] = \int f\,p` (or :math:`\sum_k f(k)p(k)`) for a vector of functions.

    Parameters
    ----------
    fn : callable ``fn(x[m]) -> (log p(x)[m], f(x)[m, k])``
    low, high : float
        The support (infinite ends allowed).
    discrete : bool
        Sum over the integers in [low, high].
    tol : float
        Relative tolerance (max-norm over the k values).
    centre, scale : float
        Where the mass lies (real line: a median and a spread; half line: the typical
        distance from the end), for the substitution's scale.
    max_level : int
        At most this many halvings of the initial step 1/2.
    normalized : bool
        Discrete sums: the pmf sums to 1, so a sum stops only when the mass found is
        within ``tol`` of 1 (a second mode far from the first is not missed); False
        (checking a normalization): stop when both tails are negligible.
    points : sequence of float
        Break points of a continuous support (kinks or jumps of the integrand, see
        :mod:`infogeo.symbolic.kinks`): the support is split there and at ``centre``,
        each piece integrated by its own rule, values and error estimates summed.
    """
    if discrete:
        value, error, n_eval, converged = sum_pmf(fn, low, high, tol, normalized)
        return QuadratureResult(value, error, n_eval, converged, "sum")
    cuts = sorted({float(p) for p in points if low < p < high})
    if cuts:
        return _split(fn, low, high, tol, centre, scale, max_level, cuts)
    return _one_piece(fn, low, high, tol, centre, scale, max_level)


def _one_piece(fn: Integrand, low: float, high: float, tol: float, centre: float,
               scale: float, max_level: int, floor: float = 0.0) -> QuadratureResult:
    """One rule over (low, high); ``floor``: an absolute error that is good enough."""
    x_of_t, name = _substitution(low, high, centre, scale)
    usual, wide = _RANGES[name]
    result = _trapezoid_levels(fn, x_of_t, usual, low, high, tol, max_level, name, floor)
    if result.truncated and wide != usual:
        # mass beyond the usual ends (a heavy tail): go further out only then, since far
        # nodes are where a naive log-density overflows
        result = _trapezoid_levels(fn, x_of_t, wide, low, high, tol, max_level, name, floor)
    return result.result


def _split(fn: Integrand, low: float, high: float, tol: float, centre: float, scale: float,
           max_level: int, cuts: list[float]) -> QuadratureResult:
    r""":math:`\sum_i \int_{c_i}^{c_{i+1}} f\,p` over the pieces between the break points.

    The centre of the mass is a cut too (a smooth point: harmless), so that a half-line
    piece holds a tail only and its exp-sinh rule needs the spread as its scale, however
    far the break points are from the bulk.
    """
    if low < centre < high and all(abs(centre - c) > 1e-3 * scale for c in cuts):
        cuts = sorted([*cuts, centre])
    ends = [low, *cuts, high]
    spans = list(zip(ends[:-1], ends[1:], strict=True))
    # the tolerance is relative to the whole: a coarse pass (no halving) sizes it, so a
    # narrow piece or one in a far tail stops once its share of the error is negligible
    coarse = sum(_one_piece(fn, a, b, tol, centre, scale, 0).value for a, b in spans)
    floor = tol * float(np.max(np.abs(coarse)))
    pieces = [_one_piece(fn, a, b, tol, centre, scale, max_level, floor) for a, b in spans]
    value = np.sum([r.value for r in pieces], axis=0)
    error = np.sum([r.error for r in pieces], axis=0)
    # each piece met the tolerance relative to itself, or the sum meets it relative to
    # the whole (a piece in a far tail carries next to nothing)
    converged = all(r.converged for r in pieces) or bool(
        np.max(error) <= tol * max(np.max(np.abs(value)), 1e-300))
    names = "+".join(dict.fromkeys(r.method for r in pieces))
    return QuadratureResult(value, error, sum(r.n_eval for r in pieces), converged,
                            f"{names} on {len(pieces)} pieces")


@dataclass(frozen=True)
class _Levels:
    result: QuadratureResult
    truncated: bool


def _trapezoid_levels(fn: Integrand, x_of_t: Callable[[NDArray], tuple[NDArray, NDArray]],
                      t_range: tuple[float, float], low: float, high: float, tol: float,
                      max_level: int, name: str, floor: float = 0.0) -> _Levels:
    """The trapezoidal rule in t over ``t_range``, halving the step until two levels agree."""
    h = 0.5
    t = np.arange(t_range[0], t_range[1] + h / 2, h)
    x, jac = x_of_t(t)
    first = _weighted(fn, x, jac, low, high)
    total = first.sum(axis=0) * h
    # the range of t is finite: mass beyond its ends is missed, not estimated by the
    # halving; the end nodes' terms bound it (the integrand decays doubly exponentially
    # in t, so where they are negligible so is everything beyond)
    truncation = h * np.maximum(np.abs(first[0]), np.abs(first[-1]))
    truncated = bool(np.max(truncation) > tol * max(np.max(np.abs(total)), 1e-300))
    n_eval = t.size
    error = np.full(total.shape, np.inf)
    for _ in range(max_level):
        t_new = t[:-1] + h / 2  # the midpoints: the finer level reuses every old node
        x, jac = x_of_t(t_new)
        finer = 0.5 * total + _weighted(fn, x, jac, low, high).sum(axis=0) * (h / 2)
        n_eval += t_new.size
        error = np.abs(finer - total) + truncation
        total, h = finer, h / 2
        t = np.sort(np.concatenate([t, t_new]))
        if np.max(error) <= max(tol * np.max(np.abs(total)), floor, 1e-300 * tol):
            return _Levels(QuadratureResult(total, error, n_eval, True, name), truncated)
    return _Levels(QuadratureResult(total, error, n_eval, False, name), truncated)


def location_scale(logpdf: Callable[[NDArray], NDArray], low: float, high: float
                   ) -> tuple[float, float]:
    """A median and a spread of a 1-D continuous density (for :func:`expectation`'s
    ``centre`` and ``scale``): two coarse passes, recentred on the bulk (robust for heavy
    tails without moments)."""
    centre, scale = 0.0, 1.0
    for _ in range(2):
        xs, cdf = _cdf_grid(logpdf, low, high, centre, scale, n=801)
        if not cdf[-1] > 0:
            raise ValueError("the density has no mass on the support (underflows "
                             "everywhere the quadrature looked)")
        q25, q50, q75 = np.interp(np.array([0.25, 0.5, 0.75]) * cdf[-1], cdf, xs)
        centre = float(q50)
        if np.isfinite(low) and not np.isfinite(high):
            scale = float(max(q50 - low, 1e-300))
        elif np.isfinite(high) and not np.isfinite(low):
            scale = float(max(high - q50, 1e-300))
        else:
            scale = float(max(q75 - q25, 1e-300))
    return centre, scale


def _cdf_grid(logpdf: Callable[[NDArray], NDArray], low: float, high: float, centre: float,
              scale: float, n: int = 4001) -> tuple[NDArray, NDArray]:
    """Nodes x and the (unnormalized) cumulative mass at them, by the trapezoidal rule in t."""
    x_of_t, name = _substitution(low, high, centre, scale)
    t_lo, t_hi = _RANGES[name][1]  # the wide range: a non-finite far node counts as 0
    t = np.linspace(t_lo, t_hi, n)
    xs, jac = x_of_t(t)
    with np.errstate(all="ignore"):
        dens = np.exp(np.asarray(logpdf(xs), dtype=float)) * jac
    dens = np.where(np.isfinite(dens) & (xs > low) & (xs < high), dens, 0.0)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(t))])
    return xs, cdf


def inverse_cdf(logpdf: Callable[[NDArray], NDArray], low: float, high: float,
                uniforms: NDArray, discrete: bool = False) -> NDArray:
    """Draws by numeric inverse CDF: cumulative sums of the pmf (discrete) or a
    double-exponential grid recentred on the bulk (continuous, 1-D)."""
    if discrete:
        ks, pmf = discrete_window(logpdf, low, high)
        cdf = np.cumsum(pmf)
        return ks[np.minimum(np.searchsorted(cdf, uniforms * cdf[-1]), len(ks) - 1)]
    centre, scale = location_scale(logpdf, low, high)
    xs, cdf = _cdf_grid(logpdf, low, high, centre, scale)
    return np.interp(uniforms * cdf[-1], cdf, xs)
