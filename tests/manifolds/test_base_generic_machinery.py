"""The generic fallbacks of StatisticalManifold, checked against the normal closed forms.

``MetricOnlyNormal`` gives nothing but the normal metric: its Christoffel symbols come
from the Koszul formula, ``exp`` from the geodesic ODE and ``log`` from shooting.
"""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.manifolds import Normal, ShootingError
from infogeo.manifolds.base import StatisticalManifold


class MetricOnlyNormal(StatisticalManifold):
    parameters = Normal.parameters  # validation and random points from the declaration
    _charts = Normal._charts
    _expectation_jacobian = staticmethod(Normal._expectation_jacobian)
    _metric = Normal._metric


@pytest.fixture
def pair() -> tuple[Normal, MetricOnlyNormal]:
    return Normal(), MetricOnlyNormal()


def test_generic_christoffels_match_closed_form(pair) -> None:
    closed, generic = pair
    pts = closed.random_point(np.random.default_rng(0), 5)
    np.testing.assert_allclose(generic.christoffels(pts), closed.christoffels(pts),
                               rtol=1e-7, atol=1e-9)


def test_generic_exp_log_dist_match_closed_form(pair) -> None:
    closed, generic = pair
    rng = np.random.default_rng(1)
    a, b = closed.random_point(rng, 5), closed.random_point(rng, 5)
    v = closed.log(b, a)
    np.testing.assert_allclose(generic.exp(v, a), b, rtol=1e-8)
    np.testing.assert_allclose(generic.log(b, a), v, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(generic.dist(a, b), closed.dist(a, b), rtol=1e-8)


def test_generic_curvature_in_every_chart(pair) -> None:
    _, generic = pair
    pts = generic.random_point(np.random.default_rng(2), 4)
    for chart in generic.chart_names:
        m = generic.in_chart(chart)
        np.testing.assert_allclose(m.scalar_curvature(generic.change_chart(pts, chart)), -1.0,
                                   rtol=1e-4)


def test_shooting_failure_is_reported(pair) -> None:
    _, generic = pair
    a = np.array([[0.0, 1.0]])
    b = np.array([[30.0, 0.05]])  # far away: one Newton step cannot reach it
    result = generic.log_shooting(b, a, max_iter=1)
    assert not result.success
    assert "1 Newton iterations" in result.message
    assert np.all(np.isfinite(result.residual)) and result.residual[0] > 1e-3


def test_log_raises_when_shooting_fails(pair, monkeypatch) -> None:
    _, generic = pair
    original = generic._shoot
    monkeypatch.setattr(generic, "_shoot", lambda y, x: original(y, x, max_iter=1))
    with pytest.raises(ShootingError, match="did not converge"):
        generic.log(np.array([30.0, 0.05]), np.array([0.0, 1.0]))


def test_missing_capability_names_class_and_method(pair) -> None:
    _, generic = pair
    with pytest.raises(NotImplementedError, match="MetricOnlyNormal.*kl_divergence"):
        generic.kl_divergence([0.0, 1.0], [1.0, 1.0])
