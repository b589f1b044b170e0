"""Test-suite configuration shared by every package's tests.

Families whose geometry is computed by quadrature at every point (the numeric route:
``NumericFamily`` examples in the registry) answer each Christoffel-symbol evaluation with
an adaptive quadrature of θ-derivatives; a geodesic integrates hundreds of them. Their
metric, KL, estimator and chart tests stay in the default run; the geodesic-heavy generic
tests (seconds to minutes each for such a family) run in the slow tier.
"""

from __future__ import annotations

import pytest

#: registry names of the families computed by quadrature
QUADRATURE_FAMILIES = ("numeric_loglogistic",)

#: generic tests that integrate many geodesics (``exp``/``log``/``dist``) per case
GEODESIC_HEAVY = {
    "test_near_boundary_round_trips_in_fisher_rao_units",
    "test_dist_is_a_metric",
    "test_geodesic_speed_is_constant",
    "test_charts_roundtrip_and_pullback",
    "test_closed_form_dist_equals_shooting",
    "test_dist_equals_norm_of_log",
    "test_exp_log_roundtrip",
    "test_fisher_flow_reaches_the_target_and_decreases_the_loss",
    "test_ngd_with_a_kl_trust_region_converges",
}


@pytest.hookimpl(tryfirst=True)  # before -m 'not slow' deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        name = getattr(item, "originalname", item.name)
        callspec = getattr(item, "callspec", None)
        if name not in GEODESIC_HEAVY or callspec is None:
            continue
        # a family name as a parameter, or inside a (name, chart) parameter
        values = [w for v in callspec.params.values()
                  for w in (v if isinstance(v, tuple) else (v,))]
        if any(isinstance(v, str) and v in QUADRATURE_FAMILIES for v in values):
            item.add_marker(pytest.mark.slow)
