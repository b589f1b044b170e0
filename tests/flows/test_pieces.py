"""Optimizer pieces: preconditioners, damping, step-size rules, the transform core."""

from __future__ import annotations

import numpy as np
import pytest

from infogeo.estimators import DiagonalFisher, FullFisher
from infogeo.flows import (
    backtracking_line_search,
    chain,
    fixed_step,
    geodesic_step,
    identity,
    kl_trust_region,
    levenberg_marquardt,
    midpoint,
    precondition_by_fisher,
    precondition_by_metric,
    scale,
    tree_get,
    tree_vdot,
)
from infogeo.manifolds import Normal


def natural_metric_reference(mu: float, sigma: float) -> np.ndarray:
    """I in natural coordinates = Cov(x, x²) (REFERENCE.md)."""
    v = sigma**2
    return np.array([[v, 2 * mu * v], [2 * mu * v, 2 * v**2 + 4 * mu**2 * v]])


@pytest.mark.parametrize("damping", [0.0, 0.3])
def test_precondition_by_metric_solves_the_damped_metric_system(damping: float) -> None:
    n = Normal()
    nat = n.in_chart("natural")
    rng = np.random.default_rng(1)
    for x in n.random_point(rng, 4):
        theta, g = n.change_chart(x, "natural"), rng.standard_normal(2)
        opt = precondition_by_metric(nat, damping=damping)
        u, _ = opt.update(g, opt.init(theta), theta)
        ref = natural_metric_reference(*x) + damping * np.eye(2)
        np.testing.assert_allclose(ref @ u, g, rtol=1e-9, atol=1e-12)
    # base chart: closed-form inverse diag(σ², σ²/2)
    x, g = np.array([0.4, 1.7]), np.array([1.0, -2.0])
    u, _ = precondition_by_metric(n).update(g, None, x)
    np.testing.assert_allclose(u, [1.7**2 * 1.0, -1.7**2 / 2 * 2.0], rtol=1e-14)


def test_precondition_by_fisher_duck_types_on_solve() -> None:
    matrix = np.array([[2.0, 0.5], [0.5, 1.0]])
    g = np.array([1.0, 3.0])
    u_full, _ = precondition_by_fisher(FullFisher(matrix), damping=0.1).update(g, None, g)
    np.testing.assert_allclose((matrix + 0.1 * np.eye(2)) @ u_full, g, rtol=1e-12)
    u_diag, _ = precondition_by_fisher(DiagonalFisher(np.diag(matrix))).update(g, None, g)
    np.testing.assert_allclose(u_diag, g / np.diag(matrix), rtol=1e-14)

    class LayerwiseScale:
        """A per-layer approximation over list params: only ``solve`` is needed."""

        def __init__(self, scales: list[float]) -> None:
            self.scales = scales

        def solve(self, v: list[np.ndarray], damping: float) -> list[np.ndarray]:
            return [vi / (s + damping) for vi, s in zip(v, self.scales, strict=True)]

    params = [np.ones((2, 3)), np.ones(4)]
    grads = [np.full((2, 3), 2.0), np.full(4, 3.0)]
    # a factory: the estimate is rebuilt from the current params at every step
    opt = chain(precondition_by_fisher(lambda p: LayerwiseScale([1.0, 2.0]), damping=1.0),
                fixed_step(0.5))
    updates, state = opt.update(grads, opt.init(params), params)
    np.testing.assert_allclose(updates[0], -0.5 * 2.0 / 2.0)
    np.testing.assert_allclose(updates[1], -0.5 * 3.0 / 3.0)
    assert tree_get(state, "step_size") == 0.5
    assert tree_get(state, "damping") == 1.0
    assert tree_vdot(grads, grads) == pytest.approx(6 * 4 + 4 * 9)
    with pytest.raises(TypeError, match="solve"):
        precondition_by_fisher(object())
    with pytest.raises(TypeError, match="precondition_by_metric"):
        precondition_by_fisher(Normal())


