"""Fisher of an MLP: true vs empirical, dense vs structured, Monte Carlo vs exact.

Independent routes: the dense true Fisher is rebuilt from finite-difference output
Jacobians, :math:`F = \\frac1N\\sum_n J_n^\\top F_z J_n` (Martens & Grosse 2015, §2), the
empirical Fisher from per-example gradients of ``value_and_grad`` on single rows.
"""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.learning import (
    MLP,
    block_diagonal_fisher,
    dense_fisher,
    diagonal_fisher,
    ekfac_blocks,
    empirical_fisher_stats,
    factored_damped_block,
    fisher_quadratic_form,
    flatten_params,
    kfac_blocks,
    kfac_factors,
    network_fisher,
    pi_adjustment,
    true_fisher_stats,
    unflatten_params,
)
from infogeo.manifolds.charts import numeric_jacobian


def _problem(output: str = "softmax", n: int = 6, seed: int = 0, activation: str = "tanh"):
    rng = np.random.default_rng(seed)
    net = MLP([3, 4, 3], activation=activation, output=output, noise_std=0.8)
    params = [w + 0.2 * rng.standard_normal(w.shape) for w in net.init_params(rng, 1.5)]
    X = rng.standard_normal((n, 3))
    y = rng.integers(0, 3, n) if output == "softmax" else rng.standard_normal((n, 3))
    return net, params, X, y


def _layer_slices(net):
    sizes = [o * i for o, i in net.shapes]
    ends = np.cumsum(sizes)
    return [slice(e - s, e) for s, e in zip(sizes, ends, strict=True)]


@pytest.mark.parametrize("output", ["softmax", "gaussian"])
def test_true_fisher_matches_jacobian_formula(output) -> None:
    net, params, X, _ = _problem(output)
    F = dense_fisher(true_fisher_stats(net, params, X))
    vec = flatten_params(params)

    def outputs(v):
        return net.forward(unflatten_params(v, net.shapes), X).outputs.reshape(-1)

    J = numeric_jacobian(outputs, vec).reshape(len(X), 3, vec.size)
    z = net.forward(params, X).outputs
    if output == "softmax":
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        Fz = np.stack([np.diag(q) - np.outer(q, q) for q in p])
    else:
        Fz = np.broadcast_to(np.eye(3) / 0.64, (len(X), 3, 3))
    expected = np.einsum("nki,nkl,nlj->ij", J, Fz, J) / len(X)
    np.testing.assert_allclose(F, expected, rtol=1e-7, atol=1e-9)


def test_empirical_fisher_is_mean_outer_product_of_example_gradients() -> None:
    net, params, X, y = _problem()
    per = np.stack([flatten_params(net.value_and_grad(params, X[i:i + 1], y[i:i + 1])[1])
                    for i in range(len(X))])
    Fe = dense_fisher(empirical_fisher_stats(net, params, X, y))
    np.testing.assert_allclose(Fe, per.T @ per / len(X), atol=1e-13)
    # kept distinct: with observed labels the matrix is not the true Fisher
    Ft = dense_fisher(true_fisher_stats(net, params, X))
    assert np.linalg.norm(Fe - Ft) > 0.05 * np.linalg.norm(Ft)


@pytest.mark.parametrize("output", ["softmax", "gaussian"])
@pytest.mark.parametrize("kind", ["true", "empirical"])
def test_single_example_kfac_equals_block_fisher(output, kind) -> None:
    net, params, X, y = _problem(output, n=1, activation="relu")
    stats = (true_fisher_stats(net, params, X) if kind == "true"
             else empirical_fisher_stats(net, params, X, y))
    blocks = block_diagonal_fisher(stats)
    # one example: E[(a a^T) kron (g g^T)] = (a a^T) kron E[g g^T] exactly
    for b, k in zip(blocks, kfac_blocks(stats), strict=True):
        np.testing.assert_allclose(k.matrix(), b, atol=1e-10)
        assert np.abs(b).max() > 1e-3  # not trivially zero
    for b, e in zip(blocks, ekfac_blocks(stats), strict=True):
        np.testing.assert_allclose(e.matrix(), b, atol=1e-10)


def test_structured_views_agree_with_dense() -> None:
    net, params, X, _ = _problem()
    stats = true_fisher_stats(net, params, X)
    F = dense_fisher(stats)
    sl = _layer_slices(net)
    for s, b in zip(sl, block_diagonal_fisher(stats), strict=True):
        np.testing.assert_allclose(b, F[s, s], atol=1e-14)
    np.testing.assert_allclose(flatten_params(diagonal_fisher(stats)), np.diag(F), atol=1e-14)
    delta = [np.random.default_rng(1).standard_normal(w.shape) for w in params]
    d = flatten_params(delta)
    assert fisher_quadratic_form(stats, delta) == pytest.approx(d @ F @ d, rel=1e-12)
    full = network_fisher(block_diagonal_fisher(stats)).matrix()
    np.testing.assert_allclose(full[sl[0], sl[1]], 0.0)


