"""Sums of a pmf-weighted vector over the integers of a support — a half line from its
end, or all the integers outward from the mode — with the tails extrapolated into the
error estimate (the discrete half of :func:`infogeo._quadrature.expectation`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["discrete_start", "sum_pmf", "discrete_window"]

#: ``fn(k[m]) -> (log_pmf[m], values[m, k])``
Integrand = Callable[[NDArray], tuple[NDArray, NDArray]]


def discrete_start(logpmf: Callable[[NDArray], NDArray], low: float, high: float) -> int:
    """Where to start summing a pmf on the integers of [low, high]: the finite end of a
    half line, or (on all the integers) near the mode, found from 0, ±1, ±2, ±4, ..., ±2^52
    and refined by a ternary search between the neighbours of the best of them (a missed
    second mode is still summed: the outward sum stops only when the mass is 1)."""
    if np.isfinite(low):
        return int(np.ceil(low))
    if np.isfinite(high):
        return int(np.floor(high))
    powers = 2.0 ** np.arange(53)
    grid = np.concatenate([-powers[::-1], [0.0], powers])
    with np.errstate(all="ignore"):
        logp = np.asarray(logpmf(grid), dtype=float) + 0 * grid
    logp = np.where(np.isnan(logp), -np.inf, logp)
    if not np.any(np.isfinite(logp)):
        return 0
    i = int(np.argmax(logp))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    while b - a > 2:  # unimodal between the neighbours: ternary search on the integers
        m1, m2 = np.floor(a + (b - a) / 3), np.ceil(b - (b - a) / 3)
        with np.errstate(all="ignore"):
            l1, l2 = (np.asarray(logpmf(np.array([m1, m2])), dtype=float) + 0 * a)
        if not l1 > l2:
            a = m1
        if not l2 > l1:
            b = m2
        if m1 >= m2 or not (np.isfinite(l1) or np.isfinite(l2)):
            break
    return int(round(0.5 * (a + b)))


@dataclass
class _Side:
    """One direction of the outward sum: the next index, the step (+1 or −1), the last end
    of the support, the |sum| of its previous block and its tail estimate."""

    next: int
    step: int
    end: float
    done: bool = False
    prev: NDArray | None = None
    tail: float = np.inf
    blocks: int = 0

    def exhausted(self) -> bool:
        return (self.next - self.end) * self.step > 0

    def take(self, chunk: int) -> NDArray:
        k = self.next + self.step * np.arange(chunk, dtype=float)
        k = k[(k - self.end) * self.step <= 0]
        self.next += self.step * k.size
        return k

    def extrapolate(self, part: NDArray) -> float:
        r"""The rest of this direction from its last two blocks (of doubling lengths): a
        geometric series of blocks :math:`|S_n|\,\rho/(1-\rho)` with the conservative
        ratio :math:`\rho = \sqrt{|S_n|/|S_{n-1}|}` (a geometric tail, or a power tail
        :math:`k^{-p}` with ratios near :math:`2^{1-p}`); infinite while the blocks do
        not shrink, and for the first two blocks (the first holds the bulk)."""
        now, before, self.prev = np.abs(part), self.prev, np.abs(part)
        self.blocks += 1
        if before is None or self.blocks < 3:  # the first block holds the bulk
            return np.inf
        with np.errstate(all="ignore"):
            # √r ≥ r: the blocks' relative spans shrink towards 2 and slowly varying
            # factors (log² k) make the true ratios creep up; the square root covers both
            r = np.sqrt(np.where(now == 0, 0.0, now / before))
            tail = np.where(r < 1, now * r / (1 - r), np.inf)
        return float(np.max(tail, initial=0.0))


def sum_pmf(fn: Integrand, low: float, high: float, tol: float, normalized: bool = True
            ) -> tuple[NDArray, NDArray, int, bool]:
    r"""Direct summation outward from a starting index (:func:`discrete_start`) in both
    directions, in doubling blocks, until each open direction's extrapolated tail
    (:meth:`_Side.extrapolate`) is below ``tol`` relative and its edge term negligible,
    and (``normalized``) the mass found is within ``tol`` of 1. The error estimate is the
    sum of the tails, the rounding of the mass, and any dropped terms.

    Returns ``(value, error, terms summed, converged)``."""
    start = discrete_start(lambda k: fn(k)[0], low, high)
    sides = [_Side(start, 1, high), _Side(start - 1, -1, low)]
    total, mass, n_eval, chunk = None, 0.0, 0, 1024
    peak = dropped = 0.0
    while True:
        for side in sides:
            if side.exhausted():
                side.done, side.tail = True, 0.0
            if side.done:
                continue
            k = side.take(chunk)
            with np.errstate(all="ignore"):
                logp, values = fn(k)
                pmf = np.exp(np.asarray(logp, dtype=float) + 0 * k)
                block = np.where((pmf > 0)[:, None], values * pmf[:, None], 0.0)
            # far in a tail a ratio of underflowing special functions (I_{k+1}/I_k) may
            # overflow in double precision although the term is negligible: such terms
            # of mass below 1e-3·tol are dropped, their mass times the largest finite
            # summand of the block counted in the error
            peak = max(peak, float(np.max(pmf, initial=0.0)))
            moot = ~np.isfinite(block) & (pmf <= 1e-3 * tol * peak)[:, None]
            if moot.any():
                finite = np.where(np.isfinite(values), np.abs(values), 0.0)
                dropped += float(pmf[moot.any(axis=1)].sum()) * float(np.max(finite))
                block = np.where(moot, 0.0, block)
            if not np.all(np.isfinite(block)) or mass > 1e6:
                raise ValueError("the summand is not finite where the pmf is positive, or "
                                 "the pmf grows without bound")
            part = block.sum(axis=0)
            total = part if total is None else total + part
            mass += float(pmf.sum())
            n_eval += k.size
            side.tail = 0.0 if side.exhausted() else side.extrapolate(part)
            scale = max(float(np.max(np.abs(total))), 1e-300)
            # the outermost term must be tiny and the pmf falling outward there
            side.done = side.exhausted() or (side.tail <= tol * scale and pmf[-1] < tol
                                             and pmf[-1] <= pmf[max(k.size - 2, 0)])
        assert total is not None
        scale = max(float(np.max(np.abs(total))), 1e-300)
        rounding = abs(1.0 - mass) * scale if normalized else 0.0
        err = np.full(total.shape, sum(s.tail for s in sides) + rounding + dropped)
        if all(s.exhausted() for s in sides):
            return total, np.full(total.shape, dropped), n_eval, True
        if all(s.done for s in sides) and (1.0 - mass <= tol or not normalized):
            return total, err, n_eval, True
        if n_eval > 10_000_000:
            return total, err, n_eval, False
        for side in sides:  # the mass is short of 1: look further out on both sides
            side.done = side.exhausted()
        chunk *= 2


def discrete_window(logpmf: Callable[[NDArray], NDArray], low: float, high: float,
                     max_terms: int = 2**22) -> tuple[NDArray, NDArray]:
    """The integers of [low, high] around :func:`discrete_start`, widened (doubling) until
    they hold all but 1e-14 of the mass (at most ``max_terms`` of them), and their pmf."""
    start, half = discrete_start(logpmf, low, high), 512
    while True:
        a, b = max(start - half, low), min(start + half, high)
        ks = np.arange(a, b + 1, dtype=float)
        with np.errstate(all="ignore"):
            pmf = np.nan_to_num(np.exp(np.asarray(logpmf(ks), dtype=float) + 0 * ks))
        if pmf.sum() >= 1.0 - 1e-14 or ks.size >= max_terms or (a <= low and b >= high):
            return ks, pmf
        half *= 2
