"""ExponentialFamily: the generic path against the hand-written Normal and Poisson families."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.manifolds import ExponentialFamily, Normal, Poisson
from infogeo.manifolds.exponential_family_examples import (
    normal_exponential_family,
    poisson_exponential_family,
)

RNG = np.random.default_rng(40)
NORMAL = Normal(chart="natural")
THETA = NORMAL.random_point(RNG, 5)  # natural parameters of 5 normals


@pytest.fixture(scope="module")
def ef() -> ExponentialFamily:
    return normal_exponential_family()


def test_mirrors_normal_in_natural_coordinates(ef) -> None:
    np.testing.assert_allclose(ef.metric_matrix(THETA), NORMAL.metric_matrix(THETA), rtol=1e-12)
    np.testing.assert_allclose(ef.christoffels(THETA), NORMAL.christoffels(THETA),
                               rtol=1e-6, atol=1e-9)  # Normal's: chart transform by differences
    np.testing.assert_allclose(ef.skewness_tensor(THETA), NORMAL.skewness_tensor(THETA),
                               rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(ef.kl_divergence(THETA, THETA[::-1]),
                               NORMAL.kl_divergence(THETA, THETA[::-1]), rtol=1e-10)
    x = np.linspace(-2, 3, 4)[:, None]
    np.testing.assert_allclose(ef.log_prob(x, THETA), NORMAL.log_prob(x, THETA), rtol=1e-11)
    np.testing.assert_allclose(ef.score(x, THETA), NORMAL.score(x, THETA), rtol=1e-9, atol=1e-12)


def test_e_and_m_flatness(ef) -> None:
    np.testing.assert_allclose(ef.alpha_christoffels(THETA, 1.0), 0.0, atol=1e-14)
    ex = ef.in_chart("expectation")
    eta = ef.change_chart(THETA, "expectation")
    scale = np.abs(ex.christoffels(eta)).max()
    np.testing.assert_allclose(ex.alpha_christoffels(eta, -1.0), 0.0, atol=1e-7 * scale)
    # I_η = I_θ⁻¹, and η = (E x, E x²) as in Normal's expectation chart
    np.testing.assert_allclose(eta, NORMAL.change_chart(THETA, "expectation"), rtol=1e-12)
    np.testing.assert_allclose(ex.metric_matrix(eta), np.linalg.inv(ef.metric_matrix(THETA)),
                               rtol=1e-9)


def test_distance_by_shooting_matches_normal_closed_form(ef) -> None:
    a = THETA[:3]
    v = RNG.normal(size=a.shape)
    v *= 0.8 / NORMAL.norm(v, a)[:, None]
    b = NORMAL.exp(v, a)
    result = ef.log_shooting(b, a)
    assert result.success, result.message
    np.testing.assert_allclose(result.tangent_vec, v, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ef.dist(a, b), NORMAL.dist(a, b), rtol=1e-8)


def test_expectation_inversion_reports_convergence(ef) -> None:
    eta = ef.change_chart(THETA, "expectation")
    res = ef.natural_from_expectation(eta)
    assert res.success and res.message == "converged" and res.n_iter < 60
    np.testing.assert_allclose(res.natural, THETA, rtol=1e-10)
    outside = np.array([1.0, 0.5])  # E x² < (E x)²: no normal has these moments
    bad = ef.natural_from_expectation(outside, max_iter=30)
    assert not bad.success and np.all(np.isfinite(bad.natural))
    with pytest.raises(ValueError, match="could not be mapped to natural parameters"):
        ef.in_chart("expectation").metric_matrix(outside)


def test_dual_potential_is_the_legendre_conjugate() -> None:
    p = poisson_exponential_family()
    eta = np.array([[0.3], [1.0], [7.5]])
    # ψ = e^θ: φ(η) = η log η − η, and φ'(η) = θ = log η
    np.testing.assert_allclose(p.dual_potential(eta), eta[:, 0] * np.log(eta[:, 0]) - eta[:, 0],
                               rtol=1e-11)
    h = 1e-5 * eta
    slope = (p.dual_potential(eta + h) - p.dual_potential(eta - h)) / (2 * h[:, 0])
    np.testing.assert_allclose(slope, np.log(eta[:, 0]), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(p.log_partition(np.log(eta)), eta[:, 0], rtol=1e-14)


def test_numeric_derivatives_match_poisson() -> None:
    numeric = poisson_exponential_family(closed_form_derivatives=False)
    exact = Poisson(chart="natural")
    theta = np.array([[-1.5], [0.0], [0.7], [2.4]])
    # the accuracies the ExponentialFamily docstring states for nested differences
    np.testing.assert_allclose(numeric.metric_matrix(theta), exact.metric_matrix(theta),
                               rtol=1e-8)
    np.testing.assert_allclose(numeric.skewness_tensor(theta), exact.skewness_tensor(theta),
                               rtol=1e-6)
    np.testing.assert_allclose(numeric.christoffels(theta), exact.christoffels(theta),
                               rtol=1e-6)
    np.testing.assert_allclose(numeric.kl_divergence(theta, theta[::-1]),
                               exact.kl_divergence(theta, theta[::-1]), rtol=1e-9)
    lam = np.exp(theta)
    np.testing.assert_allclose(numeric.change_chart(theta, "expectation"), lam, rtol=1e-10)
    np.testing.assert_allclose(numeric.in_chart("expectation").metric_matrix(lam)[:, 0, 0],
                               1 / lam[:, 0], rtol=1e-8)


def test_sampler_moments_match_gradient_of_log_partition(ef) -> None:
    rng = np.random.default_rng(41)
    theta = THETA[0]
    x = ef.sample(theta, 40_000, rng)
    stat = np.stack([x, x**2], axis=-1)
    mean, se = stat.mean(0), stat.std(0, ddof=1) / np.sqrt(len(x))
    assert np.all(np.abs(mean - ef.change_chart(theta, "expectation")) <= 4 * se)


def test_bad_input() -> None:
    psi = normal_exponential_family()
    with pytest.raises(ValueError, match="theta must lie in the natural parameter domain"):
        psi.metric_matrix([0.0, 0.5])
    with pytest.raises(ValueError, match=r"shape \[\.\.\., 2\]"):
        psi.metric_matrix([0.0, -0.5, 1.0])
    with pytest.raises(TypeError, match="log_partition must be callable"):
        ExponentialFamily(3.0, 1, lambda x: x[..., None])
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        ExponentialFamily(lambda t: t[..., 0], 0, lambda x: x[..., None])
    with pytest.raises(ValueError, match="reference_point must lie in the natural"):
        ExponentialFamily(lambda t: -np.log(-t[..., 0]), 1, lambda x: x[..., None],
                          domain=lambda t: t[..., 0] < 0)
    pois = poisson_exponential_family()
    with pytest.raises(ValueError, match="x must lie in the support"):
        pois.log_prob([-1.0], [0.0])
    bare = ExponentialFamily(lambda t: np.exp(t[..., 0]), 1, lambda x: x[..., None])
    with pytest.raises(NotImplementedError, match="sample"):
        bare.sample([0.0], 3, np.random.default_rng(0))


def test_vector_observations_independent_poissons() -> None:
    """event_shape=(2,): two independent Poissons, ψ(θ) = e^θ₁ + e^θ₂, T(x) = x."""
    from scipy import stats
    from scipy.special import gammaln

    ef = ExponentialFamily(lambda t: np.exp(t).sum(-1), 2, lambda x: x,
                           lambda x: -gammaln(x + 1).sum(-1), event_shape=(2,),
                           support=lambda x: np.all(x >= 0, axis=-1), discrete=True)
    theta = np.array([0.1, -0.7])
    np.testing.assert_allclose(ef.metric_matrix(theta), np.diag(np.exp(theta)), rtol=1e-9,
                               atol=1e-9)
    x = np.array([[1.0, 2.0], [0.0, 3.0], [4.0, 0.0]])
    expected = stats.poisson(np.exp(theta)).logpmf(x).sum(-1)
    np.testing.assert_allclose(ef.log_prob(x, theta), expected, rtol=1e-11)
    assert ef.score(x, theta).shape == (3, 2)
    assert ef.log_prob_hessian(x, theta).shape == (3, 2, 2)
    res = ef.natural_from_expectation([[2.0, 3.0]])
    assert res.success
    np.testing.assert_allclose(res.natural, np.log([[2.0, 3.0]]), rtol=1e-10)
    with pytest.raises(ValueError, match=r"x must lie in the support .*\[1.0, -2.0\]"):
        ef.log_prob([[1.0, -2.0]], theta)
    with pytest.raises(ValueError, match=r"x must have shape \[\.\.\., 2\]"):
        ef.log_prob([1.0, 2.0, 3.0], theta)
