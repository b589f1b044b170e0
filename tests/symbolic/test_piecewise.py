"""Piecewise families: expectations split at the pieces in the variable.

Every closed form is checked three ways: the literature formula, the symbolic derivation
and an independent numeric estimate (direct sum / scipy quadrature, or seeded Monte Carlo
with a tolerance from its standard error).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

from infogeo.errors import DerivationError
from infogeo.symbolic import SymbolicFamily, catalogue, fisher_information
from infogeo.symbolic.fisher import fisher_information_result
from infogeo.symbolic.strategies import Context

K = sp.Symbol("k", integer=True, nonnegative=True)
W, P = sp.Symbol("w", positive=True), sp.Symbol("p", positive=True)
LAM = sp.Symbol("lam", positive=True)


def _at(matrix: sp.Matrix, **values: float) -> np.ndarray:
    sub = {s: values[s.name] for s in matrix.free_symbols}
    return np.array(matrix.xreplace(sub).evalf(), dtype=float)


def zip_lambert(w: float, lam: float) -> np.ndarray:
    """Lambert (1992), Technometrics 34(1): ZIP Fisher information in (w, λ),
    π₀ = w + (1 − w)e^{−λ}."""
    e = np.exp(-lam)
    pi0 = w + (1 - w) * e
    return np.array([[(1 - e) / ((1 - w) * pi0), -e / pi0],
                     [-e / pi0, (1 - w) / lam - w * (1 - w) * e / pi0]])


def _zip_scores(k: np.ndarray, w: float, lam: float) -> np.ndarray:
    e = np.exp(-lam)
    pi0 = w + (1 - w) * e
    zero = k == 0
    s_w = np.where(zero, (1 - e) / pi0, -1 / (1 - w))
    s_lam = np.where(zero, -(1 - w) * e / pi0, k / lam - 1)
    return np.stack([s_w, s_lam])


@pytest.fixture(scope="module")
def zip_result():
    return fisher_information_result(catalogue.get("zero_inflated_poisson"), cache=False)


@pytest.fixture(scope="module")
def zip_fisher(zip_result) -> sp.Matrix:
    return zip_result.value


def test_zip_closes_and_matches_lambert(zip_fisher: sp.Matrix) -> None:
    for w, lam in [(0.3, 1.7), (0.8, 0.4), (0.05, 6.0)]:
        np.testing.assert_allclose(_at(zip_fisher, w=w, lam=lam), zip_lambert(w, lam),
                                   rtol=1e-12)


def test_zip_against_direct_sum_and_monte_carlo(zip_fisher: sp.Matrix) -> None:
    w, lam = 0.35, 2.2
    closed = _at(zip_fisher, w=w, lam=lam)
    k = np.arange(0, 200)
    pmf = (1 - w) * stats.poisson.pmf(k, lam)
    pmf[0] += w
    s = _zip_scores(k, w, lam)
    np.testing.assert_allclose(closed, (s * pmf) @ s.T, rtol=1e-12)
    rng = np.random.default_rng(7)
    n = 200_000
    draws = np.where(rng.random(n) < w, 0, rng.poisson(lam, n))
    s = _zip_scores(draws, w, lam)
    prods = s[:, None, :] * s[None, :, :]
    se = prods.std(axis=-1) / np.sqrt(n)
    assert np.all(np.abs(prods.mean(axis=-1) - closed) <= 5 * se)


@pytest.mark.slow
def test_indicator_form_is_normalized_and_gives_the_same_matrix(zip_fisher: sp.Matrix
                                                                 ) -> None:
    pmf = W * 0**K + (1 - W) * LAM**K * sp.exp(-LAM) / sp.factorial(K)
    fam = SymbolicFamily(sp.log(pmf), [W, LAM], K, sp.Range(0, sp.oo),
                         constraints={W: (0, 1)})
    got = fisher_information(fam, cache=False)
    assert sp.simplify(got - zip_fisher.xreplace(
        {s: {"w": W, "lam": LAM}[s.name] for s in zip_fisher.free_symbols})) == sp.zeros(2)


def test_zero_inflated_geometric_from_a_string_follows_the_general_formula() -> None:
    """ZI of a base pmf f (here geometric f(k) = p(1 − p)^k, I_f = 1/(p²(1 − p))):
    I_ww = (1 − f₀)/((1 − w)π₀), I_wp = ∂f₀/π₀, I_pp = (1 − w)I_f − w(1 − w)(∂f₀)²/(f₀π₀)."""
    fam = SymbolicFamily("Piecewise((log(w + (1 - w)*p), Eq(k, 0)), "
                         "(log(1 - w) + log(p) + k*log(1 - p), True))",
                         "w:(0,1) p:(0,1)", "k", "0,oo", discrete=True)
    got = fisher_information(fam, cache=False)
    for w, p in [(0.2, 0.3), (0.6, 0.75)]:
        f0, df0 = p, 1.0
        pi0 = w + (1 - w) * f0
        expected = np.array([[(1 - f0) / ((1 - w) * pi0), df0 / pi0],
                             [df0 / pi0, (1 - w) / (p**2 * (1 - p))
                              - w * (1 - w) * df0**2 / (f0 * pi0)]])
        np.testing.assert_allclose(_at(got, w=w, p=p), expected, rtol=1e-12)


@pytest.mark.slow
def test_hurdle_poisson_matches_mullahy_and_a_direct_sum() -> None:
    got = fisher_information(catalogue.get("hurdle_poisson"), cache=False)
    pi0, lam = 0.4, 1.3
    trunc = 1 / (lam * (1 - np.exp(-lam))) - np.exp(lam) / (np.exp(lam) - 1) ** 2
    expected = np.diag([1 / (pi0 * (1 - pi0)), (1 - pi0) * trunc])
    np.testing.assert_allclose(_at(got, pi0=pi0, lam=lam), expected, rtol=1e-12)
    k = np.arange(1, 200)
    pmf = (1 - pi0) * stats.poisson.pmf(k, lam) / (1 - np.exp(-lam))
    score = k / lam - 1 - np.exp(-lam) / (1 - np.exp(-lam))
    assert np.isclose(np.sum(pmf * score**2), expected[1, 1], rtol=1e-12)


def test_truncated_exponential_matches_its_variance() -> None:
    got = fisher_information(catalogue.get("truncated_exponential", c=2), cache=False)
    lam, c = 0.7, 2.0
    expected = 1 / lam**2 - c**2 * np.exp(lam * c) / (np.exp(lam * c) - 1) ** 2
    assert np.isclose(float(_at(got, lam=lam)[0, 0]), expected, rtol=1e-12)
    dens = lambda x: lam * np.exp(-lam * x) / (1 - np.exp(-lam * c))  # noqa: E731
    mean = integrate.quad(lambda x: x * dens(x), 0, c)[0]
    var = integrate.quad(lambda x: (x - mean) ** 2 * dens(x), 0, c)[0]
    assert np.isclose(var, expected, rtol=1e-10)


def test_continuous_pieces_split_at_a_known_point() -> None:
    """Uniform mass w on (0, 1) spliced to (1 − w)·Exp(λ) shifted to x > 1:
    I = diag(1/(w(1 − w)), (1 − w)/λ²)."""
    x = sp.Symbol("x", positive=True)
    logpdf = sp.Piecewise((sp.log(W), x < 1),
                          (sp.log(1 - W) + sp.log(LAM) - LAM * (x - 1), True))
    fam = SymbolicFamily(logpdf, [W, LAM], x, (0, sp.oo), constraints={W: (0, 1)})
    got = fisher_information(fam, cache=False)
    assert sp.simplify(got - sp.diag(1 / (W * (1 - W)), (1 - W) / LAM**2)) == sp.zeros(2)


def test_diagnostics_name_the_variable_and_the_pieces(zip_result) -> None:
    reasons = dict(zip_result.attempts)
    assert "depends on k (ℓ is piecewise in k: Eq(k, 0))" in reasons["hessian_free"]
    assert "not smooth" not in " ".join(reasons.values())


def test_a_break_point_that_moves_with_theta_is_a_kink_in_theta() -> None:
    x, theta = sp.Symbol("x", positive=True), sp.Symbol("theta", positive=True)
    logpdf = sp.Piecewise((-sp.log(theta), x < theta), (-sp.oo, True))
    ctx = Context(SymbolicFamily(logpdf, [theta], x, (0, sp.oo), check_normalization=False))
    assert ctx.non_smooth and "theta" in ctx.kinks()


def test_gaussian_mixture_fails_fast_with_the_reason_and_answers_at_a_point() -> None:
    x = sp.Symbol("x", real=True)
    comp = [sp.exp(-x**2 / 2), sp.exp(-(x - 2) ** 2 / 2) / 1]
    logpdf = sp.log(W * comp[0] + (1 - W) * comp[1]) - sp.log(2 * sp.pi) / 2
    fam = SymbolicFamily(logpdf, [W], x, (-sp.oo, sp.oo), constraints={W: (0, 1)})
    with pytest.raises(DerivationError, match="finite mixture in x"):
        fisher_information(fam, cache=False)
    got = fisher_information(fam, cache=False, allow_numeric=True, at={"w": 0.3})
    f1, f2 = stats.norm(0, 1).pdf, stats.norm(2, 1).pdf
    ref = integrate.quad(lambda t: (f1(t) - f2(t)) ** 2 / (0.3 * f1(t) + 0.7 * f2(t)),
                         -30, 32, epsabs=1e-13, points=[0, 1, 2])[0]
    assert np.isclose(float(got[0, 0]), ref, rtol=1e-8)


@pytest.mark.slow
def test_zinb_closes_and_matches_the_zero_inflation_formula() -> None:
    got = fisher_information(catalogue.get("zero_inflated_negative_binomial"), cache=False)
    w, p, r = 0.25, 0.4, 3.0
    f0, df0 = p**r, r * p ** (r - 1)
    pi0 = w + (1 - w) * f0
    expected = np.array([[(1 - f0) / ((1 - w) * pi0), df0 / pi0],
                         [df0 / pi0, (1 - w) * r / (p**2 * (1 - p))
                          - w * (1 - w) * df0**2 / (f0 * pi0)]])
    np.testing.assert_allclose(_at(got, w=w, p=p, r=r), expected, rtol=1e-12)
    k = np.arange(0, 400)
    base = stats.nbinom.pmf(k, r, p)  # failures before the r-th success, as in the family
    pmf = (1 - w) * base
    pmf[0] += w
    s_w = np.where(k == 0, (1 - f0) / pi0, -1 / (1 - w))
    dlogf = r / p - k / (1 - p)
    s_p = np.where(k == 0, (1 - w) * df0 / pi0, dlogf)
    s = np.stack([s_w, s_p])
    np.testing.assert_allclose((s * pmf) @ s.T, expected, rtol=1e-10)
