r"""Adaptive Fisher approximation: each layer's curvature chosen by measured quality
against a cost budget, during training.

Every ``probe_every`` steps the piece builds every candidate approximation
:math:`\tilde F^{(c)}_{ll}` of every layer (:data:`~infogeo.learning.probes.CANDIDATES`),
preconditions the layer gradient with it, :math:`u_c = (\tilde F^{(c)}_{ll} + \lambda I)^{-1}
g_l`, and measures the direction error against the exact Fisher through a Fisher–vector
product (no :math:`F` formed):

.. math::

    \varepsilon_c = \sin\angle\big((F_{ll} + \lambda I)u_c,\; g_l\big),\qquad
    \kappa_c = \text{flops to build and apply } \tilde F^{(c)}_{ll} .

The layer then uses the cheapest candidate with :math:`\kappa_c \le B` (the budget) and
:math:`\varepsilon_c \le \tau` (the tolerance); if none reaches the tolerance, the most
accurate affordable one. Hysteresis keeps the choice from flapping: the current choice
stays acceptable up to :math:`\tau(1+h)`, a new one must reach :math:`\tau(1-h)`, and it
must win ``patience`` probes in a row (a choice that has become unaffordable is left at
once). Between probes only the chosen approximations are built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .._checks import check_in_interval, check_positive, check_positive_int
from ..flows.damping import levenberg_marquardt_damping, tikhonov
from ..flows.preconditioners import precondition
from ..flows.step_rules import quadratic_model_step
from ..flows.transforms import GradientTransformation, chain
from .curvature import network_quadratic_form, objective_of
from .fisher import FisherStats
from .kronecker import check_damping
from .optim import _with_l2
from .probes import (
    CANDIDATES,
    direction_error,
    fisher_vector_products,
    layer_approximation,
    layer_cost,
    solve_layer,
    stats_fisher_vector_products,
)

__all__ = ["AdaptiveState", "ProbeRecord", "AdaptiveCurvature", "adaptive_curvature",
           "adaptive_natural_gradient", "select_approximation"]

StatsFn = Callable[[Any], FisherStats]


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


class ProbeRecord(NamedTuple):
    """One probe: the step, per layer the errors and costs of every candidate, the
    budget, and the choices made."""

    step: int
    errors: tuple[dict[str, float], ...]
    costs: tuple[dict[str, float], ...]
    budget: float
    choices: tuple[str, ...]


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
        The built approximations in use.
    flops : float
        Curvature flops spent so far (approximations built and applied, and probes).
    history : tuple of ProbeRecord
    next_probe, interval : int
        The step of the next probe and the current interval between probes (doubled,
        up to ``max_probe_every``, while no layer changes its choice; reset on a change
        or when the budget changes).
    """

    step: int
    choices: tuple[str, ...]
    pending: tuple[tuple[str | None, int], ...]
    approximations: list
    flops: float
    history: tuple[ProbeRecord, ...]
    next_probe: int = 0
    interval: int = 1


class AdaptiveCurvature:
    """Per-layer approximations solved one block at a time: ``solve(v, damping)``."""

    def __init__(self, approximations: Sequence[Any], choices: Sequence[str]) -> None:
        self.approximations, self.choices = list(approximations), tuple(choices)

    def solve(self, v: Sequence[np.ndarray], damping: float) -> list[np.ndarray]:
        return [solve_layer(a, g, damping)
                for a, g in zip(self.approximations, v, strict=True)]


def _exact_probe(stats_fn: StatsFn, probe_size: int | None, reduction: str) -> Callable:
    """Exact layer-block products through the network owning ``stats_fn``, on a
    strided subset of ``probe_size`` rows (cycling with the step)."""
    owner = objective_of(stats_fn)
    if not (hasattr(owner, "net") and hasattr(owner, "X")):
        raise TypeError("probe='exact' needs stats_fn to be a NetworkObjective's stats "
                        "method; pass probe='stats' or a callable")

    def probe(params: Any, layer: int, directions: list, step: int) -> list:
        X = owner.X
        if probe_size is not None and probe_size < len(X):
            stride = len(X) // probe_size
            X = X[step % stride::stride][:probe_size]
        full = [[np.zeros_like(w) for w in params] for _ in directions]
        for f, u in zip(full, directions, strict=True):
            f[layer] = u
        return [fv[layer] for fv in fisher_vector_products(owner.net, params, X, full,
                                                           reduction)]

    return probe


