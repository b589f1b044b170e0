"""Mirror descent = natural gradient in expectation coordinates; invariance orders.

Sources: Raskutti & Mukherjee, IEEE Trans. IT 61(3), 2015 (Thm. 1); Song, Song & Ermon,
"Accelerating natural gradient with higher-order invariance", ICML 2018.
"""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.flows import (
    check_invariance,
    exponential_family_mirror_descent,
    fisher_flow,
    gradient_descent,
    invariance_order,
    mirror_descent,
    natural_gradient_descent,
    pull_back,
)
from infogeo.manifolds import Normal
from infogeo.manifolds.charts import numeric_jacobian
from infogeo.manifolds.registry import FAMILIES

from ._problems import normal_nll, normal_nll_grad

#: pairs of (natural, expectation) chart names used by the families
DUAL_NAMES = (("natural", "expectation"), ("natural", "mean"), ("logit", "mean"))


def _legendre_dual(fam, natural: str, expectation: str) -> bool:  # noqa: ANN001
    """Is the expectation chart ∇ψ of the natural chart, i.e. ∂η/∂θ = I(θ)?

    (Not so for packed symmetric-matrix coordinates that store an off-diagonal natural
    parameter once: there ∂ψ/∂θ_ij = 2 E[x_i x_j]; mirror descent needs the true ∇ψ.)
    """
    nat = fam.in_chart(natural)
    theta = fam.change_chart(fam.random_point(np.random.default_rng(0)), natural)
    jac = numeric_jacobian(lambda t: nat.change_chart(t, expectation), theta)
    return bool(np.allclose(jac, nat.metric_matrix(theta), rtol=1e-5, atol=1e-8))


def _dual_families() -> dict[str, tuple]:
    """Every registered family (including ``ExponentialFamily`` instances once registered)
    whose natural and expectation charts are a Legendre-dual pair."""
    found = {}
    for name, make in FAMILIES.items():
        fam = make()
        for natural, expectation in DUAL_NAMES:
            if {natural, expectation} <= set(fam.chart_names) and _legendre_dual(
                    fam, natural, expectation):
                found[name] = (make, natural, expectation)
    return found


DUAL_CHARTS = _dual_families()


def _generic_exponential_families() -> dict[str, tuple]:
    """``infogeo.manifolds.ExponentialFamily`` examples (ψ given, η → θ by Newton), if the
    module is available."""
    try:
        from infogeo.manifolds import exponential_family as ef
    except ImportError:  # pragma: no cover - module not there yet
        return {}
    found = {}
    for name in ("normal_exponential_family", "poisson_exponential_family"):
        make = getattr(ef, name, None)
        if make is not None:
            found[f"ExponentialFamily:{name}"] = (make, "natural", "expectation")
    return found


DUAL_CHARTS.update(_generic_exponential_families())


def test_the_duality_test_covers_several_families() -> None:
    assert {"normal", "bernoulli"} <= set(DUAL_CHARTS) and len(DUAL_CHARTS) >= 4


@pytest.mark.parametrize("family", sorted(DUAL_CHARTS))
def test_mirror_descent_in_natural_parameters_is_ngd_in_expectation_parameters(family: str
                                                                               ) -> None:
    make, natural, expectation = DUAL_CHARTS[family]
    fam = make()
    nat = fam.in_chart(natural)
    rng = np.random.default_rng(11)
    target, start = (fam.change_chart(p, natural) for p in fam.random_point(rng, 2))
    start = target + 0.3 * (start - target)

    # any smooth loss will do: the identity is about the geometry, not the loss
    def loss(theta):
        d = theta - target
        return float(0.5 * d @ d + 0.1 * np.sum(d**4))

    def grad(theta):
        d = theta - target
        return d + 0.4 * d**3

    md = exponential_family_mirror_descent(fam, loss, grad, start, step_size=0.05,
                                           natural=natural, expectation=expectation,
                                           max_iter=15, gtol=0.0)
    ex, loss_e, grad_e = pull_back(nat, loss, grad, expectation)
    ngd = natural_gradient_descent(ex, loss_e, grad_e, nat.change_chart(start, expectation),
                                   step_size=0.05, max_iter=15, gtol=0.0)
    assert md.n_iter == ngd.n_iter == 15
    eta_md = nat.change_chart(md.params, expectation)
    scale = np.max(np.abs(eta_md))
    np.testing.assert_allclose(eta_md, ngd.params, rtol=0, atol=1e-10 * scale)
    # and it is not plain gradient descent in either chart
    gd = gradient_descent(nat, loss, grad, start, step_size=0.05, max_iter=15, gtol=0.0)
    assert np.max(np.abs(gd.params - md.params)) > 1e-4


