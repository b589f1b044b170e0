"""Non-IID splits, the digits of the benchmarks, and the checks on client Fishers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from infogeo.federated import check_curvature, curvature_bytes, dirichlet_partition
from infogeo.federated.curvature import curvature_matvec, curvature_solver, curvature_to_arrays
from infogeo.federated.data import synthetic_digits
from infogeo.federated.history import payload_bytes

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_kfac.py"


def test_digits_are_those_of_bench_kfac() -> None:
    spec = importlib.util.spec_from_file_location("bench_kfac", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    X1, y1 = synthetic_digits(1797, np.random.default_rng(7))
    X2, y2, source = bench.load_data(7, use_sklearn=False)
    assert source == "synthetic 8x8 digits"
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def _skew(parts: list[np.ndarray], y: np.ndarray) -> float:
    """Mean over clients of the largest class share (1/10 for IID, 1 for one class)."""
    return float(np.mean([np.bincount(y[p], minlength=10).max() / p.size for p in parts]))


def test_dirichlet_partition_is_a_partition_and_alpha_controls_skew() -> None:
    y = np.random.default_rng(0).integers(0, 10, 3000)
    skews = {}
    for alpha in (0.1, 1.0, 100.0):
        parts = dirichlet_partition(y, 10, alpha, np.random.default_rng(1))
        np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(y.size))
        skews[alpha] = _skew(parts, y)
    assert skews[0.1] > 0.5 > skews[1.0] > skews[100.0]
    # near IID: the largest class share is close to 1/10 (multinomial spread of ~300
    # examples per client: a few standard errors of sqrt(0.1 * 0.9 / 300) ~ 0.017)
    assert skews[100.0] < 0.1 + 5 * 0.017
    again = dirichlet_partition(y, 10, 0.1, np.random.default_rng(1))
    for a, b in zip(again, dirichlet_partition(y, 10, 0.1, np.random.default_rng(1)), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, match", [
    (dict(labels=np.array([0.5, 1.0]), n_clients=2, alpha=1.0), "integer"),
    (dict(labels=np.zeros(5, int), n_clients=4, alpha=1.0), "n_clients \\* min_size"),
    (dict(labels=np.zeros(50, int), n_clients=2, alpha=0.0), "alpha"),
    (dict(labels=np.zeros(50, int), n_clients=0, alpha=1.0), "n_clients"),
])
def test_dirichlet_partition_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        dirichlet_partition(rng=np.random.default_rng(0), **kwargs)


def test_check_curvature_reasons() -> None:
    rng = np.random.default_rng(2)
    m = rng.standard_normal((4, 4))
    good = m @ m.T
    assert check_curvature(good, 4) is None
    assert check_curvature(np.zeros((4, 4)), 4) is None  # PSD, singular: fine
    assert "indefinite" in check_curvature(good - 10 * np.eye(4) * np.abs(good).max(), 4)
    assert "symmetric" in check_curvature(good + np.triu(np.ones((4, 4)), 1), 4)
    assert "shape" in check_curvature(np.eye(3), 4)
    assert "non-finite" in check_curvature(np.full((4, 4), np.nan), 4)
    assert "negative" in check_curvature(np.array([1.0, -1.0, 0.0, 2.0]), 4)
    shapes = [(2, 3)]
    assert check_curvature([(np.eye(3), np.eye(2))], 6, shapes) is None
    assert "shape" in check_curvature([(np.eye(2), np.eye(2))], 6, shapes)
    assert "indefinite" in check_curvature([(np.eye(3), -np.eye(2))], 6, shapes)
    assert "layer structure" in check_curvature([(np.eye(3), np.eye(2))], 6, None)


def test_kronecker_products_and_bytes() -> None:
    rng = np.random.default_rng(3)
    a, g = rng.standard_normal((3, 3)), rng.standard_normal((2, 2))
    a, g = a @ a.T, g @ g.T
    v = rng.standard_normal(6)
    np.testing.assert_allclose(curvature_matvec([(a, g)], v), np.kron(a, g) @ v)
    solve = curvature_solver([(a, g)], 0.3)
    np.testing.assert_allclose(solve(v), np.linalg.solve(np.kron(a, g) + 0.3 * np.eye(6), v))
    dense = np.kron(a, g)
    np.testing.assert_allclose(curvature_solver(dense, 0.3)(v), solve(v))
    for kind, curv in (("exact", dense), ("diagonal", np.diag(dense)), ("kfac", [(a, g)])):
        assert payload_bytes(curvature_to_arrays(curv)) == curvature_bytes(kind, 6, [(2, 3)])
    with pytest.raises(ValueError, match="approximation"):
        curvature_bytes("lowrank", 6)
