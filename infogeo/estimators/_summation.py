r"""Fisher sums over a discrete support, with the truncation error bounded from the tail.

.. math::

    I_{ij} = \sum_{k \ge k_0} t_{ij}(k)\, p(k\mid\theta)

A finite support is summed completely (the value is exact up to round-off). An infinite
one is summed in blocks that double in size, until the tail beyond the last term
:math:`K` is negligible. The tail is extrapolated geometrically from the ratio
:math:`r = p(K)/p(K-1)` of the last two probabilities — mass
:math:`p(K)\,r/(1-r)`, never less than the mass :math:`1 - \sum p` still missing — and
its Fisher contribution bounded by that mass times the largest term there (with a
safety factor for terms that keep growing). If the sum stops at ``max_terms`` first,
that bound is the reported error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..manifolds.base import StatisticalManifold
from .terms import natural_scale, pack, packed_terms, unpack

__all__ = ["sum_discrete", "DiscreteResult"]

#: safety factor on the extrapolated tail contribution (terms grow polynomially in k)
_TAIL_FACTOR = 4.0
_FIRST_BLOCK, _LARGEST_BLOCK = 512, 1 << 16


@dataclass(frozen=True)
class DiscreteResult:
    """Packed Fisher sum, its relative error (natural scale), terms summed."""

    packed: NDArray
    rel_error: float
    n_terms: int
    converged: bool
    exact: bool
    note: str


def _block(family: StatisticalManifold, theta: NDArray, k: NDArray, hessian: bool
           ) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Probabilities ``[m]``, probability-weighted packed terms and their weighted error
    bounds ``[m, p]`` (nonzero for a Hessian by differences), and the raw terms."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        prob = np.exp(family.log_prob(k, theta))
        terms = packed_terms(family, k, theta, hessian)
        t = terms.neg_hessian if hessian else terms.outer
        t_err = terms.hessian_error if hessian else np.zeros_like(terms.outer)
        assert t is not None and t_err is not None
        keep = (prob > 0)[:, None]
        raw = np.where(keep, t, 0.0)
        return (prob, raw * prob[:, None], np.where(keep, t_err, 0.0) * prob[:, None], raw)


def _wrong_support(family: StatisticalManifold, low: float, high: float, mass: float
                   ) -> ValueError:
    return ValueError(f"the probability mass over the support ({low}, {high}) of "
                      f"{type(family).__name__} sums to {mass:.6g}, not 1: the support is "
                      "wrong; implement support(theta) or pass support=")


def sum_discrete(family: StatisticalManifold, theta: NDArray, low: float, high: float,
                 tol: float, hessian: bool, max_terms: int) -> DiscreteResult:
    """Packed Fisher sum over the integers of ``[low, high]`` with its relative error."""
    if not np.isfinite(low):
        raise ValueError("fisher_quadrature: discrete supports must have a finite lower end")
    start = int(np.ceil(low))
    last = int(high) if np.isfinite(high) else None
    size = family.dim * (family.dim + 1) // 2
    total, mass, count, block = np.zeros(size), 0.0, 0, min(_FIRST_BLOCK, max_terms)
    fd_error = np.zeros(size)
    prev_prob = 0.0
    while True:
        stop = start + block if last is None else min(start + block, last + 1)
        k = np.arange(start, stop, dtype=float)
        prob, weighted, weighted_err, raw = _block(family, theta, k, hessian)
        total += weighted.sum(axis=0)
        fd_error += weighted_err.sum(axis=0)
        mass += float(prob.sum())
        count += k.size
        start, block = stop, max(1, min(2 * block, _LARGEST_BLOCK, max_terms - count))
        scale = pack(natural_scale(unpack(total, family.dim)))
        scale = np.where(scale > 0, scale, 1.0)
        differenced = float(np.max(fd_error / scale))
        if last is not None and start > last:
            if not abs(mass - 1.0) <= 1e-6:
                raise _wrong_support(family, low, high, mass)
            # a finite support summed completely is exact, unless its terms are not
            return DiscreteResult(total / mass, differenced, count, True, differenced == 0.0,
                                  "")
        # geometric extrapolation of the tail from the last two probabilities
        p_last = float(prob[-1])
        p_before = float(prob[-2]) if prob.size > 1 else prev_prob
        prev_prob = p_last
        ratio = p_last / p_before if p_before > 0 else (0.0 if p_last == 0 else np.inf)
        decaying = ratio < 1
        tail_mass = max(p_last * ratio / (1.0 - ratio) if decaying else np.inf, 1.0 - mass)
        term = float(np.max(np.abs(raw[-1]) / scale, initial=0.0))
        error = _TAIL_FACTOR * tail_mass * max(term, 1.0) + differenced
        if mass > 0.5 and error <= tol:
            if not abs(mass - 1.0) <= 1e-6:
                raise _wrong_support(family, low, high, mass)
            return DiscreteResult(total / mass, error, count, True, False, "")
        if count >= max_terms:
            left = (f"a probability mass of {tail_mass:.3g} left in the tail" if decaying
                    else f"the probabilities not yet decreasing ({1.0 - mass:.3g} of the "
                    "mass still to come)")
            return DiscreteResult(total, error, count, False, False,
                                  f"the sum stopped at max_terms = {max_terms} with {left}")
