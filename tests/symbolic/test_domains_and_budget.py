"""Declared domains are the domains used; supports are inferred or suggested; derivations
stay within their time budget and say what they are doing (issue 13, parts 4 and 5).

Distributions the catalogue does not name, with closed forms from the literature:

* inverse gamma (shape a, scale b): I = [[ψ′(a), −1/b], [−1/b, a/b²]] (the gamma
  family's matrix, since 1/X is gamma: Fisher information is invariant under x → 1/x);
* Nakagami (m, Ω): I = diag(ψ′(m) − 1/m, m/Ω²) (Nakagami 1960; X² is Gamma(m, Ω/m));
* Lindley (θ): I = (θ² + 4θ + 2)/(θ²(θ + 1)²) (Ghitany, Atieh & Nadarajah 2008, §6);
* half-Cauchy (γ): I = 1/(2γ²) (scale family, c = Var(∂ log p) = 1/2, as the Cauchy);
* log-logistic (scale α, shape β): I = diag(β²/(3α²), (3 + π²)/(9β²)) (Shoukri, Mian &
  Tracy 1988); no strategy closes it, so it exercises the numeric route.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from infogeo.errors import DerivationError, NormalizationError
from infogeo.symbolic import (
    SymbolicFamily,
    check_normalization,
    fisher_information,
    fisher_information_result,
    parse_family,
    parse_params,
)

LOGLOGISTIC = "log(b/a) + (b-1)*log(x/a) - 2*log(1 + (x/a)**b)"


def _same(a: sp.Matrix, b: sp.Matrix, symbols: list, seed: int = 0) -> None:
    """Equal as functions: compared at random points to 12 digits."""
    rng = np.random.default_rng(seed)
    for _ in range(3):
        sub = {s: sp.Float(rng.uniform(0.5, 3.0), 30) for s in symbols}
        np.testing.assert_allclose(np.array(a.xreplace(sub).evalf(20), dtype=float),
                                   np.array(b.xreplace(sub).evalf(20), dtype=float),
                                   rtol=1e-12)


# ---------------------------------------------------------------------- declared domains
def test_interval_from_parse_params_reaches_the_family() -> None:
    """p:(0,1) from parse_params is the domain used, without repeating it (before: the
    normalization check drew p = 1.5 and failed)."""
    p, = parse_params("p:(0,1)")
    k = sp.Symbol("k", integer=True, nonnegative=True)
    fam = SymbolicFamily(k * sp.log(p) + (1 - k) * sp.log(1 - p), [p], k, (0, 1),
                         discrete=True)
    assert fam.domains[p] == sp.Interval.open(0, 1)
    rng = np.random.default_rng(3)
    assert all(0 < fam.random_parameters(rng)[p] < 1 for _ in range(20))
    assert check_normalization(fam, cache=False) in ("symbolic", "numeric")
    assert sp.simplify(fisher_information(fam, cache=False)[0, 0] - 1 / (p * (1 - p))) == 0
    rate, = parse_params("rate>=1")
    assert SymbolicFamily(sp.log(rate) - rate * sp.Symbol("x", positive=True), [rate],
                          sp.Symbol("x", positive=True), (0, sp.oo)).domains[rate] == \
        sp.Interval(1, sp.oo)


def test_explicit_constraints_override_the_declared_interval() -> None:
    p, = parse_params("p:(0,1)")
    k = sp.Symbol("k", integer=True, nonnegative=True)
    fam = SymbolicFamily(k * sp.log(p) + (1 - k) * sp.log(1 - p), [p], k, (0, 1),
                         discrete=True, constraints={"p": "(0, 1/2)"})
    assert fam.domains[p] == sp.Interval.open(0, sp.Rational(1, 2))


@pytest.mark.parametrize("logpdf, params, expected_support", [
    ("a*log(b) - loggamma(a) - (a+1)*log(x) - b/x", "a>0 b>0", (0, sp.oo)),
    ("log(a) + (a-1)*log(x) + (b-1)*log(1-x) - log(beta(a, b))", "a>0 b>0", (0, 1)),
    ("-(x-mu)**2/2 - log(2*pi)/2", "mu", (-sp.oo, sp.oo)),
])
def test_support_left_out_is_inferred(logpdf: str, params: str, expected_support: tuple
                                      ) -> None:
    fam = parse_family(logpdf, params)
    assert fam.support == (expected_support,)
    assert fam.support_inferred


@pytest.mark.parametrize("logpdf, params, suggestion", [
    ("log(lam) - lam*x", "lam>0", (0, sp.oo)),             # exponential
    ("2*log(t) - log(1+t) + log(1+x) - t*x", "t>0", (0, sp.oo)),  # Lindley
    ("log(a) + (a-1)*log(x)", "a>0", (0, 1)),              # power function
])
def test_missing_support_is_suggested_not_a_huge_mass(logpdf: str, params: str,
                                                      suggestion: tuple) -> None:
    fam = parse_family(logpdf, params)
    with pytest.raises(NormalizationError) as info:
        check_normalization(fam, cache=False)
    err = info.value
    assert err.suggestions == (suggestion,)
    assert f"did you mean support ({suggestion[0]}, {suggestion[1]})?" in str(err)
    assert "1e+" not in str(err)  # a divergent mass is reported as divergent


def test_diagnostics_name_the_variable_of_the_family() -> None:
    """Poisson with λ = θ² (a curved family): −∂²ℓ = 2k/θ² + 2 depends on k, not 'x'."""
    fam = parse_family("2*k*log(t) - t**2 - loggamma(k+1)", "t>0", variable="k",
                       support="0,oo", discrete=True)
    result = fisher_information_result(fam, cache=False)
    reasons = dict(result.attempts)
    assert "depends on k" in reasons["hessian_free"]
    assert "x" not in reasons["hessian_free"]
    t = fam.params[0]
    assert sp.simplify(result.value[0, 0] - 4) == 0  # I_θ = (2θ)²/λ = 4 (REFERENCE: 1/λ)
    assert t in fam.params


# ---------------------------------------------------------------------- unnamed families
@pytest.mark.parametrize("name, logpdf, params, support", [
    ("inverse_gamma", "a*log(b) - loggamma(a) - (a+1)*log(x) - b/x", "a>0 b>0", None),
    ("nakagami", "log(2) + m*log(m) - loggamma(m) - m*log(w) + (2*m-1)*log(x) - m*x**2/w",
     "m>0 w>0", None),
    ("lindley", "2*log(t) - log(1+t) + log(1+x) - t*x", "t>0", "0,oo"),
    ("half_cauchy", "log(2) - log(pi) - log(g) - log(1 + (x/g)**2)", "g>0", "0,oo"),
])
def test_families_the_catalogue_does_not_name(name: str, logpdf: str, params: str,
                                              support: str | None) -> None:
    fam = parse_family(logpdf, params, support=support, name=name)
    result = fisher_information_result(fam, cache=False)
    s = fam.params
    expected = {
        "inverse_gamma": lambda: sp.Matrix([[sp.polygamma(1, s[0]), -1 / s[1]],
                                            [-1 / s[1], s[0] / s[1] ** 2]]),
        "nakagami": lambda: sp.diag(sp.polygamma(1, s[0]) - 1 / s[0], s[0] / s[1] ** 2),
        "lindley": lambda: sp.Matrix([[(s[0] ** 2 + 4 * s[0] + 2)
                                       / (s[0] ** 2 * (s[0] + 1) ** 2)]]),
        "half_cauchy": lambda: sp.Matrix([[1 / (2 * s[0] ** 2)]]),
    }[name]()
    _same(result.value, expected, list(s))
    assert result.check_error < 1e-8 and not result.numeric


def test_log_logistic_gets_a_numeric_answer_at_a_point() -> None:
    fam = parse_family(LOGLOGISTIC, "a>0 b>0")
    assert fam.support == ((0, sp.oo),)  # inferred from log(x/a), a > 0
    a, b = fam.params
    result = fisher_information_result(fam, cache=False, timeout=1.0, allow_numeric=True,
                                       at={"a": 1.5, "b": 2.5})
    assert result.numeric and result.attempts
    expected = np.diag([2.5**2 / (3 * 1.5**2), (3 + np.pi**2) / (9 * 2.5**2)])
    np.testing.assert_allclose(np.array(result.value, dtype=float), expected, rtol=1e-8,
                               atol=1e-10)
    # and an independent scipy quadrature of the b-b entry, E[(∂_b ℓ)²]
    def integrand(x: float) -> float:
        u = (x / 1.5) ** 2.5
        score = 1 / 2.5 + np.log(x / 1.5) * (1 - 2 * u / (1 + u))
        density = (2.5 / 1.5) * (x / 1.5) ** 1.5 / (1 + u) ** 2
        return score**2 * density
    quad, _ = integrate.quad(integrand, 0, np.inf, limit=200)
    assert result.value[1, 1] == pytest.approx(quad, rel=1e-7)


# ---------------------------------------------------------------------- time budget
def test_budget_stops_the_strategies_and_says_so() -> None:
    fam = parse_family(LOGLOGISTIC, "a>0 b>0")
    with pytest.raises(DerivationError) as info:
        fisher_information(fam, cache=False, timeout=0.3)
    err = info.value
    assert err.timed_out and err.budget == 0.3
    assert [name for name, _ in err.attempts] == ["hessian_free", "exponential_family",
                                                  "expectation", "score"]
    assert "within the time budget of 0.3 s" in str(err)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan")])
def test_timeout_must_be_positive(bad: float) -> None:
    fam = parse_family("log(lam) - lam*x", "lam>0", support="0,oo")
    with pytest.raises(ValueError, match="timeout must be > 0"):
        fisher_information(fam, timeout=bad)


def test_progress_names_each_step() -> None:
    fam = parse_family("log(lam) - lam*x", "lam>0", support="0,oo")
    stages: list[str] = []
    fisher_information(fam, cache=False, progress=stages.append)
    assert stages[0] == "Fisher information: normalization check"
    assert "Fisher information: trying hessian_free" in stages
    assert "Fisher information: numeric check (quadrature)" in stages


# ---------------------------------------------------------------------- readable results
def test_readable_closed_forms(fisher_of) -> None:
    """Bernoulli 1/(p(1 − p)) and geometric 1/(p²(1 − p)), as in the literature."""
    (_, bern), (_, geom) = fisher_of("bernoulli"), fisher_of("geometric")
    assert str(bern.value[0, 0]) == "1/(p*(1 - p))"
    assert str(geom.value[0, 0]) == "1/(p**2*(1 - p))"


def test_weibull_prints_one_minus_euler_gamma_squared(fisher_of) -> None:
    fam, result = fisher_of("weibull")
    k, lam = fam.params
    g = sp.EulerGamma
    assert result.value[0, 0] == ((1 - g) ** 2 + sp.pi**2 / 6) / k**2
    assert "(1 - EulerGamma)**2" in str(result.value[0, 0])
    assert sp.simplify(result.value[0, 1] - (g - 1) / lam) == 0
