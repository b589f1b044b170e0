"""Server aggregation rules against centralized computations on the pooled data."""

from __future__ import annotations

import numpy as np
import pytest

import infogeo as ig
from infogeo.federated import (
    aggregate_natural_gradient,
    dirichlet_partition,
    fisher_merge,
    make_problem,
    quantile_labels,
    weighted_average,
)
from infogeo.learning import dense_fisher, kfac_factors, true_fisher_stats


def _split(x: np.ndarray, n_clients: int, seed: int) -> list[np.ndarray]:
    return dirichlet_partition(quantile_labels(x), n_clients, 0.3,
                               np.random.default_rng(seed))


@pytest.mark.parametrize("chart", ["natural", "expectation", "mu_sigma"])
@pytest.mark.parametrize("damping", [0.0, 0.1])
def test_exponential_family_step_equals_centralized(chart: str, damping: float) -> None:
    """With exact Fishers the federated step is the centralized natural-gradient step of
    the pooled MLE, in any chart (each client's Fisher is I(theta), data-free)."""
    rng = np.random.default_rng(0)
    manifold = ig.manifolds.Normal(chart=chart)
    x = ig.manifolds.Normal().sample(np.array([1.0, 2.0]), 600, rng)
    theta = manifold.random_point(rng)
    parts = _split(x, 6, 1)
    grads = [-np.mean(manifold.score(x[p], theta), axis=0) for p in parts]
    fishers = [manifold.metric_matrix(theta) for _ in parts]
    step = aggregate_natural_gradient(grads, fishers, [p.size for p in parts], damping)
    # centralized: the pooled gradient and the Fisher, solved directly
    g_pooled = -np.mean(manifold.score(x, theta), axis=0)
    central = np.linalg.solve(manifold.metric_matrix(theta) + damping * np.eye(2), g_pooled)
    np.testing.assert_allclose(step, central, rtol=1e-12, atol=1e-14)


def test_expectation_chart_step_lands_on_the_mle() -> None:
    """In expectation parameters a unit natural-gradient step from anywhere gives the
    pooled mean of T(x) = (x, x^2): the MLE (Amari & Nagaoka 2000, §3.5)."""
    rng = np.random.default_rng(1)
    manifold = ig.manifolds.Normal(chart="expectation")
    x = rng.normal(-0.5, 1.5, 500)
    parts = _split(x, 5, 2)
    theta = np.array([0.3, 2.0])
    grads = [-np.mean(manifold.score(x[p], theta), axis=0) for p in parts]
    step = aggregate_natural_gradient(grads, [manifold.metric_matrix(theta)] * len(parts),
                                      [p.size for p in parts], 0.0)
    np.testing.assert_allclose(theta - step, [x.mean(), np.mean(x**2)], rtol=1e-11)


def test_logistic_exact_step_equals_centralized() -> None:
    """The network case: client Fishers (fast one-layer formula) and gradients, aggregated,
    equal the pooled gradient and the pooled dense Fisher of ``infogeo.learning``."""
    prob = make_problem("logistic", n_clients=5, alpha=0.2, seed=3, n_data=300)
    theta = prob.theta0 + 0.05 * np.random.default_rng(0).standard_normal(prob.dim)
    grads, fishers, ns = [], [], []
    for k in range(prob.n_clients):
        X, y = prob.client_data(k)
        grads.append(prob.model.value_and_grad(theta, X, y)[1])
        fishers.append(prob.model.fisher(theta, X, y, "exact"))
        ns.append(len(X))
    step = aggregate_natural_gradient(grads, fishers, ns, damping=1e-3)
    net = prob.model.net
    pooled_f = dense_fisher(true_fisher_stats(net, prob.model._params(theta), prob.X))
    pooled_g = prob.model.value_and_grad(theta, prob.X, prob.y)[1]
    central = np.linalg.solve(pooled_f + 1e-3 * np.eye(prob.dim), pooled_g)
    np.testing.assert_allclose(step, central, rtol=1e-9, atol=1e-12)


