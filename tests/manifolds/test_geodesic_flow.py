"""The batched geodesic machinery: integrator, Jacobi fields, exact-Jacobian shooting."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special
from scipy.integrate import solve_ivp

from infogeo.manifolds import Dirichlet, Gamma, GeodesicIntegrationError, Normal
from infogeo.manifolds._batched_rk import integrate_rows
from infogeo.manifolds._special import polygammas
from infogeo.manifolds.dirichlet import dirichlet_jets
from infogeo.manifolds.gamma import gamma_jets
from infogeo.manifolds.geodesic_flow import (
    GeodesicFlow,
    inv_components_first,
    log_end_map,
    positive_columns,
    shoot_with_jacobian,
)


def test_polygammas_match_scipy() -> None:
    x = np.concatenate([np.geomspace(1e-3, 1e4, 500), np.linspace(0.1, 30, 300)])
    for n, values in enumerate(polygammas(x, 4), start=1):
        np.testing.assert_allclose(values, special.polygamma(n, x), rtol=3e-15)
    with pytest.raises(ValueError, match="max_order"):
        polygammas(x, 6)


@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_inverse_components_first(d: int) -> None:
    rng = np.random.default_rng(60)
    a = rng.normal(size=(5, d, d))
    g = a @ np.swapaxes(a, -1, -2) + np.eye(d)
    inv = inv_components_first(np.moveaxis(g, 0, -1))
    np.testing.assert_allclose(np.moveaxis(inv, -1, 0), np.linalg.inv(g), rtol=1e-12)


def test_integrate_rows_matches_solve_ivp_per_row() -> None:
    """Independent columns of different stiffness against scipy, one column at a time.

    State per column: (y, y', z, k, r) with y'' = -k y, z' = r z (k, r constant)."""
    def rhs(s: np.ndarray) -> np.ndarray:
        return np.stack([s[1], -s[3] * s[0], s[4] * s[2], 0 * s[3], 0 * s[4]])

    y0 = np.array([[1.0, 0.3, -1.0], [0.0, 1.0, 2.0], [1.0, 1.0, 1.0],
                   [1.0, 25.0, 4.0], [0.5, 3.0, -2.0]])
    end, ok, steps = integrate_rows(rhs, y0, t_end=2.0, rtol=1e-12, atol=1e-12)
    assert ok.all() and steps[1] > steps[0]  # the stiffer column needed more steps
    for col in range(3):
        ref = solve_ivp(lambda _t, y: rhs(y[:, None])[:, 0], (0, 2.0), y0[:, col],
                        method="DOP853", rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(end[:, col], ref.y[:, -1], rtol=1e-9, atol=1e-10)


def test_integrate_rows_reports_rows_that_leave_the_domain() -> None:
    def rhs(y: np.ndarray) -> np.ndarray:  # x' = -1: reaches 0 at t = x0
        return -np.ones_like(y)

    end, ok, _ = integrate_rows(rhs, np.array([[0.5, 3.0]]), t_end=1.0,
                                valid=lambda y: y[0] > 0)
    assert ok.tolist() == [False, True]
    assert np.isnan(end[0, 0]) and end[0, 1] == pytest.approx(2.0)


FLOWS = {
    "gamma": (Gamma(), GeodesicFlow.from_hessian(gamma_jets, 2, valid=positive_columns)),
    "dirichlet": (Dirichlet(3), GeodesicFlow.from_hessian(dirichlet_jets, 3,
                                                          valid=positive_columns)),
}


def _pairs(family, seed: int, n: int = 4):
    rng = np.random.default_rng(seed)
    x = family.random_point(rng, n)
    v = rng.normal(size=x.shape)
    return x, v * (0.8 / family.norm(v, x)[:, None])


@pytest.mark.parametrize("name", FLOWS)
@pytest.mark.parametrize("log_coordinates", [False, True])
def test_jacobi_fields_give_the_derivative_of_exp(name: str, log_coordinates: bool) -> None:
    family, flow = FLOWS[name]
    x, v = _pairs(family, 61)
    if log_coordinates:
        flow, x, v = flow.in_log_coordinates(), np.log(x), v / x
    end, jac, ok = flow.exp_and_jacobian(v, x)
    assert ok.all()
    np.testing.assert_allclose(end, flow.exp(v, x), rtol=1e-11)
    h = 1e-5
    columns = [(flow.exp(v + h * e, x) - flow.exp(v - h * e, x)) / (2 * h)
               for e in np.eye(family.dim)]
    np.testing.assert_allclose(jac, np.stack(columns, axis=-1), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", FLOWS)
def test_log_coordinates_give_the_same_geodesics(name: str) -> None:
    family, flow = FLOWS[name]
    x, v = _pairs(family, 62)
    end = flow.exp(v, x)
    np.testing.assert_allclose(np.exp(flow.in_log_coordinates().exp(v / x, np.log(x))), end,
                               rtol=1e-10)
    np.testing.assert_allclose(family.exp(v, x), end, rtol=1e-10)
    # shooting in x coordinates, with and without the log end map, recovers v
    for end_map in (None, log_end_map):
        res = shoot_with_jacobian(flow.exp_and_jacobian, x, end, end - x, 1e-10, 50, end_map)
        assert res.success, res.message
        np.testing.assert_allclose(res.tangent_vec, v, rtol=1e-9, atol=1e-10)


def test_christoffel_flow_matches_hessian_flow() -> None:
    """The generic Christoffel-based flow (numeric ∂Γ) reproduces the Hessian flow."""
    gamma, flow = FLOWS["gamma"]
    generic = GeodesicFlow.from_christoffels(gamma._christoffels, 2, valid=positive_columns)
    x, v = _pairs(gamma, 63, 3)
    e1, j1, _ = flow.exp_and_jacobian(v, x)
    e2, j2, _ = generic.exp_and_jacobian(v, x)
    np.testing.assert_allclose(e2, e1, rtol=1e-10)
    np.testing.assert_allclose(j2, j1, rtol=1e-6, atol=1e-8)


def test_normal_geodesics_from_the_generic_flow() -> None:
    """Closed-form Normal exp/log against GeodesicFlow built from its Christoffels."""
    normal = Normal()
    flow = GeodesicFlow.from_christoffels(normal._christoffels, 2,
                                          valid=lambda x: x[1] > 0)
    rng = np.random.default_rng(63)
    a, b = normal.random_point(rng, 5), normal.random_point(rng, 5)
    v = normal.log(b, a)
    np.testing.assert_allclose(flow.exp(v, a), b, rtol=1e-10, atol=1e-12)
    res = flow.log(b, a)
    assert res.success, res.message
    np.testing.assert_allclose(res.tangent_vec, v, rtol=1e-9, atol=1e-11)


def test_exp_leaving_the_domain_raises_and_log_reports_failure() -> None:
    # straight lines (no curvature) on the positive quadrant: x = 1 - 2t leaves at t = 1/2
    flat = GeodesicFlow.from_christoffels(lambda x: np.zeros(x.shape + (x.shape[-1],) * 2),
                                          2, valid=positive_columns)
    np.testing.assert_allclose(flat.exp(np.array([[-0.5, 1.0]]), np.ones((1, 2))),
                               [[0.5, 2.0]], rtol=1e-14)
    with pytest.raises(GeodesicIntegrationError, match="1 of 2 geodesics"):
        flat.exp(np.array([[-2.0, 0.0], [0.5, 0.5]]), np.ones((2, 2)))
    res = Gamma().log_shooting([[4.0, 0.5]], [[0.6, 4.0]], max_iter=1)
    assert not res.success and "1 Newton iterations" in res.message
    assert np.isfinite(res.residual).all()


@pytest.mark.slow
def test_continuation_reaches_far_pairs() -> None:
    """A far Dirichlet pair that 10 shooting iterations from the straight line cannot
    reach is found by shooting through midpoints, and by the engine's collocation; both
    answers land on the target."""
    family = Dirichlet(3)
    a = np.array([97.48035491, 2.07732179, 20.54769479])
    b = np.array([6.95880938e-02, 5.71521407e00, 6.18870773e01])
    u, w = np.log(a)[None], np.log(b)[None]
    flow = family._flow
    direct = flow._shoot_log(u, w, w - u, 1e-10, 10, continuation=0)
    assert not direct.success and "10 Newton iterations" in direct.message
    shot = flow._shoot_log(u, w, w - u, 1e-10, 10, continuation=3)
    engine = flow.log(w, u)
    assert shot.success and engine.success, (shot.message, engine.message)
    np.testing.assert_allclose(family.exp(shot.tangent_vec[0] * a, a), b, rtol=1e-9)
    # exp amplifies errors ~1000-fold at this length (9.2): compare the velocities
    np.testing.assert_allclose(engine.tangent_vec, shot.tangent_vec, rtol=1e-9)


def test_bent_chord_start_is_the_geodesic_to_second_order() -> None:
    # the chord misses log_x(y) by O(L^2), the bent chord (parabola with the field's
    # midpoint acceleration) by O(L^3): halving the length divides its error by ~8
    flow = Dirichlet(3)._flow
    rng = np.random.default_rng(3)
    u = np.log(rng.uniform(0.5, 5.0, size=(6, 3)))
    direction = rng.normal(size=(6, 3))
    errors = {}
    for h in (0.2, 0.1):
        w = u + h * direction
        exact = flow.log(w, u, tol=1e-12).solution
        errors[h] = (np.linalg.norm(flow._bent_chord(u, w) - exact, axis=-1),
                     np.linalg.norm((w - u) - exact, axis=-1))
    bent_ratio = errors[0.2][0] / errors[0.1][0]
    chord_ratio = errors[0.2][1] / errors[0.1][1]
    assert np.all(bent_ratio > 6.0) and np.all(chord_ratio < 5.0)
    assert np.all(errors[0.1][0] < 0.2 * errors[0.1][1])
