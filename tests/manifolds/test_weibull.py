"""Weibull family: the closed forms against quadrature, Monte Carlo and an mpmath reference.

The generic suites (declared registry) check it further: symbolic twin (catalogue
``weibull``), score identities by Monte Carlo, every tensor in every chart, Fisher
quadrature in every chart, scipy round trip and log-density, edges and bad input.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from scipy import integrate, stats

from infogeo.manifolds import StatisticalManifold, Weibull

W = Weibull()
PTS = np.array([[2.0, 1.5], [0.7, 0.4], [4.5, 3.0]])


def quad_expectation(func, k: float, lam: float) -> float:  # noqa: ANN001
    """E[func(x)] under W(k, λ), integrated in u = (x/λ)^k ~ Exp(1) (no endpoint
    singularity whatever k)."""
    def integrand(u: float) -> float:
        return func(lam * u ** (1.0 / k)) * np.exp(-u)

    return integrate.quad(integrand, 0.0, np.inf, epsabs=1e-13, epsrel=1e-12, limit=200)[0]


@pytest.mark.parametrize("point", PTS.tolist())
def test_metric_and_skewness_match_quadrature(point: list[float]) -> None:
    k, lam = point

    def moments(u: float) -> np.ndarray:  # s⊗s and s⊗s⊗s at x = λ u^{1/k}, u ~ Exp(1)
        x = lam * u ** (1.0 / k)
        if x == 0.0:  # the endpoint (a set of measure zero)
            return np.zeros(12)
        s = W.score(np.array([x]), point)[0]
        return np.concatenate([np.outer(s, s).ravel(), np.einsum("i,j,k->ijk", s, s, s).ravel()]
                              ) * np.exp(-u)

    values = integrate.quad_vec(moments, 0.0, np.inf, epsabs=1e-13, epsrel=1e-12)[0]
    metric, skew = values[:4].reshape(2, 2), values[4:].reshape(2, 2, 2)
    np.testing.assert_allclose(W.metric_matrix(point), metric, rtol=1e-9)
    np.testing.assert_allclose(W.skewness_tensor(point), skew, rtol=1e-8,
                               atol=1e-10 * np.abs(skew).max())


def test_kl_matches_quadrature_and_an_mpmath_reference() -> None:
    p, q = PTS[0], PTS[1]
    expected = quad_expectation(lambda x: (W.log_prob(np.array([x]), p)
                                           - W.log_prob(np.array([x]), q))[0], *p)
    np.testing.assert_allclose(W.kl_divergence(p, q), expected, rtol=1e-9)
    mp.mp.dps = 40

    def bauckhage(a, b):  # noqa: ANN001, ANN202 - arXiv:1310.3713, eq. (8), in mpmath
        (k1, l1), (k2, l2) = (list(map(mp.mpf, v)) for v in (a, b))
        return (mp.log(k1 / l1**k1) - mp.log(k2 / l2**k2) + (k1 - k2) * (mp.log(l1) - mp.euler / k1)
                + (l1 / l2) ** k2 * mp.gamma(k2 / k1 + 1) - 1)

    for a, b in [(p, q), (p, p * (1 + 1e-9)), ([1e-4, 1e-8], [1e4, 1e8]), ([3.0, 2.0], [3.0, 2.0])]:
        reference = float(bauckhage(list(map(float, a)), list(map(float, b))))
        np.testing.assert_allclose(W.kl_divergence(a, b), reference, rtol=1e-12, atol=1e-300)


def test_log_prob_and_score_match_scipy() -> None:
    x = np.array([0.05, 0.7, 1.3, 4.0])[:, None]
    np.testing.assert_allclose(W.log_prob(x, PTS), stats.weibull_min(PTS[:, 0], scale=PTS[:, 1])
                               .logpdf(x), rtol=1e-12)
    h = 1e-6
    for i in range(2):
        step = np.zeros(2)
        step[i] = h
        fd = (W.log_prob(x, PTS + step) - W.log_prob(x, PTS - step)) / (2 * h)
        np.testing.assert_allclose(W.score(x, PTS)[..., i], fd, rtol=1e-7, atol=1e-8)


def test_closed_form_geodesics_match_the_geodesic_ode() -> None:
    rng = np.random.default_rng(7)
    v = rng.normal(size=PTS.shape)
    v *= 0.8 / W.norm(v, PTS)[:, None]
    np.testing.assert_allclose(W.exp(v, PTS), StatisticalManifold._exp(W, v, PTS),
                               rtol=1e-8)
    # the distance is the length of the logarithm, and exp inverts log
    b = W.exp(v, PTS)
    np.testing.assert_allclose(W.dist(PTS, b), 0.8, rtol=1e-12)
    np.testing.assert_allclose(W.log(b, PTS), v, rtol=1e-10, atol=1e-12)


def test_curvature_is_minus_six_over_pi_squared() -> None:
    np.testing.assert_allclose(W.scalar_curvature(PTS), -12 / np.pi**2, rtol=1e-6)
    halfplane = W.in_chart("halfplane")
    y = W.change_chart(PTS, "halfplane")
    sigma = y[:, 1]
    expected = np.stack([np.diag([1.0, np.pi**2 / 6]) / s**2 for s in sigma])
    np.testing.assert_allclose(halfplane.metric_matrix(y), expected, rtol=1e-12,
                               atol=1e-14 * np.abs(expected).max())


def test_shape_one_is_the_exponential_family_of_scales() -> None:
    from infogeo.manifolds import Exponential

    rate = Exponential().in_chart("scale")
    lam = np.array([[0.5], [2.0]])
    g = W.metric_matrix(np.concatenate([np.ones_like(lam), lam], axis=-1))
    np.testing.assert_allclose(g[:, 1, 1], rate.metric_matrix(lam)[:, 0, 0], rtol=1e-14)


def test_small_shapes_sample_in_log_space() -> None:
    rng = np.random.default_rng(3)
    k = 0.05  # log x spans hundreds of units: x^k, not x, is what a sampler must draw
    draws = W.sample([k, 1.0], 4000, rng)
    assert np.all(draws > 0) and np.all(np.isfinite(draws))
    # log x = log λ + log(E)/k: mean −γ/k, standard deviation π/(√6 k)
    log_mean = np.mean(np.log(draws))
    se = np.pi / np.sqrt(6) / k / np.sqrt(len(draws))
    assert abs(log_mean + np.euler_gamma / k) < 4 * se
