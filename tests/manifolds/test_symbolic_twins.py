"""Every family with a declared symbolic twin against it: the Fisher metric derived by
``infogeo.symbolic`` from the catalogue log-density, at random points (double precision)
and, with its Christoffel symbols, at the edges of the declared domain (evaluated with
mpmath at 50 digits, so the reference itself does not cancel).

The list of twins derives from the declarations (``symbolic_counterpart``): a new family
with a catalogue entry is checked here without editing this file.
"""

from __future__ import annotations

import os
import tempfile

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from infogeo.manifolds import StatisticalManifold
from infogeo.manifolds.registry import FAMILIES, get_family

# derivations are cached for the session in a fresh folder (never a stale user cache)
os.environ.setdefault("INFOGEO_CACHE_DIR", tempfile.mkdtemp(prefix="infogeo-twins-"))

#: twins whose symbolic derivation takes more than ~5 s
SLOW_TWINS = {"cauchy", "student_t"}


def _has_twin(family: StatisticalManifold) -> bool:
    twin = family.symbolic_counterpart
    return twin is not None and all(getattr(family, attr) == value
                                    for attr, value in twin.requires.items())


TWINS = [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_TWINS else n
         for n in sorted(FAMILIES) if _has_twin(get_family(n))]


def symbolic_metric(family: StatisticalManifold) -> tuple[sp.Matrix, list[sp.Symbol]]:
    """The twin's Fisher matrix with the family's hyper-parameters substituted."""
    from infogeo.symbolic import catalogue, fisher_information_result

    twin = family.symbolic_counterpart
    kwargs = {key: getattr(family, attr) for key, attr in twin.kwargs.items()}
    sym = catalogue.get(twin.name, **kwargs)
    values = {h: getattr(family, twin.hyper[h.name]) for h in sym.hyperparams}
    metric = sp.Matrix(fisher_information_result(sym).value).xreplace(
        {h: sp.Float(v, 50) for h, v in values.items()})
    return metric, list(sym.params)


@pytest.mark.parametrize("name", TWINS)
def test_metric_equals_the_symbolic_twin(name: str) -> None:
    family = get_family(name)
    metric, params = symbolic_metric(family)
    assert len(params) == family.dim
    rng = np.random.default_rng(17)
    numeric = sp.lambdify(params, metric, modules=["scipy", "numpy"])
    for x in family.random_point(rng, 4):
        np.testing.assert_allclose(family.metric_matrix(x), np.array(numeric(*x), dtype=float),
                                   rtol=1e-10, atol=1e-13)

    # the edges: corners of the declared edge range and random points in it; the
    # Christoffel symbols of the twin's metric too (Koszul formula, symbolically)
    from infogeo.symbolic import christoffel_symbols

    mp.mp.dps = 50
    exact = sp.lambdify(params, metric, modules="mpmath")
    gamma = sp.lambdify(params, sp.flatten(christoffel_symbols(metric, params,
                                                               simplify=False)),
                        modules="mpmath")
    corners = np.array(np.meshgrid(*[[0.0, 1.0]] * family.dim)).reshape(family.dim, -1).T
    u = np.concatenate([corners[:8], rng.uniform(size=(4, family.dim))])
    for x in family.point_from_unit(u, edges=True):
        args = [mp.mpf(float(v)) for v in x]
        reference = np.array(exact(*args).tolist(), dtype=float)
        np.testing.assert_allclose(family.metric_matrix(x), reference, rtol=1e-9, atol=0,
                                   err_msg=f"{name} metric at {x.tolist()}")
        reference = np.array([float(v) for v in gamma(*args)]).reshape((family.dim,) * 3)
        np.testing.assert_allclose(family.christoffels(x), reference, rtol=1e-8,
                                   atol=1e-12 * np.abs(reference).max(),
                                   err_msg=f"{name} Christoffel symbols at {x.tolist()}")