def test_ekfac_is_closer_to_the_block_than_kfac() -> None:
    net, params, X, _ = _problem(n=20)
    stats = true_fisher_stats(net, params, X)
    for b, k, e in zip(block_diagonal_fisher(stats), kfac_blocks(stats), ekfac_blocks(stats),
                       strict=True):
        assert np.linalg.norm(b - e.matrix()) <= np.linalg.norm(b - k.matrix()) + 1e-12
        v = np.random.default_rng(2).standard_normal(e.dim)
        np.testing.assert_allclose(e.solve(v, 0.1),
                                   np.linalg.solve(e.matrix() + 0.1 * np.eye(e.dim), v),
                                   rtol=1e-9)


def test_monte_carlo_factors_converge_to_exact() -> None:
    net, params, X, _ = _problem(n=8)
    exact = kfac_factors(true_fisher_stats(net, params, X))
    S = 4000
    mc = true_fisher_stats(net, params, X, method="monte_carlo", n_samples=S,
                           rng=np.random.default_rng(5))
    for (A, G), (Am, Gm), g in zip(exact, kfac_factors(mc), mc.preactivation_grads,
                                   strict=True):
        np.testing.assert_allclose(Am, A, atol=1e-14)  # A does not depend on the labels
        per_sample = np.einsum("nsi,nsj->sij", g, g) / len(X)  # independent over s
        se = per_sample.std(axis=0, ddof=1) / np.sqrt(S)
        assert np.all(np.abs(Gm - G) <= 4.5 * se + 1e-12)
        assert np.abs(Gm - G).max() < 0.05 * np.abs(G).max()
    F, Fm = dense_fisher(true_fisher_stats(net, params, X)), dense_fisher(mc)
    assert np.linalg.norm(Fm - F) < 0.05 * np.linalg.norm(F)


def test_reduction_scaling_of_factors_and_fisher() -> None:
    net, params, X, _ = _problem(n=9)
    stats = true_fisher_stats(net, params, X)
    N = len(X)
    np.testing.assert_allclose(dense_fisher(stats, "sum"), N * dense_fisher(stats), rtol=1e-13)
    for (A, G), (As, Gs) in zip(kfac_factors(stats), kfac_factors(stats, "sum"), strict=True):
        np.testing.assert_allclose(As, A, rtol=1e-14)
        np.testing.assert_allclose(Gs, N * G, rtol=1e-13)
    # the damped step of the mean loss with lambda == the sum loss with N lambda
    _, g_mean = net.value_and_grad(params, X, np.zeros(N, int), "mean")
    _, g_sum = net.value_and_grad(params, X, np.zeros(N, int), "sum")
    lam = 0.03
    for km, ks, gm, gs in zip(kfac_blocks(stats), kfac_blocks(stats, "sum"), g_mean, g_sum,
                              strict=True):
        np.testing.assert_allclose(ks.solve_matrix(gs, N * lam), km.solve_matrix(gm, lam),
                                   rtol=1e-10)
    fm = kfac_blocks(stats, factored_damping=lam)
    fs = kfac_blocks(stats, "sum", factored_damping=N * lam)
    for km, ks, gm, gs in zip(fm, fs, g_mean, g_sum, strict=True):
        np.testing.assert_allclose(ks.solve_matrix(gs, 0.0), km.solve_matrix(gm, 0.0),
                                   rtol=1e-10)


def test_pi_adjusted_damping_closed_form() -> None:
    rng = np.random.default_rng(7)
    a, g = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    A, G = a.T @ a, g.T @ g
    lam = 0.2
    pi = np.sqrt((np.trace(A) / 3) / (np.trace(G) / 2))
    assert pi_adjustment(A, G) == pytest.approx(pi, rel=1e-14)
    expected = np.kron(A + pi * np.sqrt(lam) * np.eye(3), G + np.sqrt(lam) / pi * np.eye(2))
    np.testing.assert_allclose(factored_damped_block(A, G, lam).matrix(), expected, rtol=1e-13)
    # the cross terms are what differ from Tikhonov damping of A kron G
    cross = np.sqrt(lam) * (pi * np.kron(np.eye(3), G) + np.kron(A, np.eye(2)) / pi)
    np.testing.assert_allclose(expected - np.kron(A, G) - lam * np.eye(6), cross, atol=1e-12)
    assert pi_adjustment(A, np.zeros((2, 2))) == 1.0
    with pytest.raises(ValueError, match="damping must be > 0"):
        factored_damped_block(A, G, 0.0)


