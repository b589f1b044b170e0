"""Every tensor, in every chart of every registered family, obeys its transformation law.

A chart y of a family is given by x = to_base(y); with J = ∂x/∂y and H = ∂²x/∂y²:

- metric          g_y = Jᵀ g_x J
- Christoffel     Γ_y = J⁻¹(Γ_x[J·, J·] + H), and Γ_y is the Koszul formula of g_y
- Riemann         R_y = J⁻¹ R_x[J·, J·, J·], and R_y is what differentiating Γ_y gives
- Ricci           Ric_y = Jᵀ Ric_x J, the contraction of R_y
- skewness        T_y = T_x[J·, J·, J·]
- α-connection    Γ^(α)_y = J⁻¹(Γ^(α)_x[J·, J·] + H) = Γ_y − (α/2) g_y⁻¹ T_y

Here J and H are central differences of the chart map itself (not the chart's declared
derivatives, which are checked against them), and the "own" quantities (Koszul, Riemann
from Γ_y) are central differences in the chart; each numeric reference comes with an
error estimate (the change when the step is halved), so the tolerances follow the
reference's accuracy. The family registry is derived from the declarations: a new family
is checked here without editing this file.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from infogeo.manifolds import StatisticalManifold
from infogeo.manifolds.charts import (
    numeric_jacobian,
    pullback_metric,
    pullback_tensor,
    transform_connection,
    transform_riemann,
)
from infogeo.manifolds.differential import (
    christoffels_from_metric_derivative,
    ricci_from_riemann,
    riemann_from_christoffels,
)
from infogeo.manifolds.registry import FAMILIES, get_family

N_POINTS = 3
ALPHAS = (-1.0, 0.5, 1.0)
CASES = [(name, chart) for name in sorted(FAMILIES) for chart in get_family(name).chart_names]


@pytest.fixture(params=CASES, ids=lambda p: f"{p[0]}-{p[1]}")
def case(request: pytest.FixtureRequest) -> tuple[StatisticalManifold, StatisticalManifold,
                                                  np.ndarray, np.ndarray]:
    name, chart = request.param
    base = get_family(name)  # in its base chart
    x = base.random_point(np.random.default_rng(zlib.crc32(f"{name}-{chart}".encode())),
                          N_POINTS)
    return base, base.in_chart(chart), x, base.change_chart(x, chart)


def with_error(func, y: np.ndarray, steps=(2e-4, 1e-4)) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference Jacobian of ``func`` at ``y`` and its error estimate."""
    rough, fine = (numeric_jacobian(func, y, rel_step=s) for s in steps)
    return fine, np.abs(fine - rough)


def magnitude(*terms: np.ndarray) -> np.ndarray:
    """Largest entry per point of the terms a quantity is a sum of (the scale of its
    rounding error, also where the sum itself vanishes)."""
    return np.max([np.max(np.abs(t), axis=tuple(range(1, np.ndim(t))), keepdims=True)
                   for t in terms], axis=0)


def assert_close(actual: np.ndarray, desired: np.ndarray, error: np.ndarray | float = 0.0,
                 rtol: float = 1e-7, scale: np.ndarray | None = None) -> None:
    """|actual − desired| ≤ rtol · scale + 10 · error estimate; the scale is the largest
    |desired| per point unless the terms' magnitude is given."""
    if scale is None:
        scale = magnitude(desired)
    scale = scale + 1e-300
    excess = np.abs(actual - desired) - (rtol * scale + 10 * np.asarray(error))
    assert np.all(excess <= 0), f"largest excess {np.max(excess):.3g} over scale " \
                                f"{np.max(scale):.3g}"


def chart_derivatives(base, charted, y):  # noqa: ANN001, ANN201
    chart = charted.chart
    jac, jac_err = with_error(chart.to_base, y)
    second, second_err = with_error(chart.jacobian_at, y)
    return jac, jac_err, 0.5 * (second + np.swapaxes(second, -1, -2)), second_err


def test_declared_chart_derivatives_match_the_chart_map(case) -> None:
    base, charted, x, y = case
    chart = charted.chart
    np.testing.assert_allclose(chart.to_base(y), x, rtol=1e-10, atol=1e-12)
    jac, jac_err, second, second_err = chart_derivatives(base, charted, y)
    assert_close(chart.jacobian_at(y), jac, jac_err, rtol=1e-8)
    assert_close(chart.second_derivatives(y), second, second_err, rtol=1e-6)


