"""Natural-gradient VI (Bayesian learning rule, Khan & Rue 2023) with Gaussian families."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.learning.bayes_models import BayesianLinearRegression, BayesianLogisticRegression
from infogeo.learning.ngvi import (
    GaussianQ,
    elbo,
    expectation_parameters,
    from_natural_parameters,
    gaussian_expectations,
    gaussian_kl,
    gradient_vi,
    natural_parameters,
    ngvi,
    ngvi_step,
)


def _linear(seed=0, n=30, d=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[:, 1] += 0.7 * X[:, 0]  # correlated features: a non-diagonal posterior
    y = X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n)
    P0 = np.diag([0.5, 2.0, 1.0])
    return BayesianLinearRegression(X, y, noise_std=0.5, prior_precision=P0,
                                    prior_mean=[0.1, 0.0, -0.2])


def _logistic(seed=1, n=150):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 2))])
    X[:, 2] = 0.8 * X[:, 1] + 0.6 * X[:, 2]
    theta = np.array([0.5, -1.5, 2.0])
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ theta))).astype(float)
    return BayesianLogisticRegression(X, y, prior_precision=1.0)


def _sequential_posterior(model):
    """Independent route: absorb one observation at a time (Bayes' rule for Gaussians)."""
    P, b = model.prior_precision.copy(), model.prior_precision @ model.prior_mean
    for x, y in zip(model.X, model.y, strict=True):
        P = P + np.outer(x, x) / model.noise_var
        b = b + x * y / model.noise_var
    return np.linalg.solve(P, b), P


@pytest.mark.parametrize("method", ["exact", "monte_carlo"])
def test_one_step_with_unit_step_size_gives_the_exact_posterior(method) -> None:
    model = _linear()
    q0 = GaussianQ(np.array([3.0, -2.0, 1.0]), np.diag([0.3, 4.0, 1.0]))
    rng = np.random.default_rng(2)
    q1 = ngvi_step(model, q0, 1.0, method=method, n_samples=400, rng=rng)
    m_seq, P_seq = _sequential_posterior(model)
    post = model.posterior()
    np.testing.assert_allclose(post.precision, P_seq, rtol=1e-12)
    np.testing.assert_allclose(post.mean, m_seq, rtol=1e-12)
    # the Hessian is constant, so even the Monte Carlo precision is exact
    np.testing.assert_allclose(q1.precision, P_seq, rtol=1e-12)
    if method == "exact":
        np.testing.assert_allclose(q1.mean, m_seq, rtol=1e-10, atol=1e-12)
    else:
        # E grad is affine in theta, so the MC mean step errs by exactly P^{-1} H
        # (theta_bar - m0) = theta_bar - m0 (subtracted): the sample-mean error, sd sqrt(Sigma0/n)
        theta_bar = q0.sample(400, np.random.default_rng(2)).mean(axis=0)
        np.testing.assert_allclose(q1.mean - m_seq, q0.mean - theta_bar, rtol=1e-8,
                                   atol=1e-12)
        se = np.sqrt(np.diag(np.linalg.inv(q0.precision)) / 400)
        assert np.all(np.abs(q1.mean - m_seq) < 4.5 * se)


def test_elbo_at_exact_posterior_is_the_log_evidence() -> None:
    # ELBO = log p(D) - KL(q || posterior): zero gap at the posterior, positive elsewhere
    model = _linear()
    post = model.posterior()
    q = GaussianQ(post.mean, post.precision)
    est = elbo(model, q, 4000, np.random.default_rng(3))
    assert abs(est.mean - model.log_evidence()) < 4 * est.stderr + 1e-9
    off = GaussianQ(post.mean + 0.3, post.precision)
    est_off = elbo(model, off, 4000, np.random.default_rng(3))
    gap = gaussian_kl(off, q)
    assert abs(model.log_evidence() - est_off.mean - gap) < 4 * est_off.stderr + 1e-9


def test_natural_step_is_gradient_in_expectation_parameters() -> None:
    # For a quadratic loss E_q[l] = 1/2 tr(H mu2) - b.mu1 + const is explicit in mu; the
    # rule lam <- (1 - rho) lam - rho grad_mu E_q[l] (finite differences) must match.
    model = _linear()
    H = model.hess(np.zeros(3))
    b = H @ model.posterior().mean

    def expected_loss(mu1, mu2):
        return 0.5 * np.trace(H @ mu2) - b @ mu1

    q = GaussianQ(np.array([0.4, -0.1, 0.9]), np.array([[2.0, 0.3, 0], [0.3, 1.0, 0.1],
                                                       [0, 0.1, 0.5]]))
    mu1, mu2 = expectation_parameters(q)
    h = 1e-6
    g1 = np.array([(expected_loss(mu1 + h * e, mu2) - expected_loss(mu1 - h * e, mu2)) / (2 * h)
                   for e in np.eye(3)])
    g2 = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            E = np.zeros((3, 3))
            E[i, j] = h
            g2[i, j] = (expected_loss(mu1, mu2 + E) - expected_loss(mu1, mu2 - E)) / (2 * h)
    lam1, lam2 = natural_parameters(q)
    rho = 0.3
    expected = from_natural_parameters((1 - rho) * lam1 - rho * g1, (1 - rho) * lam2 - rho * g2)
    got = ngvi_step(model, q, rho)
    np.testing.assert_allclose(got.precision, expected.precision, rtol=1e-7)
    np.testing.assert_allclose(got.mean, expected.mean, rtol=1e-7)
    # round trip natural <-> moments
    back = from_natural_parameters(lam1, lam2)
    np.testing.assert_allclose(back.mean, q.mean)


def test_diagonal_family_fixed_point_is_mean_field_solution() -> None:
    # mean-field Gaussian VI of a Gaussian posterior N(m, P^{-1}): mean m, precision diag(P)
    model = _linear()
    post = model.posterior()
    res = ngvi(model, GaussianQ(np.zeros(3), np.ones(3)), 0.5, tol=1e-14, max_iter=500)
    assert res.converged, res.reason
    np.testing.assert_allclose(res.q.precision, np.diag(post.precision), rtol=1e-12)
    np.testing.assert_allclose(res.q.mean, post.mean, rtol=1e-6, atol=1e-8)


def test_logistic_ngvi_converges_fast_and_matches_references() -> None:
    model = _logistic()
    q0 = GaussianQ(np.zeros(3), np.eye(3))
    nat = ngvi(model, q0, 1.0, tol=1e-12, max_iter=100)
    assert nat.converged and nat.n_iter <= 20, nat
    # plain gradient VI with its best learning rate from a small sweep needs many more
    lmax = np.linalg.eigvalsh(model.hess(nat.q.mean)).max()
    runs = [gradient_vi(model, q0, f / lmax, tol=1e-12, max_iter=5000) for f in (0.5, 1.0, 1.5)]
    best = min((r for r in runs if r.converged), key=lambda r: r.n_iter)
    assert best.n_iter > 4 * nat.n_iter
    # same optimum as the long gradient run
    assert gaussian_kl(best.q, nat.q) < 1e-8
    # stationarity, checked with Monte Carlo expectations (independent of the quadrature)
    e = gaussian_expectations(model, nat.q, "monte_carlo", 20000, np.random.default_rng(4))
    assert np.all(np.abs(e.grad) < 4.5 * e.grad_stderr)
    assert np.all(np.abs(e.hess - nat.q.precision) < 4.5 * e.hess_stderr + 1e-12)
    # close to the Laplace approximation: means within 0.25 posterior sd, sds within 5 %
    lap = model.laplace()
    sd = np.sqrt(np.diag(np.linalg.inv(nat.q.precision)))
    assert np.all(np.abs(nat.q.mean - lap.mean) < 0.25 * sd)
    np.testing.assert_allclose(sd, np.sqrt(np.diag(np.linalg.inv(lap.precision))), rtol=0.05)


def test_monte_carlo_ngvi_reaches_the_quadrature_optimum() -> None:
    model = _logistic()
    q0 = GaussianQ(np.zeros(3), np.eye(3))
    ref = ngvi(model, q0, 1.0, tol=1e-12).q
    mc = ngvi(model, q0, 0.5, tol=1e-4, method="monte_carlo", n_samples=400,
              rng=np.random.default_rng(5), max_iter=200)
    assert mc.converged
    assert gaussian_kl(mc.q, ref) < 5e-3


def test_divergence_and_bad_input() -> None:
    class Concave:
        dim = 1

        def grad(self, t):
            return -np.asarray(t)

        def hess(self, t):
            return -np.ones(np.shape(t) + (1,))

        def expected_grad_hess(self, m, c):
            return -m, -np.ones((1, 1))

    res = ngvi(Concave(), GaussianQ(np.ones(1), np.ones((1, 1))), 1.0)
    assert not res.converged and res.reason.startswith("diverged")
    model = _logistic()
    q = GaussianQ(np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="step_size must lie in"):
        ngvi(model, q, 1.5)
    with pytest.raises(ValueError, match="q.mean must have shape"):
        ngvi(model, GaussianQ(np.zeros(2), np.eye(2)))
    with pytest.raises(ValueError, match="positive definite"):
        ngvi(model, GaussianQ(np.zeros(3), -np.eye(3)))
    with pytest.raises(ValueError, match="q.precision must be > 0"):
        ngvi(model, GaussianQ(np.zeros(3), np.array([1.0, 0.0, 1.0])))
    with pytest.raises(ValueError, match="labels 0 or 1"):
        BayesianLogisticRegression(model.X, model.y + 2)
    with pytest.raises(ValueError, match="X must be finite"):
        BayesianLinearRegression(np.full((3, 2), np.nan), np.zeros(3))
    with pytest.raises(ValueError, match="y must have shape"):
        BayesianLinearRegression(np.ones((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="prior_precision must be > 0"):
        BayesianLinearRegression(np.ones((3, 2)), np.zeros(3), prior_precision=0.0)
    with pytest.raises(TypeError, match="rng"):
        ngvi_step(model, q, 0.5, method="monte_carlo")
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        gradient_vi(model, q, 0.0)
