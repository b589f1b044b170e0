"""Independent audit of infogeo against scipy.stats and the literature's closed forms.

Our other tests check each family against quadrature or Monte Carlo of *infogeo's own*
score, which cannot catch a parametrization that differs from the documented one. Here
nothing of infogeo's is used on the reference side: the Fisher matrix is E[s sᵀ] with s
the central-difference score of scipy's log-density (or of a density written from the
cited source), the expectation by ``quad_vec``, exact sums or exact Gauss–Hermite rules
(:mod:`tests._audit_numerics`), in scipy's parameters; each chart is mapped to them by
the formulas its docstring states (:mod:`tests._audit_oracles`). The tolerance is
``SAFETY`` × the estimated quadrature + finite-difference error of each computation.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, special, stats

from infogeo.manifolds.registry import FAMILIES
from infogeo.symbolic import catalogue, fisher_information

from . import _audit_numerics as num
from ._audit_catalogue import CATALOGUE, trigamma
from ._audit_oracles import gaussian, numeric_family_oracles

SPECIAL = {"dirichlet", "linear_regression", "logistic_regression"}
SCIPY_FAMILIES = sorted(set(FAMILIES) - SPECIAL)
N_POINTS = 2


def _points(m, seed):
    return m.random_point(np.random.default_rng(seed), N_POINTS)


def _assert_agree(value, reference, err, what):
    ok, rel, tol = num.agree(value, reference, err)
    assert ok, (f"{what}: infogeo {np.asarray(value).tolist()} vs independent "
                f"{np.asarray(reference).tolist()} (max rel. diff {rel:.2e}, tol {tol:.1e})")


# ------------------------------------------------------------------ numeric families
@pytest.mark.parametrize("name", SCIPY_FAMILIES)
def test_metric_in_every_chart_matches_scipy(name):
    """Each chart's coordinates are the documented ones and its metric is JᵀF J, F the
    Fisher matrix of scipy's density in scipy's parameters."""
    m = FAMILIES[name]()
    oracle, charts = numeric_family_oracles(m)
    assert set(charts) == set(m.chart_names)
    base = m.chart.name
    for theta in _points(m, 0):
        P = charts[base](theta)
        F, F_err = num.fisher(oracle, P)
        for chart in m.chart_names:
            y = m.change_chart(theta, chart)
            np.testing.assert_allclose(charts[chart](y), P, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name}: chart {chart!r} coordinates")
            J, J_err = num.jacobian(charts[chart], y)
            ref, err = num.pulled_back(F, F_err, J, J_err)
            _assert_agree(m.in_chart(chart).metric_matrix(y), ref, err,
                          f"{name} metric, chart {chart!r} at {y}")


def _data(oracle, P, m, rng, n=6):
    x = oracle.sample(P, n, rng)
    return np.asarray(x, dtype=float).reshape((n,) + m.event_shape)


@pytest.mark.parametrize("name", SCIPY_FAMILIES)
def test_log_prob_matches_scipy(name):
    m = FAMILIES[name]()
    oracle, charts = numeric_family_oracles(m)
    rng = np.random.default_rng(1)
    for theta in _points(m, 1):
        P = charts[m.chart.name](theta)
        x = _data(oracle, P, m, rng)
        ref = oracle.logpdf(x[:, None], P[None])[:, 0]
        np.testing.assert_allclose(m.log_prob(x, theta), ref, rtol=1e-9, atol=1e-11,
                                   err_msg=f"{name} log_prob at {theta}")


@pytest.mark.parametrize("name", SCIPY_FAMILIES)
def test_kl_matches_quadrature_of_scipy(name):
    m = FAMILIES[name]()
    oracle, charts = numeric_family_oracles(m)
    tp, tq = _points(m, 2)
    try:
        value = m.kl_divergence(tp, tq)
    except NotImplementedError:
        pytest.skip(f"{name} has no KL divergence")
    ref, err = num.kl(oracle, charts[m.chart.name](tp), charts[m.chart.name](tq))
    _assert_agree(value, ref, err + 1e-9 * abs(ref), f"{name} KL")


# ------------------------------------------------------------------ Dirichlet, regression
def test_dirichlet_against_scipy():
    """ℓ is linear in log x with α-dependent coefficients, so −∇²_α ℓ does not depend
    on x and equals I; KL needs only E log x_i, the mean of log of a Beta(α_i, A − α_i)
    marginal."""
    m = FAMILIES["dirichlet"]()
    rng = np.random.default_rng(3)
    alphas = _points(m, 3)
    for alpha in alphas:
        xs = stats.dirichlet(alpha).rvs(size=2, random_state=rng)
        H = [num.hessian_fisher(lambda a, x=x: stats.dirichlet.logpdf(x, a), alpha) for x in xs]
        np.testing.assert_allclose(H[0][0], H[1][0], atol=num.SAFETY * (H[0][1] + H[1][1]))
        _assert_agree(m.metric_matrix(alpha), H[0][0], H[0][1], "dirichlet metric")
        _assert_agree(m.in_chart("natural").metric_matrix(alpha - 1), H[0][0], H[0][1],
                      "dirichlet metric, natural chart θ = α − 1")
        np.testing.assert_allclose(m.log_prob(xs, alpha),
                                   [stats.dirichlet.logpdf(x, alpha) for x in xs], rtol=1e-10)
    a, b = alphas
    A = a.sum()
    quads = [integrate.quad(lambda t, i=i: np.log(t) * stats.beta.pdf(t, a[i], A - a[i]),
                            0, 1, epsrel=1e-12) for i in range(len(a))]
    elog, err = np.array([v for v, _ in quads]), np.array([e for _, e in quads])
    ref = (special.gammaln(A) - special.gammaln(a).sum() - special.gammaln(b.sum())
           + special.gammaln(b).sum() + np.dot(a - b, elog))
    _assert_agree(m.kl_divergence(a, b), ref, np.dot(np.abs(a - b), err) + 1e-12, "dirichlet KL")


def _row_oracles(m):
    """Independent rows: y_i ~ N(x_iᵀw, s²) or Bernoulli(σ(x_iᵀw)), parameters P = w."""
    out = []
    for xi in m.design:
        if type(m).__name__ == "LinearRegression":
            s = m.noise_scale

            def logpdf(y, P, xi=xi, s=s):
                return stats.norm.logpdf(y[:, :1, 0], np.atleast_2d(P) @ xi, s)
            out.append(num.Oracle(logpdf, "gaussian",
                                  moments=lambda P, xi=xi, s=s: (np.array([xi @ P]),
                                                                 np.array([[s**2]]))))
        else:
            def logpmf(y, P, xi=xi):
                return stats.bernoulli.logpmf(y[:, :1, 0], special.expit(np.atleast_2d(P) @ xi))
            out.append(num.Oracle(logpmf, "finite", points=np.array([[0.0], [1.0]])))
    return out


@pytest.mark.parametrize("name", ["linear_regression", "logistic_regression"])
def test_regression_against_scipy(name):
    """Independent observations: I(w), log p and KL are sums over the rows."""
    m = FAMILIES[name]()
    rows = _row_oracles(m)
    rng = np.random.default_rng(4)
    wp, wq = _points(m, 4)
    fishers = [num.fisher(o, wp) for o in rows]
    _assert_agree(m.metric_matrix(wp), sum(f for f, _ in fishers),
                  sum(e for _, e in fishers), f"{name} metric")
    y = np.stack([o.sample(wp, 1, rng)[0, 0] for o in rows])
    ref = sum(o.logpdf(np.array([[[v]]]), wp[None])[0, 0] for o, v in zip(rows, y, strict=True))
    np.testing.assert_allclose(m.log_prob(y, wp), ref, rtol=1e-10)
    kls = [num.kl(o, wp, wq) for o in rows]
    _assert_agree(m.kl_divergence(wp, wq), sum(k for k, _ in kls),
                  sum(e for _, e in kls) + 1e-9 * abs(sum(k for k, _ in kls)), f"{name} KL")


# ------------------------------------------------------------------ symbolic catalogue
def _catalogue_point(fam, seed):
    values = fam.random_parameters(np.random.default_rng(seed))
    return np.array([float(values[s]) for s in fam.params])


def _independent(name, p):
    _, oracle, to_P, _, _ = CATALOGUE[name]
    P = to_P(p)
    F, F_err = num.fisher(oracle, P)
    J, J_err = num.jacobian(to_P, p)
    return num.pulled_back(F, F_err, J, J_err)


def test_catalogue_is_covered():
    assert set(CATALOGUE) | {"dirichlet"} == set(catalogue.names())


@pytest.mark.parametrize("name", [n for n in CATALOGUE if CATALOGUE[n][3] is not None])
def test_quoted_closed_form_matches_scipy(name):
    """The closed form quoted in REFERENCE.md / the docstring (source in CATALOGUE)."""
    kwargs, _, _, closed, source = CATALOGUE[name]
    fam = catalogue.get(name, **kwargs)
    for seed in range(N_POINTS):
        p = _catalogue_point(fam, seed)
        ref, err = _independent(name, p)
        _assert_agree(closed(p), ref, err, f"{name} closed form ({source}) at {p}")


def test_dirichlet_closed_form_matches_scipy():
    alpha = _catalogue_point(catalogue.dirichlet(), 0)
    H, err = num.hessian_fisher(lambda a: stats.dirichlet.logpdf([0.2, 0.3, 0.5], a), alpha)
    _assert_agree(np.diag(trigamma(alpha)) - trigamma(alpha.sum()), H, err, "dirichlet")


def _lambdified_logpdf(fam):
    args = [*fam.variables, *fam.params] if hasattr(fam, "variables") else [fam.variable,
                                                                             *fam.params]
    return sp.lambdify(args, fam.logpdf, "scipy")


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_catalogue_density_matches_scipy(name):
    """The catalogue's log-density is the cited one, constants included."""
    kwargs, oracle, to_P, _, _ = CATALOGUE[name]
    fam = catalogue.get(name, **kwargs)
    f = _lambdified_logpdf(fam)
    rng = np.random.default_rng(5)
    p = _catalogue_point(fam, 5)
    P = to_P(p)
    x = np.asarray(oracle.sample(P, 4, rng), dtype=float)
    if oracle.kind == "finite":          # one-hot outcomes -> the catalogue's label
        mine = [f(int(np.argmax(v)), *p) for v in x]
    elif x.ndim == 2:
        mine = [f(*v, *p) for v in x]
    else:
        mine = [f(v, *p) for v in x]
    ref = oracle.logpdf(x.reshape(len(x), 1, -1) if x.ndim == 2 else x[:, None], P[None])
    np.testing.assert_allclose(np.asarray(mine, float), ref[:, 0], rtol=1e-9, atol=1e-11)


