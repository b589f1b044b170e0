"""The truncated normal of the catalogue, three ways.

Closed form: Cohen (1950), Ann. Math. Statist. 21(4) 557–569, and Cohen (1991), *Truncated
and Censored Samples*, ch. 2 — the score is linear in (z, z²), z = (x − μ)/σ, so
I(μ, σ) = Cov(z, z²)/σ² with the moments of z from the recurrence
m_k = (k − 1)m_{k−2} + (α^{k−1}φ(α) − β^{k−1}φ(β))/Z. It is written below in numpy/scipy,
independently of the symbolic engine, and compared with the symbolic derivation, with
scipy quadrature of E[s sᵀ] and with seeded Monte Carlo on scipy's truncnorm draws.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

from infogeo.symbolic import catalogue, fisher_information, fisher_information_result


def cohen_fisher(mu: float, sigma: float, a: float, b: float) -> np.ndarray:
    """I(μ, σ) of N(μ, σ²) truncated to (a, b), from the moments of z (Cohen 1950)."""
    alpha, beta = (a - mu) / sigma, (b - mu) / sigma
    Z = stats.norm.cdf(beta) - stats.norm.cdf(alpha)

    def edge(t: float, k: int) -> float:  # t^k φ(t), 0 at ±∞
        return 0.0 if np.isinf(t) else t**k * stats.norm.pdf(t)

    m = {-1: 0.0, 0: 1.0}
    for k in range(1, 5):
        m[k] = (k - 1) * m[k - 2] + (edge(alpha, k - 1) - edge(beta, k - 1)) / Z
    cov = np.array([[m[2] - m[1] ** 2, m[3] - m[1] * m[2]],
                    [m[3] - m[1] * m[2], m[4] - m[2] ** 2]])
    return cov / sigma**2


def score(x: np.ndarray, mu: float, sigma: float, a: float, b: float) -> np.ndarray:
    """∂(μ, σ) of log φ((x − μ)/σ) − log σ − log Z, by hand."""
    alpha, beta = (a - mu) / sigma, (b - mu) / sigma
    Z = stats.norm.cdf(beta) - stats.norm.cdf(alpha)
    pa, pb = stats.norm.pdf(alpha), stats.norm.pdf(beta)
    ta = 0.0 if np.isinf(alpha) else alpha * pa
    tb = 0.0 if np.isinf(beta) else beta * pb
    z = (np.asarray(x) - mu) / sigma
    return np.stack([z / sigma + (pb - pa) / (sigma * Z),
                     (z**2 - 1) / sigma + (tb - ta) / (sigma * Z)], axis=-1)


def quadrature(mu: float, sigma: float, a: float, b: float) -> np.ndarray:
    dist = stats.truncnorm((a - mu) / sigma, (b - mu) / sigma, loc=mu, scale=sigma)
    out = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            out[i, j] = integrate.quad(
                lambda x, i=i, j=j: score(x, mu, sigma, a, b)[i] * score(x, mu, sigma, a, b)[j]
                * dist.pdf(x), a, b, epsabs=1e-13, epsrel=1e-12)[0]
    return out


def monte_carlo(mu: float, sigma: float, a: float, b: float, seed: int, n: int = 200_000
                ) -> tuple[np.ndarray, np.ndarray]:
    """Mean of s sᵀ over truncnorm draws and its standard error, entry by entry."""
    dist = stats.truncnorm((a - mu) / sigma, (b - mu) / sigma, loc=mu, scale=sigma)
    s = score(dist.rvs(n, random_state=np.random.default_rng(seed)), mu, sigma, a, b)
    prod = np.einsum("mi,mj->mij", s, s)
    return prod.mean(axis=0), prod.std(axis=0, ddof=1) / np.sqrt(n)


CASES = [(0.3, 1.2, 0.0, np.inf), (-1.5, 0.8, 0.0, np.inf), (0.4, 1.1, -1.0, 2.0),
         (2.0, 0.5, -np.inf, 1.5)]


@pytest.mark.parametrize(("mu", "sigma", "a", "b"), CASES)
def test_cohen_closed_form_matches_quadrature_and_monte_carlo(mu, sigma, a, b) -> None:
    expected = cohen_fisher(mu, sigma, a, b)
    np.testing.assert_allclose(quadrature(mu, sigma, a, b), expected, rtol=1e-8, atol=1e-10)
    mean, se = monte_carlo(mu, sigma, a, b, seed=int(100 * (mu + 3 * sigma)))
    assert np.all(np.abs(mean - expected) < 4.5 * se), (mean, expected, se)
    # no truncation left: the normal's diag(1, 2)/σ²
    far = cohen_fisher(mu, sigma, mu - 40 * sigma, mu + 40 * sigma)
    np.testing.assert_allclose(far, np.diag([1, 2]) / sigma**2, rtol=1e-12)


def _evaluate(matrix: sp.Matrix, values: dict) -> np.ndarray:
    sub = {k: sp.Float(v, 30) for k, v in values.items()}
    return np.array(matrix.xreplace(sub).evalf(20).tolist(), dtype=float)


def test_positive_normal_symbolic_equals_cohen() -> None:
    fam = catalogue.truncated_normal()
    mu, sigma = fam.params
    assert fam.support == ((0, sp.oo),)
    result = fisher_information_result(fam, cache=False)
    assert not result.numeric
    for m, s in [(0.3, 1.2), (-1.5, 0.8), (2.5, 0.7)]:
        np.testing.assert_allclose(_evaluate(result.value, {mu: m, sigma: s}),
                                   cohen_fisher(m, s, 0.0, np.inf), rtol=1e-10)


@pytest.mark.slow
def test_symbolic_lower_bound_and_two_sided_equal_cohen() -> None:
    a = sp.Symbol("a", real=True)
    fam = catalogue.truncated_normal(a=a)
    assert fam.hyperparams == (a,) and fam.support == ((a, sp.oo),)
    mu, sigma = fam.params
    value = fisher_information(fam, cache=False)
    np.testing.assert_allclose(_evaluate(value, {mu: 0.4, sigma: 1.1, a: -0.7}),
                               cohen_fisher(0.4, 1.1, -0.7, np.inf), rtol=1e-10)
    fam = catalogue.truncated_normal(a=-1, b=2)
    mu, sigma = fam.params
    value = fisher_information(fam, cache=False)
    np.testing.assert_allclose(_evaluate(value, {mu: 0.4, sigma: 1.1}),
                               cohen_fisher(0.4, 1.1, -1.0, 2.0), rtol=1e-10)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"a": 2, "b": 1}, "a must be below b"),
    ({"a": 1, "b": 1}, "a must be below b"),
    ({"a": -sp.oo, "b": sp.oo}, "finite"),
    ({"a": "x + 1"}, "unknown name"),
])
def test_bad_bounds(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        catalogue.truncated_normal(**kwargs)
