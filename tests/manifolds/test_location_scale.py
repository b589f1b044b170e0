"""Student-t and Cauchy: closed forms from REFERENCE.md (Costa et al. 2012; Chyzak & Nielsen
2019) checked against quadrature, Monte Carlo, scipy.stats and the generic machinery."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from infogeo.manifolds import Cauchy, Normal, StudentT
from infogeo.manifolds.charts import numeric_jacobian
from infogeo.manifolds.geodesic_solvers import integrate_geodesic, shoot_log

RNG = np.random.default_rng(30)
PTS = Cauchy().random_point(RNG, 5)
NUS = [1.0, 2.5, 5.0, 30.0]


def scipy_logpdf(m):
    """scipy's log-density as a function of (x, mu, sigma), unfrozen (faster in loops)."""
    if isinstance(m, StudentT):
        return lambda x, mu, s: stats.t.logpdf(x, m.nu, loc=mu, scale=s)
    return lambda x, mu, s: stats.cauchy.logpdf(x, loc=mu, scale=s)


@pytest.mark.parametrize("nu", NUS)
def test_student_metric_matches_reference(nu: float) -> None:
    sigma = PTS[:, 1]
    expected = np.zeros((len(PTS), 2, 2))
    expected[:, 0, 0] = (nu + 1) / ((nu + 3) * sigma**2)
    expected[:, 1, 1] = 2 * nu / ((nu + 3) * sigma**2)
    np.testing.assert_allclose(StudentT(nu).metric_matrix(PTS), expected, rtol=1e-13)


def test_cauchy_metric_matches_reference_and_student_one() -> None:
    sigma = PTS[:, 1]
    expected = np.einsum("n,ij->nij", 1 / (2 * sigma**2), np.eye(2))
    np.testing.assert_allclose(Cauchy().metric_matrix(PTS), expected, rtol=1e-13)
    np.testing.assert_allclose(StudentT(1).metric_matrix(PTS), expected, rtol=1e-13)