def test_chain_forwards_extras_and_missing_extras_are_named() -> None:
    seen = {}

    def spy_update(grads, state, params=None, **extra):
        seen.update(extra)
        return grads, state

    from infogeo.flows import GradientTransformation
    opt = chain(identity(), GradientTransformation(lambda p: (), spy_update), scale(-1.0))
    out, _ = opt.update(np.ones(2), opt.init(np.ones(2)), np.ones(2), value=3.0, grad=None)
    np.testing.assert_allclose(out, -1.0)
    assert seen == {"value": 3.0, "grad": None}
    ls = backtracking_line_search()
    with pytest.raises(TypeError, match="'value'"):
        ls.update(np.ones(2), ls.init(None), np.ones(2))


class QuadraticModel:
    """Curvature c for the 1-D loss L = a θ²/2 (a ≠ c: a mismatched model)."""

    def __init__(self, c: float) -> None:
        self.c = c

    def solve(self, v: np.ndarray, damping: float) -> np.ndarray:
        return v / (self.c + damping)

    def matrix(self) -> np.ndarray:
        return np.array([[self.c]])


def _two_steps(lm, a: float, theta: np.ndarray):
    """Update at θ, apply the step, update at the new point (which judges the step)."""
    def loss(t):
        return 0.5 * a * float(t[0] ** 2)

    u, state = lm.update(a * theta, lm.init(theta), theta, value=loss(theta), loss_fn=loss)
    new = theta - u
    _, state = lm.update(a * new, state, new, value=loss(new), loss_fn=loss)
    return u, state


@pytest.mark.parametrize(("a", "action"), [(1.0, "decrease"), (1.5, "keep"), (1.8, "increase")])
def test_levenberg_marquardt_adapts_on_the_reduction_ratio(a: float, action: str) -> None:
    # with u = aθ/(c+λ): actual change -(c+λ)u² + a u²/2, model change (the curvature's
    # own quadratic model, damping left out) -(c+λ)u² + c u²/2, so
    # ρ = (2(c+λ) - a)/(c + 2λ)  (c = 1, λ → 0: ρ = 2 - a); judged at the next update
    theta, lam = np.array([2.0]), 1e-6
    u, state = _two_steps(levenberg_marquardt(QuadraticModel(1.0), initial_damping=lam), a,
                          theta)
    assert tree_get(state, "ratio") == pytest.approx((2 * (1 + lam) - a) / (1 + 2 * lam), rel=1e-9)
    factor = {"decrease": 2 / 3, "keep": 1.0, "increase": 1.5}[action]
    assert tree_get(state, "damping") == pytest.approx(lam * factor, rel=1e-12)
    np.testing.assert_allclose(u, a * theta / (1 + lam), rtol=1e-14)


def test_levenberg_marquardt_raises_damping_after_a_step_that_increased_the_loss() -> None:
    a = 2.5  # ρ(λ) = (2(1 + λ) - 2.5)/(1 + 2λ) < 0 for λ < 0.25: the loss went up
    theta = np.array([1.0])
    _, state = _two_steps(levenberg_marquardt(QuadraticModel(1.0), initial_damping=0.01), a,
                          theta)
    assert tree_get(state, "ratio") == pytest.approx((2 * 1.01 - a) / 1.02, rel=1e-9)
    assert tree_get(state, "damping") == pytest.approx(0.015, rel=1e-12)
    # run in the loop: the damping grows until steps decrease the loss, then the run
    # converges to 0
    from infogeo.flows import minimize

    opt = chain(levenberg_marquardt(QuadraticModel(1.0), initial_damping=0.01),
                fixed_step(1.0))
    traj = minimize(opt, lambda t: 0.5 * a * float(t @ t), lambda t: a * t, theta,
                    max_iter=200, gtol=1e-10)
    assert traj.converged and abs(traj.final[0]) < 1e-9
    assert traj.losses[1] > traj.losses[0] and traj.losses[-1] < 1e-18


