"""Point batches that do not broadcast are refused by infogeo, naming both arguments and
their shapes (never numpy's broadcast message), for every registered family."""

from __future__ import annotations

import re

import numpy as np
import pytest

from infogeo.manifolds import StatisticalManifold
from infogeo.manifolds.registry import FAMILIES, get_family


@pytest.fixture(params=sorted(FAMILIES))
def family(request: pytest.FixtureRequest) -> StatisticalManifold:
    return get_family(request.param)


def _refused(call, first: str, first_shape: tuple, second: str, second_shape: tuple) -> None:
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    for name, shape in ((first, first_shape), (second, second_shape)):
        assert re.search(rf"\b{name} \(shape {re.escape(str(shape))}\)", message), message
    assert "do not broadcast" in message


def test_mismatched_point_batches_are_named(family: StatisticalManifold) -> None:
    rng = np.random.default_rng(31)
    a, b = family.random_point(rng, 3), family.random_point(rng, 4)
    v = np.zeros((4, family.dim))
    sa, sb = a.shape, b.shape
    _refused(lambda: family.exp(v, a), "tangent_vec", sb, "base_point", sa)
    _refused(lambda: family.log(b, a), "point", sb, "base_point", sa)
    _refused(lambda: family.log_shooting(b, a), "point", sb, "base_point", sa)
    _refused(lambda: family.dist(a, b), "point_a", sa, "point_b", sb)
    _refused(lambda: family.squared_dist(a, b), "point_a", sa, "point_b", sb)
    _refused(lambda: family.inner_product(v, v, a), "tangent_vec_a", sb, "base_point", sa)
    _refused(lambda: family.geodesic(a, initial_tangent_vec=v), "initial_point", sa,
             "initial_tangent_vec", sb)
    try:
        family.kl_divergence(a[:1], a[:1])
    except NotImplementedError:
        return
    _refused(lambda: family.kl_divergence(a, b), "theta_p", sa, "theta_q", sb)


def test_broadcasting_batches_still_work(family: StatisticalManifold) -> None:
    rng = np.random.default_rng(32)
    a, b = family.random_point(rng, 3), family.random_point(rng, 1)
    assert family.dist(a[:, None, :], b).shape == (3, 1)
    assert family.inner_product(np.ones(family.dim), np.ones((3, family.dim)), b).shape == (3,)
