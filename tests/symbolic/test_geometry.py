"""Connections and curvature: closed forms from REFERENCE.md (Amari & Nagaoka 2000)."""

from __future__ import annotations

import pytest
import sympy as sp

from infogeo.symbolic import (
    alpha_scalar_curvature,
    amari_chentsov_tensor,
    catalogue,
    christoffel_symbols,
    christoffel_symbols_first_kind,
    fisher_information,
    geodesic_equations,
    ricci_tensor,
    scalar_curvature,
)
from infogeo.symbolic.geometry import alpha_christoffel_symbols
from infogeo.symbolic.reparam import pullback_cubic, pullback_metric, reparametrize

mu = sp.Symbol("mu", real=True)
sigma, v = sp.symbols("sigma v", positive=True)
NORMAL = sp.diag(1 / sigma**2, 2 / sigma**2)


def test_normal_christoffels_closed_form() -> None:
    g = christoffel_symbols(NORMAL, [mu, sigma])
    assert g[0, 0, 1] == g[0, 1, 0] == -1 / sigma
    assert g[1, 0, 0] == 1 / (2 * sigma)
    assert g[1, 1, 1] == -1 / sigma
    assert g[0, 0, 0] == g[1, 0, 1] == 0
    first = christoffel_symbols_first_kind(NORMAL, [mu, sigma])
    assert first[0, 0, 1] == 1 / sigma**3  # Γ_μμ,σ = −½ ∂_σ g_μμ


def test_normal_scalar_curvature_in_two_charts() -> None:
    assert scalar_curvature(NORMAL, [mu, sigma]) == -1
    var_metric = pullback_metric(NORMAL, [mu, sigma], [mu, v], [mu, sp.sqrt(v)])
    assert sp.simplify(var_metric - sp.diag(1 / v, 1 / (2 * v**2))) == sp.zeros(2, 2)
    assert scalar_curvature(var_metric, [mu, v]) == -1
    gv = christoffel_symbols(var_metric, [mu, v])
    assert (gv[0, 0, 1], gv[1, 0, 0], gv[1, 1, 1]) == (-1 / (2 * v), 1, -1 / v)


def test_ricci_of_round_sphere_is_positive() -> None:
    th, ph = sp.symbols("theta phi", positive=True)
    ricci = ricci_tensor(sp.diag(1, sp.sin(th) ** 2), [th, ph])
    assert sp.simplify(ricci - sp.diag(1, sp.sin(th) ** 2)) == sp.zeros(2, 2)


def test_geodesic_equations_of_normal() -> None:
    eqs = geodesic_equations(NORMAL, [mu, sigma])
    t = sp.Symbol("t", real=True)
    m, s = sp.Function("mu")(t), sp.Function("sigma")(t)
    expected = m.diff(t, 2) - 2 * m.diff(t) * s.diff(t) / s
    assert sp.simplify(eqs[0].lhs - expected) == 0


def test_normal_skewness_and_alpha_connection(fisher_of) -> None:
    fam, _ = fisher_of("normal")
    m, s = fam.params
    t = amari_chentsov_tensor(fam)
    assert sp.simplify(t[0, 0, 1] - 2 / s**3) == 0 and sp.simplify(t[1, 1, 1] - 8 / s**3) == 0
    assert t[0, 0, 0] == 0 and t[0, 1, 1] == 0
    a = sp.Symbol("alpha", real=True)
    g = fisher_information(fam)
    ga = alpha_christoffel_symbols((g, t, fam.params), a)
    assert sp.simplify(ga[0, 0, 1] + (1 + a) / s) == 0
    assert sp.simplify(ga[1, 0, 0] - (1 - a) / (2 * s)) == 0
    assert sp.simplify(ga[1, 1, 1] + (1 + 2 * a) / s) == 0
    assert sp.simplify(alpha_scalar_curvature(g, t, fam.params, a) + (1 - a**2)) == 0


