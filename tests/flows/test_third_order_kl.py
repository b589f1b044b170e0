"""Third-order KL expansion and the cubic-model KL trust region.

Oracles: each family's closed-form ``kl_divergence`` (error slopes 3 and 4 of the
quadratic and cubic models), the hand-expanded normal KL, the Bregman form of an
exponential family (cubic term ψ'''/6 = T/6 in natural coordinates), and sympy's third
derivative of closed-form KL divergences against (3∂g − T)/12 built from the symbolic
Fisher matrix and Amari–Chentsov tensor.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import infogeo.symbolic as isym
from infogeo.flows import (
    chain,
    kl_cubic_term,
    kl_cubic_trust_region,
    kl_expansion,
    minimize,
    precondition_by_metric,
)
from infogeo.flows.third_order import _largest_step_within
from infogeo.manifolds import Gamma, Normal
from infogeo.manifolds.registry import FAMILIES

from ._problems import normal_nll, normal_nll_grad

#: Fisher lengths of the steps in the slope fits (halving: the fitted slope is the order)
SCALES = np.array([4e-2, 2e-2, 1e-2, 5e-3])
#: slow families (KL by quadrature or matrix parameters)
SLOW = {"student_t", "cauchy", "von_mises", "multivariate_normal", "fixed_mean_normal",
        "fixed_mean_normal_d3"}


def _cases() -> list:
    cases = []
    for name in sorted(FAMILIES):
        for chart in FAMILIES[name]().chart_names:
            marks = [pytest.mark.slow] if name in SLOW else []
            cases.append(pytest.param(name, chart, marks=marks, id=f"{name}-{chart}"))
    return cases


def _errors(fam, theta, direction, order, kl_dir="forward"):  # noqa: ANN001, ANN202
    out = []
    for h in SCALES:
        delta = h * direction
        if kl_dir == "forward":
            exact = float(fam.kl_divergence(theta, theta + delta))
        else:
            exact = float(fam.kl_divergence(theta + delta, theta))
        out.append(abs(float(kl_expansion(fam, theta, delta, order, kl_dir)) - exact))
    return np.array(out)


def _slope(errors: np.ndarray) -> float:
    return float(np.polyfit(np.log(SCALES), np.log(errors), 1)[0])


@pytest.mark.parametrize(("name", "chart"), _cases())
def test_cubic_model_error_is_fourth_order_on_every_family_and_chart(name: str,
                                                                     chart: str) -> None:
    fam = FAMILIES[name]().in_chart(chart)
    rng = np.random.default_rng(7)
    theta = fam.random_point(rng)
    try:
        fam.skewness_tensor(theta)
        fam.kl_divergence(theta, theta)
    except NotImplementedError as err:
        pytest.skip(str(err))
    direction = rng.normal(size=fam.dim)
    direction /= float(fam.norm(direction, theta))  # unit Fisher length: KL ≈ h²/2
    for kl_dir in ("forward", "reverse"):
        e2 = _errors(fam, theta, direction, 2, kl_dir)
        e3 = _errors(fam, theta, direction, 3, kl_dir)
        if abs(float(kl_cubic_term(fam, theta, direction, kl_dir))) < 1e-10:
            # KL exactly quadratic here (e.g. a linear-Gaussian model): round-off only
            assert np.all(e2 < 1e-12) and np.all(e3 < 1e-12), (kl_dir, e2, e3)
            continue
        # the cubic model's error has slope 4 (the quadratic model's: 3, once h is small
        # against the ratio of the quartic and cubic coefficients). Tolerance: the next
        # term changes a local slope by O(h), h ≤ 0.04 Fisher length.
        assert _slope(e3) == pytest.approx(4.0, abs=0.3), (kl_dir, e3)
        assert e3[-1] < e2[-1]


def test_normal_cubic_term_matches_the_hand_expansion() -> None:
    # KL(N(μ,σ) ‖ N(μ+a, σ+b)) = log(1+x) + (1 + (a/σ)²)/(2(1+x)²) − ½, x = b/σ:
    # cubic part −(a² b + (5/3) b³)/σ³
    rng = np.random.default_rng(3)
    theta = np.array([0.3, 1.7])
    for _ in range(5):
        a, b = rng.normal(size=2)
        expected = -(a**2 * b + 5.0 / 3.0 * b**3) / theta[1] ** 3
        assert kl_cubic_term(Normal(), theta, [a, b]) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("family", [Normal(chart="natural"), Gamma(chart="natural")])
def test_exponential_family_natural_chart_cubic_term_is_t_over_six(family) -> None:  # noqa: ANN001
    # Bregman divergence of ψ: cubic Taylor term ψ'''(δ,δ,δ)/6, and ψ''' = T in θ
    rng = np.random.default_rng(5)
    theta = family.random_point(rng)
    delta = rng.normal(size=family.dim)
    t_ddd = np.einsum("ijk,i,j,k->", family.skewness_tensor(theta), delta, delta, delta)
    assert float(kl_cubic_term(family, theta, delta)) == pytest.approx(t_ddd / 6, rel=1e-8)
    assert float(kl_cubic_term(family, theta, delta, "reverse")) == pytest.approx(
        t_ddd / 3, rel=1e-8)


def _symbolic_kl(name: str, p: sp.Matrix, q: sp.Matrix) -> sp.Expr:
    """Closed-form KL(p ‖ q) (Amari & Nagaoka 2000, §3.5 for the Bregman form)."""
    if name == "normal":
        (m1, s1), (m2, s2) = p, q
        return sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2)
    if name == "poisson":
        (l1,), (l2,) = p, q
        return l2 - l1 + l1 * sp.log(l1 / l2)
    (a1, b1), (a2, b2) = p, q  # gamma, shape–rate
    return ((a1 - a2) * sp.digamma(a1) - sp.loggamma(a1) + sp.loggamma(a2)
            + a2 * (sp.log(b1) - sp.log(b2)) + a1 * (b2 - b1) / b1)


@pytest.mark.parametrize(("name", "manifold", "point"), [
    ("normal", Normal(), [0.4, 1.3]),
    ("poisson", FAMILIES["poisson"](), [2.5]),
    ("gamma", Gamma(), [2.2, 0.7]),
])
def test_cubic_coefficient_against_symbolic_differentiation(name, manifold, point) -> None:  # noqa: ANN001
    fam = getattr(isym.catalogue, name)()
    coords = list(fam.params)
    dim = len(coords)
    t = sp.Symbol("t")
    deltas = sp.symbols(f"d0:{dim}")
    theta = sp.Matrix(coords)
    kl = _symbolic_kl(name, theta, theta + t * sp.Matrix(deltas))
    third = sp.diff(kl, t, 3).subs(t, 0) / 6
    g = isym.fisher_information(fam)
    skew = isym.amari_chentsov_tensor(fam)
    formula = sum((3 * sp.diff(g[i, j], coords[k]) - skew[i, j, k])
                  * deltas[i] * deltas[j] * deltas[k]
                  for i in range(dim) for j in range(dim) for k in range(dim)) / 12
    assert sp.simplify(sp.expand_func(third - formula)) == 0
    rng = np.random.default_rng(11)
    d = rng.normal(size=dim)
    subs = dict(zip(coords, point, strict=True)) | dict(zip(deltas, d, strict=True))
    assert float(kl_cubic_term(manifold, point, d)) == pytest.approx(
        float(formula.subs(subs)), rel=1e-9)


def test_kl_expansion_bad_input() -> None:
    with pytest.raises(ValueError, match="order must be 2 or 3"):
        kl_expansion(Normal(), [0.0, 1.0], [0.1, 0.1], order=4)
    with pytest.raises(ValueError, match="direction must be one of"):
        kl_expansion(Normal(), [0.0, 1.0], [0.1, 0.1], direction="backward")
    with pytest.raises(ValueError, match="same dim"):
        kl_expansion(Normal(), [0.0, 1.0], [0.1, 0.1, 0.2])
    with pytest.raises(ValueError, match="sigma|domain|> 0"):
        kl_expansion(Normal(), [0.0, -1.0], [0.1, 0.1])


# ---------------------------------------------------------------- trust region


def test_largest_step_within_the_cubic_model() -> None:
    assert _largest_step_within(1.0, 1.0, 2.0, 10.0) == pytest.approx(1.0)   # t² + t³ = 2
    assert _largest_step_within(1.0, 0.0, 4.0, 10.0) == pytest.approx(2.0)
    assert _largest_step_within(1.0, 0.0, 4.0, 0.5) == 0.5
    # b < 0: the model peaks at t* = −2a/3b with m(t*) = 4a³/27b² = 14.8 < δ = 20: stop at t*
    assert _largest_step_within(1.0, -0.1, 20.0, 100.0) == pytest.approx(20 / 3)
    # below the peak the first root is taken
    t = _largest_step_within(1.0, -0.1, 5.0, 100.0)
    assert t**2 - 0.1 * t**3 == pytest.approx(5.0) and t < 20 / 3


@pytest.mark.parametrize("family", [Normal(), Gamma(), FAMILIES["beta"]()])
def test_cubic_model_predicts_the_step_kl_an_order_better(family) -> None:  # noqa: ANN001
    # |KL(step) − δ| / δ is O(√δ) for the quadratic proposal and O(δ) for the cubic one
    rng = np.random.default_rng(2)
    theta = family.random_point(rng)
    u = rng.normal(size=family.dim)
    radii = np.array([1e-3, 2.5e-4, 6.25e-5])
    rel = {2: [], 3: []}
    for order in (2, 3):
        rule = kl_cubic_trust_region(family, 1.0, max_step=1e6, order=order, verify=False)
        for r in radii:
            rule = kl_cubic_trust_region(family, r, max_step=1e6, order=order, verify=False)
            step, state = rule.update(u, rule.init(theta), theta)
            assert state.kl_model == pytest.approx(r, rel=1e-9)
            rel[order].append(abs(float(family.kl_divergence(theta, theta + step)) - r) / r)
    slope2 = np.polyfit(np.log(radii), np.log(rel[2]), 1)[0]
    slope3 = np.polyfit(np.log(radii), np.log(rel[3]), 1)[0]
    assert slope2 == pytest.approx(0.5, abs=0.1) and slope3 == pytest.approx(1.0, abs=0.1)
    assert np.all(np.array(rel[3]) < np.array(rel[2]))


def test_verification_shrinks_until_the_budget_holds() -> None:
    # a large radius: the model's step overshoots the skewed normal's KL and is shrunk
    theta = np.array([0.0, 1.0])
    rule = kl_cubic_trust_region(Normal(), 2.0, max_step=50.0, order=2, tolerance=0.0)
    u = np.array([0.0, 1.0])  # moving σ down: KL grows faster than the quadratic model
    step, state = rule.update(u, rule.init(theta), theta)
    assert state.success and state.n_shrinks >= 1
    assert state.kl_actual == pytest.approx(float(Normal().kl_divergence(theta, theta + step)))
    assert state.kl_actual <= 2.0


def test_cubic_trust_region_in_the_optimizer_loop_respects_the_budget() -> None:
    radius = 0.05
    opt = chain(precondition_by_metric(Normal()), kl_cubic_trust_region(Normal(), radius))
    traj = minimize(opt, normal_nll, normal_nll_grad, np.array([-2.0, 3.0]), max_iter=200,
                    gtol=1e-10)
    assert traj.converged
    np.testing.assert_allclose(traj.final, [1.0, np.sqrt(0.5)], atol=1e-8)
    kls = Normal().kl_divergence(traj.params[:-1], traj.params[1:])
    assert np.all(kls <= 1.25 * radius)
    assert np.max(kls) > 0.8 * radius  # the budget is used, not wasted


def test_cubic_trust_region_bad_input() -> None:
    with pytest.raises(ValueError, match="radius"):
        kl_cubic_trust_region(Normal(), -1.0)
    with pytest.raises(ValueError, match="order must be 2 or 3"):
        kl_cubic_trust_region(Normal(), 0.1, order=1)
    with pytest.raises(ValueError, match="shrink"):
        kl_cubic_trust_region(Normal(), 0.1, shrink=1.5)
