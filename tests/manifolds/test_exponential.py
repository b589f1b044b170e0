"""Exponential (rate) family: REFERENCE.md closed forms, sympy, charts and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from infogeo.manifolds import Exponential

LAM = np.array([0.2, 1.0, 3.5, 40.0])


def test_metric_christoffel_skewness_reference_and_sympy() -> None:
    lam, x = sp.symbols("lambda x", positive=True)
    ell = sp.log(lam) - lam * x
    # −∂²ℓ does not depend on x here; the score cubed needs E[(1/λ − x)^3] = −2/λ³
    g = sp.simplify(-sp.diff(ell, lam, 2))
    density = lam * sp.exp(-lam * x)
    skew = sp.simplify(sp.integrate(sp.diff(ell, lam) ** 3 * density, (x, 0, sp.oo)))
    gamma = sp.simplify(sp.diff(g, lam) / (2 * g))
    e = Exponential()
    pts = LAM[:, None]
    np.testing.assert_allclose(e.metric_matrix(pts)[:, 0, 0], 1 / LAM**2, rtol=1e-14)
    np.testing.assert_allclose(e.metric_matrix(pts)[:, 0, 0], sp.lambdify(lam, g)(LAM))
    np.testing.assert_allclose(e.christoffels(pts).ravel(), sp.lambdify(lam, gamma)(LAM))
    np.testing.assert_allclose(e.skewness_tensor(pts).ravel(), sp.lambdify(lam, skew)(LAM))


def test_distance_reference() -> None:
    e = Exponential()
    np.testing.assert_allclose(e.dist(LAM[:, None], LAM[::-1, None]),
                               np.abs(np.log(LAM / LAM[::-1])), rtol=1e-13)
    # scale invariance: the distance depends on the ratio only
    np.testing.assert_allclose(e.dist([2.0], [6.0]), e.dist([20.0], [60.0]), rtol=1e-14)


def test_charts_reference() -> None:
    e = Exponential()
    beta = 1 / LAM[:, None]
    np.testing.assert_allclose(e.in_chart("scale").metric_matrix(beta).ravel(), LAM**2,
                               rtol=1e-13)  # 1/β²
    np.testing.assert_allclose(e.in_chart("mean").metric_matrix(beta).ravel(), LAM**2,
                               rtol=1e-13)
    nat = e.in_chart("natural")
    np.testing.assert_allclose(nat.metric_matrix(-LAM[:, None]).ravel(), 1 / LAM**2,
                               rtol=1e-13)  # ψ(θ) = −log(−θ), ψ'' = 1/θ²
    np.testing.assert_allclose(nat.alpha_christoffels(-LAM[:, None], 1.0), 0.0, atol=1e-12)
    mean = e.in_chart("mean")
    scale = np.abs(mean.christoffels(beta)).max()
    np.testing.assert_allclose(mean.alpha_christoffels(beta, -1.0), 0.0, atol=1e-8 * scale)


@pytest.mark.parametrize("bad, chart, match", [
    ([0.0], "rate", "lambda must be > 0"),
    ([-1.0], "scale", "beta must be > 0"),
    ([1.0], "natural", "theta must be < 0"),
    ([0.0], "mean", "mean must be > 0"),
])
def test_bad_points(bad, chart, match) -> None:
    with pytest.raises(ValueError, match=match):
        Exponential(chart=chart).metric_matrix(bad)


def test_negative_data_rejected() -> None:
    with pytest.raises(ValueError, match="x .*must be >= 0"):
        Exponential().log_prob([-0.5], [1.0])
    assert np.isfinite(Exponential().log_prob([0.0], [1.0]))
