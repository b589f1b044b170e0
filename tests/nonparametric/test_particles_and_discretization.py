"""Particle flows against grid solutions, and the categorical discretization converging to
the non-parametric geometry at its predicted order (k^-2)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import infogeo as ig
from infogeo import nonparametric as npg


def log_pi(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(np.log(0.3) - 0.75 * (x + 3) ** 2, np.log(0.7) - 0.75 * (x - 3) ** 2)


def right_mode_error(n: int, seeds: range, t_end: float = 1.0) -> float:
    """RMS over seeds of the error in the mass right of 0 of the birth-death particles
    against the grid solution of the Fisher-Rao flow at t_end (p0 = N(-1.5, 2^2))."""
    x = np.linspace(-14, 14, 2801)
    w = npg.grid_weights(x)
    exact = npg.kl_flow_solution(stats.norm.pdf(x, -1.5, 2), log_pi(x), [0, t_end], w)[-1]
    truth = np.sum(w * exact * (x > 0))
    errs = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        res = npg.particle_flow(rng.normal(-1.5, 2, n), log_pi, [0, t_end], 0.05, rng)
        errs.append(np.mean(res.particles[-1] > 0) - truth)
    return float(np.sqrt(np.mean(np.square(errs))))


def test_birth_death_keeps_n_and_only_copies_initial_sites() -> None:
    rng = np.random.default_rng(0)
    x0 = rng.normal(-1.5, 2, 300)
    res = npg.particle_flow(x0, log_pi, [0, 0.5, 1.0], 0.05, rng)
    assert res.success and res.particles.shape == (3, 300)
    assert np.all(np.isin(res.particles[-1], x0))
    assert res.n_jumps[-1] > 0 and np.all(np.diff(res.n_jumps) >= 0)


def test_birth_death_converges_to_the_grid_solution() -> None:
    # RMS error of the right-mode mass over 8 seeds; statistical error ~ N^-1/2 and
    # kernel bias ~ h^2 ~ N^-2/5 (measured N^-0.67 over N = 100..3200 with 24 seeds in
    # benchmarks/bench_nonparametric.py; 8 seeds make the fitted rate noisy, hence the range)
    sizes = [64, 256, 1024]
    errs = [right_mode_error(n, range(8)) for n in sizes]
    order, _ = npg.convergence_order(sizes, errs)
    assert 0.25 < order < 0.9, errs
    assert errs[-1] < 0.05


def test_langevin_particles_follow_the_fokker_planck_solution() -> None:
    # Ornstein-Uhlenbeck: target N(0, 1), p0 N(2, 0.5^2) -> N(2e^-t, 1 - 0.75e^-2t);
    # tolerance: 5 standard errors plus the O(dt) bias of the Euler-Maruyama step
    rng = np.random.default_rng(1)
    n = 20_000
    res = npg.particle_flow(rng.normal(2, 0.5, n), lambda z: -0.5 * z**2, [0, 1.0], 0.01, rng,
                            kind="wasserstein", grad_log_target=lambda z: -z)
    final = res.particles[-1]
    m, v = 2 * np.exp(-1.0), 1 - 0.75 * np.exp(-2.0)
    assert abs(final.mean() - m) < 5 * np.sqrt(v / n) + 0.01
    assert abs(final.var() - v) < 5 * v * np.sqrt(2 / n) + 0.02


def test_combined_particles_beat_both_on_a_bimodal_target() -> None:
    # all particles start on the minor mode: Langevin cannot cross the barrier in time,
    # birth-death cannot create mass where there is no particle, together they can
    rng = np.random.default_rng(2)
    x0 = rng.normal(-3, 0.8, 400)

    def lp(z: np.ndarray) -> np.ndarray:  # modes N(-+3, 1), barrier height ~4.5
        return np.logaddexp(np.log(0.3) - 0.5 * (z + 3) ** 2, np.log(0.7) - 0.5 * (z - 3) ** 2)

    def grad(z: np.ndarray) -> np.ndarray:
        a = np.log(0.3) - 0.5 * (z + 3) ** 2
        b = np.log(0.7) - 0.5 * (z - 3) ** 2
        r = 1 / (1 + np.exp(a - b))   # posterior weight of the right mode
        return (1 - r) * -(z + 3) + r * -(z - 3)

    right = {}
    for kind in ("fisher_rao", "wasserstein", "wasserstein_fisher_rao"):
        res = npg.particle_flow(x0, lp, [0, 5.0], 0.01, np.random.default_rng(3), kind=kind,
                                grad_log_target=grad, bandwidth=0.3)
        right[kind] = np.mean(res.particles[-1] > 0)
    assert right["fisher_rao"] < 0.02      # no particle there to duplicate
    assert right["wasserstein"] < 0.15     # a few crossed
    assert right["wasserstein_fisher_rao"] > 0.5  # ... and were duplicated (target: 0.7)


def test_kde_is_a_normalized_density() -> None:
    rng = np.random.default_rng(4)
    pts = rng.normal(0, 1, 500)
    x = np.linspace(-8, 8, 1601)
    dens = np.exp(npg.kde_log_density(x, pts, 0.3))
    assert np.sum(npg.grid_weights(x) * dens) == pytest.approx(1.0, abs=1e-10)


def test_categorical_discretization_converges_at_order_two() -> None:
    p, q = stats.norm(0, 1).pdf, stats.norm(1, 1.5).pdf
    v = 1 + 1.5**2
    reference = 2 * np.arccos(np.sqrt(2 * 1.5 / v) * np.exp(-1 / (4 * v)))
    study = npg.discretization_study(p, q, -15, 15, [16, 32, 64, 128, 256], reference)
    assert np.all(study.errors > 0)           # coarse-graining never increases d
    assert np.all(np.diff(study.errors) < 0)
    assert study.order == pytest.approx(2.0, abs=0.1)


def test_binned_fisher_matrix_increases_to_the_fisher_matrix() -> None:
    m = ig.manifolds.Gamma()
    theta = np.array([3.0, 2.0])
    fisher = m.metric_matrix(theta)
    ks = [8, 16, 32, 64]
    gaps = []
    for k in ks:
        binned = npg.categorical_fisher(m, theta, np.linspace(1e-9, 12, k + 1))
        gap = np.linalg.eigvalsh(fisher - binned)
        assert np.all(gap > -1e-9)            # Chentsov monotonicity: I_k <= I
        gaps.append(gap.max())
    order, _ = npg.convergence_order(ks, gaps)
    assert order == pytest.approx(2.0, abs=0.25), gaps
