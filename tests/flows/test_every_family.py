"""The Fisher flow and natural-gradient descent on every registered family.

Loss: :math:`L(\\theta) = KL(p_q \\| p_\\theta)`, minimized at θ = q (its gradient by
central differences, so only ``kl_divergence`` is needed).
"""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.flows import central_difference_gradient as _central_gradient
from infogeo.flows import fisher_flow, natural_gradient_descent
from infogeo.manifolds.registry import FAMILIES


def kl_problem(name: str):  # noqa: ANN201 - test helper
    fam = FAMILIES[name]()
    target, start = fam.random_point(np.random.default_rng(1), 2)
    try:
        fam.kl_divergence(target, start)
    except NotImplementedError:
        pytest.skip(f"{name} has no kl_divergence")

    def loss(theta):
        return float(fam.kl_divergence(target, theta))

    def grad(theta):
        return _central_gradient(loss, np.asarray(theta, dtype=float))

    return fam, target, start, loss, grad


#: families whose flow takes seconds (KL by quadrature, matrix parameters): slow marker
SLOW_FLOW = {"student_t", "multivariate_normal", "fixed_mean_normal", "fixed_mean_normal_d3"}
FLOW_CASES = [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_FLOW else n
              for n in sorted(FAMILIES)]


@pytest.mark.parametrize("name", FLOW_CASES)
def test_fisher_flow_reaches_the_target_and_decreases_the_loss(name: str) -> None:
    fam, target, start, loss, grad = kl_problem(name)
    traj = fisher_flow(fam, loss, grad, start, (0.0, 40.0), gtol=1e-7)
    assert np.all(np.diff(traj.losses) <= 1e-9 * (1 + traj.losses[0]))
    scale = 1 + np.max(np.abs(target))
    np.testing.assert_allclose(traj.final, target, atol=1e-5 * scale)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_ngd_with_a_kl_trust_region_converges(name: str) -> None:
    # the KL budget per step keeps the discrete method away from degenerate regions
    # (von Mises: a unit step can shrink κ to ~0, where I_μμ = κ A(κ) vanishes)
    fam, target, start, loss, grad = kl_problem(name)
    traj = natural_gradient_descent(fam, loss, grad, start, step_rule="trust_region",
                                    trust_radius=0.25, max_iter=100, gtol=1e-7)
    assert traj.converged, traj.reason
    # (no acceptance test, so not monotone; von Mises may end at μ + 2πk: compare losses)
    assert traj.final_loss < 1e-10
    kl_steps = 0.5 * np.einsum("ki,kij,kj->k", np.diff(traj.params, axis=0),
                               np.stack([fam.metric_matrix(p) for p in traj.params[:-1]]),
                               np.diff(traj.params, axis=0))
    assert np.all(kl_steps <= 0.25 * (1 + 1e-9))
