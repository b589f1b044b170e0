"""Densities that no catalogue entry names, typed in as a user would (strings), checked
against the literature and against quadrature of scipy.stats scores (independent of
infogeo: scipy's logpdf, central differences in θ, scipy.integrate.quad / direct sums).

The default run uses the numeric route at a point (fast); the symbolic derivations that
take seconds are marked slow.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import scipy.integrate as si
import scipy.stats as st
import sympy as sp

from infogeo.errors import DerivationError
from infogeo.symbolic import fisher_information, parse_family, scalar_curvature
from infogeo.symbolic.numeric_route import numeric_manifold

EULER = float(np.euler_gamma)


def scipy_fisher(logpdf: Callable[[np.ndarray, np.ndarray], np.ndarray], theta: list[float],
                 low: float, high: float, discrete: bool = False, h: float = 1e-5
                 ) -> np.ndarray:
    """E[s sᵀ] with the score s by central differences of ``logpdf(x, theta)`` (a
    scipy.stats logpdf), by ``scipy.integrate.quad`` or a direct sum over the integers."""
    t = np.asarray(theta, dtype=float)
    d = t.size

    def score(x: np.ndarray) -> np.ndarray:
        out = []
        for i in range(d):
            e = np.zeros(d)
            e[i] = h * max(1.0, abs(t[i]))
            out.append((logpdf(x, t + e) - logpdf(x, t - e)) / (2 * e[i]))
        return np.array(out)

    info = np.zeros((d, d))
    if discrete:
        k = np.arange(int(low), int(high) + 1, dtype=float)
        w = np.exp(logpdf(k, t))
        k, w = k[w > 0], w[w > 0]
        s = score(k)
        return np.einsum("ik,jk,k->ij", s, s, w)
    for i in range(d):
        for j in range(i, d):
            def f(x: float, i: int = i, j: int = j) -> float:
                w = float(np.exp(logpdf(np.array([x]), t))[0])
                if w == 0.0:  # far in a tail: the score is -inf - (-inf) there
                    return 0.0
                s = score(np.array([x]))[:, 0]
                return float(s[i] * s[j] * w)
            info[i, j] = info[j, i] = si.quad(f, low, high, limit=200, epsabs=1e-12,
                                              epsrel=1e-10)[0]
    return info


# name: (logpdf, params, options, point, scipy logpdf(x, t), scipy support, literature or None)
CONTINUOUS = {
    "lomax": ("log(alpha) - log(lam) - (alpha+1)*log(1+x/lam)", "alpha>0 lam>0",
              {"support": "0,oo"}, [2.0, 1.5],
              lambda x, t: st.lomax.logpdf(x, t[0], scale=t[1]), (0, np.inf),
              lambda a, s: [[1 / a**2, -1 / (s * (a + 1))],
                            [-1 / (s * (a + 1)), a / (s**2 * (a + 2))]]),
    "kumaraswamy": ("log(a) + log(b) + (a-1)*log(x) + (b-1)*log(1-x**a)", "a>0 b>0",
                    {"support": "0,1"}, [2.0, 3.0],
                    lambda x, t: (np.log(t[0] * t[1]) + (t[0] - 1) * np.log(x)
                                  + (t[1] - 1) * np.log1p(-x**t[0])), (0, 1), None),
    "nakagami": ("log(2) + m*log(m) - loggamma(m) - m*log(W) + (2*m-1)*log(x) - m*x**2/W",
                 "m>1/2 W>0", {}, [1.5, 2.0],
                 lambda x, t: st.nakagami.logpdf(x, t[0], scale=np.sqrt(t[1])), (0, np.inf),
                 lambda m, w: [[float(sp.polygamma(1, m)) - 1 / m, 0], [0, m / w**2]]),
    "frechet": ("log(a) - log(s) - (1+a)*log(x/s) - (x/s)**(-a)", "a>0 s>0", {}, [2.0, 1.5],
                lambda x, t: st.invweibull.logpdf(x, t[0], scale=t[1]), (0, np.inf), None),
    "burr12": ("log(c) + log(k) + (c-1)*log(x) - (k+1)*log(1+x**c)", "c>0 k>0", {},
               [2.0, 1.5], lambda x, t: st.burr12.logpdf(x, t[0], t[1]), (0, np.inf), None),
    "gengamma": ("log(p) - d*log(a) - loggamma(d/p) + (d-1)*log(x) - (x/a)**p",
                 "a>0 d>0 p>0", {}, [1.0, 2.0, 1.5],
                 lambda x, t: st.gengamma.logpdf(x, t[1] / t[2], t[2], scale=t[0]),
                 (0, np.inf), None),
    "gumbel_beta": ("-(x-mu)/beta - exp(-(x-mu)/beta) - log(beta)", "mu beta>0", {},
                    [0.5, 2.0], lambda x, t: st.gumbel_r.logpdf(x, t[0], t[1]),
                    (-np.inf, np.inf),
                    # Johnson, Kotz & Balakrishnan, Continuous Univariate Distributions 2, §22
                    lambda m, b: np.array([[1, EULER - 1],
                                           [EULER - 1, (1 - EULER)**2 + np.pi**2 / 6]]) / b**2),
    "logistic": ("-(x-mu)/s - 2*log(1+exp(-(x-mu)/s)) - log(s)", "mu s>0", {}, [0.0, 2.0],
                 lambda x, t: st.logistic.logpdf(x, t[0], t[1]), (-np.inf, np.inf),
                 lambda m, s: [[1 / (3 * s**2), 0], [0, (np.pi**2 + 3) / (9 * s**2)]]),
    "inverse_gaussian": ("log(lam)/2 - log(2*pi)/2 - 3*log(x)/2 - lam*(x-mu)**2/(2*mu**2*x)",
                         "mu>0 lam>0", {}, [1.5, 2.0],
                         lambda x, t: st.invgauss.logpdf(x, t[0] / t[1], scale=t[1]),
                         (0, np.inf), lambda m, lam: [[lam / m**3, 0], [0, 1 / (2 * lam**2)]]),
    "lognormal": ("-log(x) - log(sigma) - log(2*pi)/2 - (log(x)-mu)**2/(2*sigma**2)",
                  "mu sigma>0", {}, [0.2, 0.7],
                  lambda x, t: st.lognorm.logpdf(x, t[1], scale=np.exp(t[0])), (0, np.inf),
                  lambda m, s: [[1 / s**2, 0], [0, 2 / s**2]]),
    "rayleigh": ("log(x) - 2*log(sigma) - x**2/(2*sigma**2)", "sigma>0", {}, [2.0],
                 lambda x, t: st.rayleigh.logpdf(x, scale=t[0]), (0, np.inf),
                 lambda s: [[4 / s**2]]),
    "half_normal": ("log(2)/2 - log(pi)/2 - log(sigma) - x**2/(2*sigma**2)", "sigma>0",
                    {"support": "0,oo"}, [1.3],
                    lambda x, t: st.halfnorm.logpdf(x, scale=t[0]), (0, np.inf),
                    lambda s: [[2 / s**2]]),
    "cardioid": ("log(1+2*r*cos(x-mu)) - log(2*pi)", "mu r:(0,1/2)", {"support": "-pi,pi"},
                 [0.3, 0.25],
                 lambda x, t: np.log1p(2 * t[1] * np.cos(x - t[0])) - np.log(2 * np.pi),
                 (-np.pi, np.pi), None),
    "von_mises": ("kappa*cos(x-mu) - log(2*pi*besseli(0,kappa))", "mu kappa>0",
                  {"support": "-pi,pi"}, [0.3, 2.0],
                  lambda x, t: st.vonmises.logpdf(x, t[1], loc=t[0]), (-np.pi, np.pi), None),
}

DISCRETE = {
    "logarithmic": ("k*log(p) - log(k) - log(-log(1-p))", "p:(0,1)", {"support": "1,oo"},
                    [0.4], lambda k, t: st.logser.logpmf(k, t[0]), (1, 400),
                    lambda p: [[-(p + math.log1p(-p))
                                / (p * (1 - p)**2 * math.log1p(-p)**2)]]),
    "beta_binomial": ("log(binomial(5,k)) + log(beta(k+a, 5-k+b)) - log(beta(a,b))", "a>0 b>0",
                      {"support": "0,5"}, [2.0, 3.0],
                      lambda k, t: st.betabinom.logpmf(k, 5, t[0], t[1]), (0, 5), None),
}


def _family(logpdf: str, params: str, options: dict, discrete: bool = False):
    variable = "k" if discrete else "x"
    return parse_family(logpdf, params, variable=variable, discrete=discrete, **options)


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_numeric_route_metric_matches_scipy_quadrature(name: str) -> None:
    logpdf, params, options, theta, ref_logpdf, (lo, hi), literature = CONTINUOUS[name]
    fam = _family(logpdf, params, options)
    metric = numeric_manifold(fam, {}).metric_matrix(np.array(theta))
    reference = scipy_fisher(ref_logpdf, theta, lo, hi)
    np.testing.assert_allclose(metric, reference, rtol=1e-6, atol=1e-8)
    if literature is not None:
        np.testing.assert_allclose(metric, np.asarray(literature(*theta), dtype=float),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_numeric_route_metric_of_discrete_families_matches_direct_sums(name: str) -> None:
    logpdf, params, options, theta, ref_logpmf, (lo, hi), literature = DISCRETE[name]
    fam = _family(logpdf, params, options, discrete=True)
    metric = numeric_manifold(fam, {}).metric_matrix(np.array(theta))
    reference = scipy_fisher(ref_logpmf, theta, lo, hi, discrete=True)
    np.testing.assert_allclose(metric, reference, rtol=1e-6, atol=1e-9)
    if literature is not None:
        np.testing.assert_allclose(metric, np.asarray(literature(*theta), dtype=float),
                                   rtol=1e-9)


FAST_CLOSED = ["rayleigh", "half_normal", "lognormal", "inverse_gaussian", "nakagami"]


@pytest.mark.parametrize("name", FAST_CLOSED)
def test_closed_form_metric_matches_the_literature(name: str) -> None:
    logpdf, params, options, theta, _, _, literature = CONTINUOUS[name]
    fam = _family(logpdf, params, options)
    closed = fisher_information(fam)
    value = np.array(closed.subs(dict(zip(fam.params, theta, strict=True))).evalf(),
                     dtype=float)
    np.testing.assert_allclose(value, np.asarray(literature(*theta), dtype=float), rtol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lomax", "gumbel_beta", "logistic", "frechet"])
def test_slow_closed_forms_match_scipy_quadrature(name: str) -> None:
    logpdf, params, options, theta, ref_logpdf, (lo, hi), _ = CONTINUOUS[name]
    fam = _family(logpdf, params, options)
    closed = fisher_information(fam, timeout=60)
    value = np.array(closed.subs(dict(zip(fam.params, theta, strict=True))).evalf(),
                     dtype=float)
    np.testing.assert_allclose(value, scipy_fisher(ref_logpdf, theta, lo, hi), rtol=1e-6,
                               atol=1e-8)


def test_numeric_curvature_of_lomax_matches_its_closed_metric() -> None:
    """Lomax's numeric scalar curvature (expectations differentiated under the integral)
    against Brioschi's formula on the literature metric (sympy, no quadrature)."""
    a, lam = sp.symbols("a lam", positive=True)
    off = -1 / (lam * (a + 1))
    g = sp.Matrix([[1 / a**2, off], [off, a / (lam**2 * (a + 2))]])
    closed = float(scalar_curvature(g, [a, lam]).subs({a: 2, lam: 1.5}))
    fam = _family(*CONTINUOUS["lomax"][:3])
    numeric = float(numeric_manifold(fam, {}).scalar_curvature(np.array([2.0, 1.5])))
    assert numeric == pytest.approx(closed, rel=1e-7)


