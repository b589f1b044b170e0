"""Structured Fisher approximations: solves vs dense algebra, projections, error measures."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from scipy import stats

from infogeo.estimators import (
    AbstractFisherApproximation,
    BlockDiagonalFisher,
    DiagonalFisher,
    FullFisher,
    KroneckerFactoredFisher,
    LowRankPlusDiagonalFisher,
    approximation_error,
)


def spd(rng: np.random.Generator, d: int, ridge: float = 0.1) -> np.ndarray:
    a = rng.normal(size=(d, d))
    return a @ a.T / d + ridge * np.eye(d)


RNG = np.random.default_rng(0)
F12 = spd(RNG, 12)
SCORES = RNG.normal(size=(300, 12)) @ RNG.normal(size=(12, 12))


def approximations() -> dict[str, AbstractFisherApproximation]:
    return {
        "full": FullFisher.from_matrix(F12),
        "full_samples": FullFisher.from_samples(SCORES),
        "diag": DiagonalFisher.from_matrix(F12),
        "diag_samples": DiagonalFisher.from_samples(SCORES),
        "block": BlockDiagonalFisher.from_matrix(F12, [[0, 5, 7], [1, 2, 3, 4], [6, 8, 9, 10, 11]]),
        "block_samples": BlockDiagonalFisher.from_samples(SCORES, [range(6), range(6, 12)]),
        "block_of_kronecker": BlockDiagonalFisher(
            [KroneckerFactoredFisher(spd(RNG, 2), spd(RNG, 3)), spd(RNG, 6)],
            [range(6), range(6, 12)]),
        "kron": KroneckerFactoredFisher.from_matrix(F12, n_in=3),
        "kron_samples": KroneckerFactoredFisher.from_samples(RNG.normal(size=(50, 4)),
                                                             RNG.normal(size=(50, 3))),
        "lowrank": LowRankPlusDiagonalFisher.from_matrix(F12, rank=3),
        "lowrank_samples": LowRankPlusDiagonalFisher.from_samples(SCORES, rank=4),
    }


APPROX = approximations()


@pytest.mark.parametrize("damping", [0.0, 0.37])
@pytest.mark.parametrize("name", sorted(APPROX))
def test_solve_and_inverse_match_dense_algebra(name: str, damping: float) -> None:
    approx = APPROX[name]
    dense = approx.matrix() + damping * np.eye(approx.dim)
    assert dense.shape == (approx.dim, approx.dim)
    np.testing.assert_allclose(dense, dense.T, atol=1e-14)
    v = np.random.default_rng(1).normal(size=(4, 2, approx.dim))
    expected = np.linalg.solve(dense, v.reshape(-1, approx.dim).T).T.reshape(v.shape)
    np.testing.assert_allclose(approx.solve(v, damping), expected, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(approx.solve(v[0, 0], damping), expected[0, 0], rtol=1e-8,
                               atol=1e-10)
    np.testing.assert_allclose(approx.inverse(damping) @ dense, np.eye(approx.dim), atol=1e-8)
    assert approx.memory_bytes > 0


def test_projections_keep_what_their_structure_can_hold() -> None:
    np.testing.assert_array_equal(np.diag(APPROX["diag"].matrix()), np.diag(F12))
    groups = [[0, 5, 7], [1, 2, 3, 4], [6, 8, 9, 10, 11]]
    block = APPROX["block"].matrix()
    label = np.empty(12, dtype=int)
    for b, g in enumerate(groups):
        label[g] = b
    same = label[:, None] == label[None, :]
    np.testing.assert_array_equal(block[same], F12[same])
    assert np.all(block[~same] == 0)
    # low rank + diagonal: exact diagonal; off-diagonal error at most Eckart–Young's
    lr = APPROX["lowrank"].matrix()
    np.testing.assert_allclose(np.diag(lr), np.diag(F12), rtol=1e-12)
    vals = np.linalg.eigvalsh(F12)
    off = ~np.eye(12, dtype=bool)
    assert np.linalg.norm((lr - F12)[off]) <= np.sqrt(np.sum(vals[:-3] ** 2)) + 1e-12
    full_rank = LowRankPlusDiagonalFisher.from_matrix(F12, rank=12)
    np.testing.assert_allclose(full_rank.matrix(), F12, atol=1e-12)


def test_nearest_kronecker_product_is_exact_and_optimal() -> None:
    rng = np.random.default_rng(2)
    a, g = spd(rng, 3), spd(rng, 4)
    recovered = KroneckerFactoredFisher.from_matrix(np.kron(a, g), n_in=3)
    np.testing.assert_allclose(recovered.matrix(), np.kron(a, g), rtol=1e-10, atol=1e-12)
    # for a general matrix, no perturbation of the factors does better in Frobenius norm
    best = KroneckerFactoredFisher.from_matrix(F12, n_in=3)
    err = np.linalg.norm(best.matrix() - F12)
    for _ in range(20):
        ea, eg = 1e-3 * rng.normal(size=(3, 3)), 1e-3 * rng.normal(size=(4, 4))
        other = np.kron(best.a + ea + ea.T, best.g + eg + eg.T)
        assert np.linalg.norm(other - F12) >= err - 1e-12


def test_kfac_factors_from_samples() -> None:
    rng = np.random.default_rng(3)
    # one example: the layer's Fisher block is exactly A ⊗ G (REFERENCE.md)
    a, g = rng.normal(size=(1, 3)), rng.normal(size=(1, 4))
    grad_w = np.outer(g[0], a[0])  # dℓ/dW for s = W a, W of shape [n_out, n_in]
    vec = grad_w.T.reshape(-1)  # column-major vec(W)
    np.testing.assert_allclose(KroneckerFactoredFisher.from_samples(a, g).matrix(),
                               np.outer(vec, vec), atol=1e-14)
    # activations independent of output gradients (all pairs of two sets): the empirical
    # Fisher of the layer factorizes exactly
    acts, grads = rng.normal(size=(5, 3)), rng.normal(size=(6, 4))
    pa = np.repeat(acts, len(grads), axis=0)
    pg = np.tile(grads, (len(acts), 1))
    per_example = np.einsum("ni,nj->nji", pg, pa).reshape(len(pa), -1)  # vec(g aᵀ)
    empirical = per_example.T @ per_example / len(pa)
    kfac = KroneckerFactoredFisher.from_samples(pa, pg)
    np.testing.assert_allclose(kfac.matrix(), empirical, rtol=1e-12, atol=1e-14)


def test_kronecker_solve_never_forms_the_full_matrix() -> None:
    rng = np.random.default_rng(4)
    n_in, n_out = 60, 50
    kfac = KroneckerFactoredFisher(spd(rng, n_in), spd(rng, n_out))
    v = rng.normal(size=(n_out, n_in))
    tracemalloc.start()
    out = kfac.solve_matrix(v, damping=0.1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.05 * (n_in * n_out) ** 2 * 8  # the dense matrix would be 72 MB
    assert kfac.memory_bytes < 0.01 * (n_in * n_out) ** 2 * 8
    # check G⁻¹-style action on a few entries against the dense solve on a small copy
    small = KroneckerFactoredFisher(kfac.a[:4, :4], kfac.g[:3, :3])
    vs = v[:3, :4]
    dense = np.linalg.solve(small.matrix() + 0.1 * np.eye(12), vs.T.reshape(-1))
    np.testing.assert_allclose(small.solve_matrix(vs, 0.1).T.reshape(-1), dense, rtol=1e-9)
    assert out.shape == (n_out, n_in)
    # undamped: vec(G⁻¹ V A⁻¹)
    np.testing.assert_allclose(kfac.solve_matrix(v), np.linalg.solve(
        kfac.g, np.linalg.solve(kfac.a, v.T).T), rtol=1e-8, atol=1e-10)


def test_approximation_error_closed_form_and_monte_carlo() -> None:
    full = F12
    zero = approximation_error(FullFisher(full), full)
    assert zero.relative_frobenius == 0.0 and abs(zero.kl) < 1e-12
    approx = APPROX["diag"]
    err = approximation_error(approx, full)
    assert err.relative_frobenius == pytest.approx(
        np.linalg.norm(approx.matrix() - full) / np.linalg.norm(full), rel=1e-12)
    # KL(N(0, F⁻¹) || N(0, F̃⁻¹)) = E_p[log p - log q], estimated with 200k draws
    rng = np.random.default_rng(5)
    cov_p, cov_q = np.linalg.inv(full), np.linalg.inv(approx.matrix())
    x = rng.multivariate_normal(np.zeros(12), cov_p, size=200_000)
    llr = (stats.multivariate_normal(cov=cov_p).logpdf(x)
           - stats.multivariate_normal(cov=cov_q).logpdf(x))
    assert abs(err.kl - llr.mean()) <= 4 * llr.std(ddof=1) / np.sqrt(len(x))
    # invariant under a change of parameters θ = B φ (both matrices pulled back)
    b = rng.normal(size=(12, 12))
    moved = approximation_error(FullFisher(b.T @ approx.matrix() @ b), b.T @ full @ b)
    assert moved.kl == pytest.approx(err.kl, rel=1e-8)
    damped = approximation_error(approx, full, damping=0.5)
    assert 0 < damped.kl < err.kl and damped.damping == 0.5


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="square matrix"):
        FullFisher(np.ones((2, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        FullFisher(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="diagonal must be >= 0"):
        DiagonalFisher([1.0, -1.0])
    with pytest.raises(ValueError, match="damping must be >= 0"):
        FullFisher(np.eye(2)).solve([1.0, 1.0], damping=-1.0)
    with pytest.raises(ValueError, match="singular"):
        FullFisher(np.diag([1.0, 0.0])).solve([1.0, 1.0])
    np.testing.assert_allclose(FullFisher(np.diag([1.0, 0.0])).solve([1.0, 1.0], 1.0),
                               [0.5, 1.0])
    with pytest.raises(ValueError, match="singular"):
        DiagonalFisher([1.0, 0.0]).solve([1.0, 1.0])
    with pytest.raises(ValueError, match="damping > 0"):
        LowRankPlusDiagonalFisher(np.ones((2, 1)), [0.0, 1.0]).solve([1.0, 1.0])
    with pytest.raises(ValueError, match=r"v must have shape \[\.\.\., 2\]"):
        FullFisher(np.eye(2)).solve([1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="partition"):
        BlockDiagonalFisher([np.eye(2), np.eye(2)], [[0, 1], [1, 2]])
    with pytest.raises(ValueError, match="n_in must divide"):
        KroneckerFactoredFisher.from_matrix(np.eye(6), n_in=4)
    with pytest.raises(ValueError, match="same number of rows"):
        KroneckerFactoredFisher.from_samples(np.ones((3, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="positive definite"):
        approximation_error(DiagonalFisher([1.0, 0.0]), np.eye(2))
    with pytest.raises(TypeError, match="approx must be"):
        approximation_error(np.eye(2), np.eye(2))  # type: ignore[arg-type]
