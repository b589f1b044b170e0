"""Deterministic Fisher information for families with a scalar observation.

Continuous families: adaptive Gauss–Kronrod integration (``scipy.integrate.quad_vec``) of
the score outer product against the density over the support. Discrete families: the
sum over the support, truncated once the remaining probability mass and the last block's
contribution are below the tolerance.

The support comes from, in order: the ``support`` argument; a ``support(theta)`` method
of the manifold (the hook a family without a scipy counterpart implements, returning
``(low, high)`` in data space, infinite ends allowed); ``manifold.to_scipy(theta).support()``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, special

from .._checks import check_positive, check_positive_int
from ..errors import QuadratureToleranceWarning
from ..manifolds.base import StatisticalManifold
from .monte_carlo import _check_method, _validated_point

__all__ = ["QuadratureToleranceWarning", "fisher_quadrature", "family_support"]


def family_support(manifold: StatisticalManifold, theta: NDArray) -> tuple[float, float]:
    """``(low, high)`` of the data support at a single ``theta`` (current chart).

    Raises
    ------
    ValueError
        If the family has neither a ``support(theta)`` method nor ``to_scipy(theta)``.
    """
    hook = getattr(manifold, "support", None)
    if callable(hook):
        low, high = hook(theta)
    elif callable(getattr(manifold, "to_scipy", None)):
        low, high = getattr(manifold, "to_scipy")(theta).support()  # noqa: B009
    else:
        raise ValueError(f"manifold {type(manifold).__name__} gives no support: implement "
                         "support(theta) -> (low, high) or to_scipy(theta), or pass support=")
    return float(low), float(high)


def _terms(manifold: StatisticalManifold, x: NDArray, theta: NDArray, method: str) -> NDArray:
    """Fisher terms times the density at the points ``x`` ``[m]`` -> ``[m, dim, dim]``;
    zero where the density underflows (there the score may overflow)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        dens = np.exp(manifold.log_prob(x, theta))
        if method == "score":
            s = manifold.score(x, theta)
            t = s[:, :, None] * s[:, None, :]
        else:
            t = -manifold.log_prob_hessian(x, theta)
        out = dens[:, None, None] * t
    return np.where((dens > 0)[:, None, None], out, 0.0)


def _check_mass(manifold: StatisticalManifold, theta: NDArray, low: float, high: float
                ) -> None:
    """Reject a support over which the density does not integrate to one (e.g. a
    periodic density given an infinite support): the Fisher integral would be wrong."""
    def density(x: float) -> float:
        if not low < x < high:  # a node rounded onto an end point: measure zero
            return 0.0
        with np.errstate(over="ignore", under="ignore"):
            return float(np.exp(manifold.log_prob(np.array([x]), theta))[0])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        mass = integrate.quad(density, low, high, limit=200, epsrel=1e-10)[0]
    if not abs(mass - 1.0) <= 1e-6:
        raise ValueError(f"the density integrates to {mass:.6g}, not 1, over the support "
                         f"({low}, {high}) of {type(manifold).__name__}: the support is wrong; "
                         "implement support(theta) on the family or pass support=")


def _end_point_map(low: float, high: float
                   ) -> tuple[Callable[[float], tuple[float, float]], float, float]:
    """Double-exponential substitution ``x(t)`` with ``dx/dt`` for supports with a finite
    end (Takahasi & Mori 1974): tanh-sinh on (a, b), exp-sinh on half lines. Integrable
    end-point singularities of the density (Beta, Gamma with shape < 1) become integrands
    that decay doubly exponentially in ``t``, where Gauss–Kronrod converges quickly.
    The real line is left as is (``quad_vec`` maps it itself)."""
    half_pi = 0.5 * np.pi
    if np.isfinite(low) and np.isfinite(high):
        width = high - low

        def tanh_sinh(t: float) -> tuple[float, float]:
            z = half_pi * np.sinh(t)
            # 1 - tanh(z) = 2 expit(-2z): keeps the distance to the upper end accurate
            upper_gap = width * special.expit(-2.0 * z)
            x = low + width * special.expit(2.0 * z) if z < 0 else high - upper_gap
            return x, width * half_pi * np.cosh(t) / (2.0 * np.cosh(z) ** 2)

        return tanh_sinh, -3.5, 3.5  # beyond |t| = 3.5 the map sits on the ends
    if np.isfinite(low) or np.isfinite(high):
        end, sign = (low, 1.0) if np.isfinite(low) else (high, -1.0)

        def exp_sinh(t: float) -> tuple[float, float]:
            z = half_pi * np.sinh(t)
            gap = np.exp(z)
            return end + sign * gap, gap * half_pi * np.cosh(t)

        return exp_sinh, -4.6, 4.6  # distances from e^-80 to e^+79 from the end
    return (lambda t: (t, 1.0)), -np.inf, np.inf