def test_kfac_factor_averages_are_the_pooled_factors() -> None:
    prob = make_problem("mlp", n_clients=4, alpha=0.5, seed=0, n_data=200)
    theta = prob.theta0
    ns, facs = [], []
    for k in range(prob.n_clients):
        X, y = prob.client_data(k)
        facs.append(prob.model.fisher(theta, X, y, "kfac"))
        ns.append(len(X))
    w = np.asarray(ns) / sum(ns)
    pooled = kfac_factors(true_fisher_stats(prob.model.net, prob.model._params(theta),
                                            prob.X))
    for l, (a, g) in enumerate(pooled):
        np.testing.assert_allclose(sum(wk * f[l][0] for wk, f in zip(w, facs, strict=True)), a,
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(sum(wk * f[l][1] for wk, f in zip(w, facs, strict=True)), g,
                                   rtol=1e-12, atol=1e-14)
    # and the K-FAC step is the damped Kronecker solve, layer by layer
    grads = [np.ones(prob.dim)] * len(facs)
    step = aggregate_natural_gradient(grads, facs, ns, damping=0.1)
    start = 0
    for a, g in pooled:
        size = a.shape[0] * g.shape[0]
        block = np.kron(a, g) + 0.1 * np.eye(size)
        np.testing.assert_allclose(step[start:start + size],
                                   np.linalg.solve(block, np.ones(size)), rtol=1e-9)
        start += size


def test_diagonal_step_and_weight_normalization() -> None:
    rng = np.random.default_rng(4)
    g = [rng.standard_normal(5) for _ in range(3)]
    d = [rng.uniform(0.1, 2.0, 5) for _ in range(3)]
    n = np.array([10.0, 30.0, 60.0])
    w = n / n.sum()
    expected = (w @ np.asarray(g)) / (w @ np.asarray(d) + 0.2)
    np.testing.assert_allclose(aggregate_natural_gradient(g, d, n, 0.2), expected)
    np.testing.assert_allclose(aggregate_natural_gradient(g, d, 7 * n, 0.2), expected)
    # the unnormalized form: (sum n_k F_k + N lambda I)^-1 sum n_k g_k
    full = [np.diag(x) for x in d]
    lhs = sum(nk * f for nk, f in zip(n, full, strict=True)) + n.sum() * 0.2 * np.eye(5)
    unnormalized = np.linalg.solve(lhs, sum(nk * gk for nk, gk in zip(n, g, strict=True)))
    np.testing.assert_allclose(aggregate_natural_gradient(g, full, n, 0.2), unnormalized)


@pytest.mark.parametrize("bad, match", [
    (dict(weights=[1.0, -1.0]), "weights must be >= 0"),
    (dict(weights=[0.0, 0.0]), "positive sum"),
    (dict(weights=[1.0]), "one per client"),
    (dict(damping=-1.0), "damping"),
    (dict(grads=[np.ones(2), np.ones(3)]), "one shape"),
    (dict(grads=[np.ones(2), np.array([np.nan, 1.0])]), "grads"),
    (dict(fishers=[np.eye(3), np.eye(3)]), "shape"),
    (dict(fishers=[np.eye(2)]), "one entry per client"),
])
def test_bad_input_is_rejected(bad: dict, match: str) -> None:
    args = dict(grads=[np.ones(2), np.ones(2)], fishers=[np.eye(2), np.eye(2)],
                weights=[1.0, 1.0], damping=0.0)
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        aggregate_natural_gradient(**args)


def test_fisher_merge_of_quadratic_clients_is_the_global_optimum() -> None:
    """Clients with quadratic losses (Gaussian likelihoods): merging their optima with
    their Hessian (= Fisher) gives the optimum of the pooled loss exactly."""
    rng = np.random.default_rng(5)
    d, K = 4, 5
    hs = []
    for _ in range(K):
        m = rng.standard_normal((d, d))
        hs.append(m @ m.T + 0.1 * np.eye(d))
    optima = [rng.standard_normal(d) for _ in range(K)]
    n = rng.integers(5, 50, K).astype(float)
    merged = fisher_merge(optima, hs, n)
    w = n / n.sum()
    expected = np.linalg.solve(sum(wk * h for wk, h in zip(w, hs, strict=True)),
                               sum(wk * h @ m for wk, h, m in zip(w, hs, optima, strict=True)))
    np.testing.assert_allclose(merged, expected, rtol=1e-10)
    # the gradient of the pooled quadratic loss vanishes there
    grad = sum(wk * h @ (merged - m) for wk, h, m in zip(w, hs, optima, strict=True))
    np.testing.assert_allclose(grad, 0.0, atol=1e-10)


def test_fisher_merge_structures() -> None:
    rng = np.random.default_rng(6)
    params = [rng.standard_normal(6) for _ in range(3)]
    # equal Fishers: the weighted average (FedAvg)
    same = [np.full(6, 2.0)] * 3
    np.testing.assert_allclose(fisher_merge(params, same, [1, 2, 3]),
                               weighted_average(params, [1, 2, 3]))
    # K-FAC merge (conjugate gradients) equals the dense solve with the Kronecker blocks
    kfacs = []
    for _ in range(3):
        a = rng.standard_normal((3, 3))
        g = rng.standard_normal((2, 2))
        kfacs.append([(a @ a.T + 0.1 * np.eye(3), g @ g.T + 0.1 * np.eye(2))])
    anchor = rng.standard_normal(6)
    merged = fisher_merge(params, kfacs, [1, 1, 2], damping=0.05, anchor=anchor)
    dense = [np.kron(a, g) for [(a, g)] in kfacs]
    w = np.array([0.25, 0.25, 0.5])
    lhs = sum(wk * f for wk, f in zip(w, dense, strict=True)) + 0.05 * np.eye(6)
    expected = np.linalg.solve(lhs,
                               sum(wk * f @ p for wk, f, p in zip(w, dense, params, strict=True))
                               + 0.05 * anchor)
    np.testing.assert_allclose(merged, expected, rtol=1e-8)


def test_server_momentum_and_levenberg_marquardt_undo() -> None:
    """FedAvgM's update rule, and the natural-gradient server undoing a step that raised
    the clients' loss (recomputed from the kept statistics with 4x the damping)."""
    from infogeo.federated import FedAvg, NaturalGradient
    from infogeo.federated.strategies import ClientReport

    class Quadratic:  # a stand-in problem: only the ridge and the dimension are read
        class model:
            l2 = 0.0
        dim = 2

    theta = np.array([1.0, -1.0])
    fedavgm = FedAvg(momentum=0.5, server_lr=1.0)
    state = fedavgm.init_state(theta)
    reports = [ClientReport(0, {"params": np.zeros(2)}, {"n": 1.0, "loss": 0.0})]
    after1 = fedavgm.aggregate("local_sgd", theta, state, reports, Quadratic)
    np.testing.assert_allclose(after1, [0.0, 0.0])  # v = theta - 0
    after2 = fedavgm.aggregate("local_sgd", after1, state, reports, Quadratic)
    np.testing.assert_allclose(after2, -0.5 * theta)  # v = 0.5 v + (0 - 0)

    ng = NaturalGradient(fisher="exact", damping=0.1, max_kl=None)
    state = ng.init_state(theta)
    f = np.eye(2)

    def report(loss: float, grad) -> list:
        return [ClientReport(0, {"grad": np.asarray(grad, float)}, {"n": 1.0, "loss": loss},
                             f)]
    step1 = ng.aggregate("stats", theta, state, report(1.0, [1.0, 0.0]), Quadratic)
    np.testing.assert_allclose(step1, theta - np.array([1.0, 0.0]) / 1.1)
    # the loss went up at step1: back to theta, damping 0.4
    step2 = ng.aggregate("stats", step1, state, report(2.0, [5.0, 5.0]), Quadratic)
    assert state["damping"] == pytest.approx(0.4)
    np.testing.assert_allclose(step2, theta - np.array([1.0, 0.0]) / 1.4)
