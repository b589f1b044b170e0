"""Properties every registered family must have, in every one of its charts.

A new family is covered by adding one line to ``infogeo.manifolds.registry.FAMILIES``.
"""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.manifolds import StatisticalManifold
from infogeo.manifolds.charts import numeric_jacobian
from infogeo.manifolds.differential import christoffels_from_metric_derivative
from infogeo.manifolds.registry import FAMILIES, get_family

NAMES = sorted(FAMILIES)
N_POINTS = 6


def family_charts() -> list[tuple[str, str]]:
    return [(name, chart) for name in NAMES for chart in get_family(name).chart_names]


@pytest.fixture(params=NAMES)
def family(request: pytest.FixtureRequest) -> StatisticalManifold:
    return get_family(request.param)


@pytest.fixture(params=family_charts(), ids=lambda p: f"{p[0]}-{p[1]}")
def charted(request: pytest.FixtureRequest) -> StatisticalManifold:
    name, chart = request.param
    return get_family(name).in_chart(chart)


def koszul_with_error(metric_fn, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Koszul Christoffel symbols from central differences of ``metric_fn``, with an error
    estimate: the change when the difference step is halved."""
    rough, fine = (christoffels_from_metric_derivative(
        metric_fn(pts), numeric_jacobian(metric_fn, pts, rel_step=step)) for step in (2e-4, 1e-4))
    return fine, np.abs(fine - rough)


def nearby_pairs(m: StatisticalManifold, rng: np.random.Generator, n: int,
                 scale: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Pairs at moderate Fisher–Rao distance: b = exp_a(v) with |v|_a ≈ scale."""
    a = m.random_point(rng, n)
    v = rng.normal(size=a.shape)
    v *= scale / m.norm(v, a)[..., None]
    return a, m.exp(v, a)


def test_metric_is_symmetric_positive_definite(charted: StatisticalManifold) -> None:
    rng = np.random.default_rng(0)
    g = charted.metric_matrix(charted.random_point(rng, N_POINTS))
    assert g.shape == (N_POINTS, charted.dim, charted.dim)
    np.testing.assert_allclose(g, np.swapaxes(g, -1, -2), rtol=1e-12, atol=0)
    assert np.all(np.linalg.eigvalsh(g) > 0)


def test_metric_broadcasts_over_batches(family: StatisticalManifold) -> None:
    rng = np.random.default_rng(1)
    pts = family.random_point(rng, (2, 3))
    g = family.metric_matrix(pts)
    assert g.shape == (2, 3, family.dim, family.dim)
    np.testing.assert_allclose(g[1, 2], family.metric_matrix(pts[1, 2]), rtol=1e-13)


def test_christoffels_symmetric_and_match_koszul(charted: StatisticalManifold) -> None:
    rng = np.random.default_rng(2)
    pts = charted.random_point(rng, N_POINTS)
    gamma = charted.christoffels(pts)
    np.testing.assert_allclose(gamma, np.swapaxes(gamma, -1, -2), rtol=1e-8, atol=1e-10)
    # finite differences of the metric; their error, estimated by halving the step, can
    # be amplified by g⁻¹ where the chart is badly scaled
    reference, error = koszul_with_error(charted.metric_matrix, pts)
    scale = np.max(np.abs(reference), axis=(-1, -2, -3), keepdims=True) + 1.0
    assert np.all(np.abs(gamma - reference) <= 1e-6 * scale + 10 * error)


def test_exp_log_roundtrip(charted: StatisticalManifold) -> None:
    rng = np.random.default_rng(3)
    a, b = nearby_pairs(charted, rng, N_POINTS)
    v = charted.log(b, a)
    np.testing.assert_allclose(charted.exp(v, a), b, rtol=1e-7, atol=1e-9)


def test_dist_is_a_metric(family: StatisticalManifold) -> None:
    rng = np.random.default_rng(4)
    a, b, c = (family.random_point(rng, N_POINTS) for _ in range(3))
    dab, dba = family.dist(a, b), family.dist(b, a)
    np.testing.assert_allclose(dab, dba, rtol=1e-7)
    np.testing.assert_allclose(family.dist(a, a), 0.0, atol=1e-7)
    assert np.all(dab <= family.dist(a, c) + family.dist(c, b) + 1e-8)


def test_dist_equals_norm_of_log(family: StatisticalManifold) -> None:
    rng = np.random.default_rng(5)
    a, b = nearby_pairs(family, rng, N_POINTS, scale=0.7)
    np.testing.assert_allclose(family.norm(family.log(b, a), a), family.dist(a, b), rtol=1e-7)


def test_closed_form_dist_equals_shooting(family: StatisticalManifold) -> None:
    rng = np.random.default_rng(6)
    a, b = nearby_pairs(family, rng, 4, scale=0.8)
    result = family.log_shooting(b, a)
    assert result.success, result.message
    shooting = np.sqrt(np.einsum("...i,...ij,...j->...", result.tangent_vec,
                                 family.metric_matrix(a), result.tangent_vec))
    np.testing.assert_allclose(family.dist(a, b), shooting, rtol=1e-7)


def test_geodesic_speed_is_constant(charted: StatisticalManifold) -> None:
    rng = np.random.default_rng(7)
    a, b = nearby_pairs(charted, rng, 3, scale=0.6)
    v = charted.log(b, a)
    t = np.linspace(0.0, 1.0, 9)
    path = charted.geodesic(a, initial_tangent_vec=v)(t)  # [3, 9, dim]
    np.testing.assert_allclose(path[:, -1], b, rtol=1e-7, atol=1e-9)
    # speed by central differences along the path: O(dt²) error, dt = 1e-5
    eps = 1e-5
    tm = np.clip(t, eps, 1 - eps)
    fwd = charted.geodesic(a, initial_tangent_vec=v)(tm + eps)
    bwd = charted.geodesic(a, initial_tangent_vec=v)(tm - eps)
    vel = (fwd - bwd) / (2 * eps)
    speed = charted.norm(vel, charted.geodesic(a, initial_tangent_vec=v)(tm))
    np.testing.assert_allclose(speed, charted.norm(v, a)[:, None] * np.ones_like(speed),
                               rtol=1e-6)


def test_kl_nonnegative_and_quadratic_for_small_steps(family: StatisticalManifold) -> None:
    rng = np.random.default_rng(8)
    a, b = family.random_point(rng, N_POINTS), family.random_point(rng, N_POINTS)
    assert np.all(family.kl_divergence(a, b) >= -1e-12)
    np.testing.assert_allclose(family.kl_divergence(a, a), 0.0, atol=1e-10)
    delta = rng.normal(size=a.shape)
    delta *= 1e-3 / family.norm(delta, a)[..., None]
    kl = family.kl_divergence(a, a + delta)
    quad = 0.5 * family.squared_norm(delta, a)
    # KL = ½ δᵀIδ + O(|δ|³): relative error O(|δ|) = 1e-3
    np.testing.assert_allclose(kl, quad, rtol=5e-3)


def test_monte_carlo_score_identities(charted: StatisticalManifold) -> None:
    """E[score] = 0 and E[score scoreᵀ] = I, within 4 standard errors."""
    rng = np.random.default_rng(9)
    theta = charted.random_point(rng)
    n = 40_000
    s = charted.score(charted.sample(theta, n, rng), theta)  # [n, dim]
    mean, se = s.mean(0), s.std(0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(mean) <= 4 * se + 1e-12), (mean, se)
    outer = s[:, :, None] * s[:, None, :]
    fisher, se2 = outer.mean(0), outer.std(0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(fisher - charted.metric_matrix(theta)) <= 4 * se2 + 1e-12)


def test_log_prob_hessian_matches_metric_in_expectation(charted: StatisticalManifold) -> None:
    rng = np.random.default_rng(10)
    theta = charted.random_point(rng)
    n = 40_000
    h = -charted.log_prob_hessian(charted.sample(theta, n, rng), theta)
    mean, se = h.mean(0), h.std(0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(mean - charted.metric_matrix(theta)) <= 4 * se + 1e-8)


def test_charts_roundtrip_and_pullback(family: StatisticalManifold) -> None:
    rng = np.random.default_rng(11)
    x = family.random_point(rng, N_POINTS)
    for name in family.chart_names:
        y = family.change_chart(x, name)
        other = family.in_chart(name)
        np.testing.assert_allclose(other.change_chart(y, family.chart.name), x, rtol=1e-10)
        np.testing.assert_allclose(other.dist(y, y[::-1]), family.dist(x, x[::-1]),
                                   rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(other.kl_divergence(y, y[::-1]),
                                   family.kl_divergence(x, x[::-1]), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_points_rejected(family: StatisticalManifold, bad: float) -> None:
    rng = np.random.default_rng(12)
    pt = family.random_point(rng)
    pt[..., 0] = bad
    for method in (family.metric_matrix, family.christoffels):
        with pytest.raises(ValueError, match="theta"):
            method(pt)


def test_wrong_dimension_rejected(family: StatisticalManifold) -> None:
    with pytest.raises(ValueError, match=r"shape \[\.\.\., "):
        family.metric_matrix(np.ones(family.dim + 1))
