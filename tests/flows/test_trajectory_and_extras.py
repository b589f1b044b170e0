"""Trajectory helpers, tree-structured params, mirror-step shortening, and a symbolic
derivation of the natural gradient of the normal NLL in expectation coordinates."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from infogeo.flows import (
    Trajectory,
    chain,
    exponential_family_mirror_descent,
    fisher_flow,
    kl_trust_region,
    natural_gradient_descent,
    precondition_by_fisher,
)
from infogeo.manifolds import Normal

from ._problems import DATA_MEAN, DATA_VAR, T_BAR, normal_nll, normal_nll_grad

X0 = np.array([-1.0, 2.0])


def test_trajectory_helpers() -> None:
    n = Normal()
    flow = fisher_flow(n, normal_nll, normal_nll_grad, X0, (0.0, 2.0))
    np.testing.assert_allclose(flow.at(flow.times), flow.params, atol=1e-12)
    assert flow.at(1.0).shape == (2,) and flow.at([0.5, 1.0]).shape == (2, 2)
    with pytest.raises(ValueError, match="integrated interval"):
        flow.at(3.0)
    nat = flow.map_params(lambda y: n.change_chart(y, "natural"), "natural")
    assert nat.chart == "natural"
    np.testing.assert_allclose(nat.at(1.0), n.change_chart(flow.at(1.0), "natural"))
    assert "Trajectory(" in repr(flow) and len(flow) == flow.params.shape[0]
    ngd = natural_gradient_descent(n, normal_nll, normal_nll_grad, X0, max_iter=3)
    with pytest.raises(ValueError, match="dense output"):
        ngd.at(0.5)
    with pytest.raises(ValueError, match="finite"):
        Trajectory(np.array([[np.nan, 1.0]]), None, np.zeros(1), np.zeros(0), np.zeros(1),
                   False, "x", 0)
    no_loss = fisher_flow(n, None, normal_nll_grad, X0, (0.0, 0.5))
    with pytest.raises(ValueError, match="no losses"):
        _ = no_loss.final_loss


def test_trust_region_and_fisher_preconditioner_on_list_params() -> None:
    class Diag:
        def solve(self, v, damping):  # noqa: ANN001, ANN201
            return [vi / (2.0 + damping) for vi in v]

    params = [np.zeros((2, 2)), np.zeros(3)]
    grads = [np.ones((2, 2)), 2 * np.ones(3)]
    opt = chain(precondition_by_fisher(Diag()), kl_trust_region(0.01, max_step=10.0))
    updates, state = opt.update(grads, opt.init(params), params, grad=grads)
    # u = g/2, g^T u = (4 + 12)/2 = 8, t = sqrt(2 δ / 8)
    t = np.sqrt(2 * 0.01 / 8.0)
    np.testing.assert_allclose(updates[0], -t * 0.5)
    np.testing.assert_allclose(updates[1], -t * 1.0)
    assert state[1].kl_estimate == pytest.approx(0.01)


def test_mirror_step_is_shortened_when_the_dual_point_leaves_the_domain() -> None:
    n = Normal()
    nat = n.in_chart("natural")
    theta0 = n.change_chart(X0, "natural")
    # a huge step would give a dual point with η2 - η1² < 0: it is halved, not taken
    traj = exponential_family_mirror_descent(n, lambda t: 0.0, lambda t: np.array([0.0, 1.0]),
                                             theta0, step_size=100.0, max_iter=1, gtol=0.0)
    assert traj.n_iter == 1 and traj.step_sizes[0] < 100.0
    eta = nat.change_chart(traj.final, "expectation")
    assert eta[1] - eta[0] ** 2 > 0


def test_symbolic_natural_gradient_in_expectation_coordinates() -> None:
    """Independent derivation: I_η⁻¹ ∇_η L = η − T̄ for the normal NLL (so η̇ = −(η − T̄))."""
    e1, e2 = sp.symbols("eta1 eta2", real=True)
    mu, var = e1, e2 - e1**2
    loss = sp.log(var) / 2 + ((mu - DATA_MEAN) ** 2 + DATA_VAR) / (2 * var)
    # Fisher metric in η: the inverse of Cov(x, x²) (REFERENCE.md), written in η
    cov = sp.Matrix([[var, 2 * mu * var], [2 * mu * var, 2 * var**2 + 4 * mu**2 * var]])
    grad = sp.Matrix([sp.diff(loss, e1), sp.diff(loss, e2)])
    nat_grad = sp.simplify(cov * grad)  # I_η⁻¹ = Cov
    assert sp.simplify(nat_grad[0] - (e1 - sp.Float(T_BAR[0]))) == 0
    assert sp.simplify(nat_grad[1] - (e2 - sp.Float(T_BAR[1]))) == 0
    # and numerically against the manifold's metric at one point
    ex = Normal().in_chart("expectation")
    eta = Normal().change_chart(X0, "expectation")
    numeric = ex.inverse_metric_matrix(eta) @ np.array(
        [float(g.subs({e1: eta[0], e2: eta[1]})) for g in grad])
    np.testing.assert_allclose(numeric, eta - T_BAR, rtol=1e-12)