def test_ill_conditioned_factors_give_finite_damped_solves() -> None:
    # duplicated input column and a dead output unit: both factors are singular
    rng = np.random.default_rng(8)
    a = rng.standard_normal((50, 3))
    a = np.concatenate([a, a[:, :1], np.ones((50, 1))], axis=1)
    g = rng.standard_normal((50, 3)) * np.array([1.0, 1e-9, 0.0])
    A, G = a.T @ a / 50, g.T @ g / 50
    v = rng.standard_normal((3, 5))
    for block, lam in ((kfac_blocks_from(A, G), 1e-4), (factored_damped_block(A, G, 1e-4), 0)):
        u = block.solve_matrix(v, lam)
        assert np.all(np.isfinite(u))
        dense = block.matrix() + lam * np.eye(15)
        np.testing.assert_allclose(dense @ u.T.reshape(-1), v.T.reshape(-1), rtol=1e-6,
                                   atol=1e-8)


def kfac_blocks_from(A, G):
    from infogeo.estimators import KroneckerFactoredFisher
    return KroneckerFactoredFisher(A, G)


def test_stats_bad_input() -> None:
    net, params, X, y = _problem()
    with pytest.raises(ValueError, match="method"):
        true_fisher_stats(net, params, X, method="sampled")
    with pytest.raises(TypeError, match="rng"):
        true_fisher_stats(net, params, X, method="monte_carlo")
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        true_fisher_stats(net, params, X, method="monte_carlo", n_samples=0,
                          rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="labels"):
        empirical_fisher_stats(net, params, X, y + 3)
    with pytest.raises(ValueError, match="reduction"):
        dense_fisher(true_fisher_stats(net, params, X), reduction="none")


