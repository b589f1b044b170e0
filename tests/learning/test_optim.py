"""Optimizers as flows transformations: momentum, Adam, K-FAC, exact natural gradient."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.flows import tree_get
from infogeo.flows.transforms import apply_updates
from infogeo.learning import (
    MLP,
    NetworkObjective,
    adam,
    exact_natural_gradient_precondition,
    kfac,
    kfac_blocks,
    kfac_precondition,
    lm_update,
    scale_by_adam,
    sgd_momentum,
    trace,
    train,
    true_fisher_stats,
)


def test_trace_and_adam_follow_their_recursions() -> None:
    rng = np.random.default_rng(0)
    gs = [rng.standard_normal((2, 3)) for _ in range(4)]
    t = trace(0.8)
    state = t.init([np.zeros((2, 3))])
    v = np.zeros((2, 3))
    for g in gs:
        out, state = t.update([g], state)
        v = 0.8 * v + g
        np.testing.assert_allclose(out[0], v)
    a = scale_by_adam(0.9, 0.99, 1e-8)
    state = a.init([np.zeros((2, 3))])
    m = s = np.zeros((2, 3))
    for k, g in enumerate(gs, start=1):
        out, state = a.update([g], state)
        m, s = 0.9 * m + 0.1 * g, 0.99 * s + 0.01 * g**2
        np.testing.assert_allclose(out[0], (m / (1 - 0.9**k)) / (np.sqrt(s / (1 - 0.99**k))
                                                                  + 1e-8))
    # the first Adam step is sign(g) (bias correction), whatever the scale of g
    out, _ = a.update([1e-3 * gs[0]], a.init([gs[0]]))
    np.testing.assert_allclose(out[0], np.sign(gs[0]), rtol=1e-4)


def _linear_regression(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 3)) * np.array([1.0, 5.0, 0.2])  # badly scaled inputs
    W = rng.standard_normal((2, 4))
    Y = np.concatenate([X, np.ones((40, 1))], axis=1) @ W.T + 0.1 * rng.standard_normal((40, 2))
    net = MLP([3, 2], output="gaussian", noise_std=0.5)
    return net, X, Y


def test_kfac_is_exact_for_a_linear_gaussian_layer() -> None:
    # one linear layer with Gaussian output: F = E[a a^T] kron I/sigma^2 = Hessian, so
    # the undamped K-FAC step with step size 1 lands on least squares in one step
    net, X, Y = _linear_regression()
    obj = NetworkObjective(net, X, Y, fisher="exact")
    p0 = [np.zeros((2, 4))]
    opt = kfac(obj.stats, learning_rate=1.0, damping=1e-12, ema_decay=0.0)
    updates, _ = opt.update(obj.grad(p0), opt.init(p0), p0)
    W = apply_updates(p0, updates)[0]
    A1 = np.concatenate([X, np.ones((40, 1))], axis=1)
    W_ls = np.linalg.lstsq(A1, Y, rcond=None)[0].T
    np.testing.assert_allclose(W, W_ls, rtol=1e-8, atol=1e-10)
    # and the exact natural gradient agrees
    ng = exact_natural_gradient_precondition(obj.stats, damping=1e-12)
    u, _ = ng.update(obj.grad(p0), ng.init(p0), p0)
    np.testing.assert_allclose(p0[0] - u[0], W_ls, rtol=1e-8, atol=1e-10)


def test_kfac_precondition_equals_blockwise_solve() -> None:
    rng = np.random.default_rng(1)
    net = MLP([4, 6, 3], output="softmax")
    params = net.init_params(rng)
    X, y = rng.standard_normal((30, 4)), rng.integers(0, 3, 30)
    obj = NetworkObjective(net, X, y, fisher="exact")
    grads = obj.grad(params)
    stats = true_fisher_stats(net, params, X)
    for mode in ("tikhonov", "factored"):
        t = kfac_precondition(obj.stats, damping=0.05, damping_mode=mode, rescale=False)
        u, state = t.update(grads, t.init(params), params)
        blocks = kfac_blocks(stats, factored_damping=0.05 if mode == "factored" else None)
        lam = 0.05 if mode == "tikhonov" else 0.0
        for b, g, ul in zip(blocks, grads, u, strict=True):
            np.testing.assert_allclose(ul, b.solve_matrix(g, lam), rtol=1e-10)
        assert tree_get(state, "step") == 1


def test_ema_and_inverse_refresh() -> None:
    rng = np.random.default_rng(2)
    net = MLP([3, 4, 2], output="softmax")
    X, y = rng.standard_normal((20, 3)), rng.integers(0, 2, 20)
    obj = NetworkObjective(net, X, y, fisher="exact")
    p0, p1 = net.init_params(rng), net.init_params(rng)
    t = kfac_precondition(obj.stats, damping=0.1, ema_decay=0.7, inverse_every=3)
    _, s = t.update(obj.grad(p0), t.init(p0), p0)
    _, s = t.update(obj.grad(p1), s, p1)
    factors, blocks = tree_get(s, "factors"), tree_get(s, "blocks")
    f0 = true_fisher_stats(net, p0, X)
    f1 = true_fisher_stats(net, p1, X)
    from infogeo.learning import kfac_factors
    for (A, G), (A0, G0), (A1, G1) in zip(factors, kfac_factors(f0), kfac_factors(f1),
                                          strict=True):
        # bias-corrected EMA: (0.7 A_0 + A_1) / (0.7 + 1)
        np.testing.assert_allclose(A, (0.7 * A0 + A1) / 1.7, rtol=1e-12)
        np.testing.assert_allclose(G, (0.7 * G0 + G1) / 1.7, rtol=1e-12)
    # the blocks were built at step 0 and are kept until step 3
    np.testing.assert_allclose(blocks[0].a, kfac_factors(f0)[0][0], rtol=1e-12)


def test_levenberg_marquardt_rule_and_adaptation() -> None:
    assert lm_update(1.0, 0.1, 0.5) == 2.0
    assert lm_update(1.0, 0.9, 0.5) == 0.5
    assert lm_update(1.0, 0.5, 0.5) == 1.0
    assert lm_update(1.0, float("nan"), 0.5) == 2.0
    rng = np.random.default_rng(3)
    net = MLP([4, 8, 3], output="softmax")
    X, y = rng.standard_normal((60, 4)), rng.integers(0, 3, 60)
    obj = NetworkObjective(net, X, y, fisher="exact")
    params = net.init_params(rng)

    def run(lr):
        opt = kfac(obj.stats, learning_rate=lr, damping=1.0, adapt_damping=True)
        res = train(obj, params, opt, max_iter=6)
        return res

    # a sensible step: the quadratic model is trusted and the damping shrinks
    good = run(1.0)
    assert good.losses[-1] < good.losses[0]
    opt = kfac(obj.stats, learning_rate=1.0, damping=1.0, adapt_damping=True)
    state = opt.init(params)
    p = params
    for _ in range(4):
        value, g = obj.value_and_grad(p)
        u, state = opt.update(g, state, p, value=value)
        p = apply_updates(p, u)
    assert tree_get(state, "damping") < 1.0 and np.isfinite(tree_get(state, "ratio"))
    # a step 30 times too long: rho < 1/4 and the damping grows
    opt = kfac(obj.stats, learning_rate=30.0, damping=1e-3, adapt_damping=True)
    state = opt.init(params)
    p = params
    for _ in range(3):
        value, g = obj.value_and_grad(p)
        u, state = opt.update(g, state, p, value=value)
        p = apply_updates(p, u)
    assert tree_get(state, "damping") > 1e-3 and tree_get(state, "ratio") < 0.25


def test_kfac_needs_fewer_iterations_than_momentum_on_a_small_problem() -> None:
    rng = np.random.default_rng(4)
    centers = 1.5 * rng.standard_normal((4, 6))
    y = rng.integers(0, 4, 200)
    X = centers[y] + rng.standard_normal((200, 6))
    net = MLP([6, 16, 4], output="softmax")
    p0 = net.init_params(np.random.default_rng(5))
    obj = NetworkObjective(net, X, y, rng=np.random.default_rng(6))
    target = 0.5 * net.loss(p0, X, y)
    k = train(obj, p0, kfac(obj.stats, 1.0, damping=1e-2, adapt_damping=True),
              max_iter=300, loss_target=target)
    s = train(obj, p0, sgd_momentum(0.05, 0.9), max_iter=300, loss_target=target)
    a = train(obj, p0, adam(0.01), max_iter=300, loss_target=target)
    assert k.converged and k.status == "loss_target"
    assert k.n_iter < s.n_iter and k.n_iter < a.n_iter


def test_divergence_is_reported() -> None:
    net, X, Y = _linear_regression()
    obj = NetworkObjective(net, X, Y, fisher="exact")
    res = train(obj, [np.zeros((2, 4))], sgd_momentum(10.0, 0.9), max_iter=500)
    assert not res.converged and res.status in ("diverged", "non_finite")
    assert np.all(np.isfinite(res.final[0]))
    res = train(obj, [np.zeros((2, 4))], sgd_momentum(1e-4, 0.0), max_iter=3)
    assert not res.converged and res.status == "max_iter" and res.n_iter == 3


def test_bad_optimizer_arguments() -> None:
    net, X, Y = _linear_regression()
    obj = NetworkObjective(net, X, Y, fisher="exact")
    with pytest.raises(ValueError, match="damping must be > 0"):
        kfac_precondition(obj.stats, damping=0.0)
    with pytest.raises(ValueError, match="l2_reg must be >= 0"):
        NetworkObjective(net, X, Y, fisher="exact", l2_reg=-1.0)
    with pytest.raises(ValueError, match="X must have shape"):
        NetworkObjective(net, X[:0], Y[:0], fisher="exact")
    with pytest.raises(TypeError, match="layer_sizes"):
        MLP(None)
    with pytest.raises(ValueError, match="loss_target must be finite"):
        train(obj, [np.zeros((2, 4))], sgd_momentum(0.1), loss_target=float("nan"))
    with pytest.raises(ValueError, match="damping must be > 0"):
        exact_natural_gradient_precondition(obj.stats, damping=-1.0)
    with pytest.raises(ValueError, match="damping_mode"):
        kfac_precondition(obj.stats, damping_mode="pi")
    with pytest.raises(ValueError, match="ema_decay"):
        kfac_precondition(obj.stats, ema_decay=1.0)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        sgd_momentum(-0.1)
    with pytest.raises(ValueError, match="fisher"):
        NetworkObjective(net, X, Y, fisher="true")
    with pytest.raises(TypeError, match="rng"):
        NetworkObjective(net, X, Y, fisher="monte_carlo")
    with pytest.raises(ValueError, match="y must have shape"):
        NetworkObjective(net, X, Y[:, :1], fisher="exact")


def test_objective_shares_one_pass_and_matches_the_network() -> None:
    rng = np.random.default_rng(9)
    net = MLP([4, 5, 3], output="softmax")
    params = net.init_params(rng)
    X, y = rng.standard_normal((25, 4)), rng.integers(0, 3, 25)
    for reduction in ("mean", "sum"):
        obj = NetworkObjective(net, X, y, fisher="exact", reduction=reduction)
        v, g = obj.value_and_grad(params)
        v2, g2 = net.value_and_grad(params, X, y, reduction)
        assert v == pytest.approx(v2, rel=1e-14)
        for a, b in zip(g, g2, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    ref = true_fisher_stats(net, params, X)
    st = NetworkObjective(net, X, y, fisher="exact").stats(params)
    for a, b in zip(st.preactivation_grads, ref.preactivation_grads, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-14)
    # Monte Carlo columns: G converges to the exact one (4.5 standard errors)
    S = 3000
    mc = NetworkObjective(net, X, y, fisher="monte_carlo", n_samples=S,
                          rng=np.random.default_rng(10)).stats(params)
    from infogeo.learning import kfac_factors
    for (_, G), (_, Gm), g in zip(kfac_factors(ref), kfac_factors(mc), mc.preactivation_grads,
                                  strict=True):
        per_sample = np.einsum("nsi,nsj->sij", g, g) / len(X)
        se = per_sample.std(axis=0, ddof=1) / np.sqrt(S)
        assert np.all(np.abs(Gm - G) <= 4.5 * se + 1e-12)
    with pytest.raises(ValueError, match="fisher='none'"):
        NetworkObjective(net, X, y, fisher="none").stats(params)


def test_levenberg_marquardt_judges_the_applied_step_with_the_exact_fisher() -> None:
    # the ratio of the step actually applied: (actual change) / (g·δ + ½ δ(F + λ)δ),
    # with F the exact true Fisher of the objective (computed independently here)
    from infogeo.learning import dense_fisher, flatten_params
    rng = np.random.default_rng(11)
    net = MLP([3, 4, 2], output="softmax")
    X, y = rng.standard_normal((15, 3)), rng.integers(0, 2, 15)
    obj = NetworkObjective(net, X, y, fisher="exact")
    p0 = net.init_params(rng)
    opt = kfac(obj.stats, 0.3, damping=0.1, adapt_damping=True, lm_factor=0.5)
    value, grads = obj.value_and_grad(p0)
    updates, state = opt.update(grads, opt.init(p0), p0, value=value)
    p1 = apply_updates(p0, updates)
    v1, g1 = obj.value_and_grad(p1)
    _, state = opt.update(g1, state, p1, value=v1)
    d = flatten_params([q - p for p, q in zip(p0, p1, strict=True)])
    F = dense_fisher(true_fisher_stats(net, p0, X)) + 0.1 * np.eye(d.size)
    model = flatten_params(grads) @ d + 0.5 * d @ F @ d
    assert tree_get(state, "ratio") == pytest.approx((v1 - value) / model, rel=1e-10)


def test_weight_decay_is_folded_into_objective_and_curvature() -> None:
    # a linear Gaussian layer: F = A kron I/σ², the objective + l2/2 |W|² has Hessian
    # F + l2 I, so the undamped K-FAC step lands on ridge regression in one step
    net, X, Y = _linear_regression()
    l2 = 0.3
    obj = NetworkObjective(net, X, Y, fisher="exact", l2_reg=l2)
    plain = NetworkObjective(net, X, Y, fisher="exact")
    p0 = [np.zeros((2, 4))]
    assert obj.loss(p0) == pytest.approx(plain.loss(p0))
    p1 = [np.ones((2, 4))]
    assert obj.loss(p1) == pytest.approx(plain.loss(p1) + 0.5 * l2 * 8)
    opt = kfac(obj.stats, learning_rate=1.0, damping=1e-12, ema_decay=0.0, rescale=False)
    updates, _ = opt.update(obj.grad(p0), opt.init(p0), p0)
    W = apply_updates(p0, updates)[0]
    A1 = np.concatenate([X, np.ones((40, 1))], axis=1)
    s2 = 0.5**2
    # normal equations of the mean loss: (A1ᵀA1/(N s²) + l2) Wᵀ = A1ᵀY/(N s²)
    W_ridge = np.linalg.solve(A1.T @ A1 / (40 * s2) + l2 * np.eye(4), A1.T @ Y / (40 * s2)).T
    np.testing.assert_allclose(W, W_ridge, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_factor_subsample_uses_cycling_rows(reduction) -> None:
    from infogeo.learning import kfac_factors
    rng = np.random.default_rng(12)
    net = MLP([3, 4, 2], output="softmax")
    X, y = rng.standard_normal((21, 3)), rng.integers(0, 2, 21)
    params = net.init_params(rng)
    obj = NetworkObjective(net, X, y, fisher="exact", reduction=reduction)
    t = kfac_precondition(obj.stats, damping=0.1, ema_decay=0.0, factor_subsample=4,
                          reduction=reduction)
    state = t.init(params)
    for step in range(2):
        _, state = t.update(obj.grad(params), state, params)
        rows = np.arange(step, 21, 4)
        ref = kfac_factors(true_fisher_stats(net, params, X[rows]))
        n_scale = 21 if reduction == "sum" else 1
        for (A, G), (Ar, Gr) in zip(tree_get(state, "factors"), ref, strict=True):
            np.testing.assert_allclose(A, Ar, rtol=1e-12)
            np.testing.assert_allclose(G, n_scale * Gr, rtol=1e-12)


@pytest.mark.parametrize("output,reduction", [("softmax", "mean"), ("gaussian", "sum")])
def test_objective_quadratic_form_is_the_exact_true_fisher(output, reduction) -> None:
    # forward-mode J Delta with the output Fisher vs the dense Fisher from back-propagation
    from infogeo.learning import dense_fisher, flatten_params
    rng = np.random.default_rng(13)
    net = MLP([3, 5, 4, 3], activation=["tanh", "relu"], output=output, noise_std=0.6)
    X = rng.standard_normal((20, 3))
    y = rng.integers(0, 3, 20) if output == "softmax" else rng.standard_normal((20, 3))
    p = net.init_params(rng)
    obj = NetworkObjective(net, X, y, fisher="exact", reduction=reduction)
    d = [rng.standard_normal(w.shape) for w in p]
    F = dense_fisher(true_fisher_stats(net, p, X), reduction)
    v = flatten_params(d)
    assert obj.fisher_quadratic_form(p, d) == pytest.approx(v @ F @ v, rel=1e-10)
    with pytest.raises(ValueError, match="reduction must match"):
        kfac_precondition(obj.stats, reduction="mean" if reduction == "sum" else "sum")


def test_kfac_decreases_the_loss_on_a_small_noisy_batch() -> None:
    # 64 random labels, 1-sample Monte Carlo factors: with the exact quadratic model the
    # rescaled steps must still decrease the training loss monotonically (up to LM misses)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 3)), rng.integers(0, 2, 64)
    net = MLP([3, 8, 2])
    obj = NetworkObjective(net, X, y, rng=rng)
    res = train(obj, net.init_params(rng), kfac(obj.stats, adapt_damping=True), max_iter=40)
    assert res.losses[-1] < 0.6 * res.losses[0]
    assert np.sum(np.diff(res.losses) > 0) <= 4
