"""Parametrization over every registered family (and its compiled symbolic twin).

Collected at import time from ``infogeo.manifolds.registry.FAMILIES``, so families added
by other modules are picked up without editing these tests.
"""

from __future__ import annotations

import functools
import importlib

import numpy as np
import pytest

from infogeo.manifolds import StatisticalManifold
from infogeo.manifolds.registry import FAMILIES, get_family

NAMES = sorted(FAMILIES)


def family_charts() -> list[tuple[str, str]]:
    return [(name, chart) for name in NAMES for chart in get_family(name).chart_names]


def scalar_event_names() -> list[str]:
    """Families whose observation is one number (quadrature applies)."""
    return [name for name in NAMES if get_family(name).event_shape == ()]


def _symbolic() -> tuple[object, object] | None:
    try:
        sym = importlib.import_module("infogeo.symbolic")
        return sym.compile_manifold, sym.catalogue  # type: ignore[attr-defined]
    except (ImportError, AttributeError):
        return None


def twin_names() -> list[str]:
    """Registered families with an entry of the same name in the symbolic catalogue."""
    found = _symbolic()
    if found is None:
        return []
    _, catalogue = found
    return [name for name in NAMES if callable(getattr(catalogue, name, None))]


@functools.cache
def compiled_twin(name: str) -> StatisticalManifold:
    """The compiled symbolic twin (compiled once per test session)."""
    found = _symbolic()
    assert found is not None
    compile_manifold, catalogue = found
    family = getattr(catalogue, name)()  # type: ignore[operator]
    numeric = get_family(name)
    # hyperparameters (nu of a Student-t, r of a negative binomial) from the registered
    # numeric instance, matched by name
    missing = [h for h in family.hyperparams if not hasattr(numeric, str(h))]
    if missing:
        pytest.skip(f"{name}: numeric family has no attribute for hyperparameters {missing}")
    hyper = {h: float(getattr(numeric, str(h))) for h in family.hyperparams}
    return compile_manifold(family, hyperparams=hyper)  # type: ignore[operator]


def random_theta(m: StatisticalManifold, seed: int) -> np.ndarray:
    return m.random_point(np.random.default_rng(seed))


def case_id(param: tuple[str, str]) -> str:
    return f"{param[0]}-{param[1]}"


FAMILY_CHARTS = family_charts()
SCALAR_EVENT = scalar_event_names()
TWINS = twin_names()
no_twins = pytest.mark.skipif(not TWINS, reason="infogeo.symbolic.compile_manifold / "
                              "catalogue not available (no compiled symbolic twins)")


#: edge points (base chart) of the registered families, used where a family does not
#: declare its edge ranges (``point_from_unit(u, edges=True)``): scales 1e-8 and 1e8,
#: shapes 1e-4 and 1e4, probabilities 1e-15 from either end
_FALLBACK_EDGES: dict[str, list[list[float]]] = {
    "normal": [[0.0, 1e-8], [0.0, 1e8], [1e8, 1.0]],
    "student_t": [[0.0, 1e-8], [1e8, 1e8]],
    "cauchy": [[0.0, 1e-8], [-1e8, 1e8]],
    "von_mises": [[0.0, 1e-4], [3.0, 1e4]],
    "multivariate_normal": [[0.0, 0.0, 1e-8, 0.0, 1e-8], [1e8, 0.0, 1e8, 0.0, 1e8]],
    "fixed_mean_normal": [[1e-8, 0.0, 1e-8], [1e8, 0.0, 1e8]],
    "fixed_mean_normal_d3": [[1e-8, 0.0, 0.0, 1e-8, 0.0, 1e-8],
                             [1e8, 0.0, 0.0, 1e8, 0.0, 1e8]],
    "linear_regression": [[1e8, -1e8], [-1e-8, 1e-8]],
    "logistic_regression": [[10.0, -10.0], [1e-8, 1e-8]],
    "poisson": [[1e-4], [1e4]],
    "exponential": [[1e-8], [1e8]],
    "bernoulli": [[1e-15], [1.0 - 1e-15]],
    "binomial": [[1e-15], [1.0 - 1e-15]],
    "geometric": [[1e-15], [1.0 - 1e-15]],
    "negative_binomial": [[1e-15], [1.0 - 1e-15]],
    "categorical_3": [[1e-15, 0.5], [0.5, 0.5 - 1e-15]],
    "categorical_4": [[1e-15, 1e-15, 0.5], [0.3, 0.3, 0.4 - 1e-15]],
    "exponential_family_poisson": [[float(np.log(1e-4))], [float(np.log(1e4))]],
    "gamma": [[1e-4, 1.0], [1e4, 1e-8], [1e-4, 1e8]],
    "beta": [[1e-4, 1e-4], [1e4, 1e4], [1e-4, 1e4]],
    "dirichlet": [[1e-4, 1e-4, 1e-4], [1e4, 1e4, 1e4], [1e-4, 1.0, 1e4]],
}


def edge_points(name: str) -> list[np.ndarray]:
    """Points (base chart) at the edges of a family's domain: the corners of the edge
    ranges it declares (all low, all high, alternating), else the table above."""
    m = get_family(name)
    if callable(getattr(m, "point_from_unit", None)) and getattr(m, "parameters", ()):
        corners = [np.zeros(m.dim), np.ones(m.dim), np.arange(m.dim) % 2.0]
        return [np.asarray(m.point_from_unit(u, edges=True)) for u in corners]
    return [np.asarray(p, dtype=float) for p in _FALLBACK_EDGES.get(name, [])]
