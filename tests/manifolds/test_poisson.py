"""Poisson family: REFERENCE.md closed forms, a sympy derivation, charts and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from infogeo.manifolds import Poisson

LAM = np.array([0.3, 1.0, 4.2, 17.0])


def sympy_fisher_and_christoffel() -> tuple[sp.Expr, sp.Expr]:
    """−E[∂²ℓ] with ℓ = k log λ − λ − log k!; ∂²ℓ is linear in k, so E replaces k by λ."""
    lam, k = sp.symbols("lambda k", positive=True)
    ell = k * sp.log(lam) - lam - sp.log(sp.factorial(k))
    second = sp.diff(ell, lam, 2)
    assert sp.diff(second, k, 2) == 0
    g = sp.simplify(-second.subs(k, lam))
    return sp.lambdify(lam, g), sp.lambdify(lam, sp.simplify(sp.diff(g, lam) / (2 * g)))


def test_metric_christoffel_reference_and_sympy() -> None:
    p = Poisson()
    g_sym, gamma_sym = sympy_fisher_and_christoffel()
    np.testing.assert_allclose(p.metric_matrix(LAM[:, None])[:, 0, 0], 1 / LAM, rtol=1e-14)
    np.testing.assert_allclose(p.metric_matrix(LAM[:, None])[:, 0, 0], g_sym(LAM), rtol=1e-14)
    np.testing.assert_allclose(p.christoffels(LAM[:, None])[:, 0, 0, 0], gamma_sym(LAM),
                               rtol=1e-14)
    np.testing.assert_allclose(p.skewness_tensor(LAM[:, None]).ravel(), 1 / LAM**2)


def test_distance_reference() -> None:
    p = Poisson()
    a, b = LAM[:, None], LAM[::-1, None]
    np.testing.assert_allclose(p.dist(a, b), 2 * np.abs(np.sqrt(LAM) - np.sqrt(LAM[::-1])),
                               rtol=1e-13)
    np.testing.assert_allclose(p.dist([1.0], [4.0]), 2.0)


def test_charts_reference() -> None:
    p = Poisson()
    theta = np.log(LAM)[:, None]
    nat = p.in_chart("natural")
    np.testing.assert_allclose(nat.metric_matrix(theta)[:, 0, 0], LAM, rtol=1e-13)  # e^θ
    sq = p.in_chart("sqrt")
    np.testing.assert_allclose(sq.metric_matrix(np.sqrt(LAM)[:, None]), 4.0, rtol=1e-13)
    # e-flat in the natural parameter, m-flat in the mean (= the rate)
    np.testing.assert_allclose(nat.alpha_christoffels(theta, 1.0), 0.0, atol=1e-7)
    np.testing.assert_allclose(p.alpha_christoffels(LAM[:, None], -1.0), 0.0, atol=1e-12)


def test_natural_chart_kl_is_bregman_of_exp() -> None:
    nat = Poisson(chart="natural")
    t1, t2 = 0.3, 1.4  # KL = ψ(θ₂) − ψ(θ₁) − ψ'(θ₁)(θ₂ − θ₁), ψ = exp
    expected = np.exp(t2) - np.exp(t1) - np.exp(t1) * (t2 - t1)
    np.testing.assert_allclose(nat.kl_divergence([t1], [t2]), expected, rtol=1e-13)


@pytest.mark.parametrize("bad, match", [([0.0], "lambda must be > 0"),
                                        ([-2.0], "lambda must be > 0"),
                                        ([np.nan], "finite")])
def test_bad_rate(bad, match) -> None:
    with pytest.raises(ValueError, match=match):
        Poisson().metric_matrix(bad)


def test_bad_data_and_charts() -> None:
    p = Poisson()
    with pytest.raises(ValueError, match="x must hold integer values"):
        p.log_prob([2.5], [1.0])
    with pytest.raises(ValueError, match="x must lie in the support"):
        p.log_prob([-1.0], [1.0])
    with pytest.raises(ValueError, match="sqrt_lambda must be > 0"):
        p.in_chart("sqrt").metric_matrix([-1.0])
    with pytest.raises(ValueError, match="arc length s must lie in"):
        p.in_chart("arc_length").metric_matrix([-1.0])
