"""Discrete drivers: natural-gradient and gradient descent, stopping rules, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.flows import fisher_flow, gradient_descent, natural_gradient_descent
from infogeo.manifolds import LinearRegression, LogisticRegression, Normal

from ._problems import MLE, T_BAR, normal_nll, normal_nll_grad, pull_back_normal

X0 = np.array([-1.0, 2.0])


@pytest.mark.parametrize("options", [
    {"step_size": 0.5}, {"step_rule": "armijo"}, {"step_rule": "trust_region",
                                                  "trust_radius": 0.5},
    {"damping": "adaptive"}, {"damping": 1e-3, "step_size": 0.8},
    {"step_rule": "geodesic", "step_size": 0.5}, {"step_rule": "midpoint", "step_size": 0.5},
    {"step_rule": "exp", "step_size": 0.5},
])
def test_every_configuration_reaches_the_mle(options: dict) -> None:
    traj = natural_gradient_descent(Normal(), normal_nll, normal_nll_grad, X0, **options)
    assert traj.converged, traj.reason
    np.testing.assert_allclose(traj.final, MLE, atol=1e-7)
    assert np.all(np.diff(traj.losses) <= 1e-12)
    assert traj.params.shape == (traj.n_iter + 1, 2) and traj.step_sizes.shape == (traj.n_iter,)
    np.testing.assert_allclose(traj.times[1:], np.cumsum(traj.step_sizes))


def test_ngd_with_step_one_in_expectation_coordinates_lands_on_the_mle() -> None:
    ex, loss, grad, eta0 = pull_back_normal("expectation", X0)
    traj = natural_gradient_descent(ex, loss, grad, eta0, step_size=1.0, max_iter=5)
    np.testing.assert_allclose(traj.params[1], T_BAR, rtol=1e-12)
    assert traj.converged and traj.n_iter == 1
    # not a property of the step in other charts
    for chart in ("mu_sigma", "natural"):
        other, loss_c, grad_c, y0 = pull_back_normal(chart, X0)
        one = natural_gradient_descent(other, loss_c, grad_c, y0, step_size=1.0, max_iter=1)
        assert np.linalg.norm(other.change_chart(one.final, "expectation") - T_BAR) > 0.1


def test_a_step_leaving_the_domain_is_halved() -> None:
    # GD with step 20 from (1, 3) would give σ < 0: it is shortened, never taken
    start = np.array([1.0, 3.0])
    traj = gradient_descent(Normal(), normal_nll, normal_nll_grad, start, step_size=20.0,
                            max_iter=3)
    assert np.all(traj.params[:, 1] > 0)
    first = traj.step_sizes[0]
    k = np.log2(20.0 / first)
    assert first < 20.0 and k == pytest.approx(round(k))
    g = normal_nll_grad(start)
    assert (start - 2 * first * g)[1] <= 0 < (start - first * g)[1]
    np.testing.assert_allclose(traj.params[1], start - first * g)


def test_stopping_reasons_nan_divergence_max_iter() -> None:
    def loss(t):
        return float(-t[0]) if t[0] < 1.0 else float("nan")

    traj = gradient_descent(None, loss, lambda t: np.array([-1.0]), np.array([0.0]),
                            step_size=0.3)
    assert "non-finite" in traj.reason and not traj.converged
    np.testing.assert_allclose(traj.final, [0.9])
    traj = gradient_descent(None, lambda t: 5.0 * float(t @ t), lambda t: 10.0 * t,
                            np.array([1.0]), step_size=0.5)
    assert "diverged" in traj.reason and not traj.converged
    assert np.all(np.isfinite(traj.params))
    traj = gradient_descent(Normal(), normal_nll, normal_nll_grad, X0, step_size=0.01,
                            max_iter=5)
    assert traj.reason == "reached max_iter=5" and traj.n_iter == 5


def test_singular_metric_stops_with_a_reason_and_damping_fixes_it() -> None:
    design = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    model = LogisticRegression(design)
    y = np.array([0.0, 1.0, 1.0, 0.0])

    def loss(w):
        return float(model.nll(y, w, "sum"))

    def grad(w):
        return model.nll_grad(y, w, "sum")

    w0 = np.array([0.5, 0.2])
    traj = natural_gradient_descent(model, loss, grad, w0)
    assert not traj.converged and "singular" in traj.reason and "damping" in traj.reason
    damped = natural_gradient_descent(model, loss, grad, w0, damping=1e-6)
    assert damped.converged
    # optimum set w1 + w2 = 0 (balanced labels); the gradient lies along (1, 1), so the
    # component of w0 along (1, -1) is kept
    np.testing.assert_allclose(damped.final, [0.15, -0.15], atol=1e-7)


def test_bad_input() -> None:
    n = Normal()
    with pytest.raises(ValueError, match="loss_grad must return an array of shape"):
        natural_gradient_descent(n, normal_nll, lambda x: np.ones(3), X0)
    with pytest.raises(ValueError, match="theta0 must be finite"):
        natural_gradient_descent(n, normal_nll, normal_nll_grad, [np.inf, 1.0])
    with pytest.raises(ValueError, match="parameter domain"):
        natural_gradient_descent(n, normal_nll, normal_nll_grad, [0.0, -1.0])
    with pytest.raises(ValueError, match="step_rule"):
        natural_gradient_descent(n, normal_nll, normal_nll_grad, X0, step_rule="newton")
    with pytest.raises(ValueError, match="step_size must be > 0"):
        natural_gradient_descent(n, normal_nll, normal_nll_grad, X0, step_size=-1.0)
    with pytest.raises(ValueError, match="damping"):
        natural_gradient_descent(n, normal_nll, normal_nll_grad, X0, damping="big")
    with pytest.raises(ValueError, match="loss must be finite"):
        gradient_descent(n, lambda x: float("nan"), normal_nll_grad, X0)


def ill_conditioned_logistic(seed: int = 5) -> tuple[LogisticRegression, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 400
    z = rng.standard_normal((n, 2))
    # covariates on different scales and correlated: κ(X^T W X) ~ 100
    design = np.column_stack([np.ones(n), 5.0 * z[:, 0], z[:, 0] + 0.5 * z[:, 1]])
    w_true = np.array([0.3, 0.12, 0.45])
    y = (rng.random(n) < 1 / (1 + np.exp(-design @ w_true))).astype(float)
    return LogisticRegression(design), y


def test_fisher_scoring_on_logistic_regression() -> None:
    model, y = ill_conditioned_logistic()

    def loss(w):
        return float(model.nll(y, w, "sum"))

    def grad(w):
        return model.nll_grad(y, w, "sum")

    w0 = np.zeros(3)
    # canonical link: the Hessian of the NLL is the Fisher matrix, so NGD = Newton
    h = 1e-6
    hess = np.column_stack([(grad(w0 + h * e) - grad(w0 - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(hess, model.metric_matrix(w0), rtol=1e-6)
    assert np.linalg.cond(model.metric_matrix(w0)) > 50
    ngd = natural_gradient_descent(model, loss, grad, w0, step_size=1.0, gtol=1e-8)
    # gradient descent with the classical safe step 1/L, L = λ_max(X^T X)/4 >= ||H||
    smooth = np.linalg.eigvalsh(model.design.T @ model.design)[-1] / 4
    gd = gradient_descent(model, loss, grad, w0, step_size=1 / smooth, gtol=1e-8,
                          max_iter=5000)
    print(f"\nFisher scoring: {ngd.n_iter} iterations; gradient descent (step 1/L): "
          f"{gd.n_iter} iterations ({gd.reason})")
    assert ngd.converged and ngd.n_iter <= 10 and ngd.grad_norms[-1] < 1e-8
    assert gd.converged and gd.n_iter >= 100
    np.testing.assert_allclose(gd.final, ngd.final, rtol=1e-6)
    # Newton converges quadratically: the gradient norm roughly squares near the end
    tail = ngd.grad_norms[-3:]
    assert tail[-1] < 1e-2 * tail[-2]


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_rates_follow_the_conditioning_on_a_quadratic_in_natural_parameters(kappa: float
                                                                            ) -> None:
    # Linear regression: w are (scaled) natural parameters and I = X^T X / s² is constant.
    # L(w) = ½ (w - w*)^T A (w - w*): GD contracts by max|1 - α λ_i(A)|, NGD by
    # max|1 - α λ_i(I^{-1} A)| (error recursion e_{k+1} = (1 - α P A) e_k).
    model = LinearRegression(np.diag([1.0, np.sqrt(kappa)]))
    fisher = model.metric_matrix(np.zeros(2))
    w_star = np.array([1.0, -1.0])
    w0 = np.array([3.0, 2.0])
    for a_matrix, ngd_steps in ((fisher, 1), (fisher @ np.diag([1.0, 4.0]), None)):
        def loss(w, a_matrix=a_matrix):
            return 0.5 * float((w - w_star) @ a_matrix @ (w - w_star))

        def grad(w, a_matrix=a_matrix):
            return a_matrix @ (w - w_star)

        lam = np.linalg.eigvalsh(a_matrix)
        alpha = 2 / (lam[0] + lam[-1])
        gd = gradient_descent(model, loss, grad, w0, step_size=alpha, gtol=1e-9,
                              max_iter=3000)
        rate_gd = (lam[-1] - lam[0]) / (lam[-1] + lam[0])
        errs = np.linalg.norm(gd.params - w_star, axis=1)
        observed = (errs[-1] / errs[-11]) ** 0.1
        assert observed == pytest.approx(rate_gd, rel=1e-3)
        mu = np.sort(np.linalg.eigvals(np.linalg.solve(fisher, a_matrix)).real)
        beta = 2 / (mu[0] + mu[-1])
        ngd = natural_gradient_descent(model, loss, grad, w0, step_size=beta, gtol=1e-9)
        if ngd_steps is not None:  # A = I: one step, whatever κ
            assert ngd.n_iter == ngd_steps
        else:  # κ(I^{-1}A) = 4 whatever κ(I): rate 3/5
            errs = np.linalg.norm(ngd.params - w_star, axis=1)
            assert (errs[6] / errs[1]) ** 0.2 == pytest.approx(0.6, rel=1e-9)
            assert ngd.n_iter < 60


def test_gradient_descent_iterations_grow_with_the_condition_number() -> None:
    counts = []
    for kappa in (10.0, 100.0, 1000.0):
        model = LinearRegression(np.diag([1.0, np.sqrt(kappa)]))
        fisher = model.metric_matrix(np.zeros(2))

        def loss(w, fisher=fisher):
            return 0.5 * float(w @ fisher @ w)

        def grad(w, fisher=fisher):
            return fisher @ w

        gd = gradient_descent(model, loss, grad, np.ones(2), step_size=2 / (1 + kappa),
                              gtol=1e-6, max_iter=20000)
        ngd = natural_gradient_descent(model, loss, grad, np.ones(2), gtol=1e-6)
        assert gd.converged and ngd.n_iter == 1
        # predicted: log(tol / |g0|) / log((κ-1)/(κ+1)) up to the norm equivalence
        predicted = np.log(1e-6 / np.linalg.norm(grad(np.ones(2)))) / np.log(
            (kappa - 1) / (kappa + 1))
        assert gd.n_iter == pytest.approx(predicted, rel=0.2)
        counts.append(gd.n_iter)
    assert counts[0] < counts[1] < counts[2]


def test_loss_target_stops_the_drivers() -> None:
    target = normal_nll(MLE) + 1e-3
    ngd = natural_gradient_descent(Normal(), normal_nll, normal_nll_grad, X0, step_size=0.2,
                                   loss_target=target, gtol=0.0)
    assert ngd.converged and "loss_target" in ngd.reason
    assert ngd.losses[-1] <= target < ngd.losses[-2]
    flow = fisher_flow(Normal(), normal_nll, normal_nll_grad, X0, (0.0, 50.0),
                       loss_target=target, gtol=0.0)
    assert flow.converged and "loss_target" in flow.reason
    assert flow.final_loss == pytest.approx(target, abs=1e-9)
    with pytest.raises(ValueError, match="loss_target needs loss"):
        fisher_flow(Normal(), None, normal_nll_grad, X0, (0.0, 1.0), loss_target=target)


def test_fisher_estimates_plug_in_as_curvature() -> None:
    from infogeo.estimators import DiagonalFisher, FullFisher, fisher_monte_carlo

    n = Normal()
    exact = natural_gradient_descent(n, normal_nll, normal_nll_grad, X0, step_size=0.5)
    # the (μ, σ) metric is diagonal: a diagonal approximation rebuilt each step is exact
    diag = natural_gradient_descent(
        n, normal_nll, normal_nll_grad, X0, step_size=0.5,
        curvature=lambda th: DiagonalFisher.from_matrix(n.metric_matrix(th)))
    np.testing.assert_allclose(diag.params, exact.params, rtol=1e-13)
    # a Monte Carlo estimate at each step: a noisy preconditioner, same optimum
    rng = np.random.default_rng(8)
    mc = natural_gradient_descent(
        n, normal_nll, normal_nll_grad, X0, step_size=0.5, max_iter=200,
        curvature=lambda th: FullFisher(fisher_monte_carlo(n, th, 4000, rng).mean))
    assert mc.converged
    np.testing.assert_allclose(mc.final, MLE, atol=1e-7)
    assert not np.allclose(mc.params[1], exact.params[1], rtol=1e-6)


def test_adaptive_damping_handles_a_singular_fisher() -> None:
    model = LogisticRegression(np.ones((4, 2)))
    y = np.array([0.0, 1.0, 1.0, 1.0])

    def loss(w):
        return float(model.nll(y, w, "sum"))

    def grad(w):
        return model.nll_grad(y, w, "sum")

    traj = natural_gradient_descent(model, loss, grad, np.zeros(2), damping="adaptive",
                                    initial_damping=1e-3)
    assert traj.converged
    # optimum: σ(w1 + w2) = 3/4 and the (1, -1) component stays 0
    np.testing.assert_allclose(traj.final.sum(), np.log(3.0), rtol=1e-8)
    np.testing.assert_allclose(traj.final[0], traj.final[1], rtol=1e-8)


def test_natural_norm_convergence_criterion() -> None:
    traj = natural_gradient_descent(Normal(), normal_nll, normal_nll_grad, X0, step_size=0.5,
                                    gtol=1e-6, norm="natural")
    assert traj.converged and "convergence norm" in traj.reason
    # closed form: I^{-1} = diag(σ², σ²/2) in (μ, σ)
    def natural_norm(x):
        g = normal_nll_grad(x)
        return np.sqrt(x[1] ** 2 * g[0] ** 2 + x[1] ** 2 / 2 * g[1] ** 2)

    assert natural_norm(traj.final) <= 1e-6 < natural_norm(traj.params[-2])
    with pytest.raises(ValueError, match="norm must be"):
        natural_gradient_descent(Normal(), normal_nll, normal_nll_grad, X0, norm="l1")


def test_bad_damping_curvature_and_target_are_refused_by_name() -> None:
    n = Normal()
    with pytest.raises(ValueError, match="damping must be >= 0"):
        natural_gradient_descent(n, normal_nll, normal_nll_grad, X0, damping=-1.0)
    with pytest.raises(ValueError, match="loss_target must be finite"):
        natural_gradient_descent(n, normal_nll, normal_nll_grad, X0, loss_target=np.nan)
    with pytest.raises(TypeError, match="curvature"):
        natural_gradient_descent(n, normal_nll, normal_nll_grad, X0, curvature="fisher")
    # a curvature callable may return a bare matrix: it is solved as the metric is
    exact = natural_gradient_descent(n, normal_nll, normal_nll_grad, X0, step_size=0.5)
    bare = natural_gradient_descent(n, normal_nll, normal_nll_grad, X0, step_size=0.5,
                                    curvature=n.metric_matrix)
    np.testing.assert_allclose(bare.params, exact.params, rtol=1e-12)
    with pytest.raises(TypeError, match=r"curvature\(params\) must have solve"):
        natural_gradient_descent(n, normal_nll, normal_nll_grad, X0,
                                 curvature=lambda th: "not a matrix")


def test_statuses_say_why_a_run_stopped() -> None:
    traj = natural_gradient_descent(Normal(), normal_nll, normal_nll_grad, X0)
    assert traj.status == "converged" and traj.wall_time >= 0
    traj = gradient_descent(Normal(), normal_nll, normal_nll_grad, X0, step_size=0.01,
                            max_iter=3)
    assert traj.status == "max_iter"
    traj = gradient_descent(None, lambda t: 5.0 * float(t @ t), lambda t: 10.0 * t,
                            np.array([1.0]), step_size=0.5)
    assert traj.status == "diverged"
    design = np.ones((4, 2))
    model = LogisticRegression(design)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    traj = natural_gradient_descent(model, lambda w: float(model.nll(y, w, "sum")),
                                    lambda w: model.nll_grad(y, w, "sum"), np.array([0.5, 0.2]))
    assert traj.status == "singular_curvature"
