r"""The expectations the numeric route is made of, and how each result was obtained.

Every object of a :class:`~infogeo.manifolds.numeric_family.NumericFamily` is built from
expectations of products of θ-derivatives of ℓ = log p(x | θ) (s = ∂ℓ, H = ∂²ℓ,
D = ∂³ℓ):

.. math::

    g = E[s s], \quad A = E[H s], \quad T = E[s s s], \quad
    B = E[D s], \quad C = E[H H], \quad Q = E[H s s], \quad F = E[s s s s],

the last four for curvature (∂Γ differentiated under the integral). This module names
them and builds their integrand (:mod:`._numeric_curvature` turns them into the Riemann
tensor); :class:`Provenance` records how each object was obtained.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Provenance", "moment_shapes", "derivative_products", "split_moments",
           "kl_integrand"]


@dataclass(frozen=True)
class Provenance:
    """How one object of a manifold was obtained.

    Attributes
    ----------
    method : str
        ``"closed form"``, ``"quadrature"``, ``"sum"`` or ``"monte carlo"`` (and
        ``"mixed"`` for a matrix with closed-form and numeric entries).
    error : float
        Absolute error estimate at the last point computed: 0 for a closed form, the
        quadrature's estimate (propagated to derived objects), or the largest Monte Carlo
        standard error. NaN before the object is first computed.
    detail : str
        The rule, number of evaluations, how the θ-derivatives were taken.
    """

    method: str
    error: float
    detail: str

    def __str__(self) -> str:
        if self.method == "closed form":
            return f"closed form{': ' + self.detail if self.detail else ''}"
        kind = "standard error" if self.method == "monte carlo" else "error estimate"
        return f"{self.method} ({kind} {self.error:.2g}; {self.detail})"


def moment_shapes(n: int, order: int) -> dict[str, tuple[int, ...]]:
    """The moments needed up to ``order`` (1: metric, 2: connection, 3: curvature) of a
    family of dimension ``n``, with their shapes."""
    shapes: dict[str, tuple[int, ...]] = {"g": (n, n)}
    if order >= 2:
        shapes.update(A=(n, n, n), T=(n, n, n))
    if order >= 3:
        shapes.update(B=(n,) * 4, C=(n,) * 4, Q=(n,) * 4, F=(n,) * 4)
    return shapes


def derivative_products(jet: list[NDArray], shapes: dict[str, tuple[int, ...]]) -> NDArray:
    """The integrand of the moments ``shapes`` at ``m`` observations, ``[m, total size]``,
    from ``jet = [ℓ, s [m, n], H [m, n, n], D [m, n, n, n]]`` (as far as needed)."""
    s = jet[1]
    cols = {"g": np.einsum("mi,mj->mij", s, s)}
    if "A" in shapes:
        h = jet[2]
        cols["A"] = np.einsum("mij,mk->mijk", h, s)
        cols["T"] = np.einsum("mi,mj,mk->mijk", s, s, s)
    if "B" in shapes:
        h, d = jet[2], jet[3]
        cols["B"] = np.einsum("mabc,md->mabcd", d, s)
        cols["C"] = np.einsum("mab,mcd->mabcd", h, h)
        cols["Q"] = np.einsum("mab,mc,md->mabcd", h, s, s)
        cols["F"] = np.einsum("ma,mb,mc,md->mabcd", s, s, s, s)
    return np.concatenate([cols[k].reshape(s.shape[0], -1) for k in shapes], axis=1)


def split_moments(value: NDArray, error: NDArray, shapes: dict[str, tuple[int, ...]],
                  ) -> dict[str, Any]:
    """``{name: moment, "err_" + name: its error}`` from the flat expectation."""
    out: dict[str, Any] = {}
    start = 0
    for k, shape in shapes.items():
        size = int(np.prod(shape))
        out[k] = value[start:start + size].reshape(shape)
        out["err_" + k] = error[start:start + size].reshape(shape)
        start += size
    return out


def kl_integrand(jet: Callable[[NDArray, NDArray, int], list[NDArray]], tp: NDArray,
                 tq: NDArray, same_support: bool,
                 ) -> Callable[[NDArray], tuple[NDArray, NDArray]]:
    r"""The integrand of :math:`KL(p \| q) = E_p[-r]`, :math:`r = \ell_q - \ell_p`, as
    ``x -> (ℓ_p, [m, 1])``. On a common support :math:`E_p[e^r - 1] = 0`, so
    :math:`KL = E_p[e^r - 1 - r]`: a non-negative integrand, free of the cancellation of
    :math:`E_p[-r]` between nearby points."""
    def log_ratio(d: NDArray) -> tuple[NDArray, NDArray]:
        lp = jet(d, tp, 0)[0]
        r = jet(d, tq, 0)[0] - lp
        return lp, (np.expm1(r) - r if same_support else -r)[:, None]
    return log_ratio