def test_ekfac_scalings_are_the_block_diagonal_in_the_kronecker_eigenbasis() -> None:
    # George et al. 2018: S = diag(U^T F_block U) with U = U_A kron U_G (independent route:
    # rotate the dense block instead of the per-example statistics)
    net, params, X, _ = _problem(n=15)
    stats = true_fisher_stats(net, params, X)
    for b, e in zip(block_diagonal_fisher(stats), ekfac_blocks(stats), strict=True):
        U = np.kron(e.basis_a, e.basis_g)
        np.testing.assert_allclose(e.scalings.T.reshape(-1), np.diag(U.T @ b @ U),
                                   rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("output", ["softmax", "gaussian"])
def test_curvature_prop_factors_are_unbiased(output) -> None:
    net, params, X, _ = _problem(output, n=8)
    exact_stats = true_fisher_stats(net, params, X)
    S = 4000
    cp = true_fisher_stats(net, params, X, method="curvature_prop", n_samples=S,
                           rng=np.random.default_rng(6))
    assert cp.kind == "true-curvature-prop"
    for (A, G), (Ac, Gc), g in zip(kfac_factors(exact_stats), kfac_factors(cp),
                                   cp.preactivation_grads, strict=True):
        np.testing.assert_allclose(Ac, A, atol=1e-14)
        per_sample = np.einsum("nsi,nsj->sij", g, g) / len(X)  # independent over s
        se = per_sample.std(axis=0, ddof=1) / np.sqrt(S)
        assert np.all(np.abs(Gc - G) <= 4.5 * se + 1e-12)
        assert np.abs(Gc - G).max() < 0.05 * np.abs(G).max()
    F, Fc = dense_fisher(exact_stats), dense_fisher(cp)
    assert np.linalg.norm(Fc - F) < 0.05 * np.linalg.norm(F)


def _output_variances(p: np.ndarray) -> tuple[float, float]:
    r"""Closed forms of :math:`E\lVert cc^\top - F_z\rVert_F^2` for one softmax example:
    sampled label :math:`\sum_y p_y\lVert p - e_y\rVert^4 - \lVert F_z\rVert_F^2`; random
    signs, with :math:`M = B^\top B` and Rademacher moments,
    :math:`(\operatorname{tr}F_z)^2 + \lVert F_z\rVert_F^2 - 2\sum_i M_{ii}^2`."""
    F = np.diag(p) - np.outer(p, p)
    sampled = float(np.sum(p * np.sum((p[None, :] - np.eye(len(p))) ** 2, axis=1) ** 2))
    M_diag = p * np.sum((np.eye(len(p)) - p[None, :]) ** 2, axis=1)  # ||B e_i||^2
    signs = np.trace(F) ** 2 + np.sum(F**2) - 2 * np.sum(M_diag**2)
    return sampled - np.sum(F**2), float(signs)


@pytest.mark.parametrize("logits", [[0.0, 0.0, 0.0, 0.0], [0.3, -0.2, 0.1, 0.0],
                                    [6.0, 0.0, -1.0, 0.5]])
def test_output_estimator_variances_match_closed_forms(logits) -> None:
    # a linear softmax layer with identity weights: the output factor G is c c^T itself
    net = MLP([4, 4], output="softmax")
    params = [np.hstack([np.eye(4), np.zeros((4, 1))])]
    X = np.asarray([logits])
    p = net.predict_proba(params, X)[0]
    F = np.diag(p) - np.outer(p, p)
    S = 40_000
    measured = {}
    for method in ("monte_carlo", "curvature_prop"):
        g = true_fisher_stats(net, params, X, method=method, n_samples=S,
                              rng=np.random.default_rng(11)).preactivation_grads[0][0]
        err = np.sum((np.einsum("si,sj->sij", g, g) - F) ** 2, axis=(1, 2))
        measured[method] = (err.mean(), err.std(ddof=1) / np.sqrt(S))
    for method, closed in zip(("monte_carlo", "curvature_prop"), _output_variances(p),
                              strict=True):
        mean, se = measured[method]
        assert abs(mean - closed) <= 4.5 * se + 1e-12
    v_mc, v_cp = _output_variances(p)
    if logits[0] == 6.0:  # confident prediction: random signs are far less noisy
        assert v_cp < 0.2 * v_mc
    if not any(logits):  # uniform: the sampled label is the better of the two
        assert v_mc < v_cp


def test_curvature_prop_gaussian_has_lower_variance() -> None:
    # Gaussian output: sampled targets are Gaussian vectors, random signs are Rademacher;
    # same covariance I / sigma^2, fourth moments 3 vs 1 on the diagonal
    net, params, X, _ = _problem("gaussian", n=5)
    exact = kfac_factors(true_fisher_stats(net, params, X))
    err = {}
    for method in ("monte_carlo", "curvature_prop"):
        rng = np.random.default_rng(3)
        draws = [sum(np.sum((G - Ge) ** 2) for (_, G), (_, Ge) in zip(
            kfac_factors(true_fisher_stats(net, params, X, method=method, rng=rng)),
            exact, strict=True)) for _ in range(3000)]
        err[method] = (np.mean(draws), np.std(draws, ddof=1) / np.sqrt(len(draws)))
    diff = err["monte_carlo"][0] - err["curvature_prop"][0]
    assert diff > 4.5 * np.hypot(err["monte_carlo"][1], err["curvature_prop"][1])


@pytest.mark.parametrize("output", ["softmax", "gaussian"])
def test_objective_curvature_prop_matches_true_fisher_stats(output) -> None:
    from infogeo.learning import NetworkObjective
    net, params, X, y = _problem(output, n=7)
    obj = NetworkObjective(net, X, y, fisher="curvature_prop", n_samples=3,
                           rng=np.random.default_rng(4))
    stats = obj.stats(params)
    ref = true_fisher_stats(net, params, X, method="curvature_prop", n_samples=3,
                            rng=np.random.default_rng(4))
    assert stats.kind == ref.kind == "true-curvature-prop"
    for g, r in zip(stats.preactivation_grads, ref.preactivation_grads, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(stats.column_weights, np.full(3, 1 / 3))
    with pytest.raises(TypeError, match="rng"):
        NetworkObjective(net, X, y, fisher="curvature_prop")
    with pytest.raises(ValueError, match="curvature_prop"):
        NetworkObjective(net, X, y, fisher="rademacher")


def test_rademacher_signs_are_fair_and_independent() -> None:
    from infogeo.learning._output_fisher import _rademacher

    for shape in [(3,), (5, 1, 7), (401, 2, 9)]:  # sizes that are not multiples of 8
        eps = _rademacher(np.random.default_rng(4), shape)
        assert eps.shape == shape and set(np.unique(eps)) <= {-1.0, 1.0}
    eps = _rademacher(np.random.default_rng(5), (20000, 8)).T
    n = eps.shape[1]
    # mean 0 and E[eps_i eps_j] = delta_ij, each within 4 standard errors (1/sqrt(n))
    assert np.all(np.abs(eps.mean(axis=1)) < 4 / np.sqrt(n))
    off = (eps @ eps.T / n)[~np.eye(8, dtype=bool)]
    assert np.all(np.abs(off) < 4 / np.sqrt(n))