@pytest.mark.parametrize("family", sorted(DUAL_CHARTS))
def test_mle_flow_in_every_dual_family_is_exponential_in_expectation(family: str) -> None:
    # NLL L(θ) = ψ(θ) − θ·T̄ has ∇_θ L = η(θ) − T̄: the flow gives η(t) = T̄ + (η₀ − T̄)e^{−t}
    make, natural, expectation = DUAL_CHARTS[family]
    fam = make()
    nat = fam.in_chart(natural)
    rng = np.random.default_rng(5)
    start, mle = fam.random_point(rng, 2)
    t_bar = fam.change_chart(mle, expectation)
    theta0, eta0 = fam.change_chart(start, natural), fam.change_chart(start, expectation)

    def grad(theta):
        return nat.change_chart(theta, expectation) - t_bar

    times = np.linspace(0.0, 3.0, 7)
    traj = fisher_flow(nat, None, grad, theta0, (0.0, 3.0), t_eval=times, gtol=0.0, rtol=1e-10,
                       atol=1e-12)
    expected = t_bar + (eta0 - t_bar) * np.exp(-times)[:, None]
    np.testing.assert_allclose(nat.change_chart(traj.params, expectation), expected,
                               rtol=1e-6, atol=1e-8 * np.max(np.abs(expected)))


def test_mirror_descent_with_the_euclidean_mirror_map_is_gradient_descent() -> None:
    n = Normal()
    start = np.array([-1.0, 2.0])
    md = mirror_descent(normal_nll, normal_nll_grad, start, lambda x: x, lambda y: y,
                        step_size=0.1, max_iter=20, gtol=0.0, in_domain=lambda x: x[1] > 0)
    gd = gradient_descent(n, normal_nll, normal_nll_grad, start, step_size=0.1, max_iter=20,
                          gtol=0.0)
    np.testing.assert_allclose(md.params, gd.params, rtol=1e-15)


CHARTS3 = ["mu_sigma", "mu_log_sigma", "natural"]
X0 = np.array([-1.0, 2.0])


def test_discrete_ngd_is_invariant_to_first_order_and_gd_is_not() -> None:
    ngd = {a: check_invariance(Normal(), normal_nll, X0, CHARTS3, "ngd",
                               loss_grad=normal_nll_grad, step_size=a, n_steps=round(1 / a))
           for a in (0.1, 0.05)}
    gd = check_invariance(Normal(), normal_nll, X0, CHARTS3, "gd", loss_grad=normal_nll_grad,
                          step_size=0.05, n_steps=20)
    # halving the step (same flow time) halves the NGD discrepancy ...
    ratio = ngd[0.05].max_discrepancy / ngd[0.1].max_discrepancy
    assert ratio == pytest.approx(0.5, abs=0.1)
    # ... while GD paths differ at order one (different problems in different charts)
    assert gd.max_discrepancy > 20 * ngd[0.05].max_discrepancy
    assert gd.max_discrepancy > 0.1
    # the chart-free Fisher–Rao gap of the end points tells the same story
    assert max(gd.final_fisher_rao.values()) > 20 * max(ngd[0.05].final_fisher_rao.values())
    assert ngd[0.05].final_fisher_rao["mu_sigma"] == 0.0
    # and NGD at step α tracks the flow at time kα to O(α)
    flow = check_invariance(Normal(), normal_nll, X0, CHARTS3, "flow",
                            loss_grad=normal_nll_grad, t_span=(0.0, 1.0))
    assert flow.max_discrepancy < 1e-8


@pytest.mark.parametrize(("rule", "order"), [("fixed", 1.0), ("geodesic", 2.0),
                                             ("midpoint", 2.0)])
def test_invariance_order(rule: str, order: float) -> None:
    result = invariance_order(Normal(), normal_nll, X0, CHARTS3, [0.2, 0.1, 0.05, 0.025],
                              horizon=1.0, step_rule=rule, loss_grad=normal_nll_grad)
    assert result.slope == pytest.approx(order, abs=0.15)
    assert np.all(np.diff(result.discrepancies) < 0)


def test_exact_geodesic_steps_are_invariant_to_round_off() -> None:
    # θ_{k+1} = exp_θk(-α u): the chart-free Riemannian Euler method (Normal: closed-form exp)
    report = check_invariance(Normal(), normal_nll, X0, CHARTS3 + ["expectation"], "ngd",
                              loss_grad=normal_nll_grad, step_size=0.2, n_steps=5,
                              step_rule="exp")
    assert report.max_discrepancy < 1e-10
    every = check_invariance(Normal(), normal_nll, X0, method="ngd", loss_grad=normal_nll_grad,
                             step_size=0.2, n_steps=5, step_rule="exp")
    assert every.charts == tuple(Normal().chart_names) and every.max_discrepancy < 1e-10
    plain = check_invariance(Normal(), normal_nll, X0, CHARTS3, "ngd",
                             loss_grad=normal_nll_grad, step_size=0.2, n_steps=5)
    assert plain.max_discrepancy > 1e-3


def test_invariance_bad_input() -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        check_invariance(Normal(), normal_nll, X0, CHARTS3, "newton")
    with pytest.raises(ValueError, match="at least two charts"):
        check_invariance(Normal(), normal_nll, X0, ["natural"])
    with pytest.raises(ValueError, match="chart must be one of"):
        check_invariance(Normal(), normal_nll, X0, ["natural", "polar"])
    # without loss_grad the gradient comes from central differences: same answer
    a = check_invariance(Normal(), normal_nll, X0, CHARTS3, "ngd", n_steps=5)
    b = check_invariance(Normal(), normal_nll, X0, CHARTS3, "ngd", n_steps=5,
                         loss_grad=normal_nll_grad)
    for c in CHARTS3:
        np.testing.assert_allclose(a.trajectories[c].params, b.trajectories[c].params,
                                   atol=1e-9)
