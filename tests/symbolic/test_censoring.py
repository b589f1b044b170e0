"""Censored families: closed forms, quadrature and seeded Monte Carlo on clipped data."""

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from infogeo.symbolic import catalogue, censored, compile_manifold, fisher_information_result
from infogeo.symbolic.numeric import lambdify_numpy, numeric_expectation
from infogeo.symbolic.numeric_route import numeric_manifold


def _fisher_numeric(fam, point):
    s = [sp.diff(fam.logpdf, q) for q in fam.params]
    n = fam.dim
    vals = numeric_expectation(fam, [s[i] * s[j] for i in range(n) for j in range(n)], point)
    return vals.reshape(n, n)


def _fisher_monte_carlo(fam, point, data):
    """Mean of s sᵀ over censored data, and its standard error, entry by entry."""
    sub = {h: v for h, v in point.items() if h in fam.hyperparams}
    logpdf = fam.logpdf.xreplace({h: sp.Float(v, 17) for h, v in sub.items()})
    score = lambdify_numpy((fam.variable, *fam.params), [sp.diff(logpdf, q) for q in fam.params])
    s = np.stack([np.broadcast_to(np.asarray(v, dtype=float), data.shape)
                  for v in score(data, *[point[q] for q in fam.params])], axis=-1)
    prod = np.einsum("mi,mj->mij", s, s)
    return prod.mean(axis=0), prod.std(axis=0, ddof=1) / np.sqrt(len(data))


def test_censored_exponential_closed_form_three_ways():
    # Deemer & Votaw (1955): I(λ) = (1 − e^{−λc})/λ² for Type I censoring at c
    c = sp.Symbol("c", positive=True)
    fam = censored(catalogue.exponential(), at=c)
    lam = fam.params[0]
    result = fisher_information_result(fam, cache=False)
    assert not result.numeric
    assert sp.simplify(result.value[0, 0] - (1 - sp.exp(-lam * c)) / lam**2) == 0
    point = {lam: 1.3, c: 0.9}
    expected = (1 - np.exp(-1.3 * 0.9)) / 1.3**2
    assert _fisher_numeric(fam, point)[0, 0] == pytest.approx(expected, rel=1e-9)
    rng = np.random.default_rng(11)
    data = np.minimum(rng.exponential(1 / 1.3, 40_000), 0.9)
    mean, se = _fisher_monte_carlo(fam, point, data)
    assert abs(mean[0, 0] - expected) < 4.5 * se[0, 0]


def test_censored_rayleigh_closed_form():
    # x² /(2σ²) is Exp(1): the exponential result pulled back, I(σ) = 4(1 − e^{−c²/(2σ²)})/σ²
    fam = censored(catalogue.rayleigh(), at=1)
    sigma = fam.params[0]
    value = fisher_information_result(fam, cache=False).value[0, 0]
    assert sp.simplify(value - 4 * (1 - sp.exp(-1 / (2 * sigma**2))) / sigma**2) == 0


def test_left_censored_exponential_matches_quadrature_and_monte_carlo():
    fam = censored(catalogue.exponential(), at=sp.Rational(1, 2), side="left")
    lam = fam.params[0]
    assert sp.simplify(fam.tail_mass - (1 - sp.exp(-lam / 2))) == 0
    point = {lam: 0.8}
    # the atom F(c)(∂ log F)² plus ∫_c^∞ (1/λ − x)² λe^{−λx} dx, by hand
    F = 1 - np.exp(-0.4)
    dF = 0.5 * np.exp(-0.4)
    tail = np.exp(-0.4) * (1 / 0.8**2 + 0.25)  # E[(1/λ − x)²; x > c] for the exponential
    expected = dF**2 / F + tail
    assert _fisher_numeric(fam, point)[0, 0] == pytest.approx(expected, rel=1e-9)
    value = fisher_information_result(fam, cache=False).value[0, 0]
    assert float(value.subs(lam, 0.8)) == pytest.approx(expected, rel=1e-9)
    data = np.maximum(np.random.default_rng(5).exponential(1 / 0.8, 40_000), 0.5)
    mean, se = _fisher_monte_carlo(fam, point, data)
    assert abs(mean[0, 0] - expected) < 4.5 * se[0, 0]