def test_damping_pieces_publish_their_damping_to_the_preconditioner() -> None:
    from infogeo.flows import DampingState, levenberg_marquardt_damping, precondition, tikhonov

    g, theta = np.array([1.0, 3.0]), np.zeros(2)
    matrix = np.diag([2.0, 4.0])
    opt = chain(tikhonov(0.5), precondition(damping=None), scale(-1.0))
    out, state = opt.update(g, opt.init(theta), theta, curvature=matrix)
    np.testing.assert_allclose(out, -g / np.array([2.5, 4.5]), rtol=1e-14)
    assert state[1] == DampingState(0.5)
    # and a weight decay folded into the curvature adds to it
    out, _ = opt.update(g, opt.init(theta), theta, curvature=matrix, l2_reg=0.25)
    np.testing.assert_allclose(out, -g / np.array([2.75, 4.75]), rtol=1e-14)
    with pytest.raises(ValueError, match="damping must be >= 0"):
        tikhonov(-1.0)
    with pytest.raises(ValueError, match="initial_damping must be > 0"):
        levenberg_marquardt_damping(0.0)
    with pytest.raises(TypeError, match="quadratic_form"):
        lm = levenberg_marquardt_damping(1.0)
        st = lm.init(theta)
        _, st = lm.update(g, st, theta, value=1.0)
        lm.update(g, st, theta + 1.0, value=0.5)


def test_armijo_backtracking_takes_the_first_sufficient_step() -> None:
    a, c1 = 10.0, 1e-4

    def loss(t):
        return 0.5 * a * float(t @ t)

    theta = np.array([1.0, -2.0])
    g = a * theta
    ls = backtracking_line_search(initial_step=1.0, shrink=0.5, c1=c1)
    update, state = ls.update(g, ls.init(theta), theta, value=loss(theta), grad=g, loss_fn=loss)
    # (1 - t a)² ≤ 1 - 2 c1 t a first holds at t = 1/8 for a = 10
    ts = [0.5**m for m in range(10)]
    first = next(t for t in ts if (1 - t * a) ** 2 <= 1 - 2 * c1 * t * a)
    assert state.step_size == first == 0.125 and state.n_backtracks == 3 and state.success
    np.testing.assert_allclose(update, -first * g)
    assert loss(theta + update) <= loss(theta) - c1 * first * g @ g

    def guarded(t):  # outside |θ| < 1.5 the "domain" check raises
        if np.max(np.abs(t)) >= 1.5:
            raise ValueError("outside the domain")
        return loss(t)

    _, state = ls.update(g, ls.init(theta), theta, value=loss(theta), grad=g, loss_fn=guarded)
    assert state.success and np.max(np.abs(theta - state.step_size * g)) < 1.5
    _, state = ls.update(-g, ls.init(theta), theta, value=loss(theta), grad=g, loss_fn=loss)
    assert not state.success  # an ascent direction is refused


@pytest.mark.parametrize("radius", [1e-2, 1e-4])
def test_kl_trust_region_bounds_the_kl_of_the_step(radius: float) -> None:
    n = Normal()
    theta, g = np.array([0.3, 0.8]), np.array([2.0, -3.0])
    opt = chain(precondition_by_metric(n), kl_trust_region(radius, max_step=10.0, metric=n))
    update, state = opt.update(g, opt.init(theta), theta, grad=g)
    quad = update @ n.metric_matrix(theta) @ update
    assert 0.5 * quad == pytest.approx(radius, rel=1e-12)
    # the true KL agrees to O(||Δ||³): relative error ~ sqrt(radius)
    kl = float(n.kl_divergence(theta, theta + update))
    assert kl == pytest.approx(radius, rel=5 * np.sqrt(radius))
    # without a metric, g^T u stands in for u^T I u (equal for an undamped solve)
    free = chain(precondition_by_metric(n), kl_trust_region(radius, max_step=10.0))
    update2, _ = free.update(g, free.init(theta), theta, grad=g)
    np.testing.assert_allclose(update2, update, rtol=1e-12)
    # a large radius leaves the step at max_step
    big = chain(precondition_by_metric(n), kl_trust_region(1e6, max_step=0.5, metric=n))
    _, state = big.update(g, big.init(theta), theta, grad=g)
    assert state[1].step_size == 0.5


