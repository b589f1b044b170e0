"""Multivariate normal families: REFERENCE.md metric (Skovgaard 1984) against a sympy
derivation of −E[∂²ℓ] and Monte Carlo; Christoffels against Koszul; Eriksen's exp against
the geodesic ODE; SPD distance (Pennec et al. 2006) against shooting on the ODE."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import linalg, stats

from infogeo.manifolds import FixedMeanNormal, MultivariateNormal, Normal
from infogeo.manifolds.base import StatisticalManifold
from infogeo.manifolds.charts import numeric_jacobian
from infogeo.manifolds.differential import koszul_christoffels
from infogeo.manifolds.geodesic_solvers import shoot_log

MVN2 = MultivariateNormal(2)
RNG = np.random.default_rng(50)
PTS = MVN2.random_point(RNG, 4)


def test_pack_unpack_layout() -> None:
    m = MultivariateNormal(3)
    cov = np.array([[4.0, 0.1, 0.2], [0.1, 5.0, 0.3], [0.2, 0.3, 6.0]])
    theta = m.pack([1.0, 2.0, 3.0], cov)
    np.testing.assert_array_equal(theta, [1, 2, 3, 4.0, 0.1, 0.2, 5.0, 0.3, 6.0])
    mean, back = m.unpack(theta)
    np.testing.assert_array_equal(mean, [1, 2, 3])
    np.testing.assert_array_equal(back, cov)
    assert m.dim == 9 and m.coordinates[3:5] == ("sigma00", "sigma01")
    batch = m.pack(np.zeros((4, 3)), cov)  # broadcasts
    assert batch.shape == (4, 9)
    f = FixedMeanNormal(3)
    np.testing.assert_array_equal(f.unpack(f.pack(cov)), cov)


def direct_norm2(theta: np.ndarray, v: np.ndarray, d: int) -> float:
    """δμᵀΣ⁻¹δμ + ½ tr(Σ⁻¹δΣΣ⁻¹δΣ), δΣ built entry by entry from the layout."""
    cov = np.zeros((d, d))
    dcov = np.zeros((d, d))
    k = d
    for i in range(d):
        for j in range(i, d):
            cov[i, j] = cov[j, i] = theta[k]
            dcov[i, j] = dcov[j, i] = v[k]
            k += 1
    prec = np.linalg.inv(cov)
    return v[:d] @ prec @ v[:d] + 0.5 * np.trace(prec @ dcov @ prec @ dcov)


def test_metric_matches_reference_quadratic_form() -> None:
    m3 = MultivariateNormal(3)
    pts = m3.random_point(np.random.default_rng(51), 3)
    vs = np.random.default_rng(52).normal(size=pts.shape)
    for theta, v in zip(pts, vs, strict=True):
        np.testing.assert_allclose(m3.squared_norm(v, theta), direct_norm2(theta, v, 3),
                                   rtol=1e-12)


@pytest.fixture(scope="module")
def sympy_fisher_d2():
    """−E[∂²ℓ] for d = 2 with sympy: ∂²ℓ is quadratic in r = x − μ, so E replaces
    r_i r_j by Σ_ij and r_i by 0."""
    mu = sp.symbols("mu0 mu1")
    s00, s01, s11 = sp.symbols("s00 s01 s11")
    r = sp.symbols("r0 r1")
    x = sp.symbols("x0 x1")
    cov = sp.Matrix([[s00, s01], [s01, s11]])
    resid = sp.Matrix([x[0] - mu[0], x[1] - mu[1]])
    ell = -sp.log(cov.det()) / 2 - (resid.T * cov.inv() * resid)[0] / 2
    params = [*mu, s00, s01, s11]
    hess = sp.hessian(ell, params).subs({x[0]: mu[0] + r[0], x[1]: mu[1] + r[1]})
    moments = {r[0] ** 2: s00, r[1] ** 2: s11, r[0] * r[1]: s01}

    def expect(expr: sp.Expr) -> sp.Expr:
        poly = sp.Poly(sp.expand(sp.together(expr) * cov.det() ** 3), *r)
        total = 0
        for monom, coeff in poly.terms():
            key = r[0] ** monom[0] * r[1] ** monom[1]
            total += coeff * (1 if key == 1 else moments.get(key, 0))
        return total / cov.det() ** 3

    fisher = -hess.applyfunc(expect)
    return sp.lambdify(params, fisher, "numpy")


def test_metric_matches_sympy_expected_hessian(sympy_fisher_d2) -> None:
    for theta in PTS:
        np.testing.assert_allclose(MVN2.metric_matrix(theta),
                                   np.array(sympy_fisher_d2(*theta), dtype=float),
                                   rtol=1e-10, atol=1e-12)


def test_metric_matches_monte_carlo() -> None:
    theta = PTS[1]
    rng = np.random.default_rng(53)
    s = MVN2.score(MVN2.sample(theta, 100_000, rng), theta)
    outer = s[:, :, None] * s[:, None, :]
    se = outer.std(0, ddof=1) / np.sqrt(len(s))
    assert np.all(np.abs(outer.mean(0) - MVN2.metric_matrix(theta)) <= 4 * se)


@pytest.mark.parametrize("family", [MultivariateNormal(2), FixedMeanNormal(2, mean=[1, 0])],
                         ids=repr)
def test_skewness_matches_monte_carlo(family) -> None:
    theta = family.random_point(np.random.default_rng(66))
    s = family.score(family.sample(theta, 200_000, np.random.default_rng(67)), theta)
    t = np.einsum("ni,nj,nk->nijk", s, s, s)
    se = t.std(0, ddof=1) / np.sqrt(len(s))
    assert np.all(np.abs(t.mean(0) - family.skewness_tensor(theta)) <= 4 * se)


def test_skewness_in_one_dimension_is_the_normal_one() -> None:
    theta = np.array([0.3, 1.7])  # (μ, v)
    np.testing.assert_allclose(MultivariateNormal(1).skewness_tensor(theta),
                               Normal().in_chart("mu_var").skewness_tensor(theta), rtol=1e-12)


def test_natural_and_expectation_charts_are_e_and_m_flat() -> None:
    for chart, alpha in (("natural", 1.0), ("expectation", -1.0)):
        m = MVN2.in_chart(chart)
        y = MVN2.change_chart(PTS, chart)
        scale = np.abs(m.christoffels(y)).max()
        np.testing.assert_allclose(m.alpha_christoffels(y, alpha), 0.0, atol=1e-9 * scale)
    # natural parameters: the coefficients of x_i and x_i x_j (i <= j) in the exponent
    # θ1·x − ½ xᵀΣ⁻¹x, so the off-diagonal one is −(Σ⁻¹)_01 (x0 x1 appears twice);
    # the expectation parameters are E[x_i] and E[x_i x_j]
    mean, cov = MVN2.unpack(PTS[0])
    prec = np.linalg.inv(cov)
    np.testing.assert_allclose(MVN2.change_chart(PTS[0], "natural"),
                               np.r_[prec @ mean, -0.5 * prec[0, 0], -prec[0, 1],
                                     -0.5 * prec[1, 1]], rtol=1e-12)
    second = cov + np.outer(mean, mean)
    np.testing.assert_allclose(MVN2.change_chart(PTS[0], "expectation"),
                               np.r_[mean, second[0, 0], second[0, 1], second[1, 1]],
                               rtol=1e-12)


def test_log_prob_and_score_match_scipy() -> None:
    theta = PTS[2]
    mean, cov = MVN2.unpack(theta)
    x = np.random.default_rng(54).normal(size=(6, 2))
    np.testing.assert_allclose(MVN2.log_prob(x, theta),
                               stats.multivariate_normal(mean, cov).logpdf(x), rtol=1e-12)

    def scipy_logpdf(p: np.ndarray) -> np.ndarray:
        m, c = MVN2.unpack(p)
        return stats.multivariate_normal(m, c).logpdf(x)

    fd = numeric_jacobian(scipy_logpdf, theta)
    np.testing.assert_allclose(MVN2.score(x, theta), fd, rtol=1e-7, atol=1e-9)
    fixed = FixedMeanNormal(2, mean=[0.3, -0.2])
    np.testing.assert_allclose(fixed.log_prob(x, theta[2:]),
                               stats.multivariate_normal([0.3, -0.2], cov).logpdf(x),
                               rtol=1e-12)


@pytest.mark.parametrize("family", [MultivariateNormal(2), MultivariateNormal(3),
                                    FixedMeanNormal(3)], ids=repr)
def test_christoffels_match_koszul(family) -> None:
    pts = family.random_point(np.random.default_rng(55), 3)
    reference = koszul_christoffels(family.metric_matrix, pts)
    np.testing.assert_allclose(family.christoffels(pts), reference, rtol=1e-7,
                               atol=1e-8 * np.abs(reference).max())


def test_spd_christoffels_closed_form_contraction() -> None:
    f = FixedMeanNormal(3)
    x = f.random_point(np.random.default_rng(56))
    v, w = np.random.default_rng(57).normal(size=(2, f.dim))
    cov_v, cov_w, prec = f.unpack(v), f.unpack(w), np.linalg.inv(f.unpack(x))
    expected = -0.5 * (cov_v @ prec @ cov_w + cov_w @ prec @ cov_v)
    got = np.einsum("kij,i,j->k", f.christoffels(x), v, w)
    np.testing.assert_allclose(f.unpack(got), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("family", [MultivariateNormal(2), MultivariateNormal(3),
                                    FixedMeanNormal(3)], ids=repr)
def test_closed_form_exp_matches_geodesic_ode(family) -> None:
    rng = np.random.default_rng(58)
    pts = family.random_point(rng, 3)
    v = rng.normal(size=pts.shape)
    v *= 1.5 / family.norm(v, pts)[:, None]
    ode = StatisticalManifold._exp(family, v, pts)
    np.testing.assert_allclose(family.exp(v, pts), ode, rtol=1e-9, atol=1e-10)


def test_one_dimensional_case_is_the_normal_half_plane() -> None:
    m1 = MultivariateNormal(1)
    normal = Normal().in_chart("mu_var")
    a, b = Normal().random_point(np.random.default_rng(59), (2, 5))
    a, b = Normal().change_chart(a, "mu_var"), Normal().change_chart(b, "mu_var")
    np.testing.assert_allclose(m1.metric_matrix(a), normal.metric_matrix(a), rtol=1e-12)
    np.testing.assert_allclose(m1.dist(a, b), normal.dist(a, b), rtol=1e-9)
    np.testing.assert_allclose(m1.kl_divergence(a, b), normal.kl_divergence(a, b), rtol=1e-12)


@pytest.mark.parametrize("length", [0.5, 2.0, 4.0])
def test_log_recovers_the_velocity_at_moderate_distance(length: float) -> None:
    rng = np.random.default_rng(60)
    a = MVN2.random_point(rng, 20)
    v = rng.normal(size=a.shape)
    v *= length / MVN2.norm(v, a)[:, None]
    b = MVN2.exp(v, a)
    np.testing.assert_allclose(MVN2.log(b, a), v, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(MVN2.dist(a, b), length, rtol=1e-9)


def test_equal_means_distance_is_the_spd_distance() -> None:
    a = PTS
    b = MVN2.pack(MVN2.unpack(a)[0], MVN2.unpack(PTS[::-1])[1])
    spd = FixedMeanNormal(2)
    np.testing.assert_allclose(MVN2.dist(a, b), spd.dist(a[:, 2:], b[:, 2:]), rtol=1e-9)


def test_spd_distance_matches_generalized_eigenvalues_and_shooting() -> None:
    f = FixedMeanNormal(3)
    rng = np.random.default_rng(61)
    a, b = f.random_point(rng, 3), f.random_point(rng, 3)
    lam = [linalg.eigh(f.unpack(bb), f.unpack(aa), eigvals_only=True)
           for aa, bb in zip(a, b, strict=True)]
    expected = np.sqrt(0.5 * np.sum(np.log(lam) ** 2, axis=-1))
    np.testing.assert_allclose(f.dist(a, b), expected, rtol=1e-12)
    # shooting on the geodesic ODE (metric and Christoffels only)
    res = shoot_log(lambda v, x: StatisticalManifold._exp(f, v, x), a, b)
    assert res.success, res.message
    np.testing.assert_allclose(np.sqrt(f.squared_norm(res.tangent_vec, a)), expected,
                               rtol=1e-8)
    np.testing.assert_allclose(f.log(b, a), res.tangent_vec, rtol=1e-7, atol=1e-9)


def test_spd_distance_is_congruence_invariant() -> None:
    f = FixedMeanNormal(3)
    rng = np.random.default_rng(62)
    a, b = f.unpack(f.random_point(rng, 4)), f.unpack(f.random_point(rng, 4))
    g = rng.normal(size=(3, 3)) + 2 * np.eye(3)
    moved = [f.pack(g @ s @ g.T) for s in (a, b)]
    np.testing.assert_allclose(f.dist(*moved), f.dist(f.pack(a), f.pack(b)), rtol=1e-9)


@pytest.mark.parametrize("family", [MultivariateNormal(2), FixedMeanNormal(2, mean=[1, 2])],
                         ids=repr)
def test_kl_matches_monte_carlo(family) -> None:
    rng = np.random.default_rng(63)
    p, q = family.random_point(rng, 2)
    x = family.sample(p, 100_000, rng)
    diff = family.log_prob(x, p) - family.log_prob(x, q)
    assert abs(diff.mean() - family.kl_divergence(p, q)) <= 4 * diff.std(ddof=1) / np.sqrt(
        len(x))


def test_samples_have_the_right_moments() -> None:
    theta = PTS[0]
    mean, cov = MVN2.unpack(theta)
    x = MVN2.sample(theta, 50_000, np.random.default_rng(64))
    se = np.sqrt(np.diag(cov) / len(x))
    assert np.all(np.abs(x.mean(0) - mean) <= 4 * se)
    batch = MVN2.sample(PTS, 7, np.random.default_rng(65))
    assert batch.shape == (7, len(PTS), 2)


@pytest.mark.parametrize("family", [MultivariateNormal(2), FixedMeanNormal(2)], ids=repr)
def test_bad_input_names_the_argument(family) -> None:
    not_spd = np.array([1.0, 2.0, 1.0])  # [[1, 2], [2, 1]] has eigenvalue −1
    pt = not_spd if isinstance(family, FixedMeanNormal) else np.r_[0.0, 0.0, not_spd]
    with pytest.raises(ValueError, match="theta.*covariance.*positive definite"):
        family.metric_matrix(pt)
    with pytest.raises(ValueError, match="point_b.*positive definite"):
        family.dist(family.random_point(np.random.default_rng(0)), pt)
    with pytest.raises(ValueError, match=rf"theta must have shape \[\.\.\., {family.dim}\]"):
        family.metric_matrix(np.ones(family.dim + 1))
    good = family.random_point(np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"x must have shape \[\.\.\., 2\]"):
        family.log_prob(np.ones(3), good)


def test_scipy_roundtrip() -> None:
    theta = PTS[3]
    np.testing.assert_allclose(MVN2.from_scipy(MVN2.to_scipy(theta)), theta, rtol=1e-14)
    fixed = FixedMeanNormal(2, mean=[1.0, -1.0])
    np.testing.assert_allclose(fixed.from_scipy(fixed.to_scipy(theta[2:])), theta[2:])
    with pytest.raises(ValueError, match="dist must have mean = "):
        fixed.from_scipy(MVN2.to_scipy(theta))
    with pytest.raises(ValueError, match="single point"):
        MVN2.to_scipy(PTS)
    with pytest.raises(ValueError, match="multivariate_normal"):
        MVN2.from_scipy(stats.norm())
    with pytest.raises(ValueError, match="2 entries in mean"):
        MVN2.from_scipy(stats.multivariate_normal(np.zeros(3), np.eye(3)))


@pytest.mark.parametrize("chart, bad, match", [
    ("natural", [0.0, 0.0, 0.5, 0.0, -0.5],
     r"theta: -Theta2 \(natural parameter.*must be symmetric positive definite"),
    ("expectation", [1.0, 0.0, 0.5, 0.0, 1.0],
     r"theta: H2 - eta1 eta1\^T \(the covariance\) must be symmetric positive definite"),
])
def test_bad_points_in_other_charts(chart: str, bad: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        MVN2.in_chart(chart).metric_matrix(bad)


def test_bad_constructor_and_pack_arguments() -> None:
    with pytest.raises(ValueError, match="cov must be symmetric"):
        MVN2.pack([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]])
    with pytest.raises(ValueError, match="d must be a positive integer"):
        MultivariateNormal(0)
    with pytest.raises(ValueError, match="mean must have shape"):
        FixedMeanNormal(2, mean=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="mean must have shape"):
        MVN2.pack([0.0], np.eye(2))
    with pytest.raises(ValueError, match="cov must have shape"):
        FixedMeanNormal(2).pack(np.eye(3))


def test_natural_and_expectation_charts_are_legendre_dual() -> None:
    """dη/dθ = I(θ): the expectation coordinates are the gradient of the log-partition in
    the stored natural coordinates (off-diagonal natural entries are the coefficients of
    x_i x_j, i < j), as for every exponential family (Amari & Nagaoka 2000, §3.5)."""
    from infogeo.manifolds.charts import numeric_jacobian

    m = MultivariateNormal(3)
    nat = m.in_chart("natural")
    theta = m.change_chart(m.random_point(np.random.default_rng(31)), "natural")
    deta_dtheta = numeric_jacobian(lambda t: nat.change_chart(t, "expectation"), theta)
    np.testing.assert_allclose(deta_dtheta, nat.metric_matrix(theta), rtol=1e-7, atol=1e-9)
