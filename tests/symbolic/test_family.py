"""SymbolicFamily validation, normalization, sympy.stats input, strategies and fallbacks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sympy import Range, exp, log, oo, pi, stats

from infogeo.symbolic import (
    DerivationError,
    NormalizationError,
    SymbolicFamily,
    check_normalization,
    fisher_information,
    fisher_information_result,
)
from infogeo.symbolic.numeric import numeric_expectation

x = sp.Symbol("x", real=True)
mu = sp.Symbol("mu", real=True)
sigma, lam = sp.symbols("sigma lam", positive=True)
NORMAL_LOGPDF = -(x - mu) ** 2 / (2 * sigma**2) - log(sigma) - log(2 * pi) / 2


def test_parameter_absent_from_density() -> None:
    with pytest.raises(ValueError, match="parameter lam does not appear"):
        SymbolicFamily(NORMAL_LOGPDF, [mu, sigma, lam], x)


def test_unknown_symbol_in_density() -> None:
    y = sp.Symbol("y")
    with pytest.raises(ValueError, match=r"undeclared symbol\(s\) \['y'\]"):
        SymbolicFamily(NORMAL_LOGPDF + y, [mu, sigma], x)
    with pytest.raises(ValueError, match="variable: y does not appear"):
        SymbolicFamily(NORMAL_LOGPDF, [mu, sigma], y)


def test_bad_support() -> None:
    with pytest.raises(ValueError, match="low < high"):
        SymbolicFamily(NORMAL_LOGPDF, [mu, sigma], x, (1, 0))
    with pytest.raises(ValueError, match="support"):
        SymbolicFamily(NORMAL_LOGPDF, [mu, sigma], x, "everywhere")
    with pytest.raises(ValueError, match="support for x must be"):
        SymbolicFamily(NORMAL_LOGPDF, [mu, sigma], x, ((0, 1), (0, 1), (0, 2)))


def test_unnormalized_density_is_refused_by_the_pipeline_not_the_constructor() -> None:
    """Declaring is pure; the first step of every derivation checks normalization."""
    fam = SymbolicFamily(-(x - mu) ** 2 / (2 * sigma**2) - log(sigma), [mu, sigma], x)
    with pytest.raises(NormalizationError, match="not normalized") as info:
        fisher_information(fam, cache=False)
    # ∫ exp(−(x−μ)²/2σ²)/σ dx = √(2π): the total mass found is that constant
    assert info.value.total == pytest.approx(np.sqrt(2 * np.pi), rel=1e-8)
    assert isinstance(info.value, ValueError)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    poisson_without_factorial = SymbolicFamily(k * log(lam) - lam, [lam], k, Range(0, oo))
    with pytest.raises(ValueError, match="not normalized"):
        check_normalization(poisson_without_factorial, cache=False)
    unchecked = SymbolicFamily(k * log(lam) - lam, [lam], k, Range(0, oo),
                               check_normalization=False)
    assert check_normalization(unchecked) == "unchecked"


def test_wrong_types() -> None:
    with pytest.raises(TypeError, match="params must be sympy Symbols"):
        SymbolicFamily(NORMAL_LOGPDF, [1, sigma], x)
    with pytest.raises(TypeError, match="logpdf must be a sympy expression or a string"):
        SymbolicFamily(object(), [mu, sigma], x)
    with pytest.raises(TypeError, match="family must be a SymbolicFamily"):
        fisher_information("normal")


def test_constraints_mapping_and_discrete_flag() -> None:
    p = sp.Symbol("p")  # no assumptions: the domain comes from constraints
    k = sp.Symbol("k")
    fam = SymbolicFamily(k * log(p) + (1 - k) * log(1 - p), [p], k, (0, 1), discrete=True,
                         constraints={p: (0, 1)})
    assert fam.discrete and check_normalization(fam) in ("symbolic", "numeric")
    result = fisher_information(fam)
    assert sp.simplify(result[0, 0] - 1 / (p * (1 - p))) == 0
    with pytest.raises(ValueError, match="constraints"):
        SymbolicFamily(NORMAL_LOGPDF, [mu, sigma], x, constraints={lam: (0, 1)})


def test_from_sympy_stats_and_direct_random_variable() -> None:
    rv = stats.Normal("X", mu, sigma)
    fam = SymbolicFamily.from_sympy_stats(rv, params=[mu, sigma])
    assert fisher_information(fam) == sp.diag(1 / sigma**2, 2 / sigma**2)
    assert fisher_information(stats.Exponential("T", lam)) == sp.Matrix([[1 / lam**2]])
    assert fisher_information(stats.Poisson("N", lam)) == sp.Matrix([[1 / lam]])


def test_custom_family_records_strategy_and_check() -> None:
    # Rayleigh-like family written by hand, in the rate parameter: I = 4/λ² · ... checked
    xp = sp.Symbol("x", positive=True)
    fam = SymbolicFamily(log(2 * lam * xp) - lam * xp**2, [lam], xp, (0, oo))
    result = fisher_information_result(fam)
    assert result.value == sp.Matrix([[1 / lam**2]])
    assert result.strategy in ("hessian_free", "exponential_family")
    assert result.check_error < 1e-8 and "lam" in result.check_point


def test_numeric_fallback_is_flagged() -> None:
    a = sp.Symbol("a", positive=True)
    z = sp.Symbol("z", positive=True)
    # exponential truncated to (0, 1): p(z) = a e^{−az}/(1 − e^{−a})
    fam = SymbolicFamily(log(a) - a * z - log(1 - exp(-a)), [a], z, (0, 1))
    numeric = fisher_information_result(fam, method="numeric", at={a: 1.3})
    assert numeric.numeric and numeric.strategy == "numeric"
    closed = fisher_information(fam)
    np.testing.assert_allclose(float(closed[0, 0].subs(a, 1.3)),
                               float(numeric.value[0, 0]), rtol=1e-8)
    with pytest.raises(ValueError, match="at must"):
        fisher_information_result(fam, method="numeric")


def test_unclosable_expectation_raises_clear_error() -> None:
    b = sp.Symbol("b", positive=True)
    # p(x) = (b/2) e^{−b|x|} (1 + sin(bx)/2): normalized (the sine part is odd), but the
    # Fisher integrals involve ∫ e^{−|z|} cos²z/(1 + sin(z)/2) dz, which nothing here closes
    logpdf = log(b) - b * sp.Abs(x) - log(2) + log(1 + sp.sin(b * x) / 2)
    fam = SymbolicFamily(logpdf, [b], x)
    with pytest.raises(DerivationError, match="allow_numeric=True") as info:
        fisher_information(fam, time_limit=3.0, timeout=3.0, cache=False)
    assert [name for name, _ in info.value.attempts] == [
        "hessian_free", "exponential_family", "expectation", "score"]
    assert info.value.family == "custom" and info.value.quantity == "Fisher information"
    result = fisher_information_result(fam, time_limit=3.0, timeout=3.0, cache=False,
                                       allow_numeric=True, at={b: 1.5})
    assert result.numeric and result.attempts


def test_unknown_method() -> None:
    fam = SymbolicFamily(NORMAL_LOGPDF, [mu, sigma], x)
    with pytest.raises(ValueError, match="method must be one of"):
        fisher_information(fam, method="magic")


def test_numeric_expectation_of_moments() -> None:
    fam = SymbolicFamily(NORMAL_LOGPDF, [mu, sigma], x)
    m = numeric_expectation(fam, [x, x**2], {mu: 0.3, sigma: 1.7})
    np.testing.assert_allclose(m, [0.3, 0.09 + 1.7**2], rtol=1e-10)


@pytest.mark.parametrize("name", ["poisson", "geometric"])
@pytest.mark.parametrize("method", ["expectation", "score"])
def test_discrete_sums_agree_with_exponential_family(name: str, method: str) -> None:
    from infogeo.symbolic import catalogue

    fam = catalogue.get(name)
    by_sums = fisher_information_result(fam, method=method, cache=False)
    assert by_sums.strategy == method
    assert sp.simplify(by_sums.value - fisher_information(fam)) == sp.zeros(1, 1)


def test_cubic_tensor_two_strategies_and_closed_form() -> None:
    from infogeo.symbolic import amari_chentsov_tensor_result, catalogue

    fam = catalogue.exponential()
    (rate,) = fam.params
    expfam = amari_chentsov_tensor_result(fam, cache=False)
    score = amari_chentsov_tensor_result(fam, method="score", cache=False)
    assert expfam.strategy == "exponential_family" and score.strategy == "score"
    # E[(1/λ − x)³] = −(third central moment) = −2/λ³
    assert sp.simplify(expfam.value[0, 0, 0] + 2 / rate**3) == 0
    assert sp.simplify(score.value[0, 0, 0] + 2 / rate**3) == 0


def test_wrong_closed_form_is_rejected_by_the_numeric_check(monkeypatch) -> None:
    """A strategy that returns a wrong matrix (as sympy's integrate sometimes does) is
    caught by the quadrature cross-check and the next strategy is used."""
    from infogeo.symbolic import strategies

    def wrong(ctx):
        return sp.diag(*[2 / p**2 for p in ctx.params])  # twice the truth for σ, wrong for μ

    monkeypatch.setitem(strategies.FISHER_STRATEGIES, "exponential_family", wrong)
    fam = SymbolicFamily(NORMAL_LOGPDF, [mu, sigma], x)
    result = fisher_information_result(fam, cache=False)
    assert result.strategy == "expectation"
    assert any(name == "exponential_family" and "disagrees with quadrature" in why
               for name, why in result.attempts)
    assert result.value == sp.diag(1 / sigma**2, 2 / sigma**2)
