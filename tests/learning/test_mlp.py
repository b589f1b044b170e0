"""MLP forward/backward: gradients vs finite differences, output Fisher, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.learning import MLP, flatten_params, unflatten_params


def _problem(output: str, activation: str = "tanh", seed: int = 0):
    rng = np.random.default_rng(seed)
    net = MLP([4, 5, 3, 3], activation=activation, output=output, noise_std=0.7)
    params = net.init_params(rng, scale=1.5)
    params = [w + 0.1 * rng.standard_normal(w.shape) for w in params]  # nonzero biases
    X = rng.standard_normal((7, 4))
    y = rng.integers(0, 3, 7) if output == "softmax" else rng.standard_normal((7, 3))
    return net, params, X, y


def _fd_grad(net, params, X, y, reduction, h=1e-6):
    vec = flatten_params(params)
    shapes = [w.shape for w in params]
    out = np.empty_like(vec)
    for i in range(vec.size):
        e = np.zeros_like(vec)
        e[i] = h
        lp = net.loss(unflatten_params(vec + e, shapes), X, y, reduction)
        lm = net.loss(unflatten_params(vec - e, shapes), X, y, reduction)
        out[i] = (lp - lm) / (2 * h)
    return out


@pytest.mark.parametrize("output", ["softmax", "gaussian"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_gradient_matches_finite_differences(output, activation, reduction) -> None:
    net, params, X, y = _problem(output, activation)
    value, grads = net.value_and_grad(params, X, y, reduction)
    assert value == pytest.approx(net.loss(params, X, y, reduction), rel=1e-14)
    np.testing.assert_allclose(flatten_params(grads), _fd_grad(net, params, X, y, reduction),
                               rtol=1e-6, atol=1e-8)


def test_sum_reduction_is_n_times_mean() -> None:
    net, params, X, y = _problem("softmax")
    vm, gm = net.value_and_grad(params, X, y, "mean")
    vs, gs = net.value_and_grad(params, X, y, "sum")
    assert vs == pytest.approx(len(X) * vm, rel=1e-13)
    for a, b in zip(gm, gs, strict=True):
        np.testing.assert_allclose(b, len(X) * a, rtol=1e-13)


def test_losses_match_their_likelihoods() -> None:
    # softmax: -log p_y computed independently; Gaussian: -log N(y; z, s^2) up to constant
    net, params, X, y = _problem("softmax")
    z = net.forward(params, X).outputs
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert net.loss(params, X, y) == pytest.approx(-np.mean(np.log(p[np.arange(7), y])))
    net, params, X, y = _problem("gaussian")
    z = net.forward(params, X).outputs
    from scipy.stats import norm
    nll = -norm.logpdf(y, z, 0.7).sum(axis=1) - 3 * 0.5 * np.log(2 * np.pi * 0.49)
    np.testing.assert_allclose(net.loss(params, X, y, "sum"), nll.sum(), rtol=1e-12)


def test_output_fisher_sqrt_softmax_equals_label_expectation() -> None:
    net, params, X, _ = _problem("softmax")
    z = net.forward(params, X).outputs
    cols = net.output_fisher_sqrt(z)
    F = np.einsum("nkj,nki->nji", cols, cols)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    # closed form diag(p) - p p^T and the expectation over labels of the score outer product
    np.testing.assert_allclose(F, np.stack([np.diag(q) - np.outer(q, q) for q in p]),
                               atol=1e-14)
    by_labels = sum(p[:, k, None, None] * np.einsum(
        "ni,nj->nij", *(2 * [net.output_gradient(z, np.full(7, k))])) for k in range(3))
    np.testing.assert_allclose(F, by_labels, atol=1e-14)


def test_output_fisher_gaussian_and_sampling() -> None:
    net, params, X, _ = _problem("gaussian")
    z = net.forward(params, X).outputs
    cols = net.output_fisher_sqrt(z)
    np.testing.assert_allclose(np.einsum("nkj,nki->nji", cols, cols)[0], np.eye(3) / 0.49)
    rng = np.random.default_rng(3)
    s = net.sample_targets(z, 20000, rng)
    se = 0.7 / np.sqrt(20000)
    assert np.all(np.abs(s.mean(axis=1) - z) < 4.5 * se)


def test_sampled_labels_follow_predictive_distribution() -> None:
    net, params, X, _ = _problem("softmax")
    z = net.forward(params, X).outputs
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = 20000
    labels = net.sample_targets(z, n, np.random.default_rng(4))
    freq = np.stack([(labels == k).mean(axis=1) for k in range(3)], axis=1)
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(freq - p) < 4.5 * se + 1e-12)


def test_bias_is_last_column_and_flatten_round_trip() -> None:
    net, params, X, y = _problem("softmax")
    x = X[:1]
    s = params[0][:, :-1] @ x[0] + params[0][:, -1]
    np.testing.assert_allclose(net.forward(params, x).preactivations[0][0], s)
    back = unflatten_params(flatten_params(params), net.shapes)
    for a, b in zip(params, back, strict=True):
        np.testing.assert_array_equal(a, b)
    # column-major order: the first entries are the first column of W_0
    np.testing.assert_array_equal(flatten_params(params)[:5], params[0][:, 0])


def test_bad_input_is_rejected_with_names() -> None:
    net, params, X, y = _problem("softmax")
    with pytest.raises(ValueError, match="X must have shape"):
        net.loss(params, X[:, :3], y)
    with pytest.raises(ValueError, match=r"y must hold integer labels in \[0, 2\]"):
        net.loss(params, X, np.array([0, 1, 2, 3, 0, 0, 0]))
    with pytest.raises(ValueError, match="y must hold integer labels"):
        net.loss(params, X, np.full(7, 0.5))
    with pytest.raises(ValueError, match="y must have shape"):
        net.loss(params, X, y[:3])
    with pytest.raises(ValueError, match="X must be finite"):
        net.loss(params, np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match=r"params\[1\] must have shape"):
        net.loss([params[0], params[1][:, :-1], params[2]], X, y)
    with pytest.raises(ValueError, match="reduction"):
        net.loss(params, X, y, reduction="avg")
    with pytest.raises(ValueError, match="activation"):
        MLP([2, 3, 2], activation="sigmoid")
    with pytest.raises(ValueError, match="noise_std must be > 0"):
        MLP([2, 3, 2], output="gaussian", noise_std=0.0)
    with pytest.raises(TypeError, match="rng"):
        net.init_params(0)


@pytest.mark.parametrize("output", ["softmax", "gaussian"])
def test_batched_jvps_and_fisher_gram_match_single_directions(output: str) -> None:
    rng = np.random.default_rng(11)
    net = MLP([4, 6, 5, 3], activation=["tanh", "relu"], output=output, noise_std=0.7)
    X = rng.standard_normal((30, 4))
    params = net.init_params(rng)
    cache = net.forward(params, X)
    vectors = [net.init_params(rng) for _ in range(3)]
    V = net.output_jvps(params, cache, vectors)
    assert V.shape == (30, 3, 3)
    for i, v in enumerate(vectors):
        np.testing.assert_allclose(V[:, i], net.output_jvp(params, cache, v), rtol=1e-12,
                                   atol=1e-14)
    gram = net.output_fisher_gram(cache.outputs, V)
    for i in range(3):
        for j in range(3):
            ref = net.output_fisher_bilinear(cache.outputs, V[:, i], V[:, j]).sum()
            np.testing.assert_allclose(gram[i, j], ref, rtol=1e-12, atol=1e-14)


def test_objective_reuses_the_previous_forward_pass_exactly():
    """The curvature form at the point before the last evaluation (what a
    Levenberg-Marquardt judge asks for) comes from the cached pass and equals a fresh
    objective's; the memoised activation derivatives leave the gradient unchanged."""
    from infogeo.learning import MLP, NetworkObjective

    rng = np.random.default_rng(0)
    net = MLP([5, 4, 3, 5], activation="tanh", output="gaussian")
    X = rng.standard_normal((20, 5))
    p0 = net.init_params(rng)
    p1 = [w + 0.1 * rng.standard_normal(w.shape) for w in p0]
    vecs = [[rng.standard_normal(w.shape) for w in p0] for _ in range(2)]
    cached = NetworkObjective(net, X, X, fisher="exact")
    cached.value_and_grad(p0)
    cached.value_and_grad(p1)
    fresh = NetworkObjective(net, X, X, fisher="exact")
    np.testing.assert_allclose(cached.fisher_gram(p0, vecs), fresh.fisher_gram(p0, vecs),
                               rtol=1e-13)
    _, g_net = net.value_and_grad(p1, X, X)
    _, g_obj = fresh.value_and_grad(p1)
    for a, b in zip(g_net, g_obj, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
