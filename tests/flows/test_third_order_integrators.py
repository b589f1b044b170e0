"""α-geodesic steps and the Runge–Kutta integrators of the Fisher flow.

Oracles: the closed-form Fisher flow of the normal maximum-likelihood problem,
η(t) = T̄ + (η₀ − T̄)e^{−t} in expectation coordinates (REFERENCE.md), dual flatness of
exponential families (e-geodesics straight in natural, m-geodesics in expectation
coordinates), and the invariance-order slopes fitted by regression.
"""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.flows import (
    ButcherTableau,
    alpha_exp,
    alpha_geodesic_step,
    chain,
    fixed_step,
    geodesic_step,
    invariance_order,
    midpoint,
    minimize,
    precondition_by_metric,
    runge_kutta,
)
from infogeo.manifolds import Categorical, Gamma, Normal

from ._problems import T_BAR, normal_nll, normal_nll_grad, pull_back_normal

X0 = np.array([0.0, 2.0])
CHARTS3 = ["mu_sigma", "mu_log_sigma", "natural"]
STEPS = [0.2, 0.1, 0.05, 0.025]


def _rk(method: str):  # noqa: ANN202
    return lambda m, a: runge_kutta(precondition_by_metric(m), a, method)


def _alpha(alpha: float, method: str):  # noqa: ANN202
    return lambda m, a: chain(precondition_by_metric(m),
                              alpha_geodesic_step(m, a, alpha, method=method))


def _check_slope(result, order: float) -> None:  # noqa: ANN001
    # regression slope, and the last local slope (its O(α) drift is smallest there)
    assert result.slope == pytest.approx(order, abs=0.15), result.discrepancies
    local = np.diff(np.log(result.discrepancies)) / np.diff(np.log(result.step_sizes))
    assert local[-1] == pytest.approx(order, abs=0.1), local
    assert np.all(np.diff(result.discrepancies) < 0)


@pytest.mark.parametrize(("factory", "order"), [
    (_rk("rk3"), 3), (_rk("rk4"), 4), (_rk("rk38"), 4),
    (_alpha(0.0, "rk3"), 3), (_alpha(0.0, "rk4"), 4),
    (_alpha(1.0, "taylor2"), 2), (_alpha(-1.0, "rk4"), 4),
], ids=["rk3", "rk4", "rk38", "geodesic-rk3", "geodesic-rk4", "e-taylor2", "m-rk4"])
def test_invariance_order_slopes(factory, order: int) -> None:  # noqa: ANN001
    result = invariance_order(Normal(), normal_nll, X0, CHARTS3, STEPS, horizon=1.0,
                              step_rule=factory, loss_grad=normal_nll_grad)
    _check_slope(result, order)


def _flow_error(method: str, step: float, chart: str) -> float:
    """Distance, in expectation coordinates, of the RK iterate at t = 1 from the closed-form
    flow η(1) = T̄ + (η₀ − T̄)/e."""
    other, loss, grad, y0 = pull_back_normal(chart, X0)
    traj = minimize(runge_kutta(precondition_by_metric(other), step, method), loss, grad, y0,
                    max_iter=round(1 / step), gtol=0.0)
    eta0 = Normal().change_chart(X0, "expectation")
    exact = T_BAR + (eta0 - T_BAR) * np.exp(-1.0)
    return float(np.linalg.norm(other.change_chart(traj.final, "expectation") - exact))


@pytest.mark.parametrize(("method", "order"), [("heun2", 2), ("rk3", 3), ("heun3", 3),
                                               ("rk4", 4)])
def test_runge_kutta_converges_to_the_closed_form_flow_at_its_order(method: str,
                                                                    order: int) -> None:
    steps = np.array(STEPS)
    errors = np.array([_flow_error(method, h, "mu_sigma") for h in steps])
    slope = np.polyfit(np.log(steps), np.log(errors), 1)[0]
    assert slope == pytest.approx(order, abs=0.15), errors


@pytest.mark.parametrize(("method", "order"), [("heun2", 2), ("rk3", 3), ("heun3", 3),
                                               ("rk4", 4), ("rk38", 4)])
def test_runge_kutta_on_the_linear_flow_of_expectation_coordinates(method: str,
                                                                   order: int) -> None:
    # in η the natural-gradient field is linear, η̇ = T̄ − η; an explicit RK method with
    # p = s ≤ 4 stages multiplies η − T̄ by its stability polynomial R(−h) = Σ_{k≤p}(−h)^k/k!
    h, n = 0.2, 5
    other, loss, grad, y0 = pull_back_normal("expectation", X0)
    traj = minimize(runge_kutta(precondition_by_metric(other), h, method), loss, grad, y0,
                    max_iter=n, gtol=0.0)
    r = sum((-h) ** k / np.prod(np.arange(1, k + 1)) for k in range(order + 1))
    np.testing.assert_allclose(traj.final, T_BAR + (y0 - T_BAR) * r**n, rtol=1e-12)


