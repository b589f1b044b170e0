"""Checks shared by the one-parameter families, against scipy.stats as an independent oracle.

Expectations are exact: sums over the support with scipy's pmf until the tail is below
1e-15 (discrete families), or adaptive quadrature (exponential). Distances are checked
against the quadrature of √g along the parameter interval.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from infogeo.manifolds import (
    AbstractOneParameterFamily,
    Bernoulli,
    Binomial,
    Exponential,
    Geometric,
    NegativeBinomial,
    Poisson,
)

# family, scipy frozen distribution at base parameter x, two base points
CASES = [
    (Poisson(), lambda x: stats.poisson(x), (0.7, 6.3)),
    (Exponential(), lambda x: stats.expon(scale=1 / x), (0.4, 2.5)),
    (Bernoulli(), lambda x: stats.bernoulli(x), (0.2, 0.65)),
    (Binomial(7), lambda x: stats.binom(7, x), (0.15, 0.8)),
    (Geometric(), lambda x: stats.geom(x), (0.3, 0.85)),
    (NegativeBinomial(2.5), lambda x: stats.nbinom(2.5, x), (0.25, 0.7)),
]
IDS = [type(c[0]).__name__ for c in CASES]


def expectation(family: AbstractOneParameterFamily, frozen, func) -> np.ndarray:
    """E[func(X)] exactly: a sum over the support to a tail < 1e-15, or quadrature."""
    if family.discrete:
        low, top = frozen.support()
        high = int(frozen.mean() + 10 * frozen.std())
        while frozen.sf(high) > 1e-16:
            high *= 2
        k = np.arange(int(low), min(high, top) + 1, dtype=float)
        pmf = frozen.pmf(k)
        assert 1.0 - pmf.sum() < 1e-14 and frozen.sf(k[-1]) < 1e-15
        return np.tensordot(pmf, func(k), axes=(0, 0))
    value, _ = integrate.quad_vec(lambda t: frozen.pdf(t) * func(np.array([t]))[0], 0, np.inf,
                                  epsabs=1e-14, epsrel=1e-12)
    return value


@pytest.fixture(params=CASES, ids=IDS)
def case(request: pytest.FixtureRequest):
    return request.param


def test_metric_is_expected_squared_score_and_minus_hessian(case) -> None:
    family, frozen_at, points = case
    for x in points:
        frozen = frozen_at(x)
        g = family.metric_matrix([x])
        outer = expectation(family, frozen, lambda k, x=x: family.score(k, [x]) ** 2)
        minus_hess = expectation(family, frozen,
                                 lambda k, x=x: -family.log_prob_hessian(k, [x])[..., 0])
        np.testing.assert_allclose(outer[..., None], g, rtol=1e-9)
        np.testing.assert_allclose(minus_hess[..., None], g, rtol=1e-9)


def test_skewness_is_expected_cubed_score(case) -> None:
    family, frozen_at, points = case
    for x in points:
        cubed = expectation(family, frozen_at(x), lambda k, x=x: family.score(k, [x]) ** 3)
        np.testing.assert_allclose(family.skewness_tensor([x]).ravel(), cubed, rtol=1e-8)


def test_score_and_log_prob_match_scipy(case) -> None:
    family, frozen_at, points = case
    x = points[0]
    if family.discrete:
        low, top = frozen_at(x).support()
        k = np.arange(low, min(low + 5, top) + 1)
    else:
        k = np.linspace(0.0, 4.0, 5)
    logpmf = (lambda f: f.logpmf(k)) if family.discrete else (lambda f: f.logpdf(k))
    np.testing.assert_allclose(family.log_prob(k, [x]), logpmf(frozen_at(x)), rtol=1e-12)
    h = 1e-6 * x  # central difference of scipy's log-mass in the parameter: O(h²)
    numeric = (logpmf(frozen_at(x + h)) - logpmf(frozen_at(x - h))) / (2 * h)
    np.testing.assert_allclose(family.score(k, [x])[:, 0], numeric, rtol=1e-7, atol=1e-8)


def test_kl_matches_exact_expectation(case) -> None:
    family, frozen_at, (a, b) = case
    fa, fb = frozen_at(a), frozen_at(b)
    if family.discrete:
        kl = expectation(family, fa, lambda k: fa.logpmf(k) - fb.logpmf(k))
    else:
        kl = expectation(family, fa, lambda t: fa.logpdf(t) - fb.logpdf(t))
    np.testing.assert_allclose(family.kl_divergence([a], [b]), kl, rtol=1e-10)


def test_distance_is_integral_of_sqrt_metric(case) -> None:
    family, _, (a, b) = case
    length, _ = integrate.quad(lambda u: np.sqrt(family.metric_matrix([u])[0, 0]), a, b,
                               epsabs=1e-13, epsrel=1e-12)
    np.testing.assert_allclose(family.dist([a], [b]), length, rtol=1e-10)
    np.testing.assert_allclose(family.dist([b], [a]), length, rtol=1e-10)


def test_exp_log_follow_the_arc_length(case) -> None:
    family, _, (a, b) = case
    v = family.log([b], [a])
    np.testing.assert_allclose(family.norm(v, [a]), family.dist([a], [b]), rtol=1e-12)
    np.testing.assert_allclose(family.exp(v, [a]), [b], rtol=1e-11)
    # halfway along the geodesic is halfway in distance
    mid = family.exp(0.5 * v, [a])
    np.testing.assert_allclose(family.dist([a], mid), 0.5 * family.dist([a], [b]), rtol=1e-10)


def test_arc_length_chart_is_euclidean(case) -> None:
    family, _, points = case
    s = family.change_chart(np.array(points)[:, None], "arc_length")
    arc = family.in_chart("arc_length")
    np.testing.assert_allclose(arc.metric_matrix(s), 1.0, rtol=1e-12)
    np.testing.assert_allclose(arc.christoffels(s), 0.0, atol=1e-6)
    np.testing.assert_allclose(arc.dist(s[:1], s[1:]), np.abs(s[1] - s[0]), rtol=1e-12)


def test_exp_leaving_the_domain_raises(case) -> None:
    family, _, points = case
    lo, hi = family._arc_length_range()
    x = np.array([points[0]])
    speed = np.sqrt(family.metric_matrix(x)[0, 0])
    s = family.change_chart(x, "arc_length")[0]
    for bound, sign in ((lo, -1.0), (hi, 1.0)):
        if np.isfinite(bound):
            v = [sign * (abs(bound - s) + 0.1) / speed]
            with pytest.raises(ValueError, match="leaves the parameter domain"):
                family.exp(v, x)
    with pytest.raises(ValueError, match="tangent_vec"):
        family.exp([1e200 / speed], x) if np.isinf(hi) else family.exp([-1e200 / speed], x)


def test_scipy_roundtrip_in_every_chart(case) -> None:
    family, frozen_at, points = case
    x = np.array(points)[:, None]
    frozen = family.to_scipy(x)
    np.testing.assert_allclose(frozen.mean(), frozen_at(x[:, 0]).mean(), rtol=1e-12)
    for chart in family.chart_names:
        m = family.in_chart(chart)
        y = family.change_chart(x, chart)
        np.testing.assert_allclose(m.from_scipy(m.to_scipy(y)), y, rtol=1e-10)
    with pytest.raises(ValueError, match="dist must be a frozen scipy.stats"):
        family.from_scipy(stats.norm(0, 1))


def test_sample_mean_within_four_standard_errors(case) -> None:
    family, frozen_at, points = case
    rng = np.random.default_rng(3)
    x = np.array(points)[:, None]
    draws = family.sample(x, 20_000, rng)
    assert draws.shape == (20_000, len(points))
    assert np.all(family.log_prob(draws, x) > -np.inf)  # every draw is in the support
    mean, se = draws.mean(0), draws.std(0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(mean - frozen_at(x[:, 0]).mean()) <= 4 * se)


def test_data_outside_the_support_is_rejected(case) -> None:
    family, _, points = case
    low = 0.0 if isinstance(family, Geometric) else -1.0  # one below the support
    with pytest.raises(ValueError, match="x "):
        family.log_prob([low], [points[0]])
    if family.discrete:
        with pytest.raises(ValueError, match="x must hold integer values"):
            family.score([1.5], [points[0]])


@pytest.mark.parametrize("family", [c[0] for c in CASES], ids=IDS)
def test_points_must_be_one_dimensional(family) -> None:
    with pytest.raises(ValueError, match=r"shape \[\.\.\., 1\]"):
        family.metric_matrix([0.5, 0.5])
