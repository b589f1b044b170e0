"""Categorical(k): sphere geometry (REFERENCE.md), sympy derivations, exact sums, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats
from scipy.spatial import geometric_slerp

from infogeo.manifolds import Categorical

RNG = np.random.default_rng(30)
FULL = RNG.dirichlet(np.full(4, 2.0), size=5)  # [5, 4] points of the open simplex


def test_metric_is_expected_score_outer_product_and_sympy() -> None:
    c = Categorical(4)
    x = c.from_probabilities(FULL)
    labels = np.arange(4.0)
    scores = c.score(labels[:, None], x)  # [4 labels, 5 points, 3]
    exact = np.einsum("pa,api,apj->pij", FULL, scores, scores)
    np.testing.assert_allclose(c.metric_matrix(x), exact, rtol=1e-12)
    minus_hess = -np.einsum("pa,apij->pij", FULL, c.log_prob_hessian(labels[:, None], x))
    np.testing.assert_allclose(c.metric_matrix(x), minus_hess, rtol=1e-12)
    # sympy: −E[∂²ℓ] with ℓ = log p_x and p_4 = 1 − p_1 − p_2 − p_3
    p = sp.symbols("p1:4", positive=True)
    full = [*p, 1 - sum(p)]
    g = sp.Matrix(3, 3, lambda i, j: -sum(q * sp.diff(sp.log(q), p[i], p[j]) for q in full))
    np.testing.assert_allclose(c.metric_matrix(x), sp.lambdify(p, g)(*x.T).transpose(2, 0, 1),
                               rtol=1e-12)


def test_score_is_derivative_of_log_probabilities() -> None:
    c = Categorical(3)
    x = c.from_probabilities(FULL[:, :3] / FULL[:, :3].sum(1, keepdims=True))
    h = 1e-6
    for label in range(3):
        numeric = np.stack([(np.log(_full(x + h * e))[:, label]
                             - np.log(_full(x - h * e))[:, label]) / (2 * h)
                            for e in np.eye(2)], axis=-1)
        np.testing.assert_allclose(c.score(np.full(5, label), x), numeric, rtol=1e-7)


def _full(x: np.ndarray) -> np.ndarray:
    return np.concatenate([x, 1 - x.sum(-1, keepdims=True)], axis=-1)


def test_christoffels_and_skewness_match_sympy_koszul() -> None:
    p = sp.symbols("p1:3", positive=True)
    full = [*p, 1 - sum(p)]
    g = sp.Matrix(2, 2, lambda i, j: sum(sp.diff(q, p[i]) * sp.diff(q, p[j]) / q for q in full))
    ginv = g.inv()
    gamma = [[[sp.simplify(sum(ginv[k, m] * (sp.diff(g[j, m], p[i]) + sp.diff(g[i, m], p[j])
                                             - sp.diff(g[i, j], p[m])) / 2 for m in range(2)))
               for j in range(2)] for i in range(2)] for k in range(2)]
    skew = [[[sum(q * sp.diff(sp.log(q), p[i]) * sp.diff(sp.log(q), p[j])
                  * sp.diff(sp.log(q), p[k]) for q in full) for k in range(2)]
             for j in range(2)] for i in range(2)]
    c = Categorical(3)
    x = c.random_point(RNG, 4)
    np.testing.assert_allclose(c.christoffels(x),
                               np.moveaxis(np.array(sp.lambdify(p, gamma)(*x.T)), -1, 0),
                               rtol=1e-11)
    np.testing.assert_allclose(c.skewness_tensor(x),
                               np.moveaxis(np.array(sp.lambdify(p, skew)(*x.T)), -1, 0),
                               rtol=1e-11)


@pytest.mark.parametrize("k", [3, 4, 5])
def test_scalar_curvature_of_the_radius_2_sphere(k: int) -> None:
    c = Categorical(k)
    np.testing.assert_allclose(c.scalar_curvature(c.random_point(RNG, 3)),
                               (k - 1) * (k - 2) / 4, rtol=1e-6)


def test_distance_is_twice_the_great_circle_angle() -> None:
    c = Categorical(4)
    a, b = FULL, FULL[::-1]
    d = c.dist(c.from_probabilities(a), c.from_probabilities(b))
    np.testing.assert_allclose(d, 2 * np.arccos(np.sum(np.sqrt(a * b), axis=1)), rtol=1e-10)
    # sphere of radius 2: distance = 2 × angle between the unit vectors √p and √q
    ua, ub = np.sqrt(a), np.sqrt(b)
    cos = np.sum(ua * ub, 1)
    angle = np.arctan2(np.linalg.norm(ub - cos[:, None] * ua, axis=1), cos)
    np.testing.assert_allclose(d, 2 * angle, rtol=1e-10)


def test_geodesic_is_the_slerp_and_its_length_is_the_distance() -> None:
    c = Categorical(3)
    pa, pb = np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.3, 0.1])
    a, b = c.from_probabilities(pa), c.from_probabilities(pb)
    t = np.linspace(0, 1, 7)
    path = c.geodesic(a, end_point=b)(t)
    slerp = geometric_slerp(np.sqrt(pa), np.sqrt(pb), t) ** 2  # great circle on the sphere
    np.testing.assert_allclose(path, slerp[:, :2], rtol=1e-10, atol=1e-12)

    def speed(s: float) -> float:  # |d/ds slerp| in the Fisher metric, by central differences
        h = 1e-6
        p1, p0 = (geometric_slerp(np.sqrt(pa), np.sqrt(pb), [s + h, s - h]) ** 2)[:, :2]
        v = (p1 - p0) / (2 * h)
        mid = geometric_slerp(np.sqrt(pa), np.sqrt(pb), [s])[0] ** 2
        return float(np.sqrt(v @ c.metric_matrix(mid[:2]) @ v))

    eps = 1e-6  # the slerp is defined on [0, 1] only; a geodesic covers (1 − 2ε) d there
    length, _ = integrate.quad(speed, eps, 1 - eps, epsabs=1e-10)
    np.testing.assert_allclose(length, (1 - 2 * eps) * c.dist(a, b), rtol=1e-8)


def test_exp_log_roundtrip_and_leaving_the_simplex() -> None:
    c = Categorical(4)
    a, b = c.from_probabilities(FULL), c.from_probabilities(FULL[::-1])
    v = c.log(b, a)
    np.testing.assert_allclose(c.exp(v, a), b, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(c.norm(v, a), c.dist(a, b), rtol=1e-10)
    with pytest.raises(ValueError, match="leaves the probability simplex"):
        c.exp(3 * v, a)
    with pytest.raises(ValueError, match="leaves the probability simplex"):
        c.exp([0.0, 0.0, -40.0], c.from_probabilities([0.25, 0.25, 0.25, 0.25]))


def test_natural_chart_metric_is_the_one_hot_covariance() -> None:
    c = Categorical(4)
    nat = c.in_chart("natural")
    theta = c.change_chart(c.from_probabilities(FULL), "natural")
    np.testing.assert_allclose(theta, np.log(FULL[:, :3] / FULL[:, 3:]), rtol=1e-12)
    p = FULL[:, :3]
    cov = p[:, :, None] * np.eye(3) - p[:, :, None] * p[:, None, :]
    np.testing.assert_allclose(nat.metric_matrix(theta), cov, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(nat.alpha_christoffels(theta, 1.0), 0.0, atol=1e-7)
    np.testing.assert_allclose(c.alpha_christoffels(c.from_probabilities(FULL), -1.0), 0.0,
                               atol=1e-9)
    sphere = c.in_chart("sphere")
    xi = c.change_chart(c.from_probabilities(FULL), "sphere")
    # the sphere chart is a graph over ξ_1..ξ_3: g = I + ξξᵀ/ξ_4²
    xi4 = 2 * np.sqrt(FULL[:, 3])
    graph = np.eye(3) + xi[:, :, None] * xi[:, None, :] / xi4[:, None, None] ** 2
    np.testing.assert_allclose(sphere.metric_matrix(xi), graph, rtol=1e-10)


def test_kl_log_prob_and_sampling() -> None:
    c = Categorical(4)
    a, b = c.from_probabilities(FULL), c.from_probabilities(FULL[::-1])
    np.testing.assert_allclose(c.kl_divergence(a, b), stats.entropy(FULL.T, FULL[::-1].T),
                               rtol=1e-12)
    np.testing.assert_allclose(c.log_prob(np.arange(4.0)[:, None], a), np.log(FULL.T))
    rng = np.random.default_rng(31)
    draws = c.sample(a[0], 50_000, rng)
    freq = np.bincount(draws, minlength=4) / len(draws)
    se = np.sqrt(FULL[0] * (1 - FULL[0]) / len(draws))
    assert np.all(np.abs(freq - FULL[0]) <= 4 * se)


@pytest.mark.parametrize("bad, match", [
    ([0.5, -0.1, 0.6], "probabilities must be >= 0"),
    ([0.5, 0.2, 0.2], "must sum to 1"),
    ([0.5, 0.5], r"shape \[\.\.\., 3\]"),
    ([1.0, 0.0, 0.0], "probabilities.*must be > 0"),
])
def test_from_probabilities_validates(bad, match) -> None:
    with pytest.raises(ValueError, match=match):
        Categorical(3).from_probabilities(bad)


def test_bad_points_labels_and_sizes() -> None:
    c = Categorical(3)
    with pytest.raises(ValueError, match="last probability 1 - sum"):
        c.metric_matrix([0.6, 0.5])
    with pytest.raises(ValueError, match="theta: probabilities"):
        c.metric_matrix([0.0, 0.5])
    with pytest.raises(ValueError, match=r"shape \[\.\.\., 2\]"):
        c.metric_matrix([0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match=r"x \(labels\) must lie in the support"):
        c.log_prob([3.0], [0.2, 0.3])
    with pytest.raises(ValueError, match="integer"):
        c.log_prob([0.5], [0.2, 0.3])
    with pytest.raises(ValueError, match="sample_dim must be >= 2"):
        Categorical(1)
    with pytest.raises(ValueError, match="sum\\(xi_i\\^2\\)"):
        c.in_chart("sphere").metric_matrix([1.5, 1.5])