@pytest.mark.parametrize("chart", ["mu_sigma", "natural"])
def test_geodesic_step_is_exp_to_second_order(chart: str) -> None:
    m = Normal().in_chart(chart)
    theta = Normal().change_chart([0.3, 0.8], chart)
    u = m.inverse_metric_matrix(theta) @ np.array([1.0, -0.5])
    alphas = np.array([0.08, 0.04, 0.02, 0.01])
    errors = []
    for alpha in alphas:
        step, _ = geodesic_step(m, alpha).update(u, None, theta)
        exact = m.exp(-alpha * u, theta)  # closed-form Möbius geodesic
        errors.append(np.linalg.norm(theta + step - exact))
        straight = np.linalg.norm(theta - alpha * u - exact)
        assert errors[-1] < straight
    slope = np.polyfit(np.log(alphas), np.log(errors), 1)[0]
    assert slope == pytest.approx(3.0, abs=0.15)


def test_midpoint_rule_matches_its_formula() -> None:
    n = Normal()
    theta = np.array([0.3, 0.8])

    def grad(t):
        return np.array([t[0] - 1.0, t[1] - 0.5])

    alpha = 0.2
    opt = midpoint(precondition_by_metric(n), alpha)
    update, _ = opt.update(grad(theta), opt.init(theta), theta, grad_fn=grad)
    inv = n.inverse_metric_matrix
    half = theta - 0.5 * alpha * inv(theta) @ grad(theta)
    np.testing.assert_allclose(update, -alpha * inv(half) @ grad(half), rtol=1e-14)


def test_levenberg_marquardt_on_list_params() -> None:
    # two "layers" with losses a_l |w_l|²/2 and a per-layer curvature model c_l
    a, c = [1.0, 3.0], [1.0, 2.0]

    class PerLayer:
        def solve(self, v, damping):  # noqa: ANN001, ANN201
            return [vi / (ci + damping) for vi, ci in zip(v, c, strict=True)]

    def gram(params, vectors):  # noqa: ANN001, ANN202 - the per-layer curvature c_l
        return np.array([[sum(ci * float(np.sum(x * y)) for ci, x, y in zip(c, v, w,
                                                                          strict=True))
                          for w in vectors] for v in vectors])

    def loss(params):
        return sum(0.5 * ai * float(np.sum(p**2)) for ai, p in zip(a, params, strict=True))

    params = [np.ones((2, 2)), np.ones(3)]
    grads = [ai * p for ai, p in zip(a, params, strict=True)]
    lam = 1e-6
    opt = chain(levenberg_marquardt(PerLayer(), initial_damping=lam, quadratic_form=gram),
                fixed_step(1.0))
    updates, state = opt.update(grads, opt.init(params), params, value=loss(params),
                                loss_fn=loss)
    new = [p + d for p, d in zip(params, updates, strict=True)]
    _, state = opt.update([ai * p for ai, p in zip(a, new, strict=True)], state, new,
                          value=loss(new), loss_fn=loss)
    # closed form: u_l = a_l w/(c_l+λ); actual and model changes summed over the layers
    u = [ai * p / (ci + lam) for ai, ci, p in zip(a, c, params, strict=True)]
    actual = loss([p - ul for p, ul in zip(params, u, strict=True)]) - loss(params)
    # quadratic model with the curvature itself: q(Δ) = g·Δ + ½ Δ·CΔ, Δ = −u
    model = sum(float(np.sum(-g * ul) + 0.5 * ci * np.sum(ul * ul))
                for g, ul, ci in zip(grads, u, c, strict=True))
    assert tree_get(state, "ratio") == pytest.approx(actual / model, rel=1e-10)
    for upd, ul in zip(updates, u, strict=True):
        np.testing.assert_allclose(upd, -ul, rtol=1e-14)
