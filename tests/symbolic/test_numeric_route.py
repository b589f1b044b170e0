"""The numeric route against independent high-precision references (mpmath, 30 digits),
closed forms, and seeded Monte Carlo."""

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import infogeo as ig
from infogeo.manifolds import NumericFamily
from infogeo.symbolic.numeric_route import numeric_manifold

mp.mp.dps = 30
C2 = (3 + np.pi**2) / 9  # log-logistic: g = diag(b²/(3a²), C2/b²)


def loglogistic_np(x, t):
    a, b = t
    return np.log(b / a) + (b - 1) * np.log(x / a) - 2 * np.log1p((x / a) ** b)


def burr_np(x, t):  # Burr XII, shapes c, k
    c, k = t
    return np.log(c * k) + (c - 1) * np.log(x) - (k + 1) * np.log1p(x**c)


def burr_mp(x, c, k):
    return mp.log(c * k) + (c - 1) * mp.log(x) - (k + 1) * mp.log(1 + x**c)


def loglogistic_mp(x, a, b):
    return mp.log(b / a) + (b - 1) * mp.log(x / a) - 2 * mp.log(1 + (x / a) ** b)


def mp_metric_and_gamma(logp, theta):
    """g_ij = E[s_i s_j], Γ_ij,k = E[(∂_i∂_jℓ + ½ s_i s_j) s_k] by mpmath quadrature, the
    θ-derivatives by mpmath's own high-precision differentiation."""
    n = len(theta)
    th = [mp.mpf(t) for t in theta]

    def derivs(x):
        f = lambda *t: logp(x, *t)  # noqa: E731
        s = [mp.diff(f, th, tuple(int(i == j) for j in range(n))) for i in range(n)]
        h = [[mp.diff(f, th, tuple(int(i == m) + int(j == m) for m in range(n)))
              for j in range(n)] for i in range(n)]
        return mp.exp(f(*th)), s, h

    def E(fn):
        return mp.quad(lambda x: (lambda p, s, h: p * fn(s, h))(*derivs(x)), [0, 1, mp.inf])

    g = np.array([[float(E(lambda s, h, i=i, j=j: s[i] * s[j])) for j in range(n)]
                  for i in range(n)])
    first = np.array([[[float(E(lambda s, h, i=i, j=j, k=k: (h[i][j] + s[i] * s[j] / 2) * s[k]))
                        for k in range(n)] for j in range(n)] for i in range(n)])
    return g, np.einsum("kl,ijl->kij", np.linalg.inv(g), first)


@pytest.fixture(scope="module")
def loglogistic_symbolic():
    a, b, x = sp.symbols("a b x", positive=True)
    fam = ig.symbolic.SymbolicFamily(sp.log(b / a) + (b - 1) * sp.log(x / a)
                                     - 2 * sp.log(1 + (x / a) ** b), params=[a, b],
                                     variable=x, support=(0, sp.oo))
    return numeric_manifold(fam, {})


@pytest.mark.slow
def test_loglogistic_metric_and_christoffels_match_mpmath(loglogistic_symbolic):
    theta = np.array([1.3, 2.5])
    g_ref, gamma_ref = mp_metric_and_gamma(loglogistic_mp, theta)
    for M in (loglogistic_symbolic, NumericFamily(loglogistic_np, 2, support=(0, np.inf))):
        np.testing.assert_allclose(M.metric_matrix(theta), g_ref, rtol=0, atol=1e-8)
        np.testing.assert_allclose(M.christoffels(theta), gamma_ref, rtol=0, atol=1e-8)


