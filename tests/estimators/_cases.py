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