def test_runge_kutta_reduces_to_euler_and_midpoint() -> None:
    theta = np.array([0.3, 1.4])
    g = normal_nll_grad(theta)
    extra = {"grad_fn": normal_nll_grad, "grad": g}
    for rk, reference in [(runge_kutta(precondition_by_metric(Normal()), 0.3, "euler"),
                           chain(precondition_by_metric(Normal()), fixed_step(0.3))),
                          (runge_kutta(precondition_by_metric(Normal()), 0.3, "midpoint"),
                           midpoint(precondition_by_metric(Normal()), 0.3))]:
        a, _ = rk.update(g, rk.init(theta), theta, **extra)
        b, _ = reference.update(g, reference.init(theta), theta, **extra)
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_runge_kutta_bad_input() -> None:
    direction = precondition_by_metric(Normal())
    with pytest.raises(ValueError, match="method must be one of"):
        runge_kutta(direction, 0.1, "rk5")
    with pytest.raises(ValueError, match="strictly lower triangular"):
        runge_kutta(direction, 0.1, ButcherTableau(np.eye(2), np.array([0.5, 0.5]), 1))
    with pytest.raises(ValueError, match="sum to 1"):
        runge_kutta(direction, 0.1, ButcherTableau(np.zeros((1, 1)), np.array([2.0]), 1))
    with pytest.raises(TypeError, match="ButcherTableau"):
        runge_kutta(direction, 0.1, 4)
    with pytest.raises(ValueError, match="step_size"):
        runge_kutta(direction, -0.1)
    opt = runge_kutta(direction, 0.1)
    with pytest.raises(TypeError, match="grad_fn"):
        opt.update(np.ones(2), opt.init(X0), X0)


# ---------------------------------------------------------------- α-geodesics


FLAT_CASES = [(Normal(chart="natural"), 1.0), (Normal(chart="expectation"), -1.0),
              (Gamma(chart="natural"), 1.0), (Categorical(n_categories=3, chart="natural"), 1.0)]


@pytest.mark.parametrize(("family", "alpha"), FLAT_CASES,
                         ids=["normal-e", "normal-m", "gamma-e", "categorical-e"])
@pytest.mark.parametrize("method", ["taylor2", "rk4"])
def test_alpha_flat_charts_make_alpha_geodesic_steps_straight(family, alpha, method) -> None:  # noqa: ANN001
    rng = np.random.default_rng(4)
    theta = family.random_point(rng)
    u = 0.1 * rng.normal(size=family.dim) * (1 + np.abs(theta))
    rule = alpha_geodesic_step(family, 0.5, alpha, method=method)
    step, _ = rule.update(u, rule.init(theta), theta)
    np.testing.assert_allclose(step, -0.5 * u, rtol=1e-10, atol=1e-13)
    # the dual connection is not flat there: its geodesic bends
    bent, _ = alpha_geodesic_step(family, 0.5, -alpha, method=method).update(u, None, theta)
    assert np.linalg.norm(bent + 0.5 * u) > 1e-4 * np.linalg.norm(u)


@pytest.mark.parametrize(("flat_chart", "alpha"), [("natural", 1.0), ("expectation", -1.0)])
def test_alpha_geodesic_of_another_chart_is_the_flat_charts_straight_line(flat_chart: str,
                                                                           alpha: float) -> None:
    # e-geodesic integrated in (μ, σ), mapped to natural coordinates: θ₀ + t·Jv
    fam = Normal()
    theta, v = np.array([0.4, 1.2]), np.array([0.3, -0.2])
    end = alpha_exp(fam, v, theta, alpha, n_substeps=64)
    flat = fam.in_chart(flat_chart)
    start = fam.change_chart(theta, flat_chart)
    jac = np.linalg.solve(flat.chart.jacobian_at(start), fam.chart.jacobian_at(theta))
    np.testing.assert_allclose(fam.change_chart(end, flat_chart), start + jac @ v, atol=1e-9)


def test_levi_civita_geodesic_matches_the_closed_form_exp() -> None:
    fam = Normal()
    theta, v = np.array([0.4, 1.2]), np.array([0.5, -0.3])
    np.testing.assert_allclose(alpha_exp(fam, v, theta, 0.0, n_substeps=64), fam.exp(v, theta),
                               atol=1e-9)


def test_taylor2_levi_civita_step_is_the_geodesic_step() -> None:
    theta, u = np.array([0.2, 1.5]), np.array([0.7, -0.4])
    a, _ = alpha_geodesic_step(Normal(), 0.3, 0.0, method="taylor2").update(u, None, theta)
    b, _ = geodesic_step(Normal(), 0.3).update(u, None, theta)
    np.testing.assert_allclose(a, b, rtol=1e-14)


def test_alpha_steps_are_more_invariant_than_the_plain_step() -> None:
    plain = invariance_order(Normal(), normal_nll, X0, CHARTS3, STEPS, horizon=1.0,
                             loss_grad=normal_nll_grad)
    for alpha in (-1.0, 0.0, 1.0):
        geo = invariance_order(Normal(), normal_nll, X0, CHARTS3, STEPS, horizon=1.0,
                               step_rule=_alpha(alpha, "taylor2"), loss_grad=normal_nll_grad)
        assert plain.slope == pytest.approx(1.0, abs=0.15)
        assert geo.slope == pytest.approx(2.0, abs=0.15)
        assert np.all(geo.discrepancies < plain.discrepancies)


def test_alpha_geodesic_descent_reaches_the_mle() -> None:
    opt = chain(precondition_by_metric(Normal()), alpha_geodesic_step(Normal(), 0.5, -1.0))
    traj = minimize(opt, normal_nll, normal_nll_grad, X0, max_iter=200, gtol=1e-10)
    assert traj.converged
    np.testing.assert_allclose(traj.final, [1.0, np.sqrt(0.5)], atol=1e-9)


def test_alpha_steps_bad_input() -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        alpha_geodesic_step(Normal(), 0.1, method="rk9")
    with pytest.raises(ValueError, match="n_substeps"):
        alpha_geodesic_step(Normal(), 0.1, n_substeps=0)
    with pytest.raises(ValueError, match="step_size"):
        alpha_geodesic_step(Normal(), 0.0)
    with pytest.raises(ValueError, match="same last axis"):
        alpha_exp(Normal(), [0.1, 0.2, 0.3], [0.0, 1.0])
    with pytest.raises(ValueError):
        alpha_exp(Normal(), [0.1, 0.2], [0.0, -1.0])
