r"""Globally adaptive Gauss–Legendre integration of vector integrands, vectorized over nodes.

Every panel is integrated with the 10- and 20-point Gauss–Legendre rules; their
difference bounds the error of the 10-point rule and so, pessimistically, that of the
20-point value kept. The panel with the largest error is halved until every component
meets its own tolerance,

.. math::

    \sum_{\text{panels}} |Q_{20} - Q_{10}|_c \le \max(\text{atol}_c,\ \text{rtol}\cdot
    \text{scale}_c(Q)),

where ``scale`` maps the current totals to the size each component is judged against (for
a Fisher matrix: its natural scale :math:`\sqrt{I_{ii}I_{jj}}`). All nodes of a step are
passed to the integrand in one call, so a Python-level density costs one call per panel,
not one per node (``scipy.integrate.quad_vec`` calls it per node). Infinite ends are
mapped with :math:`z = a + t/(1 - t)` (and its mirror), :math:`t \in [0, 1)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["AdaptiveResult", "integrate_adaptive"]

_X10, _W10 = np.polynomial.legendre.leggauss(10)
_X20, _W20 = np.polynomial.legendre.leggauss(20)
_NODES = np.concatenate([_X10, _X20])


@dataclass(frozen=True)
class AdaptiveResult:
    """Integral per component, its error bound, evaluations, and whether every component
    met its tolerance within ``limit`` panels."""

    value: NDArray
    error: NDArray
    n_eval: int
    converged: bool


def _mapped(f: Callable[[NDArray], NDArray], a: float, b: float
            ) -> tuple[Callable[[NDArray], NDArray], float, float]:
    """The integrand on a finite interval of t, with the Jacobian of the infinite map."""
    if np.isfinite(a) and np.isfinite(b):
        return f, a, b
    if np.isfinite(a):
        def upper(t: NDArray) -> NDArray:
            return f(a + t / (1.0 - t)) / ((1.0 - t) ** 2)[:, None]
        return upper, 0.0, 1.0
    if np.isfinite(b):
        def lower(t: NDArray) -> NDArray:
            return f(b - t / (1.0 - t)) / ((1.0 - t) ** 2)[:, None]
        return lower, 0.0, 1.0

    def both(t: NDArray) -> NDArray:
        return f(t / (1.0 - t * t)) * ((1.0 + t * t) / (1.0 - t * t) ** 2)[:, None]
    return both, -1.0, 1.0


def integrate_adaptive(f: Callable[[NDArray], NDArray], a: float, b: float, rtol: float,
                       scale: Callable[[NDArray], NDArray], atol: NDArray | float = 0.0,
                       limit: int = 200) -> AdaptiveResult:
    """Integrate the vectorized ``f(z[m]) -> [m, k]`` over ``(a, b)`` (ends may be
    infinite); see the module docstring for the error control."""
    g, lo, hi = _mapped(f, a, b)
    panels: list[tuple[float, float]] = [(lo, hi)]
    values: list[NDArray] = []
    errors: list[NDArray] = []
    n_eval = 0

    def add(spans: list[tuple[float, float]]) -> None:
        nonlocal n_eval
        left = np.array([s[0] for s in spans])
        half = 0.5 * (np.array([s[1] for s in spans]) - left)
        z = (left + half)[:, None] + half[:, None] * _NODES[None, :]
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            out = g(z.reshape(-1))
        out = np.where(np.isfinite(out), out, 0.0).reshape(len(spans), _NODES.size, -1)
        n_eval += z.size
        q10 = np.einsum("n,pnk->pk", _W10, out[:, :10]) * half[:, None]
        q20 = np.einsum("n,pnk->pk", _W20, out[:, 10:]) * half[:, None]
        values.extend(q20)
        errors.extend(np.abs(q20 - q10))

    add(panels)
    while True:
        total = np.sum(values, axis=0)
        err = np.sum(errors, axis=0)
        allowed = np.maximum(atol, rtol * scale(total))
        if np.all(err <= allowed):
            return AdaptiveResult(total, err, n_eval, True)
        if len(panels) >= limit:
            return AdaptiveResult(total, err, n_eval, False)
        # halve the panels that carry most of the excess error (up to 16 at once)
        excess = np.max(np.array(errors) / np.maximum(allowed, 1e-300), axis=1)
        order = np.argsort(excess)[::-1][:min(16, limit - len(panels))]
        chosen = [int(i) for i in order if excess[i] > 0.1 / len(panels) or i == order[0]]
        new_spans = []
        for i in sorted(chosen, reverse=True):
            left, right = panels.pop(i)
            values.pop(i)
            errors.pop(i)
            mid = 0.5 * (left + right)
            new_spans += [(left, mid), (mid, right)]
        panels += new_spans
        add(new_spans)
