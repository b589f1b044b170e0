"""Linear and logistic regression manifolds: closed forms checked by exact enumeration,
sympy and Monte Carlo (McCullagh & Nelder 1989; Amari & Nagaoka 2000)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

from infogeo.manifolds import LinearRegression, LogisticRegression
from infogeo.manifolds.regression import example_design

X5 = np.array([[1.0, -1.2], [1.0, 0.3], [1.0, 0.9], [1.0, 2.0], [1.0, -0.4]])
ALL_LABELS = np.array(list(itertools.product([0.0, 1.0], repeat=5)))  # every y in {0,1}^5


def test_logistic_closed_forms_equal_exact_sums_over_all_label_vectors() -> None:
    m = LogisticRegression(X5)
    w, w2 = np.array([0.4, -0.7]), np.array([-0.2, 0.5])
    prob = np.exp(m.log_prob(ALL_LABELS, w))
    np.testing.assert_allclose(prob.sum(), 1.0, rtol=1e-14)
    s = m.score(ALL_LABELS, w)  # [32, 2]
    np.testing.assert_allclose(np.einsum("n,na,nb->ab", prob, s, s), m.metric_matrix(w),
                               rtol=1e-12)
    np.testing.assert_allclose(np.einsum("n,na,nb,nc->abc", prob, s, s, s),
                               m.skewness_tensor(w), rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(
        -np.einsum("n,nab->ab", prob, m.log_prob_hessian(ALL_LABELS, w)),
        m.metric_matrix(w), rtol=1e-12)
    kl = np.sum(prob * (m.log_prob(ALL_LABELS, w) - m.log_prob(ALL_LABELS, w2)))
    np.testing.assert_allclose(m.kl_divergence(w, w2), kl, rtol=1e-12)


def test_logistic_metric_and_christoffels_from_sympy() -> None:
    w0, w1 = sp.symbols("w0 w1", real=True)
    loglik = 0
    y = [1, 0, 1, 1, 0]
    for (a, b), yi in zip(X5, y, strict=True):
        eta = sp.Float(a) * w0 + sp.Float(b) * w1
        loglik += yi * eta - sp.log(1 + sp.exp(eta))
    coords = [w0, w1]
    metric = -sp.hessian(loglik, coords)  # canonical link: independent of y
    point = {w0: 0.4, w1: -0.7}
    m = LogisticRegression(X5)
    g = np.array(metric.subs(point).evalf(), dtype=float)
    np.testing.assert_allclose(m.metric_matrix([0.4, -0.7]), g, rtol=1e-12)
    # ∂_l g_ij symbolically, then the Koszul formula written out here
    dg = np.array([[[float(sp.diff(metric[i, j], c).subs(point)) for c in coords]
                    for j in range(2)] for i in range(2)])
    ginv = np.linalg.inv(g)
    gamma = np.empty((2, 2, 2))
    for k, i, j in itertools.product(range(2), repeat=3):
        gamma[k, i, j] = 0.5 * sum(ginv[k, l] * (dg[j, l, i] + dg[i, l, j] - dg[i, j, l])
                                   for l in range(2))
    np.testing.assert_allclose(m.christoffels([0.4, -0.7]), gamma, rtol=1e-10, atol=1e-13)


def test_linear_closed_forms() -> None:
    x = example_design(30, 3, seed=4)
    m = LinearRegression(x, noise_scale=0.5)
    w, w2 = np.array([0.1, -0.3, 0.8]), np.array([0.0, 0.5, 0.2])
    np.testing.assert_allclose(m.metric_matrix(w), x.T @ x / 0.25, rtol=1e-13)
    assert np.all(m.christoffels(w) == 0)
    delta = w - w2
    np.testing.assert_allclose(m.kl_divergence(w, w2), 0.5 * delta @ m.metric_matrix(w) @ delta,
                               rtol=1e-12)
    np.testing.assert_allclose(m.dist(w, w2), np.sqrt(delta @ m.metric_matrix(w) @ delta),
                               rtol=1e-12)
    # KL by Monte Carlo: E_p[log p - log q] within 4 standard errors
    y = m.sample(w, 20_000, np.random.default_rng(0))
    llr = m.log_prob(y, w) - m.log_prob(y, w2)
    assert abs(llr.mean() - m.kl_divergence(w, w2)) <= 4 * llr.std(ddof=1) / np.sqrt(len(llr))
    # log-density matches scipy's multivariate normal
    from scipy import stats
    ref = stats.multivariate_normal(mean=x @ w, cov=0.25 * np.eye(30)).logpdf(y[:3])
    np.testing.assert_allclose(m.log_prob(y[:3], w), ref, rtol=1e-12)
    # the least-squares estimate solves the normal equations, for a batch of responses
    w_hat = m.mle(y[:4])
    assert w_hat.shape == (4, 3)
    np.testing.assert_allclose(x.T @ (x @ w_hat.T - y[:4].T), 0.0, atol=1e-9)


@pytest.mark.parametrize("model", [LinearRegression(X5, 1.3), LogisticRegression(X5)],
                         ids=["linear", "logistic"])
def test_per_example_quantities_and_losses(model: LinearRegression) -> None:
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 2))
    y = model.sample(w, 4, rng)  # [4, 3, 5]
    per = model.per_example_scores(y, w)
    assert per.shape == (4, 3, 5, 2)
    np.testing.assert_allclose(per.sum(axis=-2), model.score(y, w), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.per_example_fisher(w).sum(axis=-3), model.metric_matrix(w),
                               rtol=1e-12)
    np.testing.assert_allclose(model.fisher_matrix(w, reduction="mean"),
                               model.metric_matrix(w) / 5, rtol=1e-13)
    # nll_grad is the gradient of nll: central differences
    h = 1e-6
    fd = np.stack([(model.nll(y, w + h * e) - model.nll(y, w - h * e)) / (2 * h)
                   for e in np.eye(2)], axis=-1)
    np.testing.assert_allclose(model.nll_grad(y, w), fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.nll(y, w, reduction="sum"), -model.log_prob(y, w))


def test_bad_input() -> None:
    with pytest.raises(ValueError, match=r"design must be a 2-D array"):
        LinearRegression(np.ones(3))
    with pytest.raises(ValueError, match="noise_scale must be > 0"):
        LinearRegression(X5, noise_scale=0.0)
    with pytest.raises(ValueError, match="design must be finite"):
        LogisticRegression(np.array([[1.0, np.nan]]))
    m = LogisticRegression(X5)
    with pytest.raises(ValueError, match=r"y must hold binary labels in \{0, 1\}, got 0.5"):
        m.per_example_scores([0, 1, 0.5, 1, 0], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"x must have shape \[\.\.\., 5\]"):
        m.log_prob([0, 1, 1], [0.0, 0.0])
    with pytest.raises(ValueError, match="reduction must be one of"):
        m.fisher_matrix([0.0, 0.0], reduction="max")
    with pytest.raises(ValueError, match=r"w must have shape \[\.\.\., 2\]"):
        m.per_example_fisher([0.0, 0.0, 1.0])