def _continuous(manifold: StatisticalManifold, theta: NDArray, low: float, high: float,
                tol: float, method: str, limit: int) -> tuple[NDArray, float, bool]:
    _check_mass(manifold, theta, low, high)
    x_of_t, t_low, t_high = _end_point_map(low, high)
    zero = np.zeros((manifold.dim, manifold.dim))

    def integrand(t: float) -> NDArray:
        with np.errstate(over="ignore", under="ignore"):
            x, jac = x_of_t(t)
        if not (low < x < high) or jac == 0 or not np.isfinite(jac):
            return zero  # a node rounded onto an end point: measure zero
        return _terms(manifold, np.array([x]), theta, method)[0] * jac

    res, err, info = integrate.quad_vec(integrand, t_low, t_high, epsabs=0.0, epsrel=tol,
                                        norm="max", limit=limit, full_output=True)
    return res, float(err) + _end_gap_error(manifold, theta, low, high, method), bool(
        info.success)


def _end_gap_error(manifold: StatisticalManifold, theta: NDArray, low: float, high: float,
                   method: str) -> float:
    """Mass of the integrand between a finite end and the nearest float inside it, which
    no evaluation in x can reach (e.g. Beta with b < 1: 1 - x below 1.1e-16). For an
    integrable singularity y^(-a), a <= 1/2, that piece is at most twice value x gap."""
    total = 0.0
    for end, inward in ((low, high), (high, low)):
        if np.isfinite(end):
            near = np.nextafter(end, inward)
            with np.errstate(over="ignore", invalid="ignore"):
                value = float(np.abs(_terms(manifold, np.array([near]), theta, method)).max())
            total += 2.0 * value * abs(end - near) if np.isfinite(value) else 0.0
    return total


def _discrete(manifold: StatisticalManifold, theta: NDArray, low: float, high: float,
              tol: float, method: str, max_terms: int, block: int = 512
              ) -> tuple[NDArray, float, bool]:
    total = np.zeros((manifold.dim, manifold.dim))
    mass = 0.0
    if not np.isfinite(low):
        raise ValueError("fisher_quadrature: discrete supports must have a finite lower end")
    start = int(np.ceil(low))
    # the last support point; a huge sentinel for an infinite upper end
    last = int(high) if np.isfinite(high) else np.iinfo(np.int64).max - block
    count = 0
    while True:
        stop = min(start + block, last + 1)
        k = np.arange(start, stop, dtype=float)
        terms = _terms(manifold, k, theta, method)
        with np.errstate(under="ignore"):
            block_mass = float(np.sum(np.exp(manifold.log_prob(k, theta))))
        mass += block_mass
        contribution = terms.sum(axis=0)
        total += contribution
        count += k.size
        start = stop
        scale = max(float(np.abs(total).max()), 1e-300)
        tail_small = float(np.abs(contribution).max()) <= tol * scale
        finished = start > last
        dead_tail = mass > 1e-3 and block_mass <= 1e-3 * tol and tail_small
        if (finished or dead_tail) and not abs(mass - 1.0) <= 1e-6:
            raise ValueError(f"the probability mass over the support ({low}, {high}) of "
                             f"{type(manifold).__name__} sums to {mass:.6g}, not 1: the "
                             "support is wrong; implement support(theta) or pass support=")
        if finished:
            return total, 0.0, True
        if 1.0 - mass <= tol and tail_small:
            # the remaining mass bounds the remaining terms where the score is bounded;
            # the last block's size is the observed rate of decay
            return total, max(1.0 - mass, float(np.abs(contribution).max()) / scale), True
        if count >= max_terms:
            return total, max(1.0 - mass, float(np.abs(contribution).max()) / scale), False