def test_metric_and_christoffels(case) -> None:
    base, charted, x, y = case
    jac, jac_err, second, _ = chart_derivatives(base, charted, y)
    g = charted.metric_matrix(y)
    assert_close(g, pullback_metric(base.metric_matrix(x), jac), rtol=1e-8)
    gamma = charted.christoffels(y)
    gamma_x = base.christoffels(x)
    terms = connection_terms(gamma_x, jac, second)
    assert_close(gamma, transform_connection(gamma_x, jac, second), rtol=1e-6, scale=terms)
    dg, dg_err = with_error(charted.metric_matrix, y)
    own = christoffels_from_metric_derivative(g, dg)
    own_err = np.abs(christoffels_from_metric_derivative(g, dg + dg_err) - own)
    assert_close(gamma, own, own_err, rtol=1e-6, scale=terms)


def connection_terms(gamma_x: np.ndarray, jac: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Magnitude of the two terms of the connection law, J⁻¹Γ[J, J] and J⁻¹H."""
    inv = np.linalg.inv(jac)
    return magnitude(np.einsum("...ka,...abc,...bi,...cj->...kij", inv, gamma_x, jac, jac),
                     np.einsum("...ka,...aij->...kij", inv, second))


def test_riemann_and_ricci(case) -> None:
    base, charted, x, y = case
    jac = charted.chart.jacobian_at(y)
    riemann = charted.riemann_tensor(y)
    assert_close(riemann, transform_riemann(base.riemann_tensor(x), jac), rtol=1e-6)
    # R_y from differentiating this chart's own Christoffel symbols (two step sizes)
    own = [_riemann_with_step(charted.christoffels, y, s) for s in (2e-4, 1e-4)]
    assert_close(riemann, own[1], np.abs(own[1] - own[0]), rtol=1e-5)
    ricci = charted.ricci_tensor(y)
    assert_close(ricci, ricci_from_riemann(own[1]), np.abs(ricci_from_riemann(own[1] - own[0])),
                 rtol=1e-5)
    assert_close(ricci, pullback_metric(base.ricci_tensor(x), jac), rtol=1e-6)
    np.testing.assert_allclose(charted.scalar_curvature(y), base.scalar_curvature(x),
                               rtol=1e-5, atol=1e-7)


def _riemann_with_step(christoffel_fn, y: np.ndarray, step: float) -> np.ndarray:
    gamma = christoffel_fn(y)
    dgamma = numeric_jacobian(christoffel_fn, y, rel_step=step)
    return (np.einsum("...lkij->...lijk", dgamma) - np.einsum("...ljik->...lijk", dgamma)
            + np.einsum("...ljm,...mki->...lijk", gamma, gamma)
            - np.einsum("...lkm,...mji->...lijk", gamma, gamma))


def test_skewness_and_alpha_connections(case) -> None:
    base, charted, x, y = case
    jac, _, second, _ = chart_derivatives(base, charted, y)
    t = charted.skewness_tensor(y)
    assert_close(t, pullback_tensor(base.skewness_tensor(x), jac), rtol=1e-7)
    g_inv = np.linalg.inv(charted.metric_matrix(y))
    for alpha in ALPHAS:
        conn = charted.alpha_christoffels(y, alpha)
        levi_civita = charted.christoffels(y)
        skew = 0.5 * alpha * np.einsum("...kl,...ijl->...kij", g_inv, t)
        assert_close(conn, levi_civita - skew, rtol=1e-8, scale=magnitude(levi_civita, skew))
        conn_x = base.alpha_christoffels(x, alpha)
        assert_close(conn, transform_connection(conn_x, jac, second), rtol=1e-6,
                     scale=connection_terms(conn_x, jac, second))


def test_riemann_of_the_normal_in_the_variance_chart() -> None:
    """The case the issue reported (off by 0.44 before): N(μ, v) at (0.3, 2.0) has
    sectional curvature −1/2, so R_{ijkl} = K (g_ik g_jl − g_il g_jk) in any chart."""
    m = get_family("normal").in_chart("mu_var")
    y = np.array([0.3, 2.0])
    g = m.metric_matrix(y)
    lowered = np.einsum("am,mijk->aijk", g, m.riemann_tensor(y))  # R_{lijk}
    # R^l_{ijk} = ∂_j Γ^l_ki − …: R_{lijk} = K (g_lj g_ik − g_lk g_ij)
    expected = -0.5 * (np.einsum("lj,ik->lijk", g, g) - np.einsum("lk,ij->lijk", g, g))
    np.testing.assert_allclose(lowered, expected, atol=1e-8)
    np.testing.assert_allclose(riemann_from_christoffels(m.christoffels, y),
                               m.riemann_tensor(y), atol=1e-7)
