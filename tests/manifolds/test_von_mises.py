"""Von Mises family: REFERENCE.md metric (Mardia & Jupp 2000) against mpmath, quadrature,
Monte Carlo and the generic machinery; geodesics through κ = 0 against arc length."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from scipy import integrate, special, stats

from infogeo.manifolds import VonMises
from infogeo.manifolds.base import StatisticalManifold
from infogeo.manifolds.charts import numeric_jacobian
from infogeo.manifolds.differential import koszul_christoffels
from infogeo.manifolds.von_mises import natural_christoffels, resultant_length_derivatives

VM = VonMises()
PTS = VM.random_point(np.random.default_rng(40), 5)
KAPPAS = [1e-3, 0.1, 0.24, 0.26, 0.7, 3.0, 24.0, 26.0, 150.0, 1e4]


def mp_resultant(kappa: float, order: int = 0) -> float:
    """d^order/dκ^order of I₁/I₀ with 40 digits (independent of the series in the code)."""
    mp.mp.dps = 40
    return float(mp.diff(lambda k: mp.besseli(1, k) / mp.besseli(0, k), mp.mpf(kappa), order))


@pytest.mark.parametrize("kappa", KAPPAS)
def test_resultant_length_and_derivatives_match_mpmath(kappa: float) -> None:
    a, da, d2a = resultant_length_derivatives(np.array(kappa))
    np.testing.assert_allclose([a, da, d2a], [mp_resultant(kappa, k) for k in range(3)],
                               rtol=1e-10)


def test_metric_matches_reference_formula() -> None:
    kappa = PTS[:, 1]
    a = special.iv(1, kappa) / special.iv(0, kappa)
    expected = np.zeros((len(PTS), 2, 2))
    expected[:, 0, 0] = kappa * a
    expected[:, 1, 1] = 1 - a / kappa - a**2
    np.testing.assert_allclose(VM.metric_matrix(PTS), expected, rtol=1e-12)


@pytest.mark.parametrize("theta", [[0.4, 0.3], [-2.0, 2.5], [3.0, 20.0]])
def test_metric_and_skewness_match_quadrature_of_scipy_score(theta: list[float]) -> None:
    theta = np.array(theta)

    def logpdf(x: float, p: np.ndarray) -> np.ndarray:
        return stats.vonmises.logpdf(x, p[..., 1], loc=p[..., 0])

    def integrand(x: float) -> np.ndarray:
        s = numeric_jacobian(lambda p: np.atleast_1d(logpdf(x, p)), theta)[0]
        moments = np.concatenate([np.outer(s, s).ravel(), np.einsum("i,j,k->ijk", s, s,
                                                                     s).ravel()])
        return moments * np.exp(logpdf(x, theta))

    quad, _ = integrate.quad_vec(integrand, theta[0] - np.pi, theta[0] + np.pi, epsabs=1e-13,
                                 epsrel=1e-10)
    np.testing.assert_allclose(quad[:4].reshape(2, 2), VM.metric_matrix(theta), rtol=1e-7,
                               atol=1e-11)
    np.testing.assert_allclose(quad[4:].reshape(2, 2, 2), VM.skewness_tensor(theta),
                               rtol=1e-6, atol=1e-10)


def test_e_connection_is_flat_in_natural_coordinates() -> None:
    nat = VM.in_chart("natural")
    theta = VM.change_chart(PTS, "natural")
    scale = np.abs(nat.christoffels(theta)).max()
    np.testing.assert_allclose(nat.alpha_christoffels(theta, 1.0), 0.0, atol=1e-8 * scale)


def test_score_hessian_and_log_prob() -> None:
    x = np.linspace(-7, 7, 11)  # any real angle
    theta = np.array([0.5, 1.7])
    np.testing.assert_allclose(VM.log_prob(x, theta),
                               stats.vonmises.logpdf(x, theta[1], loc=theta[0]), rtol=1e-12)
    np.testing.assert_allclose(VM.log_prob(x + 2 * np.pi, theta), VM.log_prob(x, theta),
                               rtol=1e-12)
    fd = numeric_jacobian(lambda p: VM.log_prob(x, p), theta)
    np.testing.assert_allclose(VM.score(x, theta), fd, rtol=1e-8, atol=1e-10)
    fd2 = numeric_jacobian(lambda p: VM.score(x, p), theta)
    np.testing.assert_allclose(VM.log_prob_hessian(x, theta), fd2, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kappa", KAPPAS)
def test_christoffels_match_koszul_at_extreme_kappa(kappa: float) -> None:
    x = np.array([0.3, kappa])
    reference = koszul_christoffels(VM.metric_matrix, x)
    np.testing.assert_allclose(VM.christoffels(x), reference, rtol=1e-6,
                               atol=1e-9 * np.abs(reference).max())


def natural_metric_mp(theta: np.ndarray) -> np.ndarray:
    """Hessian of ψ(θ) = log I₀(|θ|) by mpmath differentiation with 30 digits
    (independent of A' and of the code's series)."""
    mp.mp.dps = 30

    def psi(t1, t2):  # noqa: ANN001, ANN202
        return mp.log(mp.besseli(0, mp.sqrt(t1**2 + t2**2)))

    out = np.empty(theta.shape + (2,))
    for idx in np.ndindex(theta.shape[:-1]):
        t = [mp.mpf(float(v)) for v in theta[idx]]
        for i, j in ((0, 0), (0, 1), (1, 1)):
            order = (int(i == 0) + int(j == 0), int(i == 1) + int(j == 1))
            out[idx + (i, j)] = out[idx + (j, i)] = float(mp.diff(psi, t, order))
    return out


def test_natural_chart_metric_is_hessian_of_log_partition() -> None:
    nat = VM.in_chart("natural")
    theta = VM.change_chart(PTS, "natural")
    g = nat.metric_matrix(theta)
    np.testing.assert_allclose(g, natural_metric_mp(theta), rtol=1e-10,
                               atol=1e-12 * np.abs(g).max())


@pytest.mark.parametrize("r", [0.05, 0.4, 0.6, 3.0])
def test_natural_radial_terms_match_mpmath(r: float) -> None:
    from infogeo.manifolds.von_mises import _radial_terms

    mp.mp.dps = 60
    a = lambda k: mp.besseli(1, k) / mp.besseli(0, k)  # noqa: E731
    rr = mp.mpf(r)
    d1, d2 = mp.diff(a, rr, 1), mp.diff(a, rr, 2)
    expected = [a(rr) / rr, d1, d2 - 3 * d1 / rr + 3 * a(rr) / rr**2, (d1 - a(rr) / rr) / rr]
    np.testing.assert_allclose(np.array(_radial_terms(np.array(r))),
                               [float(e) for e in expected], rtol=1e-10)


@pytest.mark.parametrize("scale", [1e-3, 0.3, 2.0, 40.0])
def test_natural_christoffels_match_koszul(scale: float) -> None:
    theta = np.random.default_rng(41).normal(size=(4, 2)) * scale
    nat = VM.in_chart("natural")
    reference = koszul_christoffels(nat.metric_matrix, theta)
    # differences of g ≈ I/2 + O(r²) with step h ≈ 1e-4 r lose ε/h ≈ 1e-12/r absolutely
    np.testing.assert_allclose(natural_christoffels(theta), reference, rtol=1e-6,
                               atol=1e-11 / scale + 1e-8 * np.abs(reference).max())
    assert np.all(natural_christoffels(np.zeros((1, 2))) == 0)  # the uniform law


def test_exp_matches_ode_in_base_chart() -> None:
    rng = np.random.default_rng(42)
    v = rng.normal(size=PTS.shape) * 0.6
    generic = StatisticalManifold._exp(VM, v, PTS)  # the geodesic ODE in (μ, κ)
    np.testing.assert_allclose(VM.exp(v, PTS), generic, rtol=1e-8, atol=1e-10)


def radial_length(k1: float, k2: float) -> float:
    """∫ √A'(κ) dκ: the length of a radial segment (μ fixed)."""
    val, _ = integrate.quad(lambda k: np.sqrt(resultant_length_derivatives(k)[1]), k1, k2,
                            epsabs=1e-13, epsrel=1e-12)
    return val


