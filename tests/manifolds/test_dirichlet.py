"""Dirichlet family: REFERENCE.md closed forms (Le Brigant et al. 2021), sympy, Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import special, stats

from infogeo.manifolds import Beta, Dirichlet

from ._hessian_family_helpers import (
    monte_carlo_within,
    reference_log,
    sympy_metric_and_christoffels,
)

RNG = np.random.default_rng(50)
PTS = Dirichlet(3).random_point(RNG, 4)


def test_metric_matches_reference() -> None:
    m = Dirichlet(3)
    for alpha in PTS:
        expected = np.diag(special.polygamma(1, alpha)) - special.polygamma(1, alpha.sum())
        np.testing.assert_allclose(m.metric_matrix(alpha), expected, rtol=1e-13)


def test_k2_is_the_beta_family() -> None:
    """Beta(a, b) is the first marginal of Dir(a, b): same metric, distance and KL."""
    pts = Beta().random_point(np.random.default_rng(51), 3)
    d2, beta = Dirichlet(2), Beta()
    np.testing.assert_allclose(d2.metric_matrix(pts), beta.metric_matrix(pts), rtol=1e-14)
    np.testing.assert_allclose(d2.kl_divergence(pts, pts[::-1]),
                               beta.kl_divergence(pts, pts[::-1]), rtol=1e-12)
    np.testing.assert_allclose(d2.dist(pts, pts[::-1]), beta.dist(pts, pts[::-1]), rtol=1e-9)
    x = np.array([0.2, 0.7])
    np.testing.assert_allclose(d2.log_prob(np.stack([x, 1 - x], -1), pts[0]),
                               beta.log_prob(x, pts[0]), rtol=1e-13)


def test_metric_matches_monte_carlo() -> None:
    m = Dirichlet(3)
    theta = PTS[0]
    rng = np.random.default_rng(52)
    s = m.score(m.sample(theta, 100_000, rng), theta)
    monte_carlo_within(s, np.zeros(3))
    monte_carlo_within(s[:, :, None] * s[:, None, :], m.metric_matrix(theta))


def test_metric_and_christoffels_match_sympy_derivation() -> None:
    alpha = sp.symbols("a1:4", positive=True)
    xs = sp.symbols("x1:4", positive=True)
    log_density = (sum((a - 1) * sp.log(x) for a, x in zip(alpha, xs, strict=True))
                   - sum(sp.loggamma(a) for a in alpha) + sp.loggamma(sum(alpha)))
    g_fn, gamma_fn = sympy_metric_and_christoffels(log_density, list(alpha), list(xs))
    m = Dirichlet(3)
    for theta in PTS[:2]:
        np.testing.assert_allclose(m.metric_matrix(theta), g_fn(theta), rtol=1e-13)
        np.testing.assert_allclose(m.christoffels(theta), gamma_fn(theta), rtol=1e-10,
                                   atol=1e-14)


def test_skewness_matches_monte_carlo() -> None:
    m = Dirichlet(3)
    theta = np.array([2.3, 1.4, 3.1])
    rng = np.random.default_rng(53)
    s = m.score(m.sample(theta, 200_000, rng), theta)
    monte_carlo_within(np.einsum("ni,nj,nk->nijk", s, s, s), m.skewness_tensor(theta))


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """Tight-tolerance log from PTS[:2] to PTS[2:], base chart (a few seconds)."""
    return reference_log(Dirichlet(3), PTS[:2], PTS[2:])


@pytest.mark.parametrize("chart", Dirichlet(3).chart_names)
def test_log_and_dist_match_tight_reference(chart: str, reference: np.ndarray) -> None:
    m = Dirichlet(3)
    a, b = PTS[:2], PTS[2:]
    charted = m.in_chart(chart)
    ya, yb = m.change_chart(a, chart), m.change_chart(b, chart)
    np.testing.assert_allclose(charted.log(yb, ya), reference, rtol=1e-8, atol=1e-10)
    ref_dist = np.sqrt(np.einsum("...i,...ij,...j->...", reference, m.metric_matrix(a),
                                 reference))
    np.testing.assert_allclose(charted.dist(ya, yb), ref_dist, rtol=1e-9)


def test_kl_matches_monte_carlo() -> None:
    m = Dirichlet(3)
    p, q = PTS[0], PTS[1]
    rng = np.random.default_rng(54)
    x = m.sample(p, 200_000, rng)
    monte_carlo_within(m.log_prob(x, p) - m.log_prob(x, q), m.kl_divergence(p, q))


def test_log_prob_sample_and_scipy_roundtrip() -> None:
    m = Dirichlet(3)
    theta = PTS[0]
    frozen = m.to_scipy(theta)
    x = m.sample(theta, 5, np.random.default_rng(55))
    np.testing.assert_allclose(m.log_prob(x, theta), [frozen.logpdf(xi) for xi in x],
                               rtol=1e-12)
    np.testing.assert_allclose(m.from_scipy(frozen), theta, rtol=1e-14)
    assert m.sample(PTS[:2], 7, np.random.default_rng(56)).shape == (7, 2, 3)
    with pytest.raises(ValueError, match="single point"):
        m.to_scipy(PTS[:2])


@pytest.mark.parametrize("bad, chart, match", [
    ([1.0, 0.0, 2.0], "alpha", "alpha must be > 0"),
    ([1.0, -1.5, 2.0], "natural", "theta"),
    ([1.0, 2.0], "alpha", r"shape \[\.\.\., 3\]"),
])
def test_bad_points_name_the_constraint(bad, chart, match) -> None:
    with pytest.raises(ValueError, match=match):
        Dirichlet(3, chart=chart).metric_matrix(bad)


def test_bad_data_and_arguments() -> None:
    m = Dirichlet(3)
    theta = [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="x must lie on the simplex"):
        m.log_prob([0.2, 0.2, 0.2], theta)
    with pytest.raises(ValueError, match="every component"):
        m.log_prob([0.0, 0.5, 0.5], theta)
    with pytest.raises(ValueError, match=r"x must have shape \[\.\.\., 3\]"):
        m.log_prob([0.5, 0.5], theta)
    with pytest.raises(ValueError, match="k must be >= 2"):
        Dirichlet(1)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        Dirichlet(2.5)
    with pytest.raises(ValueError, match="dist must be a frozen scipy.stats.dirichlet"):
        m.from_scipy(stats.beta(1, 2))
    with pytest.raises(ValueError, match="3 entries in alpha"):
        m.from_scipy(stats.dirichlet([1.0, 2.0]))
