"""Adaptive per-layer Fisher approximation: probes against the formed exact Fisher,
the choice rule (hysteresis, budget) and the piece in training."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.flows.transforms import tree_get
from infogeo.learning import (
    CANDIDATES,
    MLP,
    NetworkObjective,
    adaptive_curvature,
    adaptive_natural_gradient,
    block_diagonal_fisher,
    dense_fisher,
    direction_error,
    fisher_quadratic_forms,
    fisher_vector_products,
    flatten_params,
    layer_approximation,
    layer_cost,
    layer_fisher_quadratic_forms,
    layer_form_cost,
    model_reduction,
    next_refresh_interval,
    reduction_fraction,
    select_approximation,
    solve_layer,
    stats_fisher_vector_products,
    stats_form_cost,
    stats_quadratic_forms,
    train,
    true_fisher_stats,
)


@pytest.fixture(params=["softmax", "gaussian"])
def problem(request):
    rng = np.random.default_rng(3)
    net = MLP([4, 5, 3], output=request.param)
    X = rng.standard_normal((40, 4))
    y = rng.integers(0, 3, 40) if request.param == "softmax" else rng.standard_normal((40, 3))
    return net, net.init_params(rng), X, y, rng


def test_fisher_vector_products_match_formed_exact_fisher(problem):
    net, params, X, _, rng = problem
    F = dense_fisher(true_fisher_stats(net, params, X), "mean")
    vs = [[rng.standard_normal(w.shape) for w in params] for _ in range(3)]
    for v, fv in zip(vs, fisher_vector_products(net, params, X, vs), strict=True):
        np.testing.assert_allclose(flatten_params(fv), F @ flatten_params(v), rtol=1e-10,
                                   atol=1e-12)


def test_stats_products_match_the_block_of_the_statistics(problem):
    net, params, X, _, rng = problem
    stats = true_fisher_stats(net, params, X)
    blocks = block_diagonal_fisher(stats, "sum")
    for l, w in enumerate(params):
        u = rng.standard_normal(w.shape)
        got = stats_fisher_vector_products(stats, l, [u], "sum")[0]
        np.testing.assert_allclose(got.ravel(order="F"), blocks[l] @ u.ravel(order="F"),
                                   rtol=1e-10)


@pytest.mark.parametrize("name", CANDIDATES)
def test_direction_error_matches_formed_computation(problem, name):
    """epsilon = sin of the angle between (F_ll + lam) u and g, with F_ll formed."""
    net, params, X, _, rng = problem
    stats = true_fisher_stats(net, params, X)
    blocks = block_diagonal_fisher(stats, "mean")
    lam, l = 1e-2, 0
    g = rng.standard_normal(params[l].shape)
    approx = layer_approximation(name, stats, l, rank=3)
    u = solve_layer(approx, g, lam)
    np.testing.assert_allclose(u.ravel(order="F"), np.linalg.solve(
        approx.matrix() + lam * np.eye(approx.dim), g.ravel(order="F")), rtol=1e-8)
    r = (blocks[l] + lam * np.eye(blocks[l].shape[0])) @ u.ravel(order="F")
    gv = g.ravel(order="F")
    cos = r @ gv / np.linalg.norm(r) / np.linalg.norm(gv)
    full = [np.zeros_like(w) for w in params]
    full[l] = u
    fu = fisher_vector_products(net, params, X, [full])[0][l]
    err = direction_error(fu + lam * u, g)
    # sqrt(1 - cos^2) loses half the digits near cos = 1
    assert err == pytest.approx(np.sqrt(max(0.0, 1 - cos**2)), abs=1e-7)
    if name == "block":  # the exact block gives the exact direction
        assert err < 1e-6
    else:
        assert 0.0 <= err <= 1.0


def test_ekfac_no_farther_than_kfac_and_lowrank_diagonal_exact(problem):
    net, params, X, _, _ = problem
    stats = true_fisher_stats(net, params, X)
    block = block_diagonal_fisher(stats, "mean")[0]
    k, e = (layer_approximation(n, stats, 0).matrix() for n in ("kfac", "ekfac"))
    assert np.linalg.norm(e - block) <= np.linalg.norm(k - block) + 1e-12
    lr = layer_approximation("lowrank", stats, 0, rank=2).matrix()
    np.testing.assert_allclose(np.diag(lr), np.diag(block), rtol=1e-10)
    np.testing.assert_allclose(layer_approximation("diagonal", stats, 0).matrix(),
                               np.diag(np.diag(block)), rtol=1e-10)


def test_hysteresis_prevents_flapping_on_alternating_errors():
    costs = {"diagonal": 1.0, "kfac": 10.0}
    seq = [{"diagonal": 0.29, "kfac": 0.1}, {"diagonal": 0.31, "kfac": 0.1}] * 5
    plain, sticky, cur_p, cur_s = [], [], None, None
    for errs in seq:
        cur_p = select_approximation(errs, costs, cur_p, tolerance=0.3, budget=np.inf)
        cur_s = select_approximation(errs, costs, cur_s, tolerance=0.3, budget=np.inf,
                                     hysteresis=0.2)
        plain.append(cur_p)
        sticky.append(cur_s)
    assert sum(a != b for a, b in zip(plain[:-1], plain[1:], strict=True)) == len(seq) - 1  # flaps
    # the entry threshold 0.24 is never met by diagonal, so kfac is kept throughout
    assert set(sticky) == {"kfac"}


def test_choice_rule_budget_and_fallbacks():
    errs, costs = {"diagonal": 0.8, "kfac": 0.2, "block": 0.0}, {"diagonal": 1, "kfac": 10,
                                                                "block": 100}
    assert select_approximation(errs, costs, None, tolerance=0.3, budget=1e3) == "kfac"
    assert select_approximation(errs, costs, None, tolerance=0.1, budget=1e3) == "block"
    assert select_approximation(errs, costs, None, tolerance=0.1, budget=50) == "kfac"
    assert select_approximation(errs, costs, None, tolerance=0.1, budget=0.5) == "diagonal"


def _alternating_probe(exact_product):
    """A probe whose answer alternates between the exact block product and a scaled
    identity (under which the diagonal looks exact), from one probe to the next."""
    calls = {"n": 0}

    def probe(params, layer, directions, step):
        calls["n"] += layer == 0
        if calls["n"] % 2:
            return exact_product(params, layer, directions)
        return [np.asarray(u) for u in directions]

    return probe


def test_piece_hysteresis_and_patience_on_alternating_probe(problem):
    net, params, X, y, rng = problem
    obj = NetworkObjective(net, X, y, fisher="exact")

    def exact(p, layer, dirs):
        full = [[np.zeros_like(w) for w in p] for _ in dirs]
        for f, u in zip(full, dirs, strict=True):
            f[layer] = u
        return [fv[layer] for fv in fisher_vector_products(net, p, X, full)]

    switches = {}
    for patience in (1, 3):
        piece = adaptive_curvature(obj.stats, candidates=("diagonal", "block"),
                                   tolerance=0.05, hysteresis=0.0, patience=patience,
                                   probe=_alternating_probe(exact), probe_every=1,
                                   max_probe_every=1)
        state = piece.init(params)
        for _ in range(8):
            _, grads = obj.value_and_grad(params)
            _, state = piece.update(grads, state, params, damping=1e-3)
        seq = [r.choices for r in state.history]
        switches[patience] = sum(a != b for a, b in zip(seq[:-1], seq[1:], strict=True))
    assert switches[1] >= 5
    assert switches[3] == 0


def test_choice_reacts_to_changed_budget_and_records_layers(problem):
    net, params, X, y, _ = problem
    obj = NetworkObjective(net, X, y, fisher="exact")
    # block affordable for the first 3 steps, then only the diagonal
    piece = adaptive_curvature(obj.stats, candidates=("diagonal", "block"), tolerance=1e-6,
                               budget=lambda step: np.inf if step < 3 else 1e4,
                               probe_every=2, probe_size=None)
    state = piece.init(params)
    for _ in range(6):
        _, grads = obj.value_and_grad(params)
        _, state = piece.update(grads, state, params, damping=1e-3)
    probes = [r for r in state.history if r.step != 1]  # 1: a refresh, no probe
    first, last = probes[0], state.history[-1]
    assert first.choices == ("block", "block")
    # probed at once on the budget change (step 3, not the scheduled step 4)
    assert [r.step for r in probes][:3] == [0, 2, 3]
    assert probes[2].budget == 1e4
    assert probes[2].choices == last.choices == ("diagonal", "diagonal")
    assert len(first.errors) == net.n_layers and set(first.errors[0]) == {"diagonal", "block"}
    assert state.flops > 0


def test_adaptive_optimizer_trains_and_fixed_choice_equals_itself(problem):
    net, params, X, y, rng = problem
    obj = NetworkObjective(net, X, y, fisher="exact")
    res = train(obj, params, adaptive_natural_gradient(obj.stats, probe_every=2),
                max_iter=30)
    assert res.losses[-1] < 0.8 * res.losses[0]
    piece = adaptive_curvature(obj.stats, candidates=("kfac",))
    state = piece.update(obj.grad(params), piece.init(params), params, damping=1e-2)[1]
    assert state.choices == ("kfac", "kfac") and state.history == ()
    curv = piece.publish(state)["curvature"]
    g = obj.grad(params)
    u = curv.solve(g, 1e-2)
    stats = obj.stats(params)
    want = [layer_approximation("kfac", stats, l).solve_matrix(g[l], 1e-2)
            for l in range(len(g))]
    for a, b in zip(u, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    assert tree_get(state, "flops") > 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(candidates=("newton",)), "candidates"),
    (dict(tolerance=0.0), "tolerance"),
    (dict(hysteresis=1.0), "hysteresis"),
    (dict(probe="nope"), "probe"),
    (dict(budget=-1.0), "budget"),
    (dict(probe_every=4, max_probe_every=2), "max_probe_every"),
    (dict(quality="angle"), "quality"),
    (dict(refresh="sometimes"), "refresh"),
    (dict(refresh=0), "refresh"),
    (dict(refresh_tolerance=0.0), "refresh_tolerance"),
    (dict(first_refresh=0), "first_refresh"),
    (dict(first_refresh=8, max_refresh=4), "first_refresh"),
    (dict(staleness_probe="nope"), "staleness_probe"),
])
def test_bad_arguments_are_named(problem, kwargs, match):
    net, _, X, y, _ = problem
    obj = NetworkObjective(net, X, y, fisher="exact")
    with pytest.raises(ValueError, match=match):
        adaptive_curvature(obj.stats, **kwargs)


def test_quadratic_forms_and_reduction_fraction_match_formed_fisher(problem):
    """u^T F u by forward mode = the formed F; rho = (g.u)^2 / (u.Au g.A^-1 g) is the
    squared A-cosine to A^-1 g: 1 at the exact direction, in [0, 1] elsewhere."""
    net, params, X, _, rng = problem
    F = dense_fisher(true_fisher_stats(net, params, X), "mean")
    vs = [[rng.standard_normal(w.shape) for w in params] for _ in range(3)]
    got = fisher_quadratic_forms(net, params, X, vs)
    want = [flatten_params(v) @ F @ flatten_params(v) for v in vs]
    np.testing.assert_allclose(got, want, rtol=1e-10)
    lam = 1e-2
    A = F + lam * np.eye(len(F))
    g = rng.standard_normal(len(F))
    exact = np.linalg.solve(A, g)
    gAg = g @ exact
    assert reduction_fraction(g, exact, exact @ A @ exact, gAg) == pytest.approx(1.0)
    # the model reduction after the optimal step length, checked by a line search
    u = rng.standard_normal(len(F))
    alphas = np.linspace(-5, 5, 200001) * abs(g @ u) / (u @ A @ u)
    best = np.max(2 * (alphas * (g @ u) - 0.5 * alphas**2 * (u @ A @ u)))
    assert model_reduction(g, u, u @ A @ u) == pytest.approx(best, rel=1e-6)
    cos2 = (u @ A @ exact) ** 2 / ((u @ A @ u) * (exact @ A @ exact))
    assert reduction_fraction(g, u, u @ A @ u, gAg) == pytest.approx(cos2, rel=1e-10)
    assert 0.0 <= cos2 < 1.0


def test_reduction_quality_ranks_block_first_and_matches_formed_block(problem):
    net, params, X, y, _ = problem
    obj = NetworkObjective(net, X, y, fisher="exact")
    piece = adaptive_curvature(obj.stats, candidates=("diagonal", "kfac", "block"),
                               probe_size=None, refresh=1)
    _, grads = obj.value_and_grad(params)
    state = piece.update(grads, piece.init(params), params, damping=1e-2)[1]
    stats = true_fisher_stats(net, params, X)
    blocks = block_diagonal_fisher(stats, "mean")
    for l, errs in enumerate(state.history[0].errors):
        A = blocks[l] + 1e-2 * np.eye(len(blocks[l]))
        g = grads[l].ravel(order="F")
        m = {}
        for c in errs:
            u = solve_layer(layer_approximation(c, stats, l), grads[l], 1e-2).ravel(order="F")
            m[c] = (g @ u) ** 2 / (u @ A @ u)
        assert m["block"] == pytest.approx(g @ np.linalg.solve(A, g), rel=1e-8)
        for c in errs:  # lost fraction of the best candidate's reduction
            assert errs[c] == pytest.approx(1 - m[c] / max(m.values()), abs=1e-8)
        assert errs["block"] == pytest.approx(0.0, abs=1e-8)


def test_fixed_refresh_reuses_the_approximation_and_pays_only_solves(problem):
    net, params, X, y, rng = problem
    obj = NetworkObjective(net, X, y, fisher="exact")
    piece = adaptive_curvature(obj.stats, candidates=("kfac",), refresh=3)
    state = piece.init(params)
    p = params
    built = []
    for _ in range(4):
        _, grads = obj.value_and_grad(p)
        state = piece.update(grads, state, p, damping=1e-2)[1]
        built.append(state.approximations[0])
        p = [w + 0.05 * rng.standard_normal(w.shape) for w in p]
    assert built[0] is built[1] is built[2] and built[3] is not built[2]
    stats = obj.stats(params)
    cols = stats.preactivation_grads[0].shape[1]
    shapes = [(w.shape[1], w.shape[0]) for w in params]
    total = sum(layer_cost("kfac", stats.n_examples, cols, *s) for s in shapes)
    apply = sum(layer_cost("kfac", stats.n_examples, cols, *s, part="apply") for s in shapes)
    assert state.flops == pytest.approx(2 * total + 2 * apply)
    assert state.history == ()


@pytest.mark.parametrize("drifting", [False, True])
def test_adaptive_refresh_lengthens_when_stale_is_good_and_not_otherwise(problem, drifting):
    """Same statistics every step: the stale approximation is as good as a fresh one, so
    the interval doubles (rebuilds at steps 1, 3, 7, ...) up to max_refresh. With a
    curvature that changes at every call (inputs rescaled at random, the probe following
    the latest statistics), the stale direction loses and the interval stays short."""
    net, params, X, y, _ = problem
    obj = NetworkObjective(net, X, y, fisher="exact")
    true = obj.stats(params)
    latest = {"stats": true}
    rng = np.random.default_rng(7)

    def drifting_stats(p):
        latest["stats"] = true._replace(inputs=[
            a * rng.uniform(0.05, 3.0, a.shape[1]) for a in true.inputs])
        return latest["stats"]

    def probe(p, layer, directions, step):
        return stats_fisher_vector_products(latest["stats"], layer, directions)

    piece = adaptive_curvature(drifting_stats if drifting else obj.stats,
                               candidates=("block",), probe=probe,
                               refresh_tolerance=0.05, max_refresh=4)
    state = piece.init(params)
    _, grads = obj.value_and_grad(params)
    for _ in range(20):
        state = piece.update(grads, state, params, damping=1e-3)[1]
    intervals = [r.refresh for r in state.history]
    losses = [x for r in state.history for x in r.staleness]
    if drifting:
        assert all(max(i) <= 2 for i in intervals) and min(losses) > 0.05
    else:
        assert intervals[-1] == (4, 4) and max(losses) < 1e-10
        assert [r.step for r in state.history][:4] == [1, 3, 7, 11]


def test_stats_forms_equal_the_materialised_block_on_all_rows_and_a_subset(problem):
    """u^T F_ll u from the gradient columns = the formed block of the statistics (Monte
    Carlo columns, several per example), on all rows and on a strided subset."""
    net, params, X, y, rng = problem
    obj = NetworkObjective(net, X, y, rng=np.random.default_rng(5), n_samples=3)
    stats = obj.stats(params)
    rows = np.arange(1, len(X), 3)
    sub = stats._replace(inputs=[a[rows] for a in stats.inputs],
                         preactivation_grads=[g[rows] for g in stats.preactivation_grads])
    for l, w in enumerate(params):
        us = [rng.standard_normal(w.shape) for _ in range(3)]
        flat = [u.ravel(order="F") for u in us]
        for st, r in ((stats, None), (sub, rows)):
            B = block_diagonal_fisher(st, "mean")[l]
            want = [f @ B @ f for f in flat]
            np.testing.assert_allclose(stats_quadratic_forms(stats, l, us, "mean", r), want,
                                       rtol=1e-10)
        Bs = block_diagonal_fisher(stats, "sum")[l]
        np.testing.assert_allclose(stats_quadratic_forms(stats, l, us, "sum"),
                                   [f @ Bs @ f for f in flat], rtol=1e-10)
    n, s_cols = stats.preactivation_grads[0].shape[:2]
    d_in, d_out = stats.inputs[0].shape[1], stats.preactivation_grads[0].shape[2]
    assert stats_form_cost(n, s_cols, d_in, d_out) == 2 * n * d_in * d_out + (
        2 * n * s_cols * d_out + 3 * n * s_cols)


def test_layer_forms_equal_the_formed_exact_block_and_cost_less_than_a_network_pass():
    rng = np.random.default_rng(11)
    for output in ("softmax", "gaussian"):
        net = MLP([4, 6, 5, 3], output=output)
        params = net.init_params(rng)
        X = rng.standard_normal((30, 4))
        F = dense_fisher(true_fisher_stats(net, params, X), "mean")
        cache = net.forward(params, X)
        offsets = np.cumsum([0] + [w.size for w in params])
        for l, w in enumerate(params):
            us = [rng.standard_normal(w.shape) for _ in range(2)]
            B = F[offsets[l]:offsets[l + 1], offsets[l]:offsets[l + 1]]
            want = [u.ravel(order="F") @ B @ u.ravel(order="F") for u in us]
            got = layer_fisher_quadratic_forms(net, params, cache, l, us)
            np.testing.assert_allclose(got, want, rtol=1e-10)
        # the last layer's forms need no pass through the earlier layers
        assert layer_form_cost(net, 2, 30) < layer_form_cost(net, 0, 30)
        assert layer_form_cost(net, 0, 30) < 4 * 30 * net.n_params


def test_refresh_rule_doubles_caps_halves_and_keeps_unmeasured():
    rule = dict(tolerance=0.3, max_refresh=8)
    assert next_refresh_interval(2, 0.1, **rule) == 4
    assert next_refresh_interval(8, 0.0, **rule) == 8  # capped
    assert next_refresh_interval(4, 0.31, **rule) == 2
    assert next_refresh_interval(1, 0.9, **rule) == 1  # floor
    assert next_refresh_interval(4, None, **rule) == 4
    assert next_refresh_interval(2, 0.3, **rule) == 4  # at the tolerance: still good


def test_first_refresh_and_measurement_flops(problem):
    """A new approximation is first reused for ``first_refresh`` steps; the measurement
    flops are part of the flops, zero for a fixed period, and the statistics' forms cost
    less than the exact probe's."""
    net, params, X, y, rng = problem
    obj = NetworkObjective(net, X, y, fisher="exact")
    _, grads = obj.value_and_grad(params)
    spent = {}
    for kw in (dict(first_refresh=3), dict(first_refresh=3, staleness_probe="stats"),
               dict(refresh=3)):
        piece = adaptive_curvature(obj.stats, candidates=("kfac",), **kw)
        state = piece.init(params)
        for _ in range(7):
            state = piece.update(grads, state, params, damping=1e-2)[1]
        assert 0.0 <= state.probe_flops < state.flops
        spent[kw.get("staleness_probe", kw.get("refresh"))] = state.probe_flops
        if "first_refresh" in kw:  # rebuilt and measured at 3, then (stale = fresh) at 9
            assert [r.step for r in state.history] == [3]
            assert state.history[0].refresh == (6, 6)
            assert state.history[0].staleness == pytest.approx((0.0, 0.0), abs=1e-12)
    assert spent[3] == 0.0
    assert 0.0 < spent["stats"] < spent[None]
