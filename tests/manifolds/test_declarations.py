"""What every family declares, and what derives from it.

The registry, the random points, validation and the interop counterparts all come from
each family's declarations; these tests hold for any family that is added.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import infogeo.manifolds as manifolds
from infogeo.manifolds import StatisticalManifold
from infogeo.manifolds.declarations import (
    POSITIVE,
    REAL,
    UNIT,
    CovarianceMatrix,
    Interval,
    Parameter,
    ProbabilityVector,
)
from infogeo.manifolds.registry import FAMILIES, family_classes, get_family

NAMES = sorted(FAMILIES)


@pytest.fixture(params=NAMES)
def family(request: pytest.FixtureRequest) -> StatisticalManifold:
    return get_family(request.param)


def test_every_public_family_is_registered_and_exported() -> None:
    registered = {type(factory()) for factory in FAMILIES.values()}
    assert registered == set(family_classes())
    for cls in family_classes():
        assert getattr(manifolds, cls.__name__) is cls
        assert cls.__name__ in manifolds.__all__
        assert not inspect.isabstract(cls)


def test_declared_parameters_make_up_the_base_chart(family: StatisticalManifold) -> None:
    assert family.parameters, "every family declares its parameters"
    assert sum(block.size for block in family.parameters) == family.dim
    names = tuple(c for block in family.parameters for c in block.coordinate_names)
    assert family._base_chart.coordinates == names


def test_random_and_edge_points_are_valid(family: StatisticalManifold) -> None:
    rng = np.random.default_rng(0)
    family._check_base(family.random_point(rng, 20), "theta")
    corners = np.array([np.zeros(family.dim), np.ones(family.dim), np.full(family.dim, 0.5)])
    for edges in (False, True):
        points = family.point_from_unit(np.concatenate([corners, rng.uniform(size=(10,
                                                                              family.dim))]),
                                        edges=edges)
        family._check_base(points, "theta")
        assert np.all(np.isfinite(family.metric_matrix(points)))


def test_points_just_outside_the_domain_are_refused(family: StatisticalManifold) -> None:
    inside = family.random_point(np.random.default_rng(1))
    start = 0
    for block in family.parameters:
        for bad in block.outside():
            point = inside.copy()
            point[start:start + block.size] = bad
            with pytest.raises(ValueError, match="theta"):
                family.metric_matrix(point)
        start += block.size


def test_skewness_tensor_matches_monte_carlo(family: StatisticalManifold) -> None:
    """T_ijk = E[s_i s_j s_k] in the base chart, within 5 standard errors (every chart
    follows by the transformation laws)."""
    rng = np.random.default_rng(9)
    theta = family.random_point(rng)
    n = 40_000
    s = family.score(family.sample(theta, n, rng), theta)  # [n, dim]
    triple = np.einsum("ni,nj,nk->nijk", s, s, s)
    mean, se = triple.mean(0), triple.std(0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(mean - family.skewness_tensor(theta)) <= 5 * se + 1e-12)


@pytest.mark.parametrize(("interval", "inside", "outside"), [
    (POSITIVE, [1e-300, 1.0, 1e300], [0.0, -1.0]),
    (UNIT, [1e-15, 0.5, 1 - 1e-15], [0.0, 1.0, -0.5, 1.5]),
    (REAL, [-1e300, 0.0, 1e300], []),
    (Interval(0.0, 1.0, closed=(True, False)), [0.0, 0.5], [1.0, -1.0]),
])
def test_interval_ends(interval: Interval, inside: list[float], outside: list[float]) -> None:
    assert np.all(interval.contains(np.array(inside)))
    assert not np.any(interval.contains(np.array(outside)))
    assert not np.any(interval.contains(np.array(interval.outside())))
    low, high = interval.default_edges()
    assert interval.contains(np.array([low, high])).all()


def test_blocks_map_the_unit_cube_onto_their_domain() -> None:
    rng = np.random.default_rng(2)
    blocks = [Parameter("s", POSITIVE, typical=(0.5, 2.0), log_scale=True),
              Parameter("v", REAL, size=3, scalar=False), ProbabilityVector(4),
              CovarianceMatrix(3)]
    for block in blocks:
        u = np.concatenate([rng.uniform(size=(50, block.size)), np.zeros((1, block.size)),
                            np.ones((1, block.size))])
        for edges in (False, True):
            block.check(block.from_unit(u, edges), "theta")
    scale = blocks[0]
    np.testing.assert_allclose(scale.from_unit(np.array([0.0, 1.0]), edges=True), [1e-8, 1e8])
    probs = blocks[2].from_unit(np.zeros((1, 3)), edges=True)
    assert probs.min() < 1e-14  # the edges reach probabilities of 1e-15


def test_counterparts_name_existing_objects(family: StatisticalManifold) -> None:
    from scipy import stats

    from infogeo.symbolic import catalogue

    if family.scipy_counterpart is not None:
        assert hasattr(stats, family.scipy_counterpart.name)
        blocks = {b.name for b in family.parameters}
        for source in family.scipy_counterpart.arguments.values():
            assert getattr(source, "parameter", source) in blocks
    if family.symbolic_counterpart is not None:
        assert family.symbolic_counterpart.name in catalogue.names()
