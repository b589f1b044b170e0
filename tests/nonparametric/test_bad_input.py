"""Bad input raises ValueError/TypeError naming the argument, never a silent NaN."""

from __future__ import annotations

import numpy as np
import pytest

import infogeo as ig
from infogeo import nonparametric as npg

X = np.linspace(-5, 5, 101)
W = npg.grid_weights(X)
P = np.exp(-X**2 / 2)
Q = np.exp(-(X - 1) ** 2 / 2)


@pytest.mark.parametrize("p, q, w, match", [
    (-P, Q, W, "p .*>= 0"),
    (P, np.zeros_like(Q), W, "q is not normalizable"),
    (np.where(X > 0, np.nan, P), Q, W, "p must be finite"),
    (P[:-1], Q, W, r"p must have shape \[\.\.\., 101\]"),
    (P, Q, -W, "weights .*> 0"),
    (P, Q, np.where(X > 0, 0.0, W), "weights .*> 0"),
    (P, Q, np.array(1.0), "weights must be a non-empty array"),
    (P, np.full_like(Q, np.inf), W, "q must be finite"),
])
def test_distance_rejects(p, q, w, match) -> None:
    with pytest.raises(ValueError, match=match):
        npg.fisher_rao_distance(p, q, w)


def test_geodesic_and_tangents_reject() -> None:
    with pytest.raises(ValueError, match="t must be a scalar or a 1-D"):
        npg.geodesic(P, Q, np.zeros((2, 2)), W)
    with pytest.raises(ValueError, match="tangent_vec must integrate to 0"):
        npg.exp(P, P, W)
    p0 = np.where(X > 0, P, 0.0)
    u = np.where(X > 2, 1.0, 0.0) - np.where(X < -2, 1.0, 0.0)
    with pytest.raises(ValueError, match="tangent_vec must vanish where the base density"):
        npg.exp(u, p0, W)
    with pytest.raises(ValueError, match="sample_weights"):
        npg.frechet_mean(np.stack([P, Q]), W, sample_weights=[1.0, -1.0])


def test_flows_reject() -> None:
    with pytest.raises(ValueError, match="times must be strictly increasing"):
        npg.fisher_rao_flow(P, -X**2, [0.0, 0.0, 1.0], W)
    with pytest.raises(ValueError, match="times must be a 1-D array of at least 2"):
        npg.fisher_rao_flow(P, -X**2, [1.0], W)
    with pytest.raises(ValueError, match="log_target must be a log-density"):
        npg.fisher_rao_flow(P, np.full_like(X, np.nan), [0.0, 1.0], W)
    with pytest.raises(ValueError, match="log_target must be finite where p0 > 0"):
        npg.fisher_rao_flow(P, np.where(X > 0, -np.inf, 0.0), [0.0, 1.0], W)
    with pytest.raises(ValueError, match="log_target is not normalizable"):
        npg.fisher_rao_flow(P, np.full_like(X, -np.inf), [0.0, 1.0], W)
    with pytest.raises(ValueError, match=r"log_target must have shape"):
        npg.fisher_rao_flow(P, X[:-1], [0.0, 1.0], W)
    with pytest.raises(ValueError, match="dt .* is required"):
        npg.fisher_rao_flow(P, -X**2, [0.0, 1.0], W, method="rk4")
    with pytest.raises(ValueError, match="method must be"):
        npg.fisher_rao_flow(P, -X**2, [0.0, 1.0], W, method="bdf")
    with pytest.raises(ValueError, match="p0 must have the grid shape"):
        npg.fisher_rao_flow(np.stack([P, Q]), -X**2, [0.0, 1.0], W)
    with pytest.raises(TypeError, match="functional must be"):
        npg.fisher_rao_gradient_flow(P, lambda p: p, [0.0, 1.0], W)
    with pytest.raises(ValueError, match="x must be strictly increasing and equally spaced"):
        npg.wasserstein_flow(P, -X**2, [0.0, 1.0], X**3)
    with pytest.raises(ValueError, match="log_target must be finite on the grid"):
        npg.wasserstein_flow(P, np.where(X > 4, -np.inf, -X**2), [0.0, 1.0], X)
    with pytest.raises(ValueError, match="kernel must be symmetric"):
        npg.interaction_energy(np.triu(np.ones((101, 101))), W)


def test_particles_and_grids_reject() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        npg.particle_flow(np.zeros(5), lambda z: -z**2, [0, 1], 0.1, rng=0)
    with pytest.raises(ValueError, match="grad_log_target is required"):
        npg.particle_flow(np.zeros(5), lambda z: -z**2, [0, 1], 0.1, rng, kind="wasserstein")
    with pytest.raises(ValueError, match="kind must be"):
        npg.particle_flow(np.zeros(5), lambda z: -z**2, [0, 1], 0.1, rng, kind="svgd")
    with pytest.raises(ValueError, match="dt must be > 0"):
        npg.particle_flow(np.zeros(5), lambda z: -z**2, [0, 1], 0.0, rng)
    with pytest.raises(ValueError, match="rule='simpson' needs an odd number"):
        npg.grid_weights(np.linspace(0, 1, 10), rule="simpson")
    with pytest.raises(ValueError, match=r"axes\[0\] must be strictly increasing"):
        npg.grid_weights([0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="edges must be a strictly increasing"):
        npg.bin_masses(np.exp, [0.0, 1.0])
    m = ig.manifolds.Normal()
    grid = npg.family_grid(m, [0.0, 1.0], 101)
    with pytest.raises(ValueError, match="sigma"):
        npg.pullback_fisher(m, [0.0, -1.0], grid)
    with pytest.raises(ValueError, match="divergence must be"):
        npg.project(npg.family_density(m, [0.0, 1.0], grid), grid, m, [0.0, 1.0],
                    divergence="tv")
    with pytest.raises(ValueError, match="manifold: family_grid builds grids on R"):
        npg.family_grid(ig.manifolds.Dirichlet(k=3), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="log_proposal must be finite"):
        npg.importance_weights([0.0, np.inf])