@pytest.mark.parametrize(("base", "at", "theta", "draw"), [
    (catalogue.weibull, 1.5, (1.7, 1.2),
     lambda t, n, rng: stats.weibull_min(t[0], scale=t[1]).rvs(n, random_state=rng)),
    (catalogue.normal, 0.5, (0.2, 1.3),
     lambda t, n, rng: rng.normal(t[0], t[1], n)),
])
def test_numeric_route_of_censored_families(base, at, theta, draw):
    fam = censored(base(), at=at)
    point = dict(zip(fam.params, theta, strict=True))
    reference = _fisher_numeric(fam, point)  # adaptive quad_vec + the atom
    manifold = numeric_manifold(fam, {})  # the numeric route: tanh-sinh + the atom
    assert np.allclose(manifold.metric_matrix(np.array(theta)), reference, rtol=1e-8)
    assert "point mass" in manifold.method_of("metric").detail
    data = np.minimum(draw(theta, 40_000, np.random.default_rng(3)), at)
    mean, se = _fisher_monte_carlo(fam, point, data)
    assert np.all(np.abs(mean - reference) < 4.5 * se)
    # the manifold's own sampler clips draws of the base family at c
    own = manifold.sample(np.array(theta), 20_000, np.random.default_rng(4))
    assert own.max() == pytest.approx(at) and abs(np.mean(own == at) - float(
        sp.exp(fam.internal.logpdf).xreplace({fam.internal.variables[0]: at}).xreplace(
            {fam._to_internal[q]: v for q, v in point.items()}))) < 0.015
    # the atom matters: the uncensored Fisher matrix differs by far more than the error
    full = _fisher_numeric(base(), point)
    assert np.max(np.abs(full - reference)) > 20 * np.max(se)


@pytest.mark.slow
def test_compile_manifold_of_a_censored_weibull_takes_the_numeric_route():
    fam = censored(catalogue.weibull(), at=1.5)
    manifold = compile_manifold(fam, timeout=2, cache=False)
    theta = np.array([1.7, 1.2])
    reference = _fisher_numeric(fam, dict(zip(fam.params, theta, strict=True)))
    assert np.allclose(manifold.metric_matrix(theta), reference, rtol=1e-8)
    assert manifold.christoffels(theta).shape == (2, 2, 2)


def test_bad_input():
    with pytest.raises(ValueError, match="continuous"):
        censored(catalogue.poisson(), at=3)
    with pytest.raises(ValueError, match="inside the support"):
        censored(catalogue.exponential(), at=-1)
    with pytest.raises(ValueError, match="parameters"):
        censored(catalogue.exponential(), at="lam")
    with pytest.raises(ValueError, match="side"):
        censored(catalogue.exponential(), at=1, side="middle")


@pytest.mark.parametrize(("fam", "point", "expected"), [
    (catalogue.poisson, {"lam": 200.0}, 1 / 200),
    (catalogue.negative_binomial, {"p": 0.4, "r": 250.0}, 250 / (0.4**2 * 0.6)),
])
def test_loggamma_does_not_overflow_at_large_counts(fam, point, expected):
    # log(k!) at k ~ 1000 is far beyond the double range of k! itself
    f = fam()
    assert _fisher_numeric(f, point)[0, 0] == pytest.approx(expected, rel=1e-8)


def test_gamma_shape_200_fisher_numeric():
    f = catalogue.gamma()
    value = _fisher_numeric(f, {"alpha": 200.0, "beta": 3.0})
    from scipy.special import polygamma
    assert value[0, 0] == pytest.approx(float(polygamma(1, 200.0)), rel=1e-7)
    assert value[1, 1] == pytest.approx(200 / 9, rel=1e-8)
