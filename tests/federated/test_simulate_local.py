"""Strategies, faults and accounting through the engine-free loop (``engine="local"``);
the same server and client code runs on Flower in ``test_flower.py``."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from infogeo.federated import (
    centralized_natural_gradient,
    curvature_bytes,
    make_problem,
    simulate,
)

SMALL = dict(n_clients=4, alpha=0.3, seed=0, n_data=300, engine="local")


@pytest.fixture(scope="module")
def small_logistic():
    prob = make_problem("logistic", 4, 0.3, 0, n_data=300)
    ref = centralized_natural_gradient(prob, max_iter=50)
    assert ref.converged, ref.reason
    return prob, ref.losses[-1]


def test_expfam_natural_gradient_reaches_the_mle_in_one_round() -> None:
    prob = make_problem("expfam", 6, 0.2, 1)
    h = simulate("natural_gradient", "expfam", n_clients=6, rounds=3, alpha=0.2, seed=1,
                 engine="local", damping=0.0, max_kl=None)
    x = prob.X
    mle = np.array([x.mean(), np.mean(x**2)])
    np.testing.assert_allclose(h.loss[1], prob.loss(mle), rtol=1e-12)
    assert h.engine == "local" and h.fisher == "exact"


def test_natural_gradient_converges_where_fedavg_stalls(small_logistic) -> None:
    prob, optimum = small_logistic
    gap0 = prob.loss(prob.theta0) - optimum
    target = optimum + 1e-3 * gap0
    ng = simulate("natural_gradient", "logistic", rounds=20, **SMALL)
    fedavg = simulate("fedavg", "logistic", rounds=20, **SMALL)
    r_ng = ng.rounds_to(target)
    assert r_ng is not None and r_ng <= 12, ng.loss - optimum
    assert fedavg.rounds_to(target) is None  # client drift: still above the target
    assert (ng.loss[-1] - optimum) < 1e-8 * gap0
    assert ng.accuracy is not None and ng.accuracy.shape == ng.loss.shape


@pytest.mark.parametrize("strategy, options, share", [
    ("fedavgm", {}, 0.5),
    ("natural_gradient", {"fisher": "kfac"}, 0.5),
    # the diagonal ignores the correlations of the pixels: slow, but descending
    ("natural_gradient", {"fisher": "diagonal"}, 0.1),
    ("fisher_merge", {"fisher": "diagonal"}, 0.5),
    ("fisher_flow", {"fisher": "exact"}, 0.9),
    ("fisher_flow", {"fisher": "kfac"}, 0.9),
])
def test_every_strategy_decreases_the_loss(strategy: str, options: dict, share: float,
                                           small_logistic) -> None:
    """Each strategy closes at least ``share`` of the initial gap in 6 rounds."""
    prob, optimum = small_logistic
    h = simulate(strategy, "logistic", rounds=6, **SMALL, **options)
    assert h.stop_reason == "completed 6 rounds"
    gap0 = prob.loss(prob.theta0) - optimum
    assert h.loss[-1] < prob.loss(prob.theta0) - share * gap0


def test_bytes_per_round_match_the_approximation() -> None:
    prob = make_problem("logistic", 4, 0.3, 0, n_data=300)
    d, shapes = prob.dim, prob.model.layer_shapes
    for fisher in ("exact", "diagonal", "kfac"):
        h = simulate("natural_gradient", "logistic", rounds=2, fisher=fisher, **SMALL)
        per_client = 8 * d + 8 * d + curvature_bytes(fisher, d, shapes)  # model, grad, F
        np.testing.assert_array_equal(h.bytes_sent, [0, 4 * per_client, 4 * per_client])
        np.testing.assert_array_equal(h.bytes_per_client[1:], per_client)
    h = simulate("fedavg", "logistic", rounds=2, **SMALL)
    np.testing.assert_array_equal(h.bytes_sent[1:], 4 * 16 * d)
    assert h.bytes_to(np.inf) == 0


def test_dropout_and_stragglers_are_survived_and_reproducible() -> None:
    # (with seed 0 every sampled client of round 3 drops out: that run stops, see
    # test_too_few_clients_stop_with_a_reason)
    kw = dict(rounds=8, dropout=0.2, stragglers=0.5, participation=0.75,
              **{**SMALL, "seed": 1})
    a = simulate("natural_gradient", "logistic", **kw)
    b = simulate("natural_gradient", "logistic", **kw)
    assert a.stop_reason == "completed 8 rounds"
    np.testing.assert_array_equal(a.loss, b.loss)
    assert a.failed == b.failed and a.failed, "some clients should have dropped out"
    assert all("dropped out" in reason for _, _, reason in a.failed)
    np.testing.assert_array_equal(a.n_sampled[1:], 3)
    assert np.all(a.n_reported[1:] <= 3)
    assert a.loss[-1] < 0.7 * a.loss[0]
    c = simulate("natural_gradient", "logistic", **{**kw, "seed": 2})
    assert not np.array_equal(c.loss, a.loss)


@pytest.mark.parametrize("fault, reason", [
    ("nan", "non-finite"), ("inf", "non-finite"), ("shape", "shape"),
    ("indefinite", "indefinite"),
])
def test_bad_clients_are_rejected_with_a_logged_reason(fault: str, reason: str, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="infogeo.federated"):
        h = simulate("natural_gradient", "logistic", rounds=3, faults={2: fault}, **SMALL)
    assert [(r, k) for r, k, _ in h.rejected] == [(1, 2), (2, 2), (3, 2)]
    assert all(reason in why for _, _, why in h.rejected)
    assert any("client 2 rejected" in rec.getMessage() for rec in caplog.records)
    np.testing.assert_array_equal(h.n_reported[1:], 3)
    # never averaged in: the run equals one where client 2 sent nothing usable at all
    honest = simulate("natural_gradient", "logistic", rounds=3, faults={2: "nan"}, **SMALL)
    np.testing.assert_array_equal(h.loss, honest.loss)
    assert np.all(np.isfinite(h.loss)) and h.loss[-1] < h.loss[0]


def test_indefinite_diagonal_fisher_is_rejected() -> None:
    h = simulate("natural_gradient", "logistic", rounds=1, fisher="diagonal",
                 faults={0: "indefinite"}, **SMALL)
    assert "negative entry" in h.rejected[0][2]


def test_too_few_clients_stop_with_a_reason() -> None:
    h = simulate("natural_gradient", "logistic", rounds=10, dropout=0.6, min_clients=3,
                 **SMALL)
    assert "valid client replies < min_clients=3" in h.stop_reason
    assert len(h.loss) - 1 < 10 and not h.converged


def test_target_loss_stops_the_run(small_logistic) -> None:
    prob, optimum = small_logistic
    h = simulate("natural_gradient", "logistic", rounds=30, target_loss=optimum + 1e-3,
                 **SMALL)
    assert h.converged and "target" in h.stop_reason and h.loss[-1] <= optimum + 1e-3


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(strategy="sgd"), ValueError, "strategy must be one of"),
    (dict(problem="mnist"), ValueError, "problem must be one of"),
    (dict(engine="spark"), ValueError, "engine must be one of"),
    (dict(dropout=1.0), ValueError, "dropout"),
    (dict(participation=0.0), ValueError, "participation"),
    (dict(faults={9: "nan"}), ValueError, "faults keys"),
    (dict(faults={0: "evil"}), ValueError, "faults\\[0\\]"),
    (dict(fisher="kfac", problem="expfam"), ValueError, "kfac"),
    (dict(fisher="lowrank"), ValueError, "fisher must be one of"),
    (dict(rounds=0), ValueError, "rounds"),
    (dict(learning_rate=0.1), TypeError, "learning_rate"),
])
def test_simulate_bad_input(kwargs: dict, error: type, match: str) -> None:
    args = dict(strategy="natural_gradient", problem="logistic", rounds=1, **SMALL)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        simulate(**args)
