"""Half-plane closed forms (halfplane.py) against the generic geodesic ODE and shooting.

The reference uses only the metric σ⁻²·diag(a, b): Christoffel symbols by the Koszul
formula with finite differences, exp by integrating the geodesic ODE, log by shooting.
"""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.manifolds.differential import (
    koszul_christoffels,
    ricci_from_riemann,
    riemann_from_christoffels,
    scalar_from_ricci,
)
from infogeo.manifolds.geodesic_solvers import integrate_geodesic, shoot_log
from infogeo.manifolds.halfplane import (
    halfplane_christoffels,
    halfplane_dist,
    halfplane_exp,
    halfplane_log,
    halfplane_metric,
)

AB = [(1.0, 2.0), (0.5, 0.5), (0.75, 1.25), (3.0, 0.2)]


def points(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.stack([rng.normal(0, 1.5, n), np.exp(rng.uniform(-1, 1, n))], axis=-1)


def ode_exp(v: np.ndarray, x: np.ndarray, a: float, b: float) -> np.ndarray:
    """exp by the geodesic ODE; its Christoffels are checked against Koszul separately."""
    end, _ = integrate_geodesic(lambda y: halfplane_christoffels(y, a, b), x, v,
                                np.array([1.0]))
    return end[:, 0]


@pytest.mark.parametrize("a, b", AB)
def test_christoffels_match_koszul(a: float, b: float) -> None:
    x = points(np.random.default_rng(0), 5)
    reference = koszul_christoffels(lambda z: halfplane_metric(z, a, b), x)
    np.testing.assert_allclose(halfplane_christoffels(x, a, b), reference, rtol=1e-8,
                               atol=1e-9)


@pytest.mark.parametrize("a, b", AB)
def test_scalar_curvature_is_minus_two_over_b(a: float, b: float) -> None:
    x = points(np.random.default_rng(1), 4)
    ricci = ricci_from_riemann(riemann_from_christoffels(
        lambda z: halfplane_christoffels(z, a, b), x))
    np.testing.assert_allclose(scalar_from_ricci(ricci, halfplane_metric(x, a, b)), -2 / b,
                               rtol=1e-7)


@pytest.mark.parametrize("a, b", AB)
def test_exp_matches_geodesic_ode(a: float, b: float) -> None:
    rng = np.random.default_rng(2)
    x = points(rng, 6)
    v = rng.normal(size=x.shape)
    np.testing.assert_allclose(halfplane_exp(v, x, a, b), ode_exp(v, x, a, b), rtol=1e-8,
                               atol=1e-10)


@pytest.mark.parametrize("a, b", AB)
def test_log_inverts_exp_and_dist_matches_shooting(a: float, b: float) -> None:
    rng = np.random.default_rng(3)
    x, y = points(rng, 3), points(rng, 3)
    v = halfplane_log(y, x, a, b)
    np.testing.assert_allclose(halfplane_exp(v, x, a, b), y, rtol=1e-10, atol=1e-12)
    # shooting on the ODE exp, independent of the closed forms
    res = shoot_log(lambda vv, xx: ode_exp(vv, xx, a, b), x, y)
    assert res.success, res.message
    np.testing.assert_allclose(res.tangent_vec, v, rtol=1e-6, atol=1e-8)
    g = halfplane_metric(x, a, b)
    length = np.sqrt(np.einsum("...i,...ij,...j->...", res.tangent_vec, g, res.tangent_vec))
    np.testing.assert_allclose(halfplane_dist(x, y, a, b), length, rtol=1e-7)


def test_dist_accurate_for_nearby_points() -> None:
    # d ≈ |v|_g for a tiny step: the log1p form must not lose the 1e-9 scale to rounding
    x = np.array([0.3, 1.7])
    v = np.array([2e-9, -1e-9])
    a, b = 0.75, 1.25
    expected = np.sqrt(v @ halfplane_metric(x, a, b) @ v)
    np.testing.assert_allclose(halfplane_dist(x, x + v, a, b), expected, rtol=1e-6)