def test_loglogistic_closed_form_geometry(loglogistic_symbolic):
    """Log-logistic is logistic in log x: g = diag(b²/(3a²), (3 + π²)/(9b²)), a hyperbolic
    plane of scalar curvature −2/C2 (Gaussian curvature −1/C2)."""
    theta = np.array([1.3, 2.5])
    a, b = theta
    M = loglogistic_symbolic
    np.testing.assert_allclose(M.metric_matrix(theta), np.diag([b**2 / (3 * a**2), C2 / b**2]),
                               rtol=1e-10, atol=1e-12)
    assert M.scalar_curvature(theta) == pytest.approx(-2 / C2, abs=1e-8)
    cal = NumericFamily(loglogistic_np, 2, support=(0, np.inf),
                        domain=[(0, np.inf), (0, np.inf)])
    assert cal.scalar_curvature(theta) == pytest.approx(-2 / C2, abs=1e-8)
    assert cal.derivative_method.startswith("score by complex step")


@pytest.mark.parametrize("theta", [(0.06, 0.06), (1.0, 0.05), (27.0, 0.08), (0.06, 27.0)])
def test_heavy_tails_are_integrated_or_flagged(theta):
    """At small shapes log x is logistic with scale 1/b: 1 % of the mass of b = 0.05 lies
    beyond e^78, where a truncated substitution silently stops. The metric must be right
    within its reported error, and that error must be honest (not 0, not a claim of a
    tolerance that was not reached)."""
    a, b = theta
    M = NumericFamily(loglogistic_np, 2, support=(0, np.inf),
                      domain=[(0, np.inf), (0, np.inf)])
    g = M.metric_matrix(np.array(theta))
    truth = np.diag([b**2 / (3 * a**2), C2 / b**2])
    prov = M.method_of("metric")
    assert np.max(np.abs(g - truth)) <= max(prov.error, 1e-12 * np.max(truth)), prov
    np.testing.assert_allclose(g, truth, rtol=1e-6, atol=1e-6 * np.max(truth))


def test_loglogistic_geodesic_matches_closed_form_ode(loglogistic_symbolic):
    def rhs(_, y):
        a, b, va, vb = y
        acc_a = -(-1 / a * va**2 + 2 / b * va * vb)
        acc_b = -(-b**3 / (3 * C2 * a**2) * va**2 - 1 / b * vb**2)
        return [va, vb, acc_a, acc_b]

    x0, v0 = np.array([1.3, 2.5]), np.array([0.2, -0.3])
    ref = solve_ivp(rhs, (0, 1), [*x0, *v0], rtol=1e-13, atol=1e-14, method="DOP853").y[:2, -1]
    np.testing.assert_allclose(loglogistic_symbolic.exp(v0, x0), ref, atol=1e-8)
    assert loglogistic_symbolic.method_of("geodesics").method == "geodesic ODE"


@pytest.mark.slow
def test_burr_curvature_matches_mpmath_brioschi():
    """Burr XII (c, k): metric by mpmath quadrature, Gaussian curvature by Brioschi's formula
    with mpmath's derivatives of the metric (independent of the under-the-integral route)."""
    theta = (2.0, 1.5)
    g_ref, gamma_ref = mp_metric_and_gamma(burr_mp, theta)
    M = NumericFamily(burr_np, 2, support=(0, np.inf), domain=[(0, np.inf), (0, np.inf)])
    np.testing.assert_allclose(M.metric_matrix(np.array(theta)), g_ref, atol=1e-8)
    np.testing.assert_allclose(M.christoffels(np.array(theta)), gamma_ref, atol=1e-8)

    def entry(i, j):
        def f(c, k):
            s = lambda x: [mp.diff(lambda cc: burr_mp(x, cc, k), c),  # noqa: E731
                           mp.diff(lambda kk: burr_mp(x, c, kk), k)]
            return mp.quad(lambda x: mp.exp(burr_mp(x, c, k)) * s(x)[i] * s(x)[j],
                           [0, 1, mp.inf])
        return f

    mp.mp.dps = 20
    E, F, G = entry(0, 0), entry(0, 1), entry(1, 1)
    c, k = (mp.mpf(t) for t in theta)
    d = lambda f, n: mp.diff(f, (c, k), n)  # noqa: E731
    e, f_, g = E(c, k), F(c, k), G(c, k)
    Eu, Ev, Fu, Fv, Gu, Gv = d(E, (1, 0)), d(E, (0, 1)), d(F, (1, 0)), d(F, (0, 1)), \
        d(G, (1, 0)), d(G, (0, 1))
    Evv, Fuv, Guu = d(E, (0, 2)), d(F, (1, 1)), d(G, (2, 0))
    m1 = mp.matrix([[-Evv / 2 + Fuv - Guu / 2, Eu / 2, Fu - Ev / 2],
                    [Fv - Gu / 2, e, f_], [Gv / 2, f_, g]])
    m2 = mp.matrix([[0, Ev / 2, Gu / 2], [Ev / 2, e, f_], [Gu / 2, f_, g]])
    K = (mp.det(m1) - mp.det(m2)) / (e * g - f_**2) ** 2
    mp.mp.dps = 30
    assert M.scalar_curvature(np.array(theta)) == pytest.approx(2 * float(K), abs=1e-8)


