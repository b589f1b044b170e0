"""Bernoulli and Binomial(n): REFERENCE.md closed forms, sympy arc length, charts, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from infogeo.manifolds import Bernoulli, Binomial

P = np.array([0.05, 0.3, 0.5, 0.77, 0.99])


def sympy_binomial() -> tuple[sp.Expr, sp.Symbol, sp.Symbol]:
    """Fisher information −E[∂²ℓ] (linear in k: E replaces k by n p)."""
    p, n, k = sp.symbols("p n k", positive=True)
    ell = k * sp.log(p) + (n - k) * sp.log(1 - p)
    second = sp.diff(ell, p, 2)
    assert sp.diff(second, k, 2) == 0
    return sp.simplify(-second.subs(k, n * p)), p, n


def test_metric_reference_and_sympy() -> None:
    g, p, n = sympy_binomial()
    for fam, trials in ((Bernoulli(), 1), (Binomial(10), 10), (Binomial(3), 3)):
        metric = fam.metric_matrix(P[:, None])[:, 0, 0]
        np.testing.assert_allclose(metric, trials / (P * (1 - P)), rtol=1e-14)
        np.testing.assert_allclose(metric, sp.lambdify((p, n), g)(P, trials), rtol=1e-14)
        gamma = sp.lambdify((p, n), sp.diff(g, p) / (2 * g))(P, trials)
        np.testing.assert_allclose(fam.christoffels(P[:, None]).ravel(), gamma, rtol=1e-12)
        skew = trials * (1 - 2 * P) / (P * (1 - P)) ** 2
        np.testing.assert_allclose(fam.skewness_tensor(P[:, None]).ravel(), skew, rtol=1e-12)


def test_arc_length_derived_with_sympy() -> None:
    """φ = ∫√g dp = 2√n arcsin√p: sympy checks φ' = √g, so d = |φ(p₁) − φ(p₂)|."""
    g, p, n = sympy_binomial()
    phi = 2 * sp.sqrt(n) * sp.asin(sp.sqrt(p))
    assert sp.simplify(sp.diff(phi, p) ** 2 - g) == 0
    a, b = P, P[::-1]
    for fam, trials in ((Bernoulli(), 1), (Binomial(10), 10)):
        expected = 2 * np.sqrt(trials) * np.abs(np.arcsin(np.sqrt(a)) - np.arcsin(np.sqrt(b)))
        np.testing.assert_allclose(fam.dist(a[:, None], b[:, None]), expected, rtol=1e-12)
    # Binomial(n) = √n × Bernoulli, and the whole interval (0, 1) has length π√n
    np.testing.assert_allclose(Binomial(10).dist([0.2], [0.7]),
                               np.sqrt(10) * Bernoulli().dist([0.2], [0.7]), rtol=1e-13)
    np.testing.assert_allclose(Bernoulli().dist([1e-300], [1 - 1e-16]), np.pi, rtol=1e-7)


def test_logit_chart_is_the_natural_parameter() -> None:
    b = Binomial(10)
    theta = np.log(P / (1 - P))[:, None]
    nat = b.in_chart("logit")
    # ψ(θ) = n log(1 + e^θ): ψ'' = n p (1 − p)
    np.testing.assert_allclose(nat.metric_matrix(theta).ravel(), 10 * P * (1 - P), rtol=1e-12)
    np.testing.assert_allclose(nat.alpha_christoffels(theta, 1.0), 0.0, atol=1e-8)
    np.testing.assert_allclose(b.in_chart("mean").metric_matrix(10 * P[:, None]).ravel(),
                               1 / (10 * P * (1 - P)), rtol=1e-12)
    np.testing.assert_allclose(b.alpha_christoffels(P[:, None], -1.0), 0.0, atol=1e-9)


def test_log_prob_reference() -> None:
    k = np.arange(11.0)
    np.testing.assert_allclose(Binomial(10).log_prob(k, [0.3]), stats.binom(10, 0.3).logpmf(k),
                               rtol=1e-12)
    np.testing.assert_allclose(Bernoulli().log_prob([0.0, 1.0], [0.3]), np.log([0.7, 0.3]))


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.2, 1.5])
def test_p_outside_unit_interval(bad) -> None:
    for fam in (Bernoulli(), Binomial(4)):
        with pytest.raises(ValueError, match=r"p must lie in \(0.0, 1.0\)"):
            fam.metric_matrix([bad])


def test_bad_n_data_and_charts() -> None:
    with pytest.raises(ValueError, match="n_trials must be a positive integer"):
        Binomial(0)
    with pytest.raises(ValueError, match="n_trials must be a positive integer"):
        Binomial(2.5)
    with pytest.raises(ValueError, match=r"x must lie in the support \{0, ..., 10\}"):
        Binomial(10).log_prob([11.0], [0.5])
    with pytest.raises(ValueError, match=r"x must lie in the support \{0, ..., 1\}"):
        Bernoulli().score([2.0], [0.5])
    with pytest.raises(ValueError, match="x must hold integer values"):
        Bernoulli().score([0.5], [0.5])
    with pytest.raises(ValueError, match="mean must lie in"):
        Binomial(10).in_chart("mean").metric_matrix([10.0])
    with pytest.raises(ValueError, match="dist must have n = 10"):
        Binomial(10).from_scipy(stats.binom(9, 0.5))