def test_e_flat_in_natural_and_m_flat_in_expectation_coordinates(fisher_of) -> None:
    fam, result = fisher_of("normal_natural")
    t1, t2 = fam.params
    t = amari_chentsov_tensor(fam)
    e_conn = alpha_christoffel_symbols((result.value, t, fam.params), 1)
    assert all(sp.simplify(c) == 0 for c in sp.flatten(e_conn))
    # expectation coordinates η = (E x, E x²): θ₂ = −1/(2(η₂ − η₁²)), θ₁ = −2θ₂η₁
    e1 = sp.Symbol("eta1", real=True)
    e2 = sp.Symbol("eta2", positive=True)
    theta2 = -1 / (2 * (e2 - e1**2))
    old = [-2 * theta2 * e1, theta2]
    g_eta = pullback_metric(result.value, [t1, t2], [e1, e2], old)
    t_eta = pullback_cubic(t, [t1, t2], [e1, e2], old)
    m_conn = alpha_christoffel_symbols((g_eta, t_eta, [e1, e2]), -1)
    assert all(sp.simplify(c) == 0 for c in sp.flatten(m_conn))


def test_categorical_scalar_curvature_half(fisher_of) -> None:
    fam, result = fisher_of("categorical")
    assert sp.simplify(scalar_curvature(result.value, fam.params)) == sp.Rational(1, 2)


def test_cauchy_and_student_t_curvature() -> None:
    x0, g = sp.Symbol("x0", real=True), sp.Symbol("gamma", positive=True)
    assert scalar_curvature(sp.eye(2) / (2 * g**2), [x0, g]) == -4
    nu = sp.Symbol("nu", positive=True)
    metric = sp.diag((nu + 1) / (nu + 3), 2 * nu / (nu + 3)) / sigma**2
    assert sp.simplify(scalar_curvature(metric, [mu, sigma]) + (nu + 3) / nu) == 0


@pytest.mark.slow
def test_derived_student_t_curvature(fisher_of) -> None:
    fam, result = fisher_of("student_t")
    nu = fam.hyperparams[0]
    assert sp.simplify(scalar_curvature(result.value, fam.params) + (nu + 3) / nu) == 0


def test_reparametrized_family_fisher_matches_pullback(fisher_of) -> None:
    fam, result = fisher_of("normal")
    m, s = fam.params
    w = sp.Symbol("w", real=True)  # w = log σ
    new = reparametrize(fam, [m, w], [m, sp.exp(w)])
    direct = fisher_information(new)
    pulled = pullback_metric(result.value, [m, s], [m, w], [m, sp.exp(w)])
    assert sp.simplify(direct - pulled) == sp.zeros(2, 2)
    assert scalar_curvature(direct, [m, w]) == -1


def test_geometry_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="coords"):
        christoffel_symbols(NORMAL, [mu])
    with pytest.raises(ValueError, match="symmetric"):
        christoffel_symbols(sp.Matrix([[1, sigma], [0, 1]]), [mu, sigma])
    with pytest.raises(ValueError, match="square"):
        scalar_curvature(sp.Matrix([[1, 0, 0], [0, 1, 0]]), [mu, sigma])


def test_derived_cauchy_curvature_and_vanishing_skewness(fisher_of) -> None:
    fam, result = fisher_of("cauchy")
    assert scalar_curvature(result.value, fam.params) == -4
    # the Cauchy location-scale family has T = 0, so all α-connections coincide
    # (Mitchell, "Statistical manifolds of univariate elliptic distributions", 1988)
    assert all(sp.simplify(c) == 0 for c in sp.flatten(amari_chentsov_tensor(fam)))


def test_cubic_tensor_of_categorical_and_laplace() -> None:
    fam = catalogue.categorical()
    p1, p2 = fam.params
    p3 = 1 - p1 - p2
    t = amari_chentsov_tensor(fam)
    # T_ijk = Σ_c p_c ∂_i log p_c ∂_j log p_c ∂_k log p_c = δ_ijk / p_i² − 1/p₃²
    for idx in [(0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 1, 1)]:
        delta = [1 / p1**2, 0, 0, 1 / p2**2][[(0, 0, 0), (0, 0, 1), (0, 1, 1),
                                              (1, 1, 1)].index(idx)]
        assert sp.simplify(t[idx] - (delta - 1 / p3**2)) == 0
    fam = catalogue.laplace()
    b = fam.params[1]
    t = amari_chentsov_tensor(fam)
    # s_b = (|z| − 1)/b with |z| ~ Exp(1): E[s_b³] = (third central moment 2)/b³
    assert sp.simplify(t[1, 1, 1] - 2 / b**3) == 0 and t[0, 0, 0] == 0
