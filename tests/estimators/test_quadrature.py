"""Quadrature / truncated summation against every scalar-event family's closed form."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from infogeo.estimators import QuadratureToleranceWarning, fisher_quadrature
from infogeo.estimators.quadrature import family_support
from infogeo.manifolds import Normal
from infogeo.manifolds.registry import get_family

from ._cases import SCALAR_EVENT, case_id, random_theta

SCALAR_CHARTS = [(name, chart) for name in SCALAR_EVENT
                 for chart in get_family(name).chart_names]


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("method", ["score", "hessian"])
@pytest.mark.parametrize("case", SCALAR_CHARTS, ids=case_id)
def test_quadrature_matches_closed_form(case: tuple[str, str], method: str) -> None:
    name, chart = case
    m = get_family(name).in_chart(chart)
    try:
        family_support(m, random_theta(m, 60))
    except ValueError as err:
        pytest.skip(f"{name} has no support hook: {err}")
    for seed in ((60, 61) if method == "score" else (61,)):
        theta = random_theta(m, seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", QuadratureToleranceWarning)
            quad, reported = fisher_quadrature(m, theta, method=method, return_error=True)
        # the hessian method differentiates numerically where there is no closed form
        tol = 1e-8 if method == "score" else 1e-6
        error = rel_err(quad, m.metric_matrix(theta))
        if caught:
            # only a density singular at a finite end other than 0 (floats in x cannot
            # reach it: Beta with b < 1) may miss 1e-8; then it warns, and honestly
            assert "achieved relative error" in str(caught[0].message)
            assert error <= 2 * float(reported) <= 1e-6, (error, reported)
        else:
            assert error < tol, (error, reported)


def test_quadrature_broadcasts_over_points() -> None:
    m = Normal().in_chart("mu_var")
    thetas = np.array([[[0.0, 1.0], [1.0, 4.0]], [[-2.0, 0.3], [5.0, 0.1]]])
    quad = fisher_quadrature(m, thetas)
    assert quad.shape == (2, 2, 2, 2)
    assert rel_err(quad, m.metric_matrix(thetas)) < 1e-8



def test_discrete_summation_against_independent_poisson_and_scipy() -> None:
    # truncated summation vs scipy's pmf sums done here by hand
    m = get_family("poisson")
    theta = random_theta(m, 62)
    rate = float(np.squeeze(m.change_chart(theta, "rate")))
    k = np.arange(0, 400)
    pmf = stats.poisson.pmf(k, rate)
    by_hand = np.sum(pmf * ((k - rate) / rate) ** 2)  # E[(∂_λ log p)²] = 1/λ
    quad = fisher_quadrature(m.in_chart("rate"), m.change_chart(theta, "rate"))
    np.testing.assert_allclose(quad[0, 0], by_hand, rtol=1e-10)
    np.testing.assert_allclose(quad[0, 0], 1.0 / rate, rtol=1e-10)


def test_warns_with_achieved_error_when_tolerance_not_reached() -> None:
    with pytest.warns(QuadratureToleranceWarning, match="achieved relative error"):
        fisher_quadrature(Normal(), [0.0, 1.0], tol=1e-15, limit=2)
    with pytest.warns(QuadratureToleranceWarning, match="achieved relative error"):
        fisher_quadrature(get_family("poisson").in_chart("rate"), [30.0], max_terms=10)


def test_explicit_support_overrides_the_family() -> None:
    n = Normal()
    # over a half line the density has mass 1/2: rejected as a wrong support
    with pytest.raises(ValueError, match="integrates to 0.5"):
        fisher_quadrature(n, [1.0, 2.0], support=(1.0, np.inf))
    # a support wider than the family's own reaches data log_prob rejects
    with pytest.raises(ValueError, match=r"x .*must be >= 0"):
        fisher_quadrature(get_family("exponential").in_chart("rate"), [2.0],
                          support=(-1.0, np.inf))
    exact = fisher_quadrature(get_family("exponential").in_chart("rate"), [2.0],
                              support=(0.0, np.inf))
    np.testing.assert_allclose(exact, [[0.25]], rtol=1e-8)


def test_rejects_vector_observations_and_bad_arguments() -> None:
    with pytest.raises(ValueError, match="event_shape"):
        fisher_quadrature(get_family("linear_regression"), [0.0, 0.0])
    with pytest.raises(ValueError, match="tol must be > 0"):
        fisher_quadrature(Normal(), [0.0, 1.0], tol=0.0)
    with pytest.raises(ValueError, match="method must be one of"):
        fisher_quadrature(Normal(), [0.0, 1.0], method="exact")
    with pytest.raises(ValueError, match="sigma must be > 0"):
        fisher_quadrature(Normal(), [0.0, -1.0])
    with pytest.raises(ValueError, match="low < high"):
        fisher_quadrature(Normal(), [0.0, 1.0], support=(1.0, 1.0))


@pytest.mark.parametrize("name", [n for n in SCALAR_EVENT if n.startswith("categorical")])
def test_categorical_by_exact_summation_with_explicit_support(name: str) -> None:
    # Categorical has no to_scipy()/support() hook yet: pass its support {0, ..., k-1}
    m = get_family(name)
    k = m.dim + 1
    for chart in m.chart_names:
        mc = m.in_chart(chart)
        theta = random_theta(mc, 63)
        quad = fisher_quadrature(mc, theta, support=(0, k - 1))
        assert rel_err(quad, mc.metric_matrix(theta)) < 1e-12
