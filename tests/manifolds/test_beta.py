"""Beta family: REFERENCE.md closed forms (Le Brigant et al. 2021), sympy, quadrature."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, special, stats

from infogeo.manifolds import Beta, Dirichlet

from ._hessian_family_helpers import (
    monte_carlo_within,
    reference_log,
    sympy_metric_and_christoffels,
)

RNG = np.random.default_rng(40)
PTS = Beta().random_point(RNG, 4)


def test_metric_matches_reference() -> None:
    m = Beta()
    np.testing.assert_allclose(m.metric_matrix([1.0, 1.0]),
                               [[1.0, -0.644934], [-0.644934, 1.0]], atol=5e-7)
    # 1 − π²/6 exactly: ψ'(1) − ψ'(2) = 1 and ψ'(2) = π²/6 − 1
    np.testing.assert_allclose(m.metric_matrix([1.0, 1.0])[0, 1], 1 - np.pi**2 / 6,
                               rtol=1e-14)
    a, b = PTS[:, 0], PTS[:, 1]
    t_a, t_b, t_ab = (special.polygamma(1, z) for z in (a, b, a + b))
    expected = np.stack([[[ta - tab, -tab], [-tab, tb - tab]]
                         for ta, tb, tab in zip(t_a, t_b, t_ab, strict=True)])
    np.testing.assert_allclose(m.metric_matrix(PTS), expected, rtol=1e-13)


def test_metric_matches_quadrature_of_score_outer_product() -> None:
    m = Beta()
    for theta in PTS[:2]:
        def integrand(x: float, i: int, j: int, theta=theta) -> float:
            s = m.score(x, theta)
            return s[i] * s[j] * np.exp(m.log_prob(x, theta))
        quad = np.array([[integrate.quad(integrand, 0, 1, args=(i, j), epsabs=1e-13,
                                         limit=200)[0] for j in range(2)] for i in range(2)])
        np.testing.assert_allclose(quad, m.metric_matrix(theta), rtol=1e-8, atol=1e-12)


def test_metric_and_christoffels_match_sympy_derivation() -> None:
    a, b, x = sp.symbols("a b x", positive=True)
    log_density = ((a - 1) * sp.log(x) + (b - 1) * sp.log(1 - x)
                   - sp.loggamma(a) - sp.loggamma(b) + sp.loggamma(a + b))
    g_fn, gamma_fn = sympy_metric_and_christoffels(log_density, [a, b], [x])
    m = Beta()
    for theta in PTS:
        np.testing.assert_allclose(m.metric_matrix(theta), g_fn(theta), rtol=1e-13)
        np.testing.assert_allclose(m.christoffels(theta), gamma_fn(theta), rtol=1e-11,
                                   atol=1e-14)


def test_mean_precision_chart_metric() -> None:
    """Pullback J^T I J with x = (m s, (1 − m) s), written out independently."""
    mp = Beta().in_chart("mean_precision")
    mean, s = 0.3, 4.0
    a, b = mean * s, (1 - mean) * s
    t_a, t_b, t_ab = (special.polygamma(1, z) for z in (a, b, s))
    g_mm = s**2 * (t_a + t_b)
    g_ms = s * (mean * t_a - (1 - mean) * t_b)
    g_ss = mean**2 * t_a + (1 - mean) ** 2 * t_b - t_ab
    np.testing.assert_allclose(mp.metric_matrix([mean, s]), [[g_mm, g_ms], [g_ms, g_ss]],
                               rtol=1e-13)


def test_skewness_matches_monte_carlo() -> None:
    m = Beta()
    theta = np.array([2.3, 1.4])
    rng = np.random.default_rng(41)
    s = m.score(m.sample(theta, 200_000, rng), theta)
    monte_carlo_within(np.einsum("ni,nj,nk->nijk", s, s, s), m.skewness_tensor(theta))


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """Tight-tolerance log from PTS[:2] to PTS[2:], base chart (a few seconds)."""
    return reference_log(Beta(), PTS[:2], PTS[2:])


@pytest.mark.parametrize("chart", Beta().chart_names)
def test_log_and_dist_match_tight_reference(chart: str, reference: np.ndarray) -> None:
    m = Beta()
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
    m = Beta()
    p, q = PTS[0], PTS[1]
    fp, fq = m.to_scipy(p), m.to_scipy(q)
    kl, _ = integrate.quad(lambda x: fp.pdf(x) * (fp.logpdf(x) - fq.logpdf(x)), 0, 1,
                           epsabs=1e-13, limit=200)
    np.testing.assert_allclose(m.kl_divergence(p, q), kl, rtol=1e-8)


def test_log_prob_score_and_scipy_roundtrip() -> None:
    m = Beta()
    x = np.linspace(0.05, 0.95, 7)
    theta = PTS[0]
    frozen = m.to_scipy(theta)
    np.testing.assert_allclose(m.log_prob(x, theta), frozen.logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(m.from_scipy(frozen), theta, rtol=1e-14)
    np.testing.assert_allclose(m.from_scipy(stats.beta(a=2.0, b=3.0)), [2.0, 3.0])
    h = 1e-6
    fd = [(stats.beta(theta[0] + h, theta[1]).logpdf(x)
           - stats.beta(theta[0] - h, theta[1]).logpdf(x)) / (2 * h),
          (stats.beta(theta[0], theta[1] + h).logpdf(x)
           - stats.beta(theta[0], theta[1] - h).logpdf(x)) / (2 * h)]
    np.testing.assert_allclose(m.score(x, theta), np.stack(fd, axis=-1), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("bad, chart, match", [
    ([0.0, 1.0], "a_b", "a must be > 0"),
    ([1.0, -2.0], "a_b", "b must be > 0"),
    ([-1.0, 0.5], "natural", "theta"),
    ([1.2, 3.0], "mean_precision", r"m \(the mean"),
    ([0.5, 0.0], "mean_precision", r"s \(the precision"),
    ([[1.0, 2.0, 3.0]], "a_b", r"shape \[\.\.\., 2\]"),
])
def test_bad_points_name_the_constraint(bad, chart, match) -> None:
    with pytest.raises(ValueError, match=match):
        Beta(chart=chart).metric_matrix(bad)


def test_bad_data_and_scipy_objects() -> None:
    m = Beta()
    for bad in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match=r"x must lie in \(0.0, 1.0\)"):
            m.log_prob([0.5, bad], [2.0, 1.0])
    with pytest.raises(ValueError, match="dist must be a frozen scipy.stats.beta"):
        m.from_scipy(stats.gamma(2.0))
    with pytest.raises(ValueError, match="dist must have scale=1"):
        m.from_scipy(stats.beta(2.0, 3.0, scale=2.0))


def test_samples_with_tiny_shapes_stay_inside_the_open_support() -> None:
    """Draws that round to 0 or 1 would make log_prob reject the family's own samples."""
    beta, dirichlet = Beta(), Dirichlet(3)
    x = beta.sample([0.03, 0.03], 50_000, np.random.default_rng(5))
    assert np.all((x > 0) & (x < 1))
    assert np.all(np.isfinite(beta.log_prob(x, [0.03, 0.03])))
    p = dirichlet.sample([0.02, 0.05, 0.03], 20_000, np.random.default_rng(6))
    assert np.all(p > 0)
    assert np.all(np.isfinite(dirichlet.log_prob(p, [0.02, 0.05, 0.03])))