# ---------------------------------------------------------------- regressions

def test_numeric_route_refuses_a_kink_in_theta_with_a_reason() -> None:
    """Laplace: ∂²ℓ has DiracDelta(x - mu); the numeric route used to crash with a
    NameError from lambdify. The metric (first derivatives) stays available."""
    fam = parse_family("-abs(x-mu)/b - log(2*b)", "mu b>0")
    manifold = numeric_manifold(fam, {})
    theta = np.array([0.3, 1.5])
    metric = manifold.metric_matrix(theta)
    # the quadrature splits at the kink x = mu (tests/symbolic/test_numeric_route_kinks.py)
    error = manifold.method_of("metric").error
    np.testing.assert_allclose(metric, np.eye(2) / 1.5**2, atol=error)
    with pytest.raises(DerivationError, match="DiracDelta"):
        manifold.christoffels(theta)


def test_greek_function_names_may_be_parameters() -> None:
    """Gumbel's scale is beta, a gamma rate too; declaring it used to be refused as a
    reserved name. beta(a, b) in the same string is still the function."""
    fam = parse_family("-(x-mu)/beta - exp(-(x-mu)/beta) - log(beta)", "mu beta>0")
    assert [p.name for p in fam.params] == ["mu", "beta"]
    fam = parse_family("log(binomial(5,k)) + log(beta(k+a, 5-k+beta)) - log(beta(a,beta))",
                       "a>0 beta>0", variable="k", discrete=True, support="0,5")
    assert fam.logpdf.has(sp.beta)
    metric = numeric_manifold(fam, {}).metric_matrix(np.array([2.0, 3.0]))
    reference = scipy_fisher(lambda k, t: st.betabinom.logpmf(k, 5, t[0], t[1]), [2.0, 3.0],
                             0, 5, discrete=True)
    np.testing.assert_allclose(metric, reference, rtol=1e-6)


def test_cli_curvature_at_a_kink_falls_through_to_the_closed_form(capsys) -> None:
    """``curvature --at`` on Laplace used to end in "internal error (NameError)"; now the
    numeric route says why it cannot, and the closed form (R = -2) follows."""
    from infogeo.cli import main

    code = main(["curvature", "--logpdf", "-abs(x-mu)/b - log(2*b)", "--params", "mu b>0",
                 "--at", "mu=0.3 b=1.5", "--no-cache", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "no value by the numeric route" in out and "DiracDelta" in out
    assert "scalar curvature R = -2" in out
