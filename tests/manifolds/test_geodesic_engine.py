"""The one geodesic engine: structure, collocation, and answers at the edges of the domain.

* The manifolds layer has one Newton result type and no import circles.
* Chebyshev collocation: spectral differentiation and resampling are exact on polynomials.
* Edges (issue 11): MultivariateNormal between covariances 1e-8·I and 1e8·I (closed form
  √(d/2)·ln 1e16 along the common-mean geodesic), random round trips over 16 orders of
  magnitude, long vectors in closed-form exps (right point or a refusal, never NaN),
  Beta at large shapes from a close start.
* Near-boundary round trips over every family of the registry, judged in Fisher–Rao
  units relative to the length.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import infogeo.manifolds as mf
from infogeo.errors import ConvergenceError
from infogeo.manifolds import Beta, Gamma, MultivariateNormal, Normal
from infogeo.manifolds._collocation import _resample, chebyshev_nodes
from infogeo.manifolds.registry import FAMILIES, get_family


def test_one_result_type_for_every_newton_solve() -> None:
    assert mf.ShootingResult is mf.InversionResult
    ef = mf.exponential_family_examples.normal_exponential_family()
    inv = ef.natural_from_expectation([[1.0, 2.0]])
    assert isinstance(inv, mf.ShootingResult) and inv.success
    np.testing.assert_allclose(inv.natural, inv.solution)
    shot = Gamma().log_shooting([2.0, 3.0], [1.0, 1.0])
    assert isinstance(shot, mf.InversionResult) and shot.success
    np.testing.assert_allclose(shot.tangent_vec, shot.solution)


def _local_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_no_import_circles_in_manifolds() -> None:
    """Every relative import between manifolds modules, lazy ones included, forms a DAG."""
    folder = Path(mf.__file__).parent
    graph = {p.stem: _local_imports(p) for p in folder.glob("*.py") if p.stem != "__init__"}
    graph = {k: {m for m in v if m in graph} for k, v in graph.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join(trail + [node, nxt]))
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


@pytest.mark.parametrize("n", [8, 16, 32])
def test_chebyshev_differentiation_and_resampling_are_exact_on_polynomials(n: int) -> None:
    t, d1, d2 = chebyshev_nodes(n)
    assert t[0] == 0.0 and t[-1] == 1.0
    p = np.polynomial.Polynomial([0.3, -1.0, 2.0, 0.5, -0.25, 1.5])  # degree 5 < n
    np.testing.assert_allclose(d1 @ p(t), p.deriv()(t), atol=1e-10 * n**2)
    np.testing.assert_allclose(d2 @ p(t), p.deriv(2)(t), atol=1e-8 * n**4)
    fine = _resample(p(t)[None, :, None], 2 * n)[0, :, 0]
    np.testing.assert_allclose(fine, p(chebyshev_nodes(2 * n)[0]), atol=1e-13)


# ----------------------------------------------------------------------------- MVN edges
@pytest.mark.parametrize("d", [1, 2, 3])
def test_mvn_distance_between_extreme_covariances(d: int) -> None:
    """Common mean: d = sqrt(½ Σ log² λ_i) = sqrt(d/2) · ln(1e16) (REFERENCE.md)."""
    m = MultivariateNormal(d)
    a = m.pack(np.zeros(d), 1e-8 * np.eye(d))
    b = m.pack(np.zeros(d), 1e8 * np.eye(d))
    expected = np.sqrt(d / 2) * np.log(1e16)
    np.testing.assert_allclose(m.dist(a, b), expected, rtol=1e-12)
    v = m.log(b, a)
    np.testing.assert_allclose(m.norm(v, a), expected, rtol=1e-12)
    np.testing.assert_allclose(m.exp(v, a), b, rtol=1e-10)


def test_mvn_random_round_trips_over_sixteen_orders_of_magnitude() -> None:
    """Base covariances of overall scale 1e-8 to 1e8 (anisotropy up to 1e4, random
    orientation, means at their scale) and velocities of Fisher–Rao length 0.5 to 10
    (end covariances stay representable): log(exp(v)) gives v back
    in Fisher–Rao units relative to the length (exp∘log is checked where exp is well
    conditioned: its conditioning grows like e^L on this negatively curved family)."""
    m = MultivariateNormal(2)
    rng = np.random.default_rng(11)
    n = 30
    q, _ = np.linalg.qr(rng.normal(size=(n, 2, 2)))
    scales = 10.0 ** (rng.uniform(-8, 8, size=(n, 1)) + rng.uniform(-2, 2, size=(n, 2)))
    cov = q @ (scales[..., None] * np.swapaxes(q, -1, -2))
    mean = rng.normal(size=(n, 2)) * np.sqrt(scales.min(-1))[:, None]
    a = m.pack(mean, 0.5 * (cov + np.swapaxes(cov, -1, -2)))
    length = np.geomspace(0.5, 10.0, n)
    v = rng.normal(size=a.shape)
    v *= (length / m.norm(v, a))[:, None]
    b = m.exp(v, a)
    res = m.log_shooting(b, a)
    assert res.success, res.message
    error = m.norm(m.log(b, a) - v, a)
    assert np.all(error <= 1e-8 * (1.0 + length)), error / (1.0 + length)
    np.testing.assert_allclose(m.dist(a, b), length, rtol=1e-8)
    short = length <= 3.0
    miss = np.sqrt(m.squared_norm(m.exp(m.log(b, a), a) - b, b))
    assert np.all(miss[short] <= 1e-9 * (1.0 + length[short])), miss[short]


# ----------------------------------------------------------------------------- long vectors
@pytest.mark.parametrize("name", ["normal", "student_t", "cauchy", "fixed_mean_normal",
                                  "multivariate_normal", "exponential", "poisson",
                                  "categorical_3"])
def test_long_tangent_vectors_give_a_point_or_a_refusal(name: str) -> None:
    """Closed-form exps: the right point while it is representable, else a ValueError
    saying why; never NaN."""
    m = get_family(name)
    rng = np.random.default_rng(12)
    x = m.random_point(rng, 20)
    v = rng.normal(size=x.shape)
    for length in (1e1, 1e2, 1e3, 1e5):
        w = v * (length / m.norm(v, x))[:, None]
        for xi, wi in zip(x, w, strict=True):
            try:
                end = m.exp(wi, xi)
            except ValueError as err:
                assert "tangent_vec" in str(err)
                continue
            assert np.all(np.isfinite(end))


def test_normal_exp_of_long_vectors() -> None:
    normal = Normal()
    # vertical geodesic: σ(t) = σ0 exp(t v_σ/(√2 σ0)·√2) with the metric diag(1, 2)/σ²
    np.testing.assert_allclose(normal.exp([0.0, 100.0], [0.0, 1.0]), [0.0, np.exp(100.0)],
                               rtol=1e-13)
    np.testing.assert_allclose(normal.exp([0.0, -100.0], [0.0, 1.0]), [0.0, np.exp(-100.0)],
                               rtol=1e-13, atol=1e-15)
    with pytest.raises(ValueError, match="tangent_vec is too long"):
        normal.exp([0.0, 1e3], [0.0, 1.0])
    with pytest.raises(ValueError, match="tangent_vec is too long"):
        normal.exp([0.0, -1e3], [0.0, 1.0])
    # a long horizontal vector: the end point is still representable, and the log of it
    # gives the vector back
    far = normal.exp([40.0, 0.0], [0.0, 1.0])
    np.testing.assert_allclose(normal.log(far, [0.0, 1.0]), [40.0, 0.0], rtol=1e-8,
                               atol=1e-8)


# ----------------------------------------------------------------------------- Beta edges
def test_beta_at_large_shapes_starts_close() -> None:
    """The normal-model start: at shapes 1e4 a handful of Newton iterations, and exp of the
    answer lands on the target in Fisher–Rao units. (At these shapes the metric's smallest
    eigenvalue, ~1/(2s²), comes from differences of trigammas ~1/s that cancel five
    digits, so any double-precision geodesic is good to ~1e-10, not 1e-14.)"""
    beta = Beta()
    a = np.array([1e4, 2e4])
    for b, max_iter in ((np.array([1.1e4, 2e4]), 8), (np.array([2e4, 1e4]), 40)):
        res = beta.log_shooting(b, a)
        assert res.success and res.n_iter <= max_iter, (res.n_iter, res.message)
        miss = np.sqrt(beta.squared_norm(beta.exp(res.tangent_vec, a) - b, b))
        length = beta.norm(res.tangent_vec, a)
        # exp is ill-conditioned on long geodesics (e^{L/√2}-like growth of Jacobi fields)
        assert miss <= 1e-8 * (1.0 + length) * np.exp(length / np.sqrt(2)), (miss, length)


def test_unconverged_log_is_never_returned_as_converged(monkeypatch) -> None:
    gamma = Gamma()
    res = gamma.log_shooting([[40.0, 0.05]], [[0.05, 40.0]], max_iter=1)
    assert not res.success and "1 Newton iterations" in res.message
    original = gamma._shoot
    monkeypatch.setattr(gamma, "_shoot", lambda y, x: original(y, x, max_iter=1))
    with pytest.raises(ConvergenceError, match="did not converge"):
        gamma.log([40.0, 0.05], [0.05, 40.0])


# ----------------------------------------------------------------------------- registry
def _exp_within(m, x: np.ndarray, v: np.ndarray, lengths: tuple[float, ...]):  # noqa: ANN001, ANN202
    """``exp_x(L v)`` for the first length L that stays in the domain (None if none)."""
    for length in lengths:
        for sign in (1.0, -1.0):
            try:
                point = m.exp(sign * length * v, x)
            except (ValueError, ConvergenceError):
                continue
            if np.all(np.isfinite(point)):
                return point
    return None


def _edge_pairs(m, rng: np.random.Generator, n: int = 3) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Base points far out (Fisher–Rao distance up to 5 from a typical point, towards the
    edge of the domain) and targets at distance up to 1 from them, both inside."""
    pairs = []
    for x in m.random_point(rng, n):
        v = rng.normal(size=x.shape)
        edge = _exp_within(m, x, v / m.norm(v, x), (5.0, 2.5, 1.0))
        edge = x if edge is None else edge
        w = rng.normal(size=x.shape)
        target = _exp_within(m, edge, w / m.norm(w, edge), (1.0, 0.5, 0.2, 0.05))
        if target is not None:
            pairs.append((edge, target))
    assert pairs, "no pair inside the domain"
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_near_boundary_round_trips_in_fisher_rao_units(name: str) -> None:
    m = get_family(name)
    rng = np.random.default_rng(13)
    a, b = _edge_pairs(m, rng)
    v = m.log(b, a)
    end = m.exp(v, a)
    length = m.dist(a, b)
    miss = np.sqrt(np.abs(m.squared_norm(end - b, b)))
    assert np.all(miss <= 1e-8 * (1.0 + length)), (miss, length)
    np.testing.assert_allclose(m.norm(v, a), length, rtol=1e-8)


def test_exponential_family_on_the_engine_matches_closed_forms() -> None:
    """The generic exponential family (Hessian metric of ψ, geodesics by the engine):
    Poisson in θ = log λ has d = 2|√λ_a − √λ_b| (REFERENCE.md), at rates from 1e-3 to
    1e3."""
    ef = mf.exponential_family_examples.poisson_exponential_family()
    lam_a = np.array([1e-3, 0.5, 2.0, 30.0, 1e3])
    lam_b = np.array([2e-3, 4.0, 0.1, 31.0, 5e2])
    theta_a, theta_b = np.log(lam_a)[:, None], np.log(lam_b)[:, None]
    np.testing.assert_allclose(ef.dist(theta_a, theta_b),
                               2 * np.abs(np.sqrt(lam_a) - np.sqrt(lam_b)), rtol=1e-10)
    res = ef.log_shooting(theta_b, theta_a)
    assert res.success and np.all(res.residual <= 1e-10), res.message