def adaptive_curvature(stats_fn: StatsFn, *, candidates: Sequence[str] = CANDIDATES,
                       tolerance: float = 0.3, budget: float | Callable[[int], float] = np.inf,
                       hysteresis: float = 0.2, patience: int = 2, probe: Any = "exact",
                       probe_every: int = 10, max_probe_every: int | None = None,
                       probe_size: int | None = 256, rank: int = 8,
                       reduction: str = "mean") -> GradientTransformation:
    r"""Per-layer Fisher approximation chosen by measured direction error under a flop
    budget (module docstring), published as the extra ``curvature``.

    Parameters
    ----------
    stats_fn : callable
        ``params -> FisherStats`` (e.g. :meth:`NetworkObjective.stats`); the candidates
        are built from these statistics.
    candidates : sequence of str
        Subset of ``("diagonal", "kfac", "ekfac", "lowrank", "block")``. One candidate is
        a fixed choice (never probed).
    tolerance : float
        :math:`\tau`, the acceptable direction error (a sine, in (0, 1]).
    budget : float or callable
        :math:`B`, flops per layer and step (``budget(step)`` if callable).
    hysteresis, patience
        :math:`h \in [0, 1)` and the number of probes a challenger must win in a row.
    probe : {"exact", "stats"} or callable
        ``"exact"``: Fisher–vector products of the exact true Fisher by forward/backward
        passes (:func:`~infogeo.learning.probes.fisher_vector_products`) on
        ``probe_size`` rows; ``"stats"``: the Fisher the statistics hold;
        a callable ``probe(params, layer, directions, step) -> [F_ll u for u in
        directions]``.
    probe_every, max_probe_every : int
        Steps between probes (the first step always probes); the interval doubles after
        each probe that changes nothing, up to ``max_probe_every`` (default
        ``8 * probe_every``), and returns to ``probe_every`` after a change. Only the
        candidates within the budget are built at a probe.
    rank : int
        Rank of the ``lowrank`` candidate.
    """
    candidates = tuple(candidates)
    if not candidates or any(c not in CANDIDATES for c in candidates):
        raise ValueError(f"candidates must be a non-empty subset of {CANDIDATES}, got "
                         f"{candidates!r}")
    check_in_interval(tolerance, "tolerance", 0.0, 1.0, closed=(False, True))
    check_in_interval(hysteresis, "hysteresis", 0.0, 1.0, closed=(True, False))
    patience = check_positive_int(patience, "patience")
    probe_every = check_positive_int(probe_every, "probe_every")
    max_probe_every = (8 * probe_every if max_probe_every is None
                       else check_positive_int(max_probe_every, "max_probe_every"))
    if max_probe_every < probe_every:
        raise ValueError(f"max_probe_every must be >= probe_every ({probe_every}), got "
                         f"{max_probe_every}")
    rank = check_positive_int(rank, "rank")
    if probe_size is not None:
        probe_size = check_positive_int(probe_size, "probe_size")
    if not callable(budget):
        check_positive(budget, "budget")
    budget_at = budget if callable(budget) else (lambda step, b=float(budget): b)
    l2 = float(getattr(objective_of(stats_fn), "l2_reg", 0.0) or 0.0)
    if callable(probe):
        probe_fn = probe
    elif probe == "stats":
        def probe_fn(params: Any, layer: int, directions: list, step: int) -> list:
            return stats_fisher_vector_products(stats_fn(params), layer, directions, reduction)
    elif probe == "exact":
        probe_fn = _exact_probe(stats_fn, probe_size, reduction) if len(candidates) > 1 \
            else None
    else:
        raise ValueError(f"probe must be 'exact', 'stats' or a callable, got {probe!r}")

    def build(name: str, stats: FisherStats, layer: int, state: AdaptiveState) -> Any:
        start = None
        if state.approximations and state.choices[layer] == "lowrank":
            start = state.approximations[layer].factor
        return layer_approximation(name, stats, layer, reduction=reduction, rank=rank,
                                   start=start)

    def costs_of(stats: FisherStats, layer: int) -> dict[str, float]:
        d_in, d_out = stats.inputs[layer].shape[1], stats.preactivation_grads[layer].shape[2]
        return {c: layer_cost(c, stats.n_examples, stats.preactivation_grads[layer].shape[1],
                              d_in, d_out, rank) for c in candidates}

    def update(grads: Any, state: AdaptiveState, params: Any = None, **extra: Any
               ) -> tuple[Any, AdaptiveState]:
        if params is None:
            raise TypeError("adaptive_curvature needs params in update(grads, state, params)")
        stats = stats_fn(params)
        lam = float(extra.get("damping") or 0.0) + float(extra.get("l2_reg") or l2)
        step, n_layers = state.step, len(grads)
        costs = [costs_of(stats, l) for l in range(n_layers)]
        limit = float(budget_at(step))
        budget_changed = bool(state.history) and limit != state.history[-1].budget
        if len(candidates) == 1 or (step < state.next_probe and not budget_changed):
            choices = state.choices or (candidates[0],) * n_layers
            approx = [build(c, stats, l, state) for l, c in enumerate(choices)]
            spent = sum(costs[l][c] for l, c in enumerate(choices))
            return grads, state._replace(step=step + 1, choices=choices, approximations=approx,
                                         flops=state.flops + spent)
        choices, pending, approx, errors = [], [], [], []
        spent = 0.0
        for l, g in enumerate(grads):
            # only what the budget allows is built (else the cheapest candidate)
            probed = [c for c in candidates if costs[l][c] <= limit] or \
                [min(candidates, key=lambda c, l=l: costs[l][c])]
            built = {c: build(c, stats, l, state) for c in probed}
            dirs = [solve_layer(built[c], g, lam) for c in probed]
            products = probe_fn(params, l, dirs, step)
            err = {c: direction_error(fu + lam * u, g)
                   for c, u, fu in zip(probed, dirs, products, strict=True)}
            # the probe: the candidates built and applied, plus one F-vector product
            # (forward + backward pass, ~ 4 flops per example and weight) per candidate
            n_probe = min(probe_size or stats.n_examples, stats.n_examples)
            spent += sum(costs[l][c] for c in probed) + 4.0 * n_probe * sum(
                np.size(w) for w in params) * len(probed)
            current = state.choices[l] if state.choices else None
            want = select_approximation(err, {c: costs[l][c] for c in probed},
                                        current if current in err else None,
                                        tolerance=tolerance, budget=limit,
                                        hysteresis=hysteresis)
            challenger, wins = state.pending[l] if state.pending else (None, 0)
            wins = wins + 1 if want == challenger else 1
            if current is None or want == current or wins >= patience or \
                    costs[l][current] > limit:
                current, challenger, wins = want, None, 0
            else:
                challenger = want
            choices.append(current)
            pending.append((challenger, wins))
            approx.append(built[current])
            errors.append(err)
        record = ProbeRecord(step, tuple(errors), tuple(costs), limit, tuple(choices))
        changed = tuple(choices) != state.choices or budget_changed or any(
            c is not None for c, _ in pending)
        interval = probe_every if changed else min(2 * state.interval, max_probe_every)
        return grads, AdaptiveState(step + 1, tuple(choices), tuple(pending), approx,
                                    state.flops + spent, state.history + (record,),
                                    step + interval, interval)

    def publish(state: AdaptiveState) -> dict[str, Any]:
        out: dict[str, Any] = {"curvature": AdaptiveCurvature(state.approximations,
                                                              state.choices)}
        if l2:
            out["l2_reg"] = l2
        return out

    def init(params: Any) -> AdaptiveState:
        return AdaptiveState(0, (), (), [], 0.0, (), 0, probe_every)

    return GradientTransformation(init, update, publish)