def test_dist_along_a_ray_and_through_the_uniform_law() -> None:
    # μ → 2μ₀ − μ is an isometry, so rays μ = const are geodesics; opposite rays meet at
    # κ = 0, so the geodesic between opposite points runs through the uniform law.
    np.testing.assert_allclose(VM.dist([0.3, 0.5], [0.3, 2.5]), radial_length(0.5, 2.5),
                               rtol=1e-8)
    for mu in (0.3, 3.0, -2.0):
        through = radial_length(0.0, 0.4) + radial_length(0.0, 1.2)
        np.testing.assert_allclose(VM.dist([mu, 0.4], [mu + np.pi, 1.2]), through, rtol=1e-6)


def test_exp_crosses_the_uniform_law() -> None:
    start, speed = 0.5, 3.0
    a_dash = resultant_length_derivatives(start)[1]
    length = speed * np.sqrt(a_dash)
    end = VM.exp([0.0, -speed], [0.2, start])
    assert abs(np.cos(end[0] - (0.2 + np.pi)) - 1) < 1e-12
    np.testing.assert_allclose(radial_length(0.0, start) + radial_length(0.0, end[1]),
                               length, rtol=1e-7)


def test_periodicity_of_log_and_dist() -> None:
    a, b = PTS[:3], PTS[2:]
    v = VM.log(b, a)
    shifted = b + np.array([[2 * np.pi, 0.0], [-4 * np.pi, 0.0], [6 * np.pi, 0.0]])
    np.testing.assert_allclose(VM.log(shifted, a), v, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(VM.dist(a, shifted), VM.norm(v, a), rtol=1e-8)
    end = VM.exp(v, a)
    np.testing.assert_allclose(np.cos(end[:, 0] - b[:, 0]), 1.0, atol=1e-12)
    np.testing.assert_allclose(end[:, 1], b[:, 1], rtol=1e-8)


def test_scalar_curvature_matches_mpmath_gauss_formula() -> None:
    # K = −(EG)^(−1/2) d/dκ[ (√E)' / √G ] for ds² = E(κ)dμ² + G(κ)dκ²; scalar = 2K
    def gauss(kappa: float) -> float:
        mp.mp.dps = 30
        sqrt_e = lambda k: mp.sqrt(k * mp.besseli(1, k) / mp.besseli(0, k))  # noqa: E731
        def sqrt_g(k):  # noqa: ANN001, ANN202
            a = mp.besseli(1, k) / mp.besseli(0, k)
            return mp.sqrt(1 - a / k - a**2)
        inner = lambda k: mp.diff(sqrt_e, k) / sqrt_g(k)  # noqa: E731
        return float(-mp.diff(inner, kappa) / (sqrt_e(kappa) * sqrt_g(kappa)))

    for kappa in (0.3, 1.0, 4.0):
        np.testing.assert_allclose(VM.scalar_curvature([1.0, kappa]), 2 * gauss(kappa),
                                   rtol=1e-5)


def test_kl_matches_quadrature_and_monte_carlo() -> None:
    p, q = np.array([0.3, 2.0]), np.array([2.8, 0.7])
    fp = stats.vonmises(p[1], loc=p[0])
    fq = stats.vonmises(q[1], loc=q[0])
    kl, _ = integrate.quad(lambda x: fp.pdf(x) * (fp.logpdf(x) - fq.logpdf(x)),
                           p[0] - np.pi, p[0] + np.pi, epsabs=1e-13, epsrel=1e-12)
    np.testing.assert_allclose(VM.kl_divergence(p, q), kl, rtol=1e-10)
    x = VM.sample(p, 100_000, np.random.default_rng(43))
    diff = VM.log_prob(x, p) - VM.log_prob(x, q)
    assert abs(diff.mean() - kl) <= 4 * diff.std(ddof=1) / np.sqrt(len(x))
    # large κ (exponent scaling) and periodicity in μ
    big = np.array([0.0, 800.0]), np.array([0.01, 700.0])
    assert np.isfinite(VM.kl_divergence(*big)) and VM.kl_divergence(*big) > 0
    np.testing.assert_allclose(VM.kl_divergence(p, q + [2 * np.pi, 0]), kl, rtol=1e-10)


def test_samples_follow_scipy_distribution() -> None:
    theta = np.array([2.5, 1.3])
    x = VM.sample(theta, 5000, np.random.default_rng(44))
    # scipy's support is [μ − π, μ + π]: compare the angles relative to μ
    rel = (x - theta[0] + np.pi) % (2 * np.pi) - np.pi
    assert stats.kstest(rel, stats.vonmises(theta[1]).cdf).pvalue > 1e-3


def test_scipy_roundtrip() -> None:
    theta = np.array([0.7, 3.2])
    np.testing.assert_allclose(VM.from_scipy(VM.to_scipy(theta)), theta)
    with pytest.raises(ValueError, match="scipy.stats.vonmises"):
        VM.from_scipy(stats.norm())


@pytest.mark.parametrize("bad, chart, match", [
    ([0.0, -1.0], "mu_kappa", "kappa must be > 0"),
    ([0.0, 0.0], "mu_kappa", "kappa must be > 0"),
    ([0.0, 0.0], "natural", "kappa must be > 0"),
    ([0.0, 1.0, 2.0], "mu_kappa", r"theta must have shape \[\.\.\., 2\]"),
])
def test_bad_points_name_the_constraint(bad, chart, match) -> None:
    with pytest.raises(ValueError, match=match):
        VonMises(chart=chart).metric_matrix(bad)
