"""Sphere-of-roots geometry against closed forms (Bhattacharyya coefficients of known
families; T. Kailath, IEEE Trans. Commun. Technol. 15, 1967) and sphere identities."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import infogeo as ig
from infogeo import nonparametric as npg

X = np.linspace(-14.0, 14.0, 2801)
W = npg.grid_weights(X)


def normal_bc(m1: float, s1: float, m2: float, s2: float) -> float:
    """BC of two normals (Kailath 1967)."""
    v = s1**2 + s2**2
    return float(np.sqrt(2 * s1 * s2 / v) * np.exp(-((m1 - m2) ** 2) / (4 * v)))


def normal_distance(m1: float, s1: float, m2: float, s2: float) -> float:
    """2 arccos BC written as 4 arcsin(sqrt((1 - BC)/2)), 1 - BC without cancellation."""
    v = s1**2 + s2**2
    log_bc = 0.5 * np.log1p(-((s1 - s2) ** 2) / v) - (m1 - m2) ** 2 / (4 * v)
    return float(4 * np.arcsin(np.sqrt(-np.expm1(log_bc) / 2)))


@pytest.mark.parametrize("m1, s1, m2, s2", [(0, 1, 1, 1), (0.3, 0.7, -1.2, 1.9),
                                            (2, 0.5, 2, 1.6), (0, 1, 0, 1.0001)])
def test_distance_between_normals_is_the_bhattacharyya_angle(m1, s1, m2, s2) -> None:
    p, q = stats.norm.pdf(X, m1, s1), stats.norm.pdf(X, m2, s2)
    expected = normal_distance(m1, s1, m2, s2)
    assert npg.fisher_rao_distance(p, q, W) == pytest.approx(expected, rel=1e-8)
    assert npg.bhattacharyya_coefficient(p, q, W) == pytest.approx(
        normal_bc(m1, s1, m2, s2), rel=1e-10)


def test_distance_between_bivariate_normals_on_a_2d_grid() -> None:
    # BC = exp(-D_B), D_B = (1/8) dm' S^-1 dm + (1/2) log(det S / sqrt(det S1 det S2))
    m1, m2 = np.array([0.0, 0.5]), np.array([1.0, -0.5])
    s1 = np.array([[1.0, 0.3], [0.3, 0.8]])
    s2 = np.array([[1.5, -0.4], [-0.4, 1.2]])
    s = 0.5 * (s1 + s2)
    dm = m1 - m2
    d_b = dm @ np.linalg.solve(s, dm) / 8 + 0.5 * np.log(
        np.linalg.det(s) / np.sqrt(np.linalg.det(s1) * np.linalg.det(s2)))
    axis = np.linspace(-9, 9, 301)
    xy = np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1)
    w2 = npg.grid_weights(axis, axis)
    p = stats.multivariate_normal(m1, s1).pdf(xy)
    q = stats.multivariate_normal(m2, s2).pdf(xy)
    assert w2.shape == p.shape == (301, 301)
    assert npg.fisher_rao_distance(p, q, w2) == pytest.approx(2 * np.arccos(np.exp(-d_b)),
                                                              rel=1e-9)


def test_discrete_families_on_the_counting_measure() -> None:
    k = np.arange(0, 200)
    ones = np.ones(k.size)
    lam1, lam2 = 3.0, 7.5
    d = npg.fisher_rao_distance(stats.poisson.pmf(k, lam1), stats.poisson.pmf(k, lam2), ones)
    assert d == pytest.approx(2 * np.arccos(np.exp(-0.5 * (np.sqrt(lam1) - np.sqrt(lam2)) ** 2)),
                              rel=1e-12)
    cat = ig.manifolds.Categorical(4)
    a, b = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.25, 0.25, 0.4, 0.1])
    assert npg.fisher_rao_distance(a, b, np.ones(4)) == pytest.approx(
        float(cat.dist(cat.from_probabilities(a), cat.from_probabilities(b))), rel=1e-12)


def test_exponential_rates_on_a_double_exponential_grid() -> None:
    m = ig.manifolds.Exponential()
    grid = npg.family_grid(m, np.array([1.0]), 401)
    p = npg.family_density(m, np.array([0.7]), grid)
    q = npg.family_density(m, np.array([3.1]), grid)
    expected = 2 * np.arccos(2 * np.sqrt(0.7 * 3.1) / (0.7 + 3.1))
    assert npg.fisher_rao_distance(p, q, grid.weights) == pytest.approx(expected, rel=1e-10)


def test_histograms_are_categorical_and_converge() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 200_000), rng.normal(1, 1, 200_000)
    hp, widths, _ = npg.histogram_density(a, bins=40, range=(-4, 5))
    hq, _, _ = npg.histogram_density(b, bins=40, range=(-4, 5))
    mp, mq = hp * widths, hq * widths
    assert np.sum(mp) == pytest.approx(1.0)
    expected = 2 * np.arccos(np.sum(np.sqrt(mp * mq)))  # the categorical distance
    assert npg.fisher_rao_distance(hp, hq, widths) == pytest.approx(float(expected), rel=1e-10)
    # 200 000 samples per histogram: within a few standard errors of the continuous
    # distance (binning bias O(width^2) ~ 1e-3 here, sampling error ~ 1e-3)
    assert npg.fisher_rao_distance(hp, hq, widths) == pytest.approx(
        normal_distance(0, 1, 1, 1), abs=1e-2)


def test_geodesic_is_a_unit_speed_great_circle() -> None:
    p, q = stats.norm.pdf(X, -1, 0.8), stats.gamma.pdf(X, 3.0, loc=-2)
    d = npg.fisher_rao_distance(p, q, W)
    ts = np.array([0.0, 0.25, 0.5, 1.0])
    path = npg.geodesic(p, q, ts, W)
    assert path.shape == (4, X.size)
    assert np.allclose(np.sum(W * path, axis=-1), 1.0, atol=1e-12)
    assert np.allclose(npg.fisher_rao_distance(p, path, W), ts * d, atol=1e-10)
    assert np.allclose(path[-1], q / np.sum(W * q), atol=1e-12)
    assert np.all(path[:, X < -2] >= 0)  # q = 0 there: the path keeps p's share, shrinking
    # with full supports the circle continues past q at the same speed
    r = stats.norm.pdf(X, 1, 1.3)
    ext = npg.geodesic(p, r, 1.3, W)
    assert npg.fisher_rao_distance(p, ext, W) == pytest.approx(
        1.3 * npg.fisher_rao_distance(p, r, W), rel=1e-9)
    mid = npg.geodesic(p, q, 0.5, W)
    assert npg.fisher_rao_distance(mid, q, W) == pytest.approx(d / 2, rel=1e-10)


def test_exp_and_log_invert_each_other() -> None:
    p, q = stats.norm.pdf(X, 0, 1), stats.norm.pdf(X, 1.5, 0.6)
    u = npg.log(q, p, W)
    assert np.sum(W * u) == pytest.approx(0.0, abs=1e-13)
    assert npg.norm(u, p, W) == pytest.approx(npg.fisher_rao_distance(p, q, W), rel=1e-10)
    assert np.max(np.abs(npg.exp(u, p, W) - q)) < 1e-10
    # the other way round: a tangent vector survives exp then log
    v = 0.3 * (X * p - np.sum(W * X * p) * p)
    assert np.max(np.abs(npg.log(npg.exp(v, p, W), p, W) - v)) < 1e-10
    # the metric: <u, v>_p = int u v / p, and polarization of the norm
    ip = npg.inner_product(u, v, p, W)
    assert ip == pytest.approx(np.sum(W * u * v / p), rel=1e-10)
    assert 4 * ip == pytest.approx(npg.norm(u + v, p, W) ** 2 - npg.norm(u - v, p, W) ** 2,
                                   rel=1e-9)


def test_frechet_mean_of_two_is_the_geodesic_midpoint() -> None:
    p, q = stats.norm.pdf(X, -2, 1), stats.norm.pdf(X, 2, 0.5)
    res = npg.frechet_mean(np.stack([p, q]), W)
    assert res.converged, res.message
    assert np.max(np.abs(res.mean - npg.geodesic(p, q, 0.5, W))) < 1e-9
    assert res.variance == pytest.approx(npg.fisher_rao_distance(p, q, W) ** 2 / 4, rel=1e-9)


def test_frechet_mean_is_a_minimum_of_the_variance() -> None:
    rng = np.random.default_rng(3)
    dens = np.stack([stats.norm.pdf(X, m, s) for m, s in
                     zip(rng.normal(0, 1.5, 6), rng.uniform(0.5, 2, 6), strict=True)])
    alpha = rng.uniform(0.2, 1, 6)
    res = npg.frechet_mean(dens, W, sample_weights=alpha)
    assert res.converged and res.gradient_norm < 1e-12
    alpha = alpha / alpha.sum()

    def variance(m: np.ndarray) -> float:
        return float(np.sum(alpha * npg.fisher_rao_distance(m, dens, W) ** 2))

    assert variance(res.mean) == pytest.approx(res.variance, rel=1e-10)
    for k in range(4):  # every direction increases it, at second order
        u = npg.log(dens[k], res.mean, W)
        for s in (0.05, -0.05):
            assert variance(npg.exp(s * u, res.mean, W)) > res.variance


def test_batches_broadcast() -> None:
    p = np.stack([stats.norm.pdf(X, m, 1) for m in (0.0, 1.0, 2.0)])
    d = npg.fisher_rao_distance(p, p[0], W)
    assert d.shape == (3,)
    assert d[0] == 0.0
    assert d[2] == pytest.approx(2 * np.arccos(normal_bc(0, 1, 2, 1)), rel=1e-9)


def test_weighted_samples_distance_within_its_standard_error() -> None:
    # samples from a wide proposal r; the estimate is unbiased for BC with a known error
    p, q, r = stats.norm(0, 1), stats.norm(1.2, 0.7), stats.norm(0.5, 2.0)
    truth_bc = normal_bc(0, 1, 1.2, 0.7)
    z = []
    for seed in range(20):
        x = r.rvs(4000, random_state=np.random.default_rng(seed))
        est = npg.bhattacharyya_from_samples(p.logpdf(x), q.logpdf(x), r.logpdf(x))
        z.append((est.mean - truth_bc) / est.stderr)
    z = np.array(z)
    assert np.all(np.abs(z) < 4.5) and abs(z.mean()) < 4.5 / np.sqrt(len(z)) * 1.5
    x = r.rvs(40_000, random_state=np.random.default_rng(99))
    d = npg.fisher_rao_distance_from_samples(p.logpdf(x), q.logpdf(x), r.logpdf(x))
    assert abs(d.mean - 2 * np.arccos(truth_bc)) < 4.5 * d.stderr
    # the same samples as a quadrature: self-normalized importance weights
    w = npg.importance_weights(r.logpdf(x))
    d_q = npg.fisher_rao_distance(p.pdf(x), q.pdf(x), w)
    assert abs(d_q - 2 * np.arccos(truth_bc)) < 10 * d.stderr