#: derivations under a second or so; the rest run with --slow
FAST_SYMBOLIC = ["normal", "normal_mean_variance", "normal_natural", "lognormal", "half_normal",
                 "inverse_gaussian", "exponential", "gamma", "gamma_shape_scale", "rayleigh",
                 "maxwell", "pareto", "beta", "von_mises", "poisson", "bernoulli", "binomial",
                 "geometric", "negative_binomial", "categorical", "truncated_exponential"]


def _symbolic_case(name):
    kwargs = CATALOGUE[name][0]
    fam = catalogue.get(name, **kwargs)
    I = fisher_information(fam, cache=False)
    p = _catalogue_point(fam, 7)
    value = np.array(sp.lambdify(fam.params, I, "scipy")(*p), dtype=float)
    ref, err = _independent(name, p)
    _assert_agree(value, ref, err, f"symbolic Fisher of {name} at {p}")


@pytest.mark.parametrize("name", FAST_SYMBOLIC)
def test_symbolic_fisher_matches_scipy(name):
    _symbolic_case(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(CATALOGUE) - set(FAST_SYMBOLIC)))
def test_symbolic_fisher_matches_scipy_slow(name):
    _symbolic_case(name)


def test_gaussian_oracle_is_exact_for_quartic_scores():
    """The Gauss–Hermite rule behind the multivariate audit integrates E x⁴ = 3 exactly."""
    z, w = num._gauss_hermite(1)
    assert abs(np.sum(w * z[:, 0] ** 4) - 3.0) < 1e-12
    assert gaussian(1).kind == "gaussian"