@pytest.mark.parametrize("family", [StudentT(2.5), StudentT(5), Cauchy()], ids=repr)
def test_metric_and_skewness_match_quadrature_of_scipy_score(family) -> None:
    """E[s sᵀ] and E[s⊗s⊗s] by quadrature, the score from differences of scipy's logpdf."""
    theta = np.array([0.4, 1.3])
    logpdf = scipy_logpdf(family)

    def integrand(x: float) -> np.ndarray:
        s = numeric_jacobian(lambda p: np.array([logpdf(x, p[0], p[1])]), theta)[0]
        moments = np.concatenate([np.outer(s, s).ravel(), np.einsum("i,j,k->ijk", s, s,
                                                                     s).ravel()])
        return moments * np.exp(logpdf(x, *theta))

    quad, _ = integrate.quad_vec(integrand, -np.inf, np.inf, epsabs=1e-12, epsrel=1e-10)
    np.testing.assert_allclose(quad[:4].reshape(2, 2), family.metric_matrix(theta),
                               rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(quad[4:].reshape(2, 2, 2), family.skewness_tensor(theta),
                               rtol=1e-7, atol=1e-9)


def test_skewness_limits_and_cauchy_alpha_independence() -> None:
    theta = np.array([0.1, 0.7])
    # ν → ∞: the normal values T_μμσ = 2/σ³, T_σσσ = 8/σ³ (REFERENCE.md), error O(1/ν)
    np.testing.assert_allclose(StudentT(1e8).skewness_tensor(theta),
                               Normal().skewness_tensor(theta), rtol=1e-7)
    c = Cauchy()
    for alpha in (-1.0, 0.5, 1.0):
        np.testing.assert_allclose(c.alpha_christoffels(theta, alpha), c.christoffels(theta),
                                   atol=1e-15)


@pytest.mark.parametrize("family", [StudentT(3), Cauchy()], ids=repr)
def test_score_and_hessian_match_finite_differences(family) -> None:
    x = np.linspace(-4, 4, 9)
    theta = np.array([0.5, 1.7])
    logpdf = scipy_logpdf(family)
    np.testing.assert_allclose(family.log_prob(x, theta), logpdf(x, *theta), rtol=1e-13)
    fd_score = numeric_jacobian(lambda p: logpdf(x, p[..., 0], p[..., 1]), theta)
    np.testing.assert_allclose(family.score(x, theta), fd_score, rtol=1e-8, atol=1e-10)
    fd_hess = numeric_jacobian(lambda p: family.score(x, p), theta)
    np.testing.assert_allclose(family.log_prob_hessian(x, theta), fd_hess, rtol=1e-7,
                               atol=1e-9)


@pytest.mark.parametrize("nu", NUS)
@pytest.mark.parametrize("chart", ["mu_sigma", "mu_log_sigma"])
def test_student_scalar_curvature(nu: float, chart: str) -> None:
    m = StudentT(nu, chart=chart)
    pts = StudentT(nu).change_chart(PTS, chart)
    np.testing.assert_allclose(m.scalar_curvature(pts), -(nu + 3) / nu, rtol=1e-6)


def test_cauchy_scalar_curvature_is_minus_four() -> None:
    np.testing.assert_allclose(Cauchy().scalar_curvature(PTS), -4.0, rtol=1e-6)


def test_cauchy_distance_reference_and_shooting() -> None:
    c = Cauchy()
    a, b = PTS[:3], PTS[2:]
    expected = np.arccosh(1 + ((a[:, 0] - b[:, 0]) ** 2 + (a[:, 1] - b[:, 1]) ** 2)
                          / (2 * a[:, 1] * b[:, 1])) / np.sqrt(2)
    np.testing.assert_allclose(c.dist(a, b), expected, rtol=1e-12)

    # shooting on the geodesic ODE (Christoffels checked against Koszul in the generic suite)
    def ode_exp(v: np.ndarray, x: np.ndarray) -> np.ndarray:
        end, _ = integrate_geodesic(c.christoffels, x, v, np.array([1.0]))
        return end[:, 0]

    res = shoot_log(ode_exp, a, b)
    assert res.success, res.message
    length = np.sqrt(c.squared_norm(res.tangent_vec, a))
    np.testing.assert_allclose(c.dist(a, b), length, rtol=1e-7)


def test_cauchy_kl_closed_form_matches_quadrature_and_student_one() -> None:
    c = Cauchy()
    p, q = np.array([0.3, 0.8]), np.array([-1.0, 1.9])
    fp, fq = stats.cauchy(*p), stats.cauchy(*q)
    kl, _ = integrate.quad(lambda x: fp.pdf(x) * (fp.logpdf(x) - fq.logpdf(x)), -np.inf,
                           np.inf, epsabs=1e-13, epsrel=1e-12, limit=200)
    np.testing.assert_allclose(c.kl_divergence(p, q), kl, rtol=1e-9)
    np.testing.assert_allclose(c.kl_divergence(p, q), c.kl_divergence(q, p), rtol=1e-13)
    # StudentT's quadrature KL at nu = 1 against the Cauchy closed form, incl. a tiny one
    a, b = PTS, PTS[::-1] + np.array([0.0, 1e-4])
    np.testing.assert_allclose(StudentT(1).kl_divergence(a, b), c.kl_divergence(a, b),
                               rtol=1e-8, atol=1e-13)


def test_student_kl_matches_scipy_quadrature_and_monte_carlo() -> None:
    t = StudentT(4.0)
    p, q = np.array([0.3, 0.8]), np.array([-1.0, 1.9])
    fp, fq = stats.t(4.0, *p), stats.t(4.0, *q)
    kl, _ = integrate.quad(lambda x: fp.pdf(x) * (fp.logpdf(x) - fq.logpdf(x)), -np.inf,
                           np.inf, epsabs=1e-13, epsrel=1e-12, limit=200)
    np.testing.assert_allclose(t.kl_divergence(p, q), kl, rtol=1e-9)
    x = t.sample(p, 100_000, np.random.default_rng(31))
    diff = t.log_prob(x, p) - t.log_prob(x, q)
    assert abs(diff.mean() - t.kl_divergence(p, q)) <= 4 * diff.std(ddof=1) / np.sqrt(len(x))


def test_kl_broadcasts_over_batches() -> None:
    t = StudentT(5)
    a, b = PTS[:4].reshape(2, 2, 2), PTS[1:].reshape(2, 2, 2)
    kl = t.kl_divergence(a, b)
    assert kl.shape == (2, 2)
    np.testing.assert_allclose(kl[1, 0], t.kl_divergence(a[1, 0], b[1, 0]), rtol=1e-14)


@pytest.mark.parametrize("family", [StudentT(5), Cauchy()], ids=repr)
def test_samples_follow_scipy_distribution(family) -> None:
    theta = np.array([0.7, 1.4])
    x = family.sample(theta, 5000, np.random.default_rng(32))
    assert stats.kstest(x, family.to_scipy(theta).cdf).pvalue > 1e-3


@pytest.mark.parametrize("family", [StudentT(5), Cauchy(), StudentT(5, chart="mu_log_sigma")],
                         ids=repr)
def test_scipy_roundtrip(family) -> None:
    theta = family.random_point(np.random.default_rng(33))
    np.testing.assert_allclose(family.from_scipy(family.to_scipy(theta)), theta, rtol=1e-10)
    with pytest.raises(ValueError, match="dist must be a frozen scipy.stats"):
        family.from_scipy(stats.norm(0, 1))
    if isinstance(family, StudentT):
        with pytest.raises(ValueError, match="dist must have df = 5.0"):
            family.from_scipy(stats.t(3.0, 0, 1))
        expected = StudentT(5).change_chart([0.5, 2.0], family.chart.name)
        np.testing.assert_allclose(family.from_scipy(stats.t(df=5.0, loc=0.5, scale=2.0)),
                                   expected, rtol=1e-10)


@pytest.mark.parametrize("family", [StudentT(5), Cauchy()], ids=repr)
def test_bad_input_names_the_argument(family) -> None:
    with pytest.raises(ValueError, match="sigma must be > 0"):
        family.metric_matrix([0.0, -1.0])
    with pytest.raises(ValueError, match="sigma must be > 0"):
        family.dist([0.0, 1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"theta must have shape \[\.\.\., 2\]"):
        family.metric_matrix([0.0, 1.0, 2.0])


@pytest.mark.parametrize("nu", [0.0, -1.0, np.inf, np.nan, [1.0, 2.0]])
def test_bad_nu(nu) -> None:
    with pytest.raises(ValueError, match="nu must be"):
        StudentT(nu)
