"""Fisher–Rao, Wasserstein and Wasserstein–Fisher–Rao flows on grids, against closed
forms: p_t ∝ p0^(e^-t) π^(1-e^-t) for the Fisher–Rao flow of KL (Lu, Lu & Nolen 2019),
p_t ∝ p0 e^(-tV) for a potential energy, and the Ornstein–Uhlenbeck Fokker–Planck flow."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo import nonparametric as npg

X = np.linspace(-12.0, 12.0, 4001)          # fine grid
W = npg.grid_weights(X)
LOG_PI = np.logaddexp(np.log(0.3) - 0.75 * (X + 3) ** 2, np.log(0.7) - 0.75 * (X - 3) ** 2)
P0 = np.exp(-((X + 2.5) ** 2) / 0.8) + 0.05 * np.exp(-((X - 1) ** 2) / 8)


def rel_l1(a: np.ndarray, b: np.ndarray, w: np.ndarray = W) -> np.ndarray:
    return np.sum(w * np.abs(a - b), axis=-1) / np.sum(w * np.abs(b), axis=-1)


def test_fisher_rao_flow_matches_the_closed_form_to_1e6() -> None:
    times = np.linspace(0.0, 10.0, 21)
    res = npg.fisher_rao_flow(P0, LOG_PI, times, W)
    assert res.success, res.message
    # the closed form written out here, independently of kl_flow_solution
    decay = np.exp(-times)[:, None]
    log_p = decay * np.log(P0) + (1 - decay) * LOG_PI
    exact = np.exp(log_p - log_p.max(axis=1, keepdims=True))
    exact /= np.sum(W * exact, axis=1, keepdims=True)
    assert np.max(rel_l1(res.densities, exact)) <= 1e-6
    np.testing.assert_allclose(npg.kl_flow_solution(P0, LOG_PI, times, W), exact,
                               rtol=1e-12, atol=1e-14)


def test_kl_decays_exponentially_at_rate_two() -> None:
    # KL(p_t||pi) ~ (1/2) e^-2t Var_pi[log(p0/pi)] (linearize p_t = pi e^{e^-t g} / Z)
    times = np.array([0.0, 6.0, 7.0, 8.0, 9.0])
    res = npg.fisher_rao_flow(P0, LOG_PI, times, W)
    pi = np.exp(LOG_PI) / np.sum(W * np.exp(LOG_PI))
    g = np.log(P0 / np.sum(W * P0)) - np.log(pi)
    var = np.sum(W * pi * g**2) - np.sum(W * pi * g) ** 2
    predicted = 0.5 * np.exp(-2 * times[1:]) * var
    np.testing.assert_allclose(res.values[1:], predicted, rtol=3e-2)
    slopes = np.diff(np.log(res.values[1:])) / np.diff(times[1:])
    np.testing.assert_allclose(slopes, -2.0, atol=2e-2)
    assert np.all(np.diff(res.values) < 0)


def test_dissipation_identity_dF_dt_equals_minus_squared_gradient_norm() -> None:
    times = np.linspace(0.0, 3.0, 601)
    res = npg.fisher_rao_flow(P0, LOG_PI, times, W)
    rate = np.gradient(res.values, times, edge_order=2)
    np.testing.assert_allclose(rate[5:-5], -res.gradient_norms[5:-5] ** 2, rtol=1e-3)


def test_flow_reaches_stationarity_and_says_so() -> None:
    res = npg.fisher_rao_flow(P0, LOG_PI, [0.0, 30.0], W)
    assert res.success and res.converged, res.message
    assert "stationary" in res.message
    short = npg.fisher_rao_flow(P0, LOG_PI, [0.0, 1.0], W)
    assert short.success and not short.converged and "not yet stationary" in short.message


def test_support_and_mass_are_kept() -> None:
    p0 = np.where(X > -1, P0, 0.0)
    res = npg.fisher_rao_flow(p0, LOG_PI, [0.0, 2.0, 5.0], W)
    assert np.all(res.densities[:, X <= -1] == 0)
    np.testing.assert_allclose(np.sum(W * res.densities, axis=1), 1.0, atol=1e-12)
    # on its support the flow is the closed form with pi restricted there
    exact = npg.kl_flow_solution(p0, LOG_PI, [0.0, 2.0, 5.0], W)
    assert np.max(rel_l1(res.densities, exact)) < 1e-7


def test_general_functional_potential_energy_closed_form_and_orders() -> None:
    x = np.linspace(-8, 8, 801)
    w = npg.grid_weights(x)
    v = 2 * np.sin(x) + 0.05 * x**2   # |V| <= 5: explicit steps of 0.2 are stable
    p0 = np.exp(-((x - 1) ** 2) / 2)
    F = npg.potential_energy(v, w)
    exact = p0 * np.exp(-2.0 * v)
    exact /= np.sum(w * exact)
    adaptive = npg.fisher_rao_gradient_flow(p0, F, [0.0, 2.0], w)
    assert adaptive.success and rel_l1(adaptive.final, exact, w) < 1e-8
    # in log coordinates the right-hand side -(V - E_p V) is V up to a constant: every
    # method is exact (to rounding); in density coordinates the methods show their order
    for method in ("rk4", "euler"):
        res = npg.fisher_rao_gradient_flow(p0, F, [0.0, 2.0], w, method=method, dt=0.5)
        assert rel_l1(res.final, exact, w) < 1e-13
    # (explicit Euler needs h |V - E_p V| < 1 to keep p > 0)
    for method, order, dts in [("rk4", 4, np.array([0.2, 0.1, 0.05, 0.025])),
                               ("euler", 1, np.array([0.04, 0.02, 0.01, 0.005]))]:
        runs = [npg.fisher_rao_gradient_flow(p0, F, [0.0, 2.0], w, method=method,
                                             coordinates="density", dt=dt) for dt in dts]
        assert all(r.success for r in runs)
        errs = [rel_l1(r.final, exact, w) for r in runs]
        fitted, _ = npg.convergence_order(1 / dts, errs)
        assert fitted == pytest.approx(order, abs=0.3), (method, errs)


def test_general_functional_without_closed_form_converges_and_dissipates() -> None:
    # F = KL(p||pi) + (1/2) int int K p p with a smooth repulsive kernel: no closed form;
    # check self-convergence of RK4 (order 4) against the adaptive solution and dF/dt <= 0
    x = np.linspace(-8, 8, 321)
    w = npg.grid_weights(x)
    log_pi = -0.5 * x**2
    kernel = 2.0 * np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2)
    F = npg.kl_functional(log_pi, w) + npg.interaction_energy(kernel, w)
    p0 = np.exp(-((x - 1.5) ** 2))
    times = np.linspace(0, 3, 7)
    ref = npg.fisher_rao_gradient_flow(p0, F, times, w, rtol=1e-12, atol=1e-13)
    assert ref.success and np.all(np.diff(ref.values) < 0)
    errs = [rel_l1(npg.fisher_rao_gradient_flow(p0, F, times, w, method="rk4", dt=dt).final,
                   ref.final, w) for dt in (0.25, 0.125, 0.0625)]
    fitted, _ = npg.convergence_order([4, 8, 16], errs)
    assert fitted == pytest.approx(4.0, abs=0.4), errs
    # the repulsion spreads the stationary density wider than pi
    long = npg.fisher_rao_gradient_flow(p0, F, [0, 40.0], w)
    var = np.sum(w * long.final * x**2) - np.sum(w * long.final * x) ** 2
    assert long.converged and var > 1.05


def test_density_coordinates_report_a_failed_step() -> None:
    res = npg.fisher_rao_flow(P0, LOG_PI, [0.0, 5.0], W, method="rk4", dt=1.0,
                              coordinates="density")
    assert not res.success and not res.converged
    assert "nonpositive" in res.message


def test_fokker_planck_matches_ornstein_uhlenbeck_at_second_order() -> None:
    # target N(0, 1), p0 N(2, 0.5^2): p_t = N(2 e^-t, 1 - 0.75 e^-2t)
    errs = []
    sizes = [161, 321, 641]
    for n in sizes:
        x = np.linspace(-8, 8, n)
        res = npg.wasserstein_flow(np.exp(-((x - 2) ** 2) / 0.5), -0.5 * x**2, [0.0, 1.0], x)
        m, v = 2 * np.exp(-1.0), 1 - 0.75 * np.exp(-2.0)
        exact = np.exp(-((x - m) ** 2) / (2 * v)) / np.sqrt(2 * np.pi * v)
        errs.append(float(np.sum(np.abs(res.final - exact)) * (x[1] - x[0])))
        assert res.success
    fitted, _ = npg.convergence_order(np.array(sizes) - 1, errs)
    assert fitted == pytest.approx(2.0, abs=0.15), errs
    assert errs[-1] < 1e-4


def test_fokker_planck_keeps_the_target_and_mass() -> None:
    x = np.linspace(-10, 10, 401)
    log_pi = np.logaddexp(-0.5 * (x + 3) ** 2, np.log(2) - 0.5 * (x - 3) ** 2)
    pi = np.exp(log_pi)
    res = npg.wasserstein_flow(pi, log_pi, [0, 1, 10], x)
    np.testing.assert_allclose(res.densities, np.broadcast_to(pi / np.sum(pi * 0.05), (3, 401)),
                               rtol=1e-9, atol=1e-13)
    gen = npg.fokker_planck_generator(log_pi, x).toarray()
    np.testing.assert_allclose(gen.sum(axis=0), 0.0, atol=1e-9)
    assert np.all(gen - np.diag(np.diag(gen)) >= 0)


def test_wasserstein_fisher_rao_limits_and_splitting_order() -> None:
    x = np.linspace(-9, 9, 361)
    w = np.full(x.size, x[1] - x[0])
    log_pi = np.logaddexp(np.log(0.3) - 0.75 * (x + 3) ** 2, np.log(0.7) - 0.75 * (x - 3) ** 2)
    p0 = np.exp(-((x + 3) ** 2) / 2)
    times = [0.0, 1.0]
    fr_only = npg.wasserstein_fisher_rao_flow(p0, log_pi, times, x, wasserstein_weight=0.0)
    np.testing.assert_allclose(fr_only.final, npg.kl_flow_solution(p0, log_pi, times, w)[-1],
                               rtol=1e-10, atol=1e-14)
    w_only = npg.wasserstein_fisher_rao_flow(p0, log_pi, times, x, fisher_rao_weight=0.0)
    np.testing.assert_allclose(w_only.final, npg.wasserstein_flow(p0, log_pi, times, x).final,
                               rtol=1e-8, atol=1e-12)
    ref = npg.wasserstein_fisher_rao_flow(p0, log_pi, times, x, dt=1 / 256).final
    dts = np.array([1 / 4, 1 / 8, 1 / 16, 1 / 32])
    errs = [np.sum(w * np.abs(npg.wasserstein_fisher_rao_flow(p0, log_pi, times, x,
                                                               dt=dt).final - ref))
            for dt in dts]
    fitted, _ = npg.convergence_order(1 / dts, errs)
    assert fitted == pytest.approx(2.0, abs=0.25), errs


def test_on_a_bimodal_target_fisher_rao_moves_mass_wasserstein_does_not() -> None:
    # p0 sits on the minor mode; the mass must reach the other mode across a barrier
    x = np.linspace(-9, 9, 361)
    w = np.full(x.size, x[1] - x[0])
    log_pi = np.logaddexp(np.log(0.3) - 2 * (x + 3) ** 2, np.log(0.7) - 2 * (x - 3) ** 2)
    p0 = np.exp(-((x + 3) ** 2) / 2)
    times = np.linspace(0, 4, 9)
    kl = {"W": npg.wasserstein_flow(p0, log_pi, times, x).values,
          "FR": npg.fisher_rao_flow(p0, log_pi, times, w).values,
          "WFR": npg.wasserstein_fisher_rao_flow(p0, log_pi, times, x, dt=0.05).values}
    for values in kl.values():
        assert np.all(np.diff(values) <= 1e-12)
    assert kl["W"][-1] > 0.5            # stuck: tunnelling through the barrier is slow
    assert kl["FR"][-1] < 0.05 * kl["W"][-1]
    assert kl["WFR"][-1] < kl["FR"][-1]


def test_fisher_rao_flow_on_a_2d_grid_matches_the_closed_form() -> None:
    axis = np.linspace(-7, 7, 141)
    w2 = npg.grid_weights(axis, axis)
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    log_pi = np.logaddexp(-((xx - 2) ** 2 + yy**2), np.log(0.5) - (xx + 2) ** 2 - (yy - 1) ** 2)
    p0 = np.exp(-0.5 * (xx**2 + (yy + 1) ** 2))
    times = [0.0, 0.5, 2.0]
    res = npg.fisher_rao_flow(p0, log_pi, times, w2)
    assert res.success and res.densities.shape == (3, 141, 141)
    exact = npg.kl_flow_solution(p0, log_pi, times, w2)
    err = np.sum(w2 * np.abs(res.densities - exact), axis=(1, 2))
    assert np.max(err) < 1e-8
