"""Every catalogue family: Fisher matrix = closed form from the literature, and = quadrature.

Closed forms: REFERENCE.md (Amari & Nagaoka 2000; Miyamoto et al. arXiv:2304.14885; Costa
et al. arXiv:1210.2354); extras: Gumbel/logistic/Weibull from Johnson, Kotz & Balakrishnan,
*Continuous Univariate Distributions* (1995); Rayleigh/Maxwell/half-normal/Pareto by the
one-parameter formula I = E[(∂ℓ)²] for a scale family, I = c/σ² with c = Var(∂ log p).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sympy import EulerGamma, besseli, pi, polygamma

from infogeo.symbolic import catalogue
from infogeo.symbolic.numeric import numeric_expectation

FAST = ["normal", "normal_mean_variance", "normal_natural", "exponential", "gamma", "beta",
        "poisson", "bernoulli", "geometric", "categorical", "laplace", "rayleigh",
        "inverse_gaussian", "von_mises", "half_normal", "dirichlet", "truncated_normal"]
SLOW = [n for n in catalogue.names() if n not in FAST]


def closed_form(name: str, fam) -> sp.Matrix:  # noqa: C901 - one table
    p = fam.params
    if name in ("normal", "lognormal"):
        return sp.diag(1 / p[1] ** 2, 2 / p[1] ** 2)
    if name == "normal_mean_variance":
        return sp.diag(1 / p[1], 1 / (2 * p[1] ** 2))
    if name == "normal_natural":
        # I(θ) = Cov(x, x²) with σ² = −1/(2θ₂), μ = −θ₁/(2θ₂)
        t1, t2 = p
        var, mu = -1 / (2 * t2), -t1 / (2 * t2)
        return sp.Matrix([[var, 2 * mu * var], [2 * mu * var, 2 * var**2 + 4 * mu**2 * var]])
    if name == "bivariate_normal":
        m1, m2, s1, s2, r = p
        cov = sp.Matrix([[s1**2, r * s1 * s2], [r * s1 * s2, s2**2]])
        inv = cov.inv()
        # g = dμᵀΣ⁻¹dμ + ½ tr(Σ⁻¹ dΣ Σ⁻¹ dΣ) (REFERENCE.md, multivariate normal)
        d = [cov.diff(q) for q in (s1, s2, r)]
        block = sp.Matrix(3, 3, lambda i, j: (inv * d[i] * inv * d[j]).trace() / 2)
        return sp.diag(inv, block)
    if name == "half_normal":
        return sp.Matrix([[2 / p[0] ** 2]])
    if name == "inverse_gaussian":
        return sp.diag(p[1] / p[0] ** 3, 1 / (2 * p[1] ** 2))
    if name == "exponential":
        return sp.Matrix([[1 / p[0] ** 2]])
    if name == "gamma":
        a, b = p
        return sp.Matrix([[polygamma(1, a), -1 / b], [-1 / b, a / b**2]])
    if name == "gamma_shape_scale":
        k, th = p
        return sp.Matrix([[polygamma(1, k), 1 / th], [1 / th, k / th**2]])
    if name == "weibull":
        k, lam = p
        return sp.Matrix([[((1 - EulerGamma) ** 2 + pi**2 / 6) / k**2, -(1 - EulerGamma) / lam],
                          [-(1 - EulerGamma) / lam, k**2 / lam**2]])
    if name == "rayleigh":
        return sp.Matrix([[4 / p[0] ** 2]])
    if name == "maxwell":
        return sp.Matrix([[6 / p[0] ** 2]])
    if name == "pareto":
        return sp.Matrix([[1 / p[0] ** 2]])
    if name == "beta":
        a, b = p
        t = polygamma(1, a + b)
        return sp.Matrix([[polygamma(1, a) - t, -t], [-t, polygamma(1, b) - t]])
    if name == "dirichlet":
        t = polygamma(1, sum(p))
        return sp.diag(*[polygamma(1, a) for a in p]) - t * sp.ones(3, 3)
    if name == "cauchy":
        return sp.eye(2) / (2 * p[1] ** 2)
    if name == "student_t":
        nu = fam.hyperparams[0]
        return sp.diag((nu + 1) / (nu + 3), 2 * nu / (nu + 3)) / p[1] ** 2
    if name == "laplace":
        return sp.eye(2) / p[1] ** 2
    if name == "gumbel":
        g = EulerGamma
        return sp.Matrix([[1, g - 1], [g - 1, pi**2 / 6 + (1 - g) ** 2]]) / p[1] ** 2
    if name == "logistic":
        return sp.diag(sp.Rational(1, 3), (pi**2 + 3) / 9) / p[1] ** 2
    if name == "von_mises":
        kappa = p[1]
        a = besseli(1, kappa) / besseli(0, kappa)
        return sp.diag(kappa * a, 1 - a / kappa - a**2)
    if name == "poisson":
        return sp.Matrix([[1 / p[0]]])
    if name == "bernoulli":
        return sp.Matrix([[1 / (p[0] * (1 - p[0]))]])
    if name == "binomial":
        return sp.Matrix([[10 / (p[0] * (1 - p[0]))]])
    if name == "geometric":
        return sp.Matrix([[1 / (p[0] ** 2 * (1 - p[0]))]])
    if name == "negative_binomial":
        return sp.Matrix([[fam.hyperparams[0] / (p[0] ** 2 * (1 - p[0]))]])
    if name == "categorical":
        p3 = 1 - p[0] - p[1]
        return sp.diag(1 / p[0], 1 / p[1]) + sp.ones(2, 2) / p3
    if name in ("zero_inflated_poisson", "zero_inflated_negative_binomial"):
        # zero inflation of a base pmf f (Lambert 1992 for the Poisson), π₀ = w + (1 − w)f₀
        w, q = p
        if name == "zero_inflated_poisson":
            f0, info = sp.exp(-q), 1 / q
        else:
            r = fam.hyperparams[0]
            f0, info = q**r, r / (q**2 * (1 - q))
        df0, pi0 = sp.diff(f0, q), w + (1 - w) * f0
        return sp.Matrix([[(1 - f0) / ((1 - w) * pi0), df0 / pi0],
                          [df0 / pi0, (1 - w) * info - w * (1 - w) * df0**2 / (f0 * pi0)]])
    if name == "hurdle_poisson":  # Mullahy (1986): zero-truncated Poisson above the hurdle
        pi0, lam = p
        trunc = 1 / (lam * (1 - sp.exp(-lam))) - sp.exp(lam) / (sp.exp(lam) - 1) ** 2
        return sp.diag(1 / (pi0 * (1 - pi0)), (1 - pi0) * trunc)
    if name == "truncated_exponential":  # Var(x) on (0, c), c = 1
        lam = p[0]
        return sp.Matrix([[1 / lam**2 - sp.exp(lam) / (sp.exp(lam) - 1) ** 2]])
    if name == "truncated_normal":  # Cohen (1950): Cov(z, z²)/σ², z truncated to (α, ∞)
        mu, sigma = p
        alpha = -mu / sigma  # a = 0
        phi = sp.exp(-alpha**2 / 2) / sp.sqrt(2 * pi)
        Z = 1 - (1 + sp.erf(alpha / sp.sqrt(2))) / 2
        m = {-1: 0, 0: 1}
        for k in range(1, 5):
            m[k] = (k - 1) * m[k - 2] + alpha ** (k - 1) * phi / Z
        return sp.Matrix([[m[2] - m[1] ** 2, m[3] - m[1] * m[2]],
                          [m[3] - m[1] * m[2], m[4] - m[2] ** 2]]) / sigma**2
    raise KeyError(name)


def _evaluate(matrix: sp.Matrix, values: dict) -> np.ndarray:
    sub = {k: sp.Float(v, 30) for k, v in values.items()}
    return np.array(matrix.xreplace(sub).evalf(20).tolist(), dtype=float)


def _check(name: str, fisher_of) -> None:
    fam, result = fisher_of(name)
    assert not result.numeric
    expected = closed_form(name, fam)
    rng = np.random.default_rng(sum(map(ord, name)))
    for _ in range(3):  # equality of special functions checked at random points, 20 digits
        values = fam.random_parameters(rng)
        np.testing.assert_allclose(_evaluate(result.value, values),
                                   _evaluate(expected, values), rtol=1e-12, atol=1e-12)
    # independent numeric check: quadrature/summation of E[score scoreᵀ] at another point
    values = fam.random_parameters(rng)
    score = [sp.diff(fam.logpdf, q) for q in fam.params]
    n = fam.dim
    quad = numeric_expectation(fam, [score[i] * score[j] for i in range(n) for j in range(n)],
                               values).reshape(n, n)
    tol = 1e-4 if len(fam.variables) > 1 else 1e-7
    np.testing.assert_allclose(_evaluate(result.value, values), quad, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", FAST)
def test_fisher_equals_closed_form_and_quadrature(name: str, fisher_of) -> None:
    _check(name, fisher_of)


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW)
def test_fisher_equals_closed_form_and_quadrature_slow(name: str, fisher_of) -> None:
    _check(name, fisher_of)


def test_catalogue_is_large_enough() -> None:
    assert len(catalogue.names()) >= 22
    with pytest.raises(ValueError, match="name must be one of"):
        catalogue.get("no_such_family")


def test_laplace_needs_the_score_form(fisher_of) -> None:
    _, result = fisher_of("laplace")
    assert result.strategy == "score"


def test_exponential_family_strategy_is_used(fisher_of) -> None:
    _, result = fisher_of("poisson")
    assert result.strategy == "exponential_family"
    _, result = fisher_of("normal")
    assert result.strategy == "exponential_family"
    assert result.check_error < 1e-8


def test_monte_carlo_agrees_for_gamma(fisher_of) -> None:
    """Seeded Monte Carlo of E[s sᵀ] within 4 standard errors (a third, independent check)."""
    fam, result = fisher_of("gamma")
    a, b = fam.params
    rng = np.random.default_rng(7)
    alpha, beta = 2.3, 1.7
    x = rng.gamma(alpha, 1 / beta, 200_000)
    score = np.stack([np.log(beta) - float(polygamma(0, alpha)) + np.log(x),
                      alpha / beta - x])
    outer = score[:, None, :] * score[None, :, :]
    mean, se = outer.mean(-1), outer.std(-1, ddof=1) / np.sqrt(x.size)
    got = _evaluate(result.value, {a: alpha, b: beta})
    assert np.all(np.abs(mean - got) <= 4 * se)
