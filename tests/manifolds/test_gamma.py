"""Gamma family: REFERENCE.md closed forms (Arwini & Dodson 2008), sympy, quadrature."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, special, stats

from infogeo.manifolds import Gamma

from ._hessian_family_helpers import (
    monte_carlo_within,
    reference_log,
    sympy_metric_and_christoffels,
)

RNG = np.random.default_rng(30)
PTS = Gamma().random_point(RNG, 4)


def test_metric_matches_reference_in_base_and_shape_mean_charts() -> None:
    m = Gamma()
    alpha, beta = PTS[:, 0], PTS[:, 1]
    tri = special.polygamma(1, alpha)
    expected = np.stack([[[t, -1 / b], [-1 / b, a / b**2]]
                         for t, a, b in zip(tri, alpha, beta, strict=True)])
    np.testing.assert_allclose(m.metric_matrix(PTS), expected, rtol=1e-14)
    sm = m.in_chart("shape_mean")
    gamma_mean = alpha / beta
    expected_sm = np.stack([np.diag([t - 1 / a, a / g**2])
                            for t, a, g in zip(tri, alpha, gamma_mean, strict=True)])
    np.testing.assert_allclose(sm.metric_matrix(m.change_chart(PTS, "shape_mean")),
                               expected_sm, rtol=1e-12, atol=1e-15)


def test_metric_matches_quadrature_of_score_outer_product() -> None:
    m = Gamma()
    for theta in PTS[:2]:
        def integrand(x: float, i: int, j: int, theta=theta) -> float:
            s = m.score(x, theta)
            return s[i] * s[j] * np.exp(m.log_prob(x, theta))
        quad = np.array([[integrate.quad(integrand, 0, np.inf, args=(i, j), epsabs=1e-13,
                                         limit=200)[0] for j in range(2)] for i in range(2)])
        np.testing.assert_allclose(quad, m.metric_matrix(theta), rtol=1e-8, atol=1e-12)


def test_metric_and_christoffels_match_sympy_derivation() -> None:
    a, b, x = sp.symbols("alpha beta x", positive=True)
    log_density = a * sp.log(b) + (a - 1) * sp.log(x) - b * x - sp.loggamma(a)
    g_fn, gamma_fn = sympy_metric_and_christoffels(log_density, [a, b], [x])
    m = Gamma()
    for theta in PTS:
        np.testing.assert_allclose(m.metric_matrix(theta), g_fn(theta), rtol=1e-13)
        np.testing.assert_allclose(m.christoffels(theta), gamma_fn(theta), rtol=1e-11,
                                   atol=1e-14)


def test_skewness_matches_monte_carlo() -> None:
    m = Gamma()
    theta = np.array([2.3, 1.4])
    rng = np.random.default_rng(31)
    s = m.score(m.sample(theta, 200_000, rng), theta)
    monte_carlo_within(np.einsum("ni,nj,nk->nijk", s, s, s), m.skewness_tensor(theta))


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """Tight-tolerance log from PTS[:2] to PTS[2:], base chart (a few seconds)."""
    return reference_log(Gamma(), PTS[:2], PTS[2:])


@pytest.mark.parametrize("chart", Gamma().chart_names)
def test_log_and_dist_match_tight_reference(chart: str, reference: np.ndarray) -> None:
    m = Gamma()
    a, b = PTS[:2], PTS[2:]
    charted = m.in_chart(chart)
    ya, yb = m.change_chart(a, chart), m.change_chart(b, chart)
    jac = charted.chart.jacobian_at(ya)
    np.testing.assert_allclose(np.einsum("...ai,...i->...a", jac, charted.log(yb, ya)),
                               reference, rtol=1e-8, atol=1e-10)
    ref_dist = np.sqrt(np.einsum("...i,...ij,...j->...", reference, m.metric_matrix(a),
                                 reference))
    np.testing.assert_allclose(charted.dist(ya, yb), ref_dist, rtol=1e-9)


def test_kl_matches_quadrature() -> None:
    m = Gamma()
    p, q = PTS[0], PTS[1]
    fp, fq = m.to_scipy(p), m.to_scipy(q)
    kl, _ = integrate.quad(lambda x: fp.pdf(x) * (fp.logpdf(x) - fq.logpdf(x)), 0, np.inf,
                           epsabs=1e-13, limit=200)
    np.testing.assert_allclose(m.kl_divergence(p, q), kl, rtol=1e-8)


def test_log_prob_score_and_scipy_roundtrip() -> None:
    m = Gamma()
    x = np.linspace(0.1, 6.0, 7)
    theta = PTS[0]
    frozen = m.to_scipy(theta)
    np.testing.assert_allclose(m.log_prob(x, theta), frozen.logpdf(x), rtol=1e-13)
    np.testing.assert_allclose(m.from_scipy(frozen), theta, rtol=1e-14)
    np.testing.assert_allclose(m.from_scipy(stats.gamma(2.0, 0, 0.5)), [2.0, 2.0])
    sm = m.in_chart("shape_mean")
    np.testing.assert_allclose(sm.from_scipy(frozen), m.change_chart(theta, "shape_mean"))
    # score: central differences of scipy's log-density
    h = 1e-6
    fd = [(stats.gamma(theta[0] + h, scale=1 / theta[1]).logpdf(x)
           - stats.gamma(theta[0] - h, scale=1 / theta[1]).logpdf(x)) / (2 * h),
          (stats.gamma(theta[0], scale=1 / (theta[1] + h)).logpdf(x)
           - stats.gamma(theta[0], scale=1 / (theta[1] - h)).logpdf(x)) / (2 * h)]
    np.testing.assert_allclose(m.score(x, theta), np.stack(fd, axis=-1), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("bad, chart, match", [
    ([-1.0, 1.0], "shape_rate", "alpha .*must be > 0"),
    ([1.0, 0.0], "shape_rate", "beta .*must be > 0"),
    ([1.0, -2.0], "shape_scale", "scale must be > 0"),
    ([1.0, 0.0], "shape_mean", "mean must be > 0"),
    ([-1.5, -1.0], "natural", "theta1"),
    ([0.5, 1.0], "natural", "theta2"),
    ([1.0, 2.0, 3.0], "shape_rate", r"shape \[\.\.\., 2\]"),
])
def test_bad_points_name_the_constraint(bad, chart, match) -> None:
    with pytest.raises(ValueError, match=match):
        Gamma(chart=chart).metric_matrix(bad)


def test_bad_data_and_scipy_objects() -> None:
    m = Gamma()
    with pytest.raises(ValueError, match="x .*must be > 0"):
        m.log_prob([1.0, -0.5], [2.0, 1.0])
    with pytest.raises(ValueError, match="x .*must be > 0"):
        m.score(0.0, [2.0, 1.0])
    with pytest.raises(ValueError, match="dist must be a frozen scipy.stats.gamma"):
        m.from_scipy(stats.norm(0, 1))
    with pytest.raises(ValueError, match="loc=0"):
        m.from_scipy(stats.gamma(2.0, loc=1.0))
    with pytest.raises(ValueError, match="point_b"):
        m.dist([1.0, 1.0], [1.0, -1.0])
