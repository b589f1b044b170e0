r"""Adaptive Fisher approximation: each layer's curvature — which approximation, and
how often it is rebuilt — chosen by measured quality against a cost budget, during
training.

**Quality.** A direction :math:`u` is judged by the reduction of the damped quadratic
model :math:`m(\delta) = -g^\top\delta + \frac12\delta^\top A\delta`,
:math:`A = F + \lambda I`, that it buys after the optimal step length (the step rules
fit the length, so only this matters):

.. math::

    m(u) = \frac{(g^\top u)^2}{u^\top A u},\qquad
    \rho(u) = \frac{m(u)}{g^\top A^{-1} g} = \cos^2\angle_A(u, A^{-1}g),

with :math:`u^\top F_{ll} u` exact, by forward mode from layer :math:`l` on over a probe
subset of the data (no :math:`F` formed;
:func:`~infogeo.learning.probes.layer_fisher_quadratic_forms`). Every ``probe_every``
steps (doubling while nothing changes) the piece builds every
affordable candidate :math:`c` of every layer
(:data:`~infogeo.learning.probes.CANDIDATES`), :math:`u_c = (\tilde F^{(c)}_{ll} +
\lambda I)^{-1} g_l`, and takes the lost fraction of the best candidate's reduction,
:math:`e_c = 1 - m(u_c)/\max_{c'} m(u_{c'})`, as its error (or, with
``quality="direction"``, :math:`\varepsilon_c = \sin\angle((F_{ll}+\lambda I)u_c, g_l)`).
The layer then uses the cheapest candidate with cost :math:`\kappa_c \le B` and
:math:`e_c \le \tau`, else the most accurate affordable one; hysteresis (the current
choice stays acceptable up to :math:`\tau(1+h)`, a new one must reach :math:`\tau(1-h)`)
and ``patience`` (a challenger must win that many probes in a row) keep it from
flapping.

**Refresh.** Between rebuilds a layer reuses its approximation (stale): a step then
costs one solve. At each rebuild the stale direction is compared with the fresh one,
:math:`s = 1 - m(u_{\text{stale}})/m(u_{\text{fresh}})`; the layer's interval doubles
(up to ``max_refresh``) when :math:`s \le` ``refresh_tolerance`` and halves otherwise
(:func:`~infogeo.learning.adaptive_rules.next_refresh_interval`; a new approximation
starts at ``first_refresh``) —
stale inverses while the curvature moves slowly, fresh ones when it moves (cf. the fixed
inverse period of Martens & Grosse 2015, §8).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._checks import check_in_interval, check_positive, check_positive_int
from ..flows.preconditioners import precondition
from ..flows.step_rules import quadratic_model_step
from ..flows.transforms import GradientTransformation, chain
from .adaptive_rules import (
    AdaptiveCurvature,
    AdaptiveState,
    ProbeRecord,
    next_refresh_interval,
    select_approximation,
)
from .curvature import network_quadratic_form, objective_of
from .fisher import FisherStats
from .kronecker import check_damping
from .optim import network_damping
from .probes import (
    CANDIDATES,
    ProbeForms,
    ProbeProducts,
    direction_error,
    forms_from_products,
    layer_approximation,
    layer_cost,
    layer_form_cost,
    model_reduction,
    network_probes,
    probe_rows,
    solve_layer,
    stats_form_cost,
    stats_probes,
    stats_quadratic_forms,
)

__all__ = ["AdaptiveState", "ProbeRecord", "AdaptiveCurvature", "adaptive_curvature",
           "adaptive_natural_gradient", "select_approximation"]

StatsFn = Callable[[Any], FisherStats]


def adaptive_curvature(stats_fn: StatsFn, *, candidates: Sequence[str] = CANDIDATES,
                       quality: str = "reduction", tolerance: float = 0.1,
                       budget: float | Callable[[int], float] = np.inf,
                       hysteresis: float = 0.2, patience: int = 2,
                       refresh: int | str = "adaptive", refresh_tolerance: float = 0.3,
                       max_refresh: int = 32, first_refresh: int = 1,
                       staleness_probe: str = "probe", probe: Any = "exact",
                       probe_every: int = 10, max_probe_every: int | None = None,
                       probe_size: int | None = 128, rank: int = 8,
                       reduction: str = "mean") -> GradientTransformation:
    r"""Per-layer Fisher approximation and refresh interval chosen by measured quality
    under a flop budget (module docstring), published as the extra ``curvature``.

    Parameters
    ----------
    stats_fn : callable
        ``params -> FisherStats`` (e.g. :meth:`NetworkObjective.stats`); the candidates
        are built from these statistics.
    candidates : sequence of str
        Subset of ``("diagonal", "kfac", "ekfac", "lowrank", "block")``. One candidate is
        a fixed choice (its candidates never probed).
    quality : {"reduction", "direction"}
        How candidates are compared: the lost fraction :math:`1 - m_c/\max_{c'} m_{c'}`
        of the best model reduction (:func:`~infogeo.learning.probes.model_reduction`),
        or the direction error :math:`\varepsilon_c`
        (:func:`~infogeo.learning.probes.direction_error`).
    tolerance : float
        :math:`\tau \in (0, 1]`, the acceptable error.
    budget : float or callable
        :math:`B`, flops per layer to build and apply a candidate (``budget(step)`` if
        callable).
    hysteresis, patience
        :math:`h \in [0, 1)` and the number of probes a challenger must win in a row.
    refresh : "adaptive" or int
        Rebuild each layer's approximation every ``refresh`` steps (reused, stale, in
        between), or adaptively: at each rebuild the stale approximation's model
        reduction is compared with the fresh one's, and the layer's interval doubles
        (up to ``max_refresh``) if it lost at most ``refresh_tolerance``, else halves.
    first_refresh : int
        The interval of a new approximation (at the start and after a change of choice).
    staleness_probe : {"probe", "stats"}
        The forms :math:`u^\top F_{ll}u` of the stale/fresh comparison: from ``probe``,
        or from the statistics on ``probe_size`` rows
        (:func:`~infogeo.learning.probes.stats_quadratic_forms`; cheaper, but the
        Monte Carlo Fisher the fresh approximation was built from favours it).
    probe : {"exact", "stats"} or callable
        ``"exact"``: exact true-Fisher forms and products on ``probe_size`` rows
        (:func:`~infogeo.learning.probes.layer_fisher_quadratic_forms`,
        :func:`~infogeo.learning.probes.fisher_vector_products`); ``"stats"``: the
        Fisher the statistics hold; a callable ``probe(params, layer, directions, step)
        -> [F_ll u for u in directions]``.
    probe_every, max_probe_every : int
        Steps between candidate probes (the first step always probes); the interval
        doubles after each probe that changes nothing, up to ``max_probe_every``
        (default ``8 * probe_every``), and returns to ``probe_every`` after a change.
        A candidate probe rebuilds every layer; only the candidates within the budget
        are built.
    rank : int
        Rank of the ``lowrank`` candidate.
    """
    candidates = tuple(candidates)
    if not candidates or any(c not in CANDIDATES for c in candidates):
        raise ValueError(f"candidates must be a non-empty subset of {CANDIDATES}, got "
                         f"{candidates!r}")
    if quality not in ("reduction", "direction"):
        raise ValueError(f"quality must be 'reduction' or 'direction', got {quality!r}")
    check_in_interval(tolerance, "tolerance", 0.0, 1.0, closed=(False, True))
    check_in_interval(hysteresis, "hysteresis", 0.0, 1.0, closed=(True, False))
    check_in_interval(refresh_tolerance, "refresh_tolerance", 0.0, 1.0, closed=(False, True))
    if refresh != "adaptive":
        if isinstance(refresh, str):
            raise ValueError(f"refresh must be 'adaptive' or a positive int, got {refresh!r}")
        refresh = check_positive_int(refresh, "refresh")
    max_refresh = check_positive_int(max_refresh, "max_refresh")
    first_refresh = check_positive_int(first_refresh, "first_refresh")
    if first_refresh > max_refresh:
        raise ValueError(f"first_refresh must be <= max_refresh ({max_refresh}), got "
                         f"{first_refresh}")
    owner = objective_of(stats_fn)
    if staleness_probe not in ("stats", "probe"):
        raise ValueError(f"staleness_probe must be 'stats' or 'probe', got "
                         f"{staleness_probe!r}")
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
    multi, adaptive_refresh = len(candidates) > 1, refresh == "adaptive"
    # the probes: needed to compare candidates or to measure a stale approximation
    products_fn: ProbeProducts | None
    forms_fn: ProbeForms | None
    if callable(probe):
        products_fn, forms_fn = probe, forms_from_products(probe)
    elif probe == "stats":
        products_fn, forms_fn = stats_probes(stats_fn, reduction)
    elif probe == "exact":
        products_fn, forms_fn = (network_probes(stats_fn, probe_size, reduction)
                                 if multi or (adaptive_refresh and staleness_probe == "probe")
                                 else (None, None))
    else:
        raise ValueError(f"probe must be 'exact', 'stats' or a callable, got {probe!r}")

    def build(name: str, stats: FisherStats, layer: int, state: AdaptiveState) -> Any:
        start = None
        if state.approximations and state.choices[layer] == "lowrank" == name:
            start = state.approximations[layer].factor
        return layer_approximation(name, stats, layer, reduction=reduction, rank=rank,
                                   start=start)

    def costs_of(stats: FisherStats, layer: int, part: str = "total") -> dict[str, float]:
        d_in, d_out = stats.inputs[layer].shape[1], stats.preactivation_grads[layer].shape[2]
        return {c: layer_cost(c, stats.n_examples, stats.preactivation_grads[layer].shape[1],
                              d_in, d_out, rank, part) for c in candidates}

    def choose(err: dict, costs: dict, current: str | None, limit: float,
               pending: tuple) -> tuple[str, tuple]:
        want = select_approximation(err, costs, current if current in err else None,
                                    tolerance=tolerance, budget=limit, hysteresis=hysteresis)
        challenger, wins = pending
        wins = wins + 1 if want == challenger else 1
        if current is None or want == current or wins >= patience or costs.get(
                current, np.inf) > limit:
            return want, (None, 0)
        return current, (want, wins)

    def layer_forms(stats: FisherStats, l: int, dirs: list, step: int) -> NDArray:
        """u^T F_ll u of the fresh statistics on the probe rows (the staleness reference)."""
        rows = probe_rows(np.arange(stats.n_examples), probe_size, step)
        return stats_quadratic_forms(stats, l, dirs, reduction, rows)

    def layer_forms_cost(stats: FisherStats, l: int, n_dirs: int) -> float:
        m = min(probe_size or stats.n_examples, stats.n_examples)
        g = stats.preactivation_grads[l]
        return n_dirs * stats_form_cost(m, g.shape[1], stats.inputs[l].shape[1], g.shape[2])

    def update(grads: Any, state: AdaptiveState, params: Any = None, **extra: Any
               ) -> tuple[Any, AdaptiveState]:
        if params is None:
            raise TypeError("adaptive_curvature needs params in update(grads, state, params)")
        lam = float(extra.get("damping") or 0.0) + float(extra.get("l2_reg") or l2)
        step, n_layers = state.step, len(grads)
        limit = float(budget_at(step))
        started = bool(state.choices)
        budget_changed = started and limit != state.budget
        probe_all = multi and (not started or step >= state.next_probe or budget_changed)
        due = [not started or probe_all or step >= state.next_refresh[l]
               for l in range(n_layers)]
        if not any(due):  # every layer reuses its (stale) approximation: solves only
            return grads, state._replace(step=step + 1, budget=limit,
                                         flops=state.flops + sum(state.apply_costs))
        stats = stats_fn(params)
        n_weights = sum(np.size(w) for w in params)
        n_probe = min(probe_size or stats.n_examples, stats.n_examples)
        forward_paid = False
        out: dict[str, list] = {k: [] for k in ("choice", "pending", "approx", "errors",
                                                "stale", "interval", "next", "apply")}
        spent, measuring, measured = 0.0, 0.0, False
        for l, g in enumerate(grads):
            current = state.choices[l] if started else None
            if not due[l]:
                for k, v in zip(out, (current, state.pending[l], state.approximations[l], {},
                                      None, state.refresh_intervals[l],
                                      state.next_refresh[l], state.apply_costs[l]),
                                strict=True):
                    out[k].append(v)
                spent += state.apply_costs[l]
                continue
            def probe_cost(l: int = l) -> float:  # one quadratic form of the probe
                return (layer_form_cost(owner.net, l, n_probe) if probe == "exact"
                        else layer_forms_cost(stats, l, 1))
            costs = costs_of(stats, l)
            probed = ([c for c in candidates if costs[c] <= limit]
                      or [min(candidates, key=costs.__getitem__)]) if probe_all \
                else [current or candidates[0]]
            built = {c: build(c, stats, l, state) for c in probed}
            dirs = [solve_layer(built[c], g, lam) for c in probed]
            spent += sum(costs[c] for c in probed)
            err: dict[str, float] = {}
            stale = None
            measure_stale = adaptive_refresh and started and current in built
            # the approximation in use (measure_stale implies current is one of probed)
            kept = current if current is not None else probed[0]
            compare = len(probed) > 1  # several candidates: multi only
            if measure_stale:  # the stale direction, against the fresh one
                dirs.append(solve_layer(state.approximations[l], g, lam))
                measuring += costs_of(stats, l, "apply")[kept]  # the extra solve
            # which directions need the probe's forms u^T F_ll u
            on_probe = ((len(probed) if compare and quality == "reduction" else 0)
                        if not (measure_stale and staleness_probe == "probe")
                        else len(dirs))
            if on_probe:
                assert forms_fn is not None
                measured = True
                ask = dirs if on_probe == len(dirs) else dirs[:on_probe]
                if on_probe == len(dirs) and not compare:  # only the fresh and the stale
                    ask = [dirs[probed.index(kept)], dirs[-1]]
                forms = list(forms_fn(params, l, ask, step))
                measuring += probe_cost() * len(ask)
                if probe == "exact" and not forward_paid:  # the probe rows' forward pass
                    measuring += 2.0 * n_probe * n_weights
                    forward_paid = True
                m = [model_reduction(g, u, f + lam * float(np.vdot(u, u)))
                     for u, f in zip(ask, forms, strict=True)]
            if compare and quality == "reduction":
                best = max(m[:len(probed)])
                err = {c: (1.0 - mc / best if best > 0 else 0.0)
                       for c, mc in zip(probed, m, strict=False)}
            elif compare:
                assert products_fn is not None
                measured = True
                fus = products_fn(params, l, dirs[:len(probed)], step)
                err = {c: direction_error(fu + lam * u, g) for c, u, fu in
                       zip(probed, dirs, fus, strict=False)}
                # a full forward-mode pass and a backward pass per direction
                measuring += 8.0 * n_probe * n_weights * len(probed)
            if measure_stale:
                measured = True
                if staleness_probe == "stats":
                    pair = [dirs[probed.index(kept)], dirs[-1]]
                    forms = list(layer_forms(stats, l, pair, step))
                    measuring += layer_forms_cost(stats, l, 2)
                    fresh, old = (model_reduction(g, u, f + lam * float(np.vdot(u, u)))
                                  for u, f in zip(pair, forms, strict=True))
                else:
                    fresh, old = m[probed.index(kept)] if compare else m[0], m[-1]
                stale = max(0.0, 1.0 - old / fresh) if fresh > 0 else 0.0
            choice, pend = (current if current in built else probed[0]), (None, 0)
            if len(probed) > 1:
                choice, pend = choose(err, {c: costs[c] for c in probed}, current, limit,
                                      state.pending[l] if started else (None, 0))
                # the candidates built only to be compared are measurement too
                measuring += sum(costs[c] for c in probed if c != choice)
                spent -= sum(costs[c] for c in probed if c != choice)
            if not adaptive_refresh:
                interval = int(refresh)
            elif not started or choice != current:
                interval = first_refresh  # a new approximation: its staleness not known
            else:
                interval = next_refresh_interval(state.refresh_intervals[l], stale,
                                                 tolerance=refresh_tolerance,
                                                 max_refresh=max_refresh)
            for k, v in zip(out, (choice, pend, built[choice], err, stale, interval,
                                  step + interval,
                                  costs_of(stats, l, "apply")[choice]), strict=True):
                out[k].append(v)
        choices = tuple(out["choice"])
        history = state.history
        if measured or probe_all:
            history += (ProbeRecord(step, tuple(out["errors"]),
                                    tuple(costs_of(stats, l) for l in range(n_layers)),
                                    limit, choices, tuple(out["stale"]),
                                    tuple(out["interval"])),)
        next_probe, interval = state.next_probe, state.interval
        if probe_all:
            changed = choices != state.choices or budget_changed or any(
                c is not None for c, _ in out["pending"])
            interval = probe_every if changed else min(2 * state.interval, max_probe_every)
            next_probe = step + interval
        return grads, AdaptiveState(step + 1, choices, tuple(out["pending"]), out["approx"],
                                    state.flops + spent + measuring, history, next_probe,
                                    interval, tuple(out["interval"]), tuple(out["next"]),
                                    tuple(out["apply"]), limit,
                                    state.probe_flops + measuring)

    def publish(state: AdaptiveState) -> dict[str, Any]:
        out: dict[str, Any] = {"curvature": AdaptiveCurvature(state.approximations,
                                                              state.choices)}
        if l2:
            out["l2_reg"] = l2
        return out

    def init(params: Any) -> AdaptiveState:
        return AdaptiveState(0, (), (), [], 0.0, (), 0, probe_every, probe_flops=0.0)

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
    damp = network_damping(stats_fn, form, damping, adapt_damping,
                           damping_interval, damping_decay, min_damping, max_damping,
                           include_damping_in_model=False)
    curvature = adaptive_curvature(stats_fn, reduction=reduction, **adaptive)
    return chain(damp, curvature, precondition(damping=None),
                 quadratic_model_step(form, momentum=True, include_damping_in_model=False))
