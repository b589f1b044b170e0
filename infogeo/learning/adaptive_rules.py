r"""The choice rules of the adaptive curvature (:mod:`infogeo.learning.adaptive`): which
approximation a layer takes at a probe (:func:`select_approximation`), how long it may
be reused stale (:func:`next_refresh_interval`), and the records and state the piece
keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .probes import solve_layer

__all__ = ["select_approximation", "next_refresh_interval", "ProbeRecord", "AdaptiveState",
           "AdaptiveCurvature"]


def select_approximation(errors: dict[str, float], costs: dict[str, float],
                         current: str | None, *, tolerance: float, budget: float,
                         hysteresis: float = 0.0) -> str:
    r"""The choice rule of one layer at one probe (module docstring).

    Parameters
    ----------
    errors, costs : dict
        :math:`\varepsilon_c` and :math:`\kappa_c` per candidate.
    current : str or None
        The choice in use (judged with the looser threshold :math:`\tau(1+h)`).
    tolerance, budget, hysteresis : float
        :math:`\tau`, :math:`B`, :math:`h \in [0, 1)`.
    """
    affordable = [c for c in errors if costs[c] <= budget]
    if not affordable:  # nothing fits: the cheapest there is
        return min(errors, key=lambda c: costs[c])

    def good_enough(c: str) -> bool:
        return errors[c] <= tolerance * ((1 + hysteresis) if c == current else (1 - hysteresis))

    acceptable = [c for c in affordable if good_enough(c)]
    if acceptable:
        return min(acceptable, key=lambda c: (costs[c], errors[c]))
    best = min(affordable, key=lambda c: errors[c])
    if current in affordable and errors[current] <= errors[best] * (1 + hysteresis):
        return current
    return best


def next_refresh_interval(interval: int, staleness: float | None, *, tolerance: float,
                          max_refresh: int) -> int:
    r"""The refresh rule of one layer after a measured rebuild:

    .. math::

        k' = \begin{cases} \min(2k, k_{\max}) & s \le \tau_s \\
        \max(1, \lfloor k/2 \rfloor) & s > \tau_s \end{cases}

    with :math:`s = 1 - m(u_{\text{stale}})/m(u_{\text{fresh}})` the fraction of the
    model reduction the approximation lost in :math:`k` steps of staleness and
    :math:`\tau_s` = ``tolerance``; unchanged when nothing was measured (``None``).
    """
    if staleness is None:
        return interval
    if staleness <= tolerance:
        return min(2 * interval, max_refresh)
    return max(1, interval // 2)


class ProbeRecord(NamedTuple):
    r"""One step at which something was measured.

    Attributes
    ----------
    step : int
    errors : tuple of dict
        Per layer, the measured error of every candidate probed (empty if the layer's
        candidates were not probed): the lost fraction of the best model reduction
        (``quality="reduction"``) or the direction error (``"direction"``).
    costs : tuple of dict
        Per layer, the flops of every candidate (build and apply once).
    budget : float
    choices : tuple of str
        The approximation of each layer after this step.
    staleness : tuple of (float or None)
        Per layer, :math:`1 - m(u_{\text{stale}})/m(u_{\text{fresh}})` of the
        approximation kept since the last refresh, or None if not measured.
    refresh : tuple of int
        Per layer, the refresh interval after this step.
    """

    step: int
    errors: tuple[dict[str, float], ...]
    costs: tuple[dict[str, float], ...]
    budget: float
    choices: tuple[str, ...]
    staleness: tuple[float | None, ...] = ()
    refresh: tuple[int, ...] = ()


class AdaptiveState(NamedTuple):
    """State of :func:`adaptive_curvature`.

    Attributes
    ----------
    step : int
    choices : tuple of str
        The approximation each layer uses now.
    pending : tuple of (str or None, int)
        Per layer, a challenger and how many probes in a row it has won.
    approximations : list
        The built approximations in use (possibly stale).
    flops : float
        Curvature flops spent so far (approximations built and applied, and probes).
    history : tuple of ProbeRecord
    next_probe, interval : int
        The step of the next candidate probe and the current interval between them
        (doubled, up to ``max_probe_every``, while no layer changes its choice; reset on
        a change or when the budget changes).
    refresh_intervals, next_refresh : tuple of int
        Per layer, the interval between rebuilds of its approximation and the step of
        the next rebuild.
    apply_costs : tuple of float
        Per layer, the flops of one solve with the approximation in use.
    budget : float
        The budget at the last step.
    probe_flops : float
        The part of ``flops`` spent on measuring (candidate comparisons, staleness
        forms and the extra stale solves): ``flops - probe_flops`` is what the same
        choices would have cost without measuring them.
    """

    step: int
    choices: tuple[str, ...]
    pending: tuple[tuple[str | None, int], ...]
    approximations: list
    flops: float
    history: tuple[ProbeRecord, ...]
    next_probe: int = 0
    interval: int = 1
    refresh_intervals: tuple[int, ...] = ()
    next_refresh: tuple[int, ...] = ()
    apply_costs: tuple[float, ...] = ()
    budget: float = np.nan
    probe_flops: float = 0.0


class AdaptiveCurvature:
    """Per-layer approximations solved one block at a time: ``solve(v, damping)``."""

    def __init__(self, approximations: Sequence[Any], choices: Sequence[str]) -> None:
        self.approximations, self.choices = list(approximations), tuple(choices)

    def solve(self, v: Sequence[np.ndarray], damping: float) -> list[np.ndarray]:
        return [solve_layer(a, g, damping)
                for a, g in zip(self.approximations, v, strict=True)]