def adaptive_natural_gradient(stats_fn: StatsFn, *, damping: float = 1e-2,
                              adapt_damping: bool = True, damping_interval: int = 5,
                              damping_decay: float = 0.95, min_damping: float = 1e-5,
                              max_damping: float = 1e3, reduction: str = "mean",
                              quadratic_form: Callable[[Any, list], float] | None = None,
                              **adaptive: Any) -> GradientTransformation:
    r"""Natural gradient with the per-layer adaptive curvature, stepped like the default
    :func:`~infogeo.learning.kfac` (learning rate and momentum from the 2-D quadratic
    model of the exact Fisher, Levenberg–Marquardt damping every ``damping_interval``
    steps):

    ``chain(levenberg_marquardt_damping(...), adaptive_curvature(stats_fn, **adaptive),
    precondition(), quadratic_model_step(momentum=True))``.

    .. math::

        u_l = (\tilde F^{(c_l)}_{ll} + \lambda I)^{-1}\nabla_{W_l}L,\qquad
        \delta = -\alpha^* u + \mu^* \delta_{\text{prev}} .

    Keywords in ``adaptive`` go to :func:`adaptive_curvature` (``candidates``,
    ``tolerance``, ``budget``, ``hysteresis``, ``patience``, ``probe``, ``probe_every``,
    ``probe_size``, ``rank``); ``candidates=("kfac",)`` is a fixed choice with the same
    steps, for comparisons.
    """
    damping = check_damping(damping)
    form = network_quadratic_form(stats_fn, reduction, quadratic_form)
    l2 = float(getattr(objective_of(stats_fn), "l2_reg", 0.0) or 0.0)
    damp = (levenberg_marquardt_damping(damping, quadratic_form=_with_l2(form, l2),
                                        interval=damping_interval, decay=damping_decay,
                                        min_damping=min_damping, max_damping=max_damping,
                                        include_damping_in_model=False)
            if adapt_damping else tikhonov(damping))
    curvature = adaptive_curvature(stats_fn, reduction=reduction, **adaptive)
    return chain(damp, curvature, precondition(damping=None),
                 quadratic_model_step(form, momentum=True, include_damping_in_model=False))
