r"""Deterministic Fisher information for families with a scalar observation.

Continuous families are integrated in coordinates without end points
(:mod:`~infogeo.estimators._continuous`: log x on half-lines, logit on intervals);
families that float64 cannot follow near an end (Gamma, Beta at small shapes) are
integrated over their log-space observation (:mod:`~infogeo.estimators.log_space`).
Discrete families are summed (:mod:`~infogeo.estimators._summation`). Every result
comes with an error estimate that accounts for what was left out, and the estimator
refuses (:class:`~infogeo.errors.UnreliableEstimateError`) rather than return a value
without a correct digit.

The support comes from, in order: the ``support`` argument; a ``support(theta)`` method
of the manifold (the hook a family without a scipy counterpart implements, returning
``(low, high)`` in data space, infinite ends allowed); ``manifold.to_scipy(theta).support()``.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive, check_positive_int
from ..errors import QuadratureToleranceWarning, UnreliableEstimateError
from ..manifolds.base import StatisticalManifold
from ._continuous import integrate_continuous
from ._inputs import check_manifold, check_method, validated_point
from ._summation import sum_discrete
from .log_space import log_space_view
from .result import FisherEstimate
from .terms import natural_scale, unpack

__all__ = ["QuadratureToleranceWarning", "fisher_quadrature", "family_support"]

#: relative error beyond which not even the first digit is right: refuse
_NO_DIGIT = 0.5


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


def fisher_quadrature(manifold: StatisticalManifold, theta: ArrayLike, tol: float = 1e-11,
                      method: str = "score", support: tuple[float, float] | None = None,
                      limit: int = 200, max_terms: int = 10_000_000,
                      return_error: bool = False) -> FisherEstimate | tuple[NDArray, NDArray]:
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
        Relative tolerance, entry by entry against the natural scale
        :math:`\sqrt{I_{ii}I_{jj}}` (so it means the same in every chart). Continuous:
        adaptive Gauss–Kronrod over the transformed support; the error adds the
        extrapolated contribution of what lies closer to a finite end than float64
        resolves. Discrete: the sum stops when the extrapolated tail is below ``tol``.
    method : {"score", "hessian"}
    support : (float, float), optional
        Overrides the family's support (see :func:`family_support`); the integral is then
        taken over the family's own observation, never a log-space view.
    limit : int
        Maximum number of subintervals of the adaptive integration.
    max_terms : int
        Maximum number of terms of a discrete sum.
    return_error : bool
        Deprecated: return ``(mean, relative error)`` as before; use the result's
        ``stderr`` instead.

    Returns
    -------
    FisherEstimate
        ``mean`` ``[..., dim, dim]``; ``stderr`` the estimated absolute error (0 for a
        finite support summed completely); ``n`` the evaluations of the integrand (terms
        summed) over all points; ``estimator`` ``"quadrature"`` or ``"summation"``.

    Warns
    -----
    QuadratureToleranceWarning
        With the achieved (estimated) error, if ``tol`` was not reached.

    Raises
    ------
    UnreliableEstimateError
        If the estimated relative error is 0.5 or more (no digit would be right): e.g. a
        density with most of its mass closer to an end than float64 resolves, or a sum
        whose tail is still heavy at ``max_terms``.
    """
    check_manifold(manifold)
    if manifold.event_shape != ():
        raise ValueError(f"fisher_quadrature needs a family with scalar observations "
                         f"(event_shape ()), got event_shape {manifold.event_shape}; "
                         "use fisher_monte_carlo")
    method = check_method(method, ("score", "hessian"))
    tol = float(tol)
    check_positive(tol, "tol")
    limit = check_positive_int(limit, "limit")
    max_terms = check_positive_int(max_terms, "max_terms")
    if support is not None:
        support = _check_support(support)
    points = validated_point(manifold, theta)
    family = manifold if support is not None or manifold.discrete else (
        log_space_view(manifold) or manifold)
    out = np.empty(points.shape[:-1] + (manifold.dim, manifold.dim))
    errors = np.empty(points.shape[:-1])
    stderr = np.empty_like(out)
    n_eval = 0
    kind = "summation" if manifold.discrete else "quadrature"
    for idx in np.ndindex(points.shape[:-1]):
        out[idx], errors[idx], count = _one_point(family, points[idx], tol, method, support,
                                                  limit, max_terms)
        stderr[idx] = errors[idx] * natural_scale(out[idx])
        n_eval += count
    if return_error:
        warnings.warn("fisher_quadrature(return_error=True) is deprecated: the result's "
                      "stderr holds the error (relative error = stderr / natural scale)",
                      DeprecationWarning, stacklevel=2)
        return out, errors
    return FisherEstimate(out, stderr, n_eval, method, kind)


def _check_support(support: object) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in support)  # type: ignore[attr-defined]
    except (TypeError, ValueError) as err:
        raise ValueError(f"support must be a pair (low, high) of numbers, got {support!r}"
                         ) from err
    if np.isnan(low) or np.isnan(high) or not low < high:
        raise ValueError(f"support must satisfy low < high, got ({low}, {high})")
    return low, high


def _one_point(family: StatisticalManifold, theta: NDArray, tol: float, method: str,
               support: tuple[float, float] | None, limit: int, max_terms: int
               ) -> tuple[NDArray, float, int]:
    low, high = family_support(family, theta) if support is None else support
    if not low < high:
        raise ValueError(f"support must satisfy low < high, got ({low}, {high})")
    hessian = method == "hessian"
    if family.discrete:
        res = sum_discrete(family, theta, low, high, tol, hessian, max_terms)
        packed, rel, count, ok, note = (res.packed, res.rel_error, res.n_terms, res.converged,
                                        res.note)
    else:
        cres = integrate_continuous(family, theta, low, high, tol, hessian, limit)
        packed, rel, count, ok, note = (cres.packed, cres.rel_error, cres.n_eval,
                                        cres.converged, cres.note)
    where = f"at theta = {theta.tolist()}"
    if not rel < _NO_DIGIT:
        raise UnreliableEstimateError(
            f"fisher_quadrature cannot vouch for any digit {where}: estimated relative "
            f"error {rel:.3g}" + (f" ({note})" if note else "") + "; the integrand is "
            "out of float64's reach there, or needs more terms (max_terms) / subintervals "
            "(limit)")
    if not ok or rel > tol:
        warnings.warn(f"fisher_quadrature did not reach tol={tol:.3g} {where}: achieved "
                      f"relative error {rel:.3g}" + (f" ({note})" if note else ""),
                      QuadratureToleranceWarning, stacklevel=3)
    return unpack(packed, family.dim), float(rel), count