@pytest.mark.parametrize("name", ["weibull", "gamma"])
def test_numeric_route_matches_closed_forms(name):
    fam = ig.symbolic.catalogue.FAMILIES[name]()
    closed = ig.symbolic.compile_manifold(fam)
    numeric = numeric_manifold(fam, {})
    theta = closed.random_point(np.random.default_rng(3))
    np.testing.assert_allclose(numeric.metric_matrix(theta), closed.metric_matrix(theta),
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(numeric.christoffels(theta), closed.christoffels(theta),
                               rtol=1e-8, atol=1e-9)
    assert numeric.scalar_curvature(theta) == pytest.approx(
        float(closed.scalar_curvature(theta)), rel=1e-6, abs=1e-8)  # closed: differences of Γ
    assert closed.method_of("metric").method == "closed form"
    assert numeric.method_of("metric").method == "quadrature"


def test_discrete_numeric_route_matches_poisson():
    lam, k = sp.symbols("lam k", positive=True)
    fam = ig.symbolic.SymbolicFamily(k * sp.log(lam) - lam - sp.loggamma(k + 1), params=[lam],
                                     variable=k, support=(0, sp.oo), discrete=True)
    M = numeric_manifold(fam, {})
    assert M.metric_matrix(np.array([3.5]))[0, 0] == pytest.approx(1 / 3.5, rel=1e-10)
    assert M.skewness_tensor(np.array([3.5]))[0, 0, 0] == pytest.approx(1 / 3.5**2, rel=1e-9)
    assert M.method_of("metric").method == "sum"


def test_metric_agrees_with_seeded_monte_carlo(loglogistic_symbolic):
    theta = np.array([1.3, 2.5])
    est = ig.estimators.fisher_monte_carlo(loglogistic_symbolic, theta, n_samples=40_000,
                                           rng=np.random.default_rng(7))
    assert np.all(np.abs(est.mean - loglogistic_symbolic.metric_matrix(theta))
                  <= 5 * est.stderr + 1e-12)
    quad = ig.estimators.fisher_quadrature(loglogistic_symbolic, theta)
    np.testing.assert_allclose(quad, loglogistic_symbolic.metric_matrix(theta), atol=1e-9)


def test_kl_by_quadrature_matches_mpmath():
    tp, tq = np.array([1.3, 2.5]), np.array([1.0, 2.0])
    M = NumericFamily(loglogistic_np, 2, support=(0, np.inf))
    ref = mp.quad(lambda x: mp.exp(loglogistic_mp(x, *tp)) * (
        loglogistic_mp(x, *tp) - loglogistic_mp(x, *tq)), [0, 1, mp.inf])
    assert M.kl_divergence(tp, tq) == pytest.approx(float(ref), abs=1e-10)
    assert M.method_of("kl").method == "quadrature"
