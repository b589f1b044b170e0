"""Parametric families inside the space of densities: the pull-back of the Fisher–Rao
metric is each family's Fisher matrix (closed forms from REFERENCE.md / Amari & Nagaoka
2000), and projections onto families match their closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

import infogeo as ig
from infogeo import nonparametric as npg
from infogeo.manifolds.registry import FAMILIES, get_family

M = ig.manifolds


def _von_mises(mu: float, kappa: float) -> np.ndarray:
    a = special.i1(kappa) / special.i0(kappa)
    return np.diag([kappa * a, 1 - a / kappa - a**2])


def _mvn(theta: np.ndarray) -> np.ndarray:
    """g((dm, dS), (dm, dS)) = dm' S^-1 dm + tr(S^-1 dS S^-1 dS) / 2 in the chart
    (mu0, mu1, sigma00, sigma01, sigma11); built coordinate by coordinate."""
    s = np.array([[theta[2], theta[3]], [theta[3], theta[4]]])
    prec = np.linalg.inv(s)
    basis = [np.array([[1.0, 0], [0, 0]]), np.array([[0, 1.0], [1.0, 0]]),
             np.array([[0, 0], [0, 1.0]])]
    g = np.zeros((5, 5))
    g[:2, :2] = prec
    for i, a in enumerate(basis):
        for j, b in enumerate(basis):
            g[2 + i, 2 + j] = 0.5 * np.trace(prec @ a @ prec @ b)
    return g


PSI1 = lambda z: special.polygamma(1, z)  # noqa: E731
CLOSED_FORMS = [  # (family, theta, closed-form Fisher matrix)
    (M.Normal(), [0.4, 1.7], lambda t: np.diag([1 / t[1] ** 2, 2 / t[1] ** 2])),
    (M.Normal(chart="mu_var"), [0.4, 2.2], lambda t: np.diag([1 / t[1], 1 / (2 * t[1] ** 2)])),
    (M.Cauchy(), [-0.5, 0.8], lambda t: np.eye(2) / (2 * t[1] ** 2)),
    (M.StudentT(nu=5), [0.2, 1.3], lambda t: np.diag([6, 10]) / (8 * t[1] ** 2)),
    (M.Exponential(), [2.5], lambda t: np.array([[1 / t[0] ** 2]])),
    (M.Gamma(), [2.7, 1.4], lambda t: np.array([[PSI1(t[0]), -1 / t[1]],
                                                  [-1 / t[1], t[0] / t[1] ** 2]])),
    (M.Gamma(), [0.6, 2.0], lambda t: np.array([[PSI1(t[0]), -1 / t[1]],
                                                  [-1 / t[1], t[0] / t[1] ** 2]])),
    (M.Beta(), [2.5, 4.0], lambda t: np.array([
        [PSI1(t[0]) - PSI1(t.sum()), -PSI1(t.sum())],
        [-PSI1(t.sum()), PSI1(t[1]) - PSI1(t.sum())]])),
    (M.Beta(), [0.7, 1.5], lambda t: np.array([
        [PSI1(t[0]) - PSI1(t.sum()), -PSI1(t.sum())],
        [-PSI1(t.sum()), PSI1(t[1]) - PSI1(t.sum())]])),
    (M.VonMises(), [0.3, 2.0], lambda t: _von_mises(*t)),
    (M.Poisson(), [4.2], lambda t: np.array([[1 / t[0]]])),
    (M.Binomial(n_trials=10), [0.3], lambda t: np.array([[10 / (t[0] * (1 - t[0]))]])),
    (M.Geometric(), [0.35], lambda t: np.array([[1 / (t[0] ** 2 * (1 - t[0]))]])),
    (M.NegativeBinomial(r=3), [0.6], lambda t: np.array([[3 / (t[0] ** 2 * (1 - t[0]))]])),
    (M.Categorical(3), [0.2, 0.5], lambda t: np.diag(1 / t) + 1 / (1 - t.sum())),
    (M.MultivariateNormal(d=2), [0.3, -0.2, 1.2, 0.4, 0.9], _mvn),
]


@pytest.mark.parametrize("case", range(len(CLOSED_FORMS)),
                         ids=[f"{type(c[0]).__name__}-{c[1]}" for c in CLOSED_FORMS])
def test_pullback_metric_is_the_closed_form_fisher_matrix(case: int) -> None:
    manifold, theta, closed = CLOSED_FORMS[case]
    theta = np.asarray(theta, dtype=float)
    n = 201 if manifold.event_shape else 801
    grid = npg.family_grid(manifold, theta, n)
    expected = closed(theta)
    for method in ("finite_difference", "score"):
        got = npg.pullback_fisher(manifold, theta, grid, method=method)
        np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9 * np.abs(expected).max())


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_pullback_matches_every_registered_family(name: str) -> None:
    manifold = get_family(name)
    theta = manifold.random_point(np.random.default_rng(7))
    try:
        d = int(np.prod(manifold.event_shape, dtype=int))
        n = min(121, int(2e5 ** (1 / d))) if manifold.event_shape else 401
        grid = npg.family_grid(manifold, theta, n)
    except ValueError as err:  # data spaces a grid cannot cover (regressions, simplex)
        assert "manifold" in str(err) or "n_points" in str(err)
        pytest.skip(str(err))
    got = npg.pullback_fisher(manifold, theta, grid)
    np.testing.assert_allclose(got, manifold.metric_matrix(theta), rtol=1e-6, atol=1e-9)


def test_pullback_in_the_natural_chart_is_the_covariance_of_the_statistics() -> None:
    # natural parameters of the normal: I(theta) = Cov(x, x^2) (REFERENCE.md)
    natural = M.Normal().in_chart("natural")
    mu, sigma = 0.5, 1.5
    eta = np.array([mu / sigma**2, -1 / (2 * sigma**2)])
    grid = npg.family_grid(natural, eta, 801)
    expected = np.array([[sigma**2, 2 * mu * sigma**2],
                         [2 * mu * sigma**2, 2 * sigma**4 + 4 * mu**2 * sigma**2]])
    np.testing.assert_allclose(npg.pullback_fisher(natural, eta, grid), expected, rtol=1e-7)


def test_kl_projection_matches_moments() -> None:
    # the KL (moment) projection onto an exponential family matches E[T(x)]
    x = np.linspace(-15, 15, 3001)
    w = npg.grid_weights(x)
    p = 0.3 * stats.norm.pdf(x, -2, 0.7) + 0.7 * stats.norm.pdf(x, 2.5, 1.2)
    mean = 0.3 * -2 + 0.7 * 2.5
    second = 0.3 * (0.49 + 4) + 0.7 * (1.44 + 6.25)
    grid = npg.FamilyGrid(x, w)
    res = npg.project(p, grid, M.Normal(), [0.0, 1.0], divergence="kl")
    assert res.converged, res.message
    np.testing.assert_allclose(res.theta, [mean, np.sqrt(second - mean**2)], rtol=1e-8)
    # Poisson: lambda = the mean of a mixture of Poissons on the integers
    k = np.arange(0, 120.0)
    q = 0.5 * stats.poisson.pmf(k, 3.0) + 0.5 * stats.poisson.pmf(k, 11.0)
    res = npg.project(q, npg.FamilyGrid(k, np.ones_like(k)), M.Poisson(), [1.0],
                      divergence="kl")
    assert res.converged and res.theta[0] == pytest.approx(7.0, rel=1e-9)


def test_fisher_rao_projection_recovers_members_and_is_a_local_minimum() -> None:
    m = M.Gamma()
    truth = np.array([3.0, 1.5])
    grid = npg.family_grid(m, truth, 801)
    p = npg.family_density(m, truth, grid)
    res = npg.project(p, grid, m, [1.5, 0.8])
    assert res.converged, res.message
    np.testing.assert_allclose(res.theta, truth, rtol=1e-7)
    assert res.distance < 1e-7
    # off the family: a bimodal density projected onto the normals
    x = np.linspace(-15, 15, 3001)
    w = npg.grid_weights(x)
    mix = 0.3 * stats.norm.pdf(x, -2, 0.7) + 0.7 * stats.norm.pdf(x, 2.5, 1.2)
    fg = npg.FamilyGrid(x, w)
    res = npg.project(mix, fg, M.Normal(), [0.0, 2.0])
    assert res.converged, res.message
    assert res.objective == pytest.approx(res.distance)
    normal = M.Normal()
    for delta in ([0.02, 0], [-0.02, 0], [0, 0.02], [0, -0.02]):
        other = npg.family_density(normal, res.theta + np.array(delta), fg)
        assert npg.fisher_rao_distance(mix, other, w) > res.distance


@pytest.mark.slow  # the symbolic derivation takes several seconds
def test_pullback_of_a_compiled_symbolic_family_three_ways() -> None:
    # Weibull (shape k, scale lam): symbolic Fisher matrix, the pull-back on a grid of the
    # compiled family (which has no scipy counterpart: support given), and the closed form
    # [[((1-g)^2 + pi^2/6)/k^2, -(1-g)/lam], [-(1-g)/lam, k^2/lam^2]] (REFERENCE.md)
    manifold = ig.symbolic.compile_manifold(ig.symbolic.catalogue.weibull())
    k, lam = 1.7, 2.3
    theta = np.array([k, lam])
    grid = npg.family_grid(manifold, theta, 801, support=(0.0, np.inf), loc=lam, scale=1.0)
    g = np.euler_gamma
    closed = np.array([[((1 - g) ** 2 + np.pi**2 / 6) / k**2, -(1 - g) / lam],
                       [-(1 - g) / lam, k**2 / lam**2]])
    np.testing.assert_allclose(manifold.metric_matrix(theta), closed, rtol=1e-10)
    np.testing.assert_allclose(npg.pullback_fisher(manifold, theta, grid), closed, rtol=1e-8)
