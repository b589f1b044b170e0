"""Normal family: closed forms from REFERENCE.md (Amari & Nagaoka 2000; Costa et al. 2012)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from infogeo.manifolds import Normal

RNG = np.random.default_rng(20)
PTS = Normal().random_point(RNG, 5)


def test_metric_in_every_chart_matches_reference() -> None:
    n = Normal()
    mu, sigma = PTS[:, 0], PTS[:, 1]
    var = sigma**2
    np.testing.assert_allclose(n.metric_matrix(PTS),
                               np.stack([np.diag([1 / s**2, 2 / s**2]) for s in sigma]))
    mv = n.in_chart("mu_var")
    np.testing.assert_allclose(mv.metric_matrix(n.change_chart(PTS, "mu_var")),
                               np.stack([np.diag([1 / v, 1 / (2 * v**2)]) for v in var]))
    nat = n.in_chart("natural")
    expected = np.stack([[[v, 2 * m * v], [2 * m * v, 2 * v**2 + 4 * m**2 * v]]
                         for m, v in zip(mu, var, strict=True)])
    np.testing.assert_allclose(nat.metric_matrix(n.change_chart(PTS, "natural")), expected,
                               rtol=1e-12)
    ex = n.in_chart("expectation")
    np.testing.assert_allclose(ex.metric_matrix(n.change_chart(PTS, "expectation")),
                               np.linalg.inv(expected), rtol=1e-9)


def test_metric_matches_quadrature() -> None:
    n = Normal()
    theta = PTS[0]
    def integrand(x: float) -> np.ndarray:
        s = n.score(x, theta)
        return np.outer(s, s) * np.exp(n.log_prob(x, theta))
    quad, _ = integrate.quad_vec(integrand, -np.inf, np.inf, epsabs=1e-13)
    np.testing.assert_allclose(quad, n.metric_matrix(theta), rtol=1e-8, atol=1e-12)


def test_christoffels_reference_values_mu_var() -> None:
    mv = Normal().in_chart("mu_var")
    v = 2.5
    gamma = mv.christoffels([0.3, v])
    np.testing.assert_allclose(gamma[0, 0, 1], -1 / (2 * v), rtol=1e-8)
    np.testing.assert_allclose(gamma[1, 0, 0], 1.0, rtol=1e-8)
    np.testing.assert_allclose(gamma[1, 1, 1], -1 / v, rtol=1e-8)


@pytest.mark.parametrize("alpha", [-1.0, -0.5, 0.0, 0.5, 1.0])
def test_alpha_connection_reference(alpha: float) -> None:
    n = Normal()
    sigma = 1.7
    g = n.alpha_christoffels([0.2, sigma], alpha)
    np.testing.assert_allclose(g[0, 0, 1], -(1 + alpha) / sigma, rtol=1e-12)
    np.testing.assert_allclose(g[1, 0, 0], (1 - alpha) / (2 * sigma), rtol=1e-12)
    np.testing.assert_allclose(g[1, 1, 1], -(1 + 2 * alpha) / sigma, rtol=1e-12)


def test_e_flat_in_natural_and_m_flat_in_expectation() -> None:
    n = Normal()
    nat = n.in_chart("natural")
    ex = n.in_chart("expectation")
    for chart, alpha in ((nat, 1.0), (ex, -1.0)):
        pts = n.change_chart(PTS, chart.chart.name)
        # zero up to the finite-difference error of the chart's second derivatives
        scale = np.abs(chart.christoffels(pts)).max()
        np.testing.assert_allclose(chart.alpha_christoffels(pts, alpha), 0, atol=1e-8 * scale)


def test_skewness_matches_monte_carlo() -> None:
    n = Normal()
    theta = np.array([0.4, 1.3])
    rng = np.random.default_rng(21)
    s = n.score(n.sample(theta, 200_000, rng), theta)
    t = np.einsum("ni,nj,nk->nijk", s, s, s)
    se = t.std(0, ddof=1) / np.sqrt(len(s))
    assert np.all(np.abs(t.mean(0) - n.skewness_tensor(theta)) <= 4 * se)


def test_distance_reference_and_scale() -> None:
    n = Normal()
    np.testing.assert_allclose(n.dist([0.0, 1.0], [0.0, 2.0]), np.sqrt(2) * np.log(2))
    a, b = PTS[:3], PTS[2:]
    expected = np.sqrt(2) * np.arccosh(1 + ((a[:, 0] - b[:, 0]) ** 2 / 2
                                            + (a[:, 1] - b[:, 1]) ** 2) / (2 * a[:, 1] * b[:, 1]))
    np.testing.assert_allclose(n.dist(a, b), expected, rtol=1e-12)


def test_kl_matches_scipy_quadrature() -> None:
    n = Normal()
    p, q = np.array([0.3, 0.8]), np.array([-1.0, 1.9])
    fp, fq = stats.norm(*p), stats.norm(*q)
    kl, _ = integrate.quad(lambda x: fp.pdf(x) * (fp.logpdf(x) - fq.logpdf(x)), -np.inf, np.inf)
    np.testing.assert_allclose(n.kl_divergence(p, q), kl, rtol=1e-9)


def test_log_prob_matches_scipy() -> None:
    n = Normal()
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(n.log_prob(x, [0.5, 1.5]), stats.norm(0.5, 1.5).logpdf(x))


@pytest.mark.parametrize("bad, chart, match", [
    ([0.0, -1.0], "mu_sigma", "sigma must be > 0"),
    ([0.0, 0.0], "mu_var", "var must be > 0"),
    ([1.0, 0.5], "natural", "theta2"),
    ([2.0, 1.0], "expectation", "eta2 - eta1"),
])
def test_bad_points_name_the_constraint(bad, chart, match) -> None:
    with pytest.raises(ValueError, match=match):
        Normal(chart=chart).metric_matrix(bad)


def test_bad_chart_and_rng() -> None:
    with pytest.raises(ValueError, match="chart must be one of"):
        Normal(chart="polar")
    with pytest.raises(TypeError, match="Generator"):
        Normal().sample([0.0, 1.0], 3, rng=0)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        Normal().sample([0.0, 1.0], 0, rng=np.random.default_rng(0))
