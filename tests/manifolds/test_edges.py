"""Property-based edge and bad-input suite over the registry of families and charts.

Points are drawn by hypothesis from each family's *declared* domain
(``point_from_unit``): across its typical range and out to its edges (scales 1e-8..1e8,
probabilities down to 1e-15, shapes 1e-4..1e4), including the corners of the unit cube.
Every answer must be finite and right, or a clear refusal (ValueError / TypeError /
ArithmeticError with a message): never a silent NaN, never a negative divergence.
Bad input (outside the declared domain, NaN, complex, mismatched batches, invalid scipy
objects) must be refused naming the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from infogeo.manifolds import StatisticalManifold
from infogeo.manifolds.declarations import REAL
from infogeo.manifolds.registry import FAMILIES, get_family

NAMES = sorted(FAMILIES)
INSTANCES = {name: get_family(name) for name in NAMES}
CASES = [(name, chart) for name in NAMES for chart in INSTANCES[name].chart_names]
#: the slow KL (quadrature per pair) is exercised on fewer examples
SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.filter_too_much,
                                           HealthCheck.too_slow])
REFUSALS = (ValueError, TypeError, ArithmeticError)


@st.composite
def unit_points(draw: st.DrawFn, dim: int, batch: int = 1) -> np.ndarray:
    """Points of the unit cube, corners (0 and 1: the declared edges) included."""
    coordinate = st.one_of(st.sampled_from([0.0, 1.0, 0.5]), st.floats(0.0, 1.0))
    values = draw(st.lists(coordinate, min_size=dim * batch, max_size=dim * batch))
    return np.array(values).reshape(batch, dim)


@st.composite
def edge_points(draw: st.DrawFn, batch: int = 1,
                ) -> tuple[str, StatisticalManifold, np.ndarray]:
    """(name, family in one of its charts, points [batch, dim] of that chart)."""
    name, chart = draw(st.sampled_from(CASES))
    family = INSTANCES[name]
    x = family.point_from_unit(draw(unit_points(family.dim, batch)), edges=True)
    try:
        with np.errstate(all="ignore"):
            y = family.change_chart(x, chart)
    except ValueError:  # the chart's image overflows at this edge: refused, fine
        assume(False)
    assume(np.all(np.isfinite(y)))
    return name, family.in_chart(chart), y


def finite_or_refused(func, *args) -> np.ndarray | None:  # noqa: ANN001
    try:
        out = np.asarray(func(*args))
    except REFUSALS as err:
        assert str(err), f"{type(err).__name__} without a message"
        return None
    assert np.all(np.isfinite(out)), f"{func.__name__} returned {out}"
    return out


@SETTINGS
@given(case=edge_points())
def test_geometry_is_finite_or_refused_at_the_edges(case) -> None:
    _, family, y = case
    g = finite_or_refused(family.metric_matrix, y)
    if g is not None:
        np.testing.assert_allclose(g, np.swapaxes(g, -1, -2), rtol=1e-12, atol=0)
    for method in (family.christoffels, family.skewness_tensor):
        finite_or_refused(method, y)
    finite_or_refused(lambda t: family.alpha_christoffels(t, 0.5), y)


@settings(SETTINGS, max_examples=60)
@given(case=edge_points(batch=2))
def test_kl_is_nonnegative_and_zero_on_the_diagonal(case) -> None:
    _, family, y = case
    kl = finite_or_refused(family.kl_divergence, y[:1], y[1:])
    if kl is not None:
        assert np.all(kl >= 0)
    same = finite_or_refused(family.kl_divergence, y, y)
    if same is not None:  # zero up to the rounding of a matrix factorization
        assert np.all(same <= 1e-20)


@settings(SETTINGS, max_examples=60)
@given(name=st.sampled_from(NAMES), data=st.data())
def test_kl_between_nearby_points_is_accurate(name: str, data: st.DataObject) -> None:
    """KL(θ, θ + δ) = ½ g[δ, δ] + ½ Γ[δ, δ, δ] − T[δ, δ, δ]/12 + O(δ⁴) (Γ of the first
    kind): a closed form that cancels loses this (and goes negative). Each coordinate
    moves by 1e-7 in Fisher units (1/√g_ii), and by at most 1e-7 of itself where the
    declared domain is bounded, at points out to the declared edges."""
    family = INSTANCES[name]
    x = family.point_from_unit(data.draw(unit_points(family.dim))[0], edges=True)
    signs = np.array(data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=family.dim,
                                        max_size=family.dim)))
    real = np.concatenate([np.full(b.size, getattr(b, "domain", None) is REAL)
                           for b in family.parameters])
    try:
        g = family.metric_matrix(x)
        step = 1e-7 / np.sqrt(np.diagonal(g))
        delta = signs * np.where(real, step, np.minimum(step, 1e-7 * np.abs(x)))
        delta = (x + delta) - x  # the step that survives rounding (μ = 1e8 absorbs 1e-15)
        family._check_base(x + delta, "theta")
        first_kind = np.einsum("kl,kij->ijl", g, family.christoffels(x))
        skew = family.skewness_tensor(x)
        kl = float(family.kl_divergence(x, x + delta))
    except REFUSALS:
        assume(False)
    quadratic = 0.5 * delta @ g @ delta
    cubic = (0.5 * np.einsum("ijl,i,j,l->", first_kind, delta, delta, delta)
             - np.einsum("ijl,i,j,l->", skew, delta, delta, delta) / 12)
    assume(quadratic > 1e-280 and abs(cubic) <= 1e-2 * quadratic)  # the expansion holds
    assert kl >= 0
    assert abs(kl - quadratic - cubic) <= 1e-6 * quadratic + 30 * cubic**2 / quadratic


@settings(SETTINGS, max_examples=50)
@given(case=edge_points())
def test_log_prob_and_score_are_finite_or_refused(case) -> None:
    name, family, y = case
    rng = np.random.default_rng(0)
    try:
        data = family.sample(y[0], 3, rng)
    except REFUSALS:
        assume(False)
    for method in (family.log_prob, family.score):
        out = finite_or_refused(method, data, y[0])
        assume(out is not None)


# ---------------------------------------------------------------------- bad input
@settings(SETTINGS, max_examples=50)
@given(name=st.sampled_from(NAMES), data=st.data())
def test_points_outside_the_declared_domain_are_refused(name: str, data: st.DataObject
                                                        ) -> None:
    family = INSTANCES[name]
    x = family.point_from_unit(data.draw(unit_points(family.dim))[0])
    bounded = [i for i, b in enumerate(family.parameters) if b.outside()]
    assume(bounded)  # (every coordinate of a linear regression is valid)
    block_index = data.draw(st.sampled_from(bounded))
    start = sum(b.size for b in family.parameters[:block_index])
    block = family.parameters[block_index]
    outside = block.outside()
    bad = x.copy()
    bad[start:start + block.size] = outside[data.draw(st.integers(0, len(outside) - 1))]
    for method in (family.metric_matrix, family.christoffels, family.skewness_tensor):
        with pytest.raises(ValueError, match="theta"):
            method(bad)
    with pytest.raises(ValueError, match="theta_q"):
        family.kl_divergence(x, bad)


@settings(SETTINGS, max_examples=50)
@given(case=edge_points(batch=2), data=st.data())
def test_nan_complex_and_wrong_shapes_are_refused(case, data: st.DataObject) -> None:
    _, family, y = case
    i = data.draw(st.integers(0, family.dim - 1))
    bad = y.copy()
    bad[0, i] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with pytest.raises(ValueError, match="theta must be finite"):
        family.metric_matrix(bad)
    with pytest.raises(TypeError, match="theta must be real"):
        family.metric_matrix(y + 1j * (np.arange(family.dim) == i))
    with pytest.raises(TypeError, match="theta_p must be real"):
        family.kl_divergence(y.astype(complex), y)
    with pytest.raises(ValueError, match=rf"shape \[\.\.\., {family.dim}\]"):
        family.metric_matrix(np.ones(family.dim + 1))


@settings(SETTINGS, max_examples=40)
@given(name=st.sampled_from(NAMES), data=st.data())
def test_mismatched_batches_name_both_arguments(name: str, data: st.DataObject) -> None:
    family = INSTANCES[name]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    p, q = family.random_point(rng, 3), family.random_point(rng, 4)
    with pytest.raises(ValueError, match=r"theta_p \(shape \(3, .*theta_q \(shape \(4, "):
        family.kl_divergence(p, q)
    x = family.sample(q, 1, rng)[0]  # data with batch shape (4,)
    with pytest.raises(ValueError, match=r"x \(shape .*theta \(shape \(3, "):
        family.log_prob(x, p)
    with pytest.raises(ValueError, match=r"x \(shape .*theta \(shape \(3, "):
        family.score(x, p)
    with pytest.raises(TypeError, match="x must be real"):
        family.log_prob(x.astype(complex), q)


WITH_SCIPY = [n for n in NAMES if INSTANCES[n].scipy_counterpart is not None]


@settings(SETTINGS, max_examples=40)
@given(name=st.sampled_from(WITH_SCIPY), data=st.data())
def test_invalid_scipy_distributions_are_refused(name: str, data: st.DataObject) -> None:
    """scipy freezes norm(0, -1), norm(nan, 1), beta(-1, 2) without complaint; infogeo
    must not turn them into points."""
    from scipy import stats

    from infogeo.interop import from_scipy
    from infogeo.manifolds.declarations import Reciprocal

    family = INSTANCES[name]
    counterpart = family.scipy_counterpart
    x = family.random_point(np.random.default_rng(0))
    blocks = {b.name: b.to_value(part) for b, part in family._blocks(x)}
    kwargs = {arg: (1.0 / blocks[src.parameter] if isinstance(src, Reciprocal) else blocks[src])
              for arg, src in counterpart.arguments.items()}
    kwargs.update({arg: getattr(family, kw) for kw, arg in counterpart.hyper.items()
                   if isinstance(arg, str)})
    argument = data.draw(st.sampled_from(sorted(counterpart.arguments)))
    source = counterpart.arguments[argument]
    block = next(b for b in family.parameters
                 if b.name == getattr(source, "parameter", source))
    bad_blocks = [b for b in block.outside()] + [np.full(block.size, np.nan)]
    bad = bad_blocks[data.draw(st.integers(0, len(bad_blocks) - 1))]
    value = block.to_value(bad)
    with np.errstate(divide="ignore"):
        kwargs[argument] = 1.0 / value if isinstance(source, Reciprocal) else value
    try:
        frozen = getattr(stats, counterpart.name)(**kwargs)
    except ValueError:  # scipy refuses it itself (multivariate distributions do)
        return
    with pytest.raises(ValueError, match="dist"):
        family.from_scipy(frozen)
    if counterpart.dispatch:
        with pytest.raises(ValueError, match="dist"):
            from_scipy(frozen)
