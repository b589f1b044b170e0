"""Curvature of Amari's α-connections on every closed-form manifold: the generic
:meth:`StatisticalManifold.alpha_scalar_curvature` against the symbolic derivation, the
flatness of exponential families at α = ±1, chart invariance and α = 0."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from infogeo.manifolds import Gamma, Normal, Poisson
from infogeo.symbolic import (
    alpha_scalar_curvature,
    amari_chentsov_tensor,
    catalogue,
    fisher_information,
)


def _symbolic(family, alpha):
    """The α-scalar curvature of a catalogue family, derived by sympy (cache off)."""
    metric = fisher_information(family, cache=False)
    cubic = amari_chentsov_tensor(family, cache=False)
    return alpha_scalar_curvature(metric, cubic, family.params, sp.nsimplify(alpha))


@pytest.mark.parametrize("alpha", [-1.5, -0.5, 0.3, 2.0])
def test_normal_alpha_scalar_curvature_matches_sympy(alpha: float) -> None:
    fam = catalogue.normal()
    closed = _symbolic(fam, alpha)
    M = Normal()  # chart (mu, sigma), the catalogue's parameters
    for theta in [np.array([0.3, 1.7]), np.array([-2.0, 0.4])]:
        want = float(closed.subs(dict(zip(fam.params, theta, strict=True))))
        got = float(M.alpha_scalar_curvature(theta, alpha))
        # the Riemann tensor differentiates Γ numerically: a few 1e-7 relative
        assert abs(got - want) <= 1e-6 * (1 + abs(want)), (theta, got, want)


def test_gamma_alpha_scalar_curvature_matches_sympy() -> None:
    fam = catalogue.gamma()  # shape alpha, rate beta
    closed = _symbolic(fam, 0.5)
    M = Gamma()
    theta = np.array([2.3, 0.7])
    want = float(closed.subs(dict(zip(fam.params, theta, strict=True))))
    got = float(M.alpha_scalar_curvature(theta, 0.5))
    assert abs(got - want) <= 1e-6 * (1 + abs(want))


@pytest.mark.parametrize("alpha", [1.0, -1.0])
def test_exponential_families_are_alpha_flat_at_plus_minus_one(alpha: float) -> None:
    # e- and m-connections of an exponential family are flat (Amari & Nagaoka 2000, §3.3)
    M = Gamma()
    R = M.alpha_riemann_tensor(np.array([[1.5, 2.0], [0.6, 0.3]]), alpha)
    assert R.shape == (2, 2, 2, 2, 2)
    assert np.max(np.abs(R)) <= 1e-6
    assert abs(float(Poisson().alpha_scalar_curvature(np.array([3.0]), alpha))) == 0.0


def test_alpha_zero_is_levi_civita_and_the_scalar_is_chart_invariant() -> None:
    theta = np.array([0.4, 1.3])
    base = Normal()
    np.testing.assert_allclose(base.alpha_riemann_tensor(theta, 0.0),
                               base.riemann_tensor(theta), atol=1e-12)
    # the scalar is an invariant: the same in every chart at the same distribution, and
    # the Riemann tensor transforms as a (1, 3) tensor (checked through the scalar)
    want = float(base.alpha_scalar_curvature(theta, 0.7))
    for chart in base.chart_names:
        other = base.in_chart(chart)
        y = base.change_chart(theta, chart)
        assert abs(float(other.alpha_scalar_curvature(y, 0.7)) - want) <= 1e-5 * (
            1 + abs(want)), chart
        R = other.alpha_riemann_tensor(y, 0.7)
        g_inv = np.linalg.inv(other.metric_matrix(y))
        scalar = np.einsum("ik,jijk->", g_inv, R)
        assert abs(scalar - want) <= 1e-5 * (1 + abs(want)), chart


def test_alpha_must_be_a_finite_number() -> None:
    with pytest.raises(TypeError, match="alpha"):
        Normal().alpha_scalar_curvature(np.array([0.0, 1.0]), "e")
    with pytest.raises(ValueError, match="alpha"):
        Normal().alpha_riemann_tensor(np.array([0.0, 1.0]), np.inf)
