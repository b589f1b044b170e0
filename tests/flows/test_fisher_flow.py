"""The continuous Fisher flow: monotone decrease, invariance, exponential-family MLE, stability.

Closed forms: Amari & Nagaoka (2000) §3 and REFERENCE.md ("Exponential families"):
for the average NLL, η(t) = T̄ + (η₀ − T̄)e^{−t} in every chart, and
L(θ) − L(θ̂) = KL(p_θ̂ ‖ p_θ).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from infogeo.flows import SingularCurvatureError, check_invariance, fisher_flow, pull_back
from infogeo.manifolds import LogisticRegression, Normal

from ._problems import CHARTS, DATA_MEAN, DATA_VAR, MLE, T_BAR, normal_nll, normal_nll_grad

X0 = np.array([-1.0, 2.0])


def test_problem_loss_is_the_normal_nll_and_its_gradient() -> None:
    # the NLL of a sample with this mean/variance, through the manifold's own log_prob
    rng = np.random.default_rng(0)
    z = rng.standard_normal(50)
    data = DATA_MEAN + np.sqrt(DATA_VAR) * (z - z.mean()) / z.std()
    nll = -np.mean(Normal().log_prob(data[:, None], X0), axis=0) - 0.5 * np.log(2 * np.pi)
    assert nll == pytest.approx(normal_nll(X0), rel=1e-12)
    h = 1e-6
    fd = [(normal_nll(X0 + h * e) - normal_nll(X0 - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(normal_nll_grad(X0), fd, rtol=1e-8)


def test_loss_decreases_at_the_rate_minus_natural_gradient_norm() -> None:
    n = Normal()
    traj = fisher_flow(n, normal_nll, normal_nll_grad, X0, (0.0, 20.0),
                       t_eval=np.linspace(0, 20, 201))
    assert traj.reason.startswith("reached the end")
    # 1) the integrated loss is non-increasing
    assert np.all(np.diff(traj.losses) <= 1e-13)
    # 2) dL/dt from the dense output (central differences) equals -g^T I^{-1} g
    for t in (0.3, 1.0, 2.5):
        h = 1e-4
        dldt = (normal_nll(traj.at(t + h)) - normal_nll(traj.at(t - h))) / (2 * h)
        x = traj.at(t)
        g = normal_nll_grad(x)
        assert dldt == pytest.approx(-g @ np.linalg.solve(n.metric_matrix(x), g), rel=1e-5)
    # 3) it tends to the MLE
    np.testing.assert_allclose(traj.final, MLE, atol=1e-6)


@pytest.mark.parametrize("chart", CHARTS)
def test_mle_flow_is_exponential_in_expectation_coordinates(chart: str) -> None:
    n = Normal()
    other, loss_c, grad_c = pull_back(n, normal_nll, normal_nll_grad, chart)
    times = np.linspace(0.0, 4.0, 9)
    traj = fisher_flow(other, loss_c, grad_c, n.change_chart(X0, chart), (0.0, 4.0),
                       t_eval=times, rtol=1e-10, atol=1e-12)
    eta = other.change_chart(traj.params, "expectation")
    eta0 = n.change_chart(X0, "expectation")
    expected = T_BAR + (eta0 - T_BAR) * np.exp(-times)[:, None]
    np.testing.assert_allclose(traj.times, times)
    np.testing.assert_allclose(eta, expected, rtol=1e-7, atol=1e-8)
    # independent check: L(θ) − L(θ̂) = KL(p_θ̂ ‖ p_θ) (Bregman form of the NLL)
    base = other.change_chart(traj.params, "mu_sigma")
    np.testing.assert_allclose(traj.losses - normal_nll(MLE), n.kl_divergence(MLE, base),
                               rtol=1e-7, atol=1e-12)


def test_mle_flow_path_is_the_m_geodesic_not_the_levi_civita_geodesic() -> None:
    n = Normal()
    ex = n.in_chart("expectation")
    eta0 = n.change_chart(X0, "expectation")
    direction = T_BAR - eta0
    # straight in η: zero m-connection symbols there, so it is an m-geodesic ...
    mid = eta0 + 0.5 * direction
    m_acc = np.einsum("kij,i,j->k", ex.alpha_christoffels(mid, -1.0), direction, direction)
    np.testing.assert_allclose(m_acc, 0.0, atol=1e-6)
    # ... but Levi-Civita acceleration is not parallel to the velocity: no
    # reparametrization makes the straight line a Levi-Civita geodesic
    lc_acc = np.einsum("kij,i,j->k", ex.christoffels(mid), direction, direction)
    cross = lc_acc[0] * direction[1] - lc_acc[1] * direction[0]
    assert abs(cross) > 0.1 * np.linalg.norm(lc_acc) * np.linalg.norm(direction)
    # numerically: the flow's midpoint (in η) is far from the LC geodesic to the MLE
    path = n.geodesic(X0, end_point=MLE)(np.linspace(0, 1, 2001))
    flow_mid = ex.change_chart(mid, "mu_sigma")
    gap = n.dist(flow_mid, path).min()
    assert gap > 0.05
    traj = fisher_flow(n, None, normal_nll_grad, X0, (0.0, 8.0), rtol=1e-10, atol=1e-12)
    t_half = np.log(2.0)  # η(t) is halfway when e^{-t} = 1/2
    np.testing.assert_allclose(traj.at(t_half), flow_mid, atol=1e-7)


def test_flow_agrees_across_charts_to_ode_tolerance() -> None:
    report = check_invariance(Normal(), normal_nll, X0, ["mu_sigma", "mu_log_sigma", "natural"],
                              "flow", loss_grad=normal_nll_grad, t_span=(0.0, 3.0),
                              rtol=1e-10, atol=1e-12)
    assert report.n_compared == 11
    assert report.max_discrepancy < 1e-7
    dop = check_invariance(Normal(), normal_nll, X0, ["mu_sigma", "natural"], "flow",
                           loss_grad=normal_nll_grad, t_span=(0.0, 3.0), ode_method="DOP853")
    assert dop.max_discrepancy < 1e-7
    loose = check_invariance(Normal(), normal_nll, X0, ["mu_sigma", "natural"], "flow",
                             loss_grad=normal_nll_grad, t_span=(0.0, 3.0), rtol=1e-5,
                             atol=1e-7)
    # the agreement is limited by the tolerance, not exact by construction
    assert loose.max_discrepancy > report.max_discrepancy


def test_convergence_event_stops_the_flow() -> None:
    traj = fisher_flow(Normal(), normal_nll, normal_nll_grad, X0, (0.0, 100.0),
                       gtol=1e-6)
    assert traj.converged and "gtol" in traj.reason
    g = normal_nll_grad(traj.final)
    nat = np.sqrt(g @ np.linalg.solve(Normal().metric_matrix(traj.final), g))
    assert nat == pytest.approx(1e-6, rel=1e-3)
    assert traj.times[-1] < 100.0


def test_flow_toward_the_boundary_stops_with_a_reason() -> None:
    # L = -1/(2σ²): with I_σσ = 2/σ² the flow is σ̇ = -1/(2σ), i.e. σ(t)² = 1 - t,
    # which reaches the boundary σ = 0 at t = 1
    def grad(x: np.ndarray) -> np.ndarray:
        return np.array([0.0, 1.0 / x[1] ** 3])

    traj = fisher_flow(Normal(), None, grad, np.array([0.0, 1.0]), (0.0, 5.0), gtol=0.0)
    assert not traj.converged
    assert "boundary of the parameter domain" in traj.reason
    assert traj.times[-1] == pytest.approx(1.0, abs=1e-3)
    assert np.all(traj.params[:, 1] > 0)
    np.testing.assert_allclose(traj.params[:, 1] ** 2, 1 - traj.times, atol=1e-5)


def test_perturbed_starts_contract_in_fisher_rao_distance() -> None:
    n = Normal()
    rng = np.random.default_rng(3)
    times = np.linspace(0.0, 5.0, 11)
    start = np.array([1.3, 0.9])
    starts = start + 1e-3 * rng.standard_normal((4, 2))
    runs = [fisher_flow(n, None, normal_nll_grad, s, (0.0, 5.0), t_eval=times, rtol=1e-11,
                        atol=1e-13).params for s in starts]
    far = [fisher_flow(n, None, normal_nll_grad, s, (0.0, 30.0)).final for s in starts]
    np.testing.assert_allclose(far, np.broadcast_to(MLE, (4, 2)), atol=1e-6)
    for other in runs[1:]:
        d = n.dist(runs[0], other)
        assert np.all(np.diff(d) < 0)
        # linearization at the MLE: H = I there, so δ̇ = -δ and d(t) ≈ d(0) e^{-t}
        np.testing.assert_allclose(d[-1] / d[-3], np.exp(-(times[-1] - times[-3])), rtol=1e-2)


def test_bad_input() -> None:
    n = Normal()
    with pytest.raises(ValueError, match="loss_grad must return an array of shape"):
        fisher_flow(n, None, lambda x: np.ones(3), X0, (0, 1))
    with pytest.raises(ValueError, match="theta0 must be finite"):
        fisher_flow(n, None, normal_nll_grad, [np.nan, 1.0], (0, 1))
    with pytest.raises(ValueError, match="parameter domain"):
        fisher_flow(n, None, normal_nll_grad, [0.0, -1.0], (0, 1))
    with pytest.raises(ValueError, match="t_span"):
        fisher_flow(n, None, normal_nll_grad, X0, (1, 0))
    singular = LogisticRegression(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]))
    with pytest.raises(SingularCurvatureError, match="damping"):
        fisher_flow(singular, None, lambda w: w, np.array([0.5, 0.2]), (0, 1))
    damped = fisher_flow(singular, None, lambda w: w, np.array([0.5, 0.2]), (0, 1), damping=1e-3)
    assert np.all(np.isfinite(damped.params))


def test_boundary_reason_with_t_eval() -> None:
    def grad(x: np.ndarray) -> np.ndarray:
        return np.array([0.0, 1.0 / x[1] ** 3])

    traj = fisher_flow(Normal(), None, grad, np.array([0.0, 1.0]), (0.0, 5.0), gtol=0.0,
                       t_eval=np.linspace(0.0, 5.0, 11))
    assert "boundary of the parameter domain" in traj.reason
    # the output times reached before the flow stalls at the boundary (t = 1)
    np.testing.assert_allclose(traj.times, [0.0, 0.5, 1.0][:len(traj.times)])
    assert len(traj.times) >= 2 and np.all(traj.params[:, 1] > 0)
    np.testing.assert_allclose(traj.params[:, 1] ** 2, 1 - traj.times, atol=1e-5)


def test_bad_flow_options_are_refused_by_name() -> None:
    n = Normal()
    args = (n, normal_nll, normal_nll_grad, X0)
    with pytest.raises(ValueError, match="method must be one of"):
        fisher_flow(*args, (0, 1), method="Euler")
    with pytest.raises(ValueError, match="t_eval must lie within t_span"):
        fisher_flow(*args, (0, 1), t_eval=[0.5, 2.0])
    with pytest.raises(ValueError, match="t_eval must be finite"):
        fisher_flow(*args, (0, 1), t_eval=[0.5, np.nan])
    with pytest.raises(ValueError, match="t_eval must be a 1-D"):
        fisher_flow(*args, (0, 1), t_eval=[[0.5]])
    with pytest.raises(ValueError, match="max_step must be > 0"):
        fisher_flow(*args, (0, 1), max_step=-1.0)
    with pytest.raises(ValueError, match=r"t_span must be \(t0, t1\), two numbers"):
        fisher_flow(*args, (0, 1, 2))
    with pytest.raises(ValueError, match="damping must be >= 0"):
        fisher_flow(*args, (0, 1), damping=-1e-3)
    with pytest.raises(ValueError, match="loss_target must be finite"):
        fisher_flow(*args, (0, 1), loss_target=float("nan"))
    with pytest.raises(TypeError, match="needs loss_grad, or loss"):
        fisher_flow(n, None, None, X0, (0, 1))


def test_one_argument_order_and_a_missing_gradient() -> None:
    n = Normal()
    new = fisher_flow(n, normal_nll, normal_nll_grad, X0, (0.0, 1.0), t_eval=[0.5, 1.0])
    # the design contract's gradient-first form, accepted without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        old = fisher_flow(n, normal_nll_grad, X0, (0.0, 1.0), loss=normal_nll,
                          t_eval=[0.5, 1.0])
    np.testing.assert_allclose(old.params, new.params, rtol=0, atol=0)
    np.testing.assert_allclose(old.losses, new.losses)
    # without the gradient: fourth-order central differences, same flow to ODE accuracy
    fd = fisher_flow(n, normal_nll, None, X0, (0.0, 1.0), t_eval=[0.5, 1.0])
    np.testing.assert_allclose(fd.params, new.params, rtol=1e-7)
    from infogeo.flows import gradient_descent, natural_gradient_descent
    for driver in (natural_gradient_descent, gradient_descent):
        exact = driver(n, normal_nll, normal_nll_grad, X0, step_size=0.1, max_iter=20)
        approx = driver(n, normal_nll, None, X0, step_size=0.1, max_iter=20)
        np.testing.assert_allclose(approx.params, exact.params, rtol=1e-8)
