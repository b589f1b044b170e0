"""Geometric (trials) and NegativeBinomial(r) (failures, scipy.stats.nbinom's convention)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from infogeo.manifolds import Geometric, NegativeBinomial

P = np.array([0.02, 0.2, 0.5, 0.8, 0.97])


def sympy_metric() -> tuple[sp.Expr, sp.Symbol, sp.Symbol]:
    """−E[∂²ℓ] for f ~ NB(r, p) failures: ℓ = r log p + f log(1 − p), E f = r(1 − p)/p."""
    p, r, f = sp.symbols("p r f", positive=True)
    second = sp.diff(r * sp.log(p) + f * sp.log(1 - p), p, 2)
    assert sp.diff(second, f, 2) == 0
    return sp.simplify(-second.subs(f, r * (1 - p) / p)), p, r


def test_metric_reference_and_sympy() -> None:
    g, p, r = sympy_metric()
    for fam, rr in ((Geometric(), 1.0), (NegativeBinomial(3), 3.0), (NegativeBinomial(0.4), 0.4)):
        metric = fam.metric_matrix(P[:, None]).ravel()
        np.testing.assert_allclose(metric, rr / (P**2 * (1 - P)), rtol=1e-14)
        np.testing.assert_allclose(metric, sp.lambdify((p, r), g)(P, rr), rtol=1e-13)
        gamma = sp.lambdify((p, r), sp.diff(g, p) / (2 * g))(P, rr)
        np.testing.assert_allclose(fam.christoffels(P[:, None]).ravel(), gamma, rtol=1e-12)


def test_arc_length_derived_with_sympy() -> None:
    """φ(p) = −2√r artanh√(1 − p): sympy checks φ' = √g and the stable log form."""
    g, p, r = sympy_metric()
    phi = -2 * sp.sqrt(r) * sp.atanh(sp.sqrt(1 - p))
    assert sp.simplify(sp.diff(phi, p) ** 2 - g) == 0
    stable = sp.sqrt(r) * (sp.log(p) - 2 * sp.log(1 + sp.sqrt(1 - p)))
    values = sp.lambdify(p, (phi - stable).subs(r, 2))(P)
    np.testing.assert_allclose(values, 0.0, atol=1e-12)
    a, b = P, P[::-1]
    for fam, rr in ((Geometric(), 1.0), (NegativeBinomial(3), 3.0)):
        expected = 2 * np.sqrt(rr) * np.abs(np.arctanh(np.sqrt(1 - a)) - np.arctanh(np.sqrt(1 - b)))
        np.testing.assert_allclose(fam.dist(a[:, None], b[:, None]), expected, rtol=1e-10)


def test_support_conventions_match_scipy() -> None:
    k = np.arange(1.0, 12.0)
    np.testing.assert_allclose(Geometric().log_prob(k, [0.3]), stats.geom(0.3).logpmf(k),
                               rtol=1e-12)
    f = np.arange(0.0, 12.0)
    np.testing.assert_allclose(NegativeBinomial(2.5).log_prob(f, [0.3]),
                               stats.nbinom(2.5, 0.3).logpmf(f), rtol=1e-12)
    # Geometric(p) is NegativeBinomial(1, p) shifted by one trial
    np.testing.assert_allclose(Geometric().log_prob(f + 1, [0.3]),
                               NegativeBinomial(1).log_prob(f, [0.3]), rtol=1e-13)
    rng = np.random.default_rng(5)
    assert Geometric().sample([0.6], 1000, rng).min() >= 1
    assert NegativeBinomial(2).sample([0.9], 1000, rng).min() == 0


def test_charts_reference() -> None:
    nb = NegativeBinomial(3)
    theta = np.log1p(-P)[:, None]
    # natural θ = log(1 − p), ψ(θ) = −r log(1 − e^θ): ψ'' = r e^θ / (1 − e^θ)²
    np.testing.assert_allclose(nb.in_chart("natural").metric_matrix(theta).ravel(),
                               3 * (1 - P) / P**2, rtol=1e-10)
    mean = 3 * (1 - P) / P
    # m-flat in the mean: g_mm = 1/Var(f) = p² / (r (1 − p))
    np.testing.assert_allclose(nb.in_chart("mean").metric_matrix(mean[:, None]).ravel(),
                               P**2 / (3 * (1 - P)), rtol=1e-10)
    geo_mean = 1 / P
    np.testing.assert_allclose(Geometric(chart="mean").metric_matrix(geo_mean[:, None]).ravel(),
                               P**2 / (1 - P), rtol=1e-10)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match=r"p must lie in \(0.0, 1.0\)"):
        Geometric().metric_matrix([1.0])
    with pytest.raises(ValueError, match="r must be > 0"):
        NegativeBinomial(0)
    with pytest.raises(ValueError, match=r"x must lie in the support \{1, ...\}"):
        Geometric().log_prob([0.0], [0.5])
    with pytest.raises(ValueError, match="x must hold integer values"):
        NegativeBinomial(2).log_prob([1.2], [0.5])
    with pytest.raises(ValueError, match="mean - 1 must be > 0"):
        Geometric(chart="mean").metric_matrix([1.0])
    with pytest.raises(ValueError, match="dist must have n = 2.0"):
        NegativeBinomial(2).from_scipy(stats.nbinom(3, 0.4))
    with pytest.raises(ValueError, match="dist must have loc=0"):
        Geometric().from_scipy(stats.geom(0.4, loc=-1))