def fisher_quadrature(manifold: StatisticalManifold, theta: ArrayLike, tol: float = 1e-11,
                      method: str = "score", support: tuple[float, float] | None = None,
                      limit: int = 200, max_terms: int = 10_000_000,
                      return_error: bool = False) -> NDArray | tuple[NDArray, NDArray]:
    r"""Fisher information by numerical integration (continuous) or summation (discrete).

    .. math::

        I(\theta)_{ij} = \int_{\mathcal X} \partial_i\ell\,\partial_j\ell\; p(x\mid\theta)\,dx
        \quad\text{or}\quad \sum_{k \in \mathcal X} \partial_i\ell\,\partial_j\ell\;
        p(k\mid\theta)

    (``method="hessian"`` integrates :math:`-\partial_i\partial_j\ell` instead).

    Parameters
    ----------
    manifold : StatisticalManifold
        A family with scalar observations (``event_shape == ()``).
    theta : array-like, shape=[..., dim]
        Points; each is integrated separately.
    tol : float
        Relative tolerance. Continuous: ``epsrel`` of ``quad_vec`` (max-norm over the
        matrix entries), after a double-exponential substitution at finite ends; the
        reported error adds the piece next to a finite end that floats in x cannot reach
        (it limits the accuracy to ~1e-7 for densities singular at an end other than 0,
        e.g. Beta with a shape < 1, which then warns). Discrete: the sum stops when the
        remaining probability mass is below ``tol`` and the last block of 512 terms added
        less than ``tol`` relative.
    support : (float, float), optional
        Overrides the family's support (see :func:`family_support`).
    return_error : bool
        Also return the estimated relative error per point.

    Returns
    -------
    ndarray, shape=[..., dim, dim]
        (and, with ``return_error``, the relative error estimates, shape ``[...]``)

    Warns
    -----
    QuadratureToleranceWarning
        With the achieved (estimated) error, if ``tol`` was not reached.
    """
    if not isinstance(manifold, StatisticalManifold):
        raise TypeError(f"manifold must be a StatisticalManifold, got {type(manifold).__name__}")
    if manifold.event_shape != ():
        raise ValueError(f"fisher_quadrature needs a family with scalar observations "
                         f"(event_shape ()), got event_shape {manifold.event_shape}; "
                         "use fisher_monte_carlo")
    _check_method(method)
    tol = float(tol)
    check_positive(tol, "tol")
    limit = check_positive_int(limit, "limit")
    max_terms = check_positive_int(max_terms, "max_terms")
    points = _validated_point(manifold, theta)
    out = np.empty(points.shape[:-1] + (manifold.dim, manifold.dim))
    errors = np.empty(points.shape[:-1])
    for idx in np.ndindex(points.shape[:-1]):
        out[idx], errors[idx] = _one_point(manifold, points[idx], tol, method, support, limit,
                                           max_terms)
    return (out, errors) if return_error else out


def _one_point(manifold: StatisticalManifold, theta: NDArray, tol: float, method: str,
               support: tuple[float, float] | None, limit: int, max_terms: int
               ) -> tuple[NDArray, float]:
    low, high = family_support(manifold, theta) if support is None else map(float, support)
    if not low < high:
        raise ValueError(f"support must satisfy low < high, got ({low}, {high})")
    if manifold.discrete:
        res, err, ok = _discrete(manifold, theta, low, high, tol, method, max_terms)
        rel = err
    else:
        res, err, ok = _continuous(manifold, theta, low, high, tol, method, limit)
        rel = err / max(float(np.abs(res).max()), 1e-300)
    if not ok or rel > tol:
        warnings.warn(f"fisher_quadrature did not reach tol={tol:.3g} at theta={theta}: "
                      f"achieved relative error {rel:.3g}", QuadratureToleranceWarning,
                      stacklevel=3)
    return 0.5 * (res + res.T), rel
