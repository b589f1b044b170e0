"""curve_length (Fisher length of a polyline) and the loss-contour helpers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import infogeo as ig  # noqa: E402
from infogeo.plotting import curve_length, loss_grid, plot_loss_contours  # noqa: E402

NORMAL = ig.manifolds.Normal()


@pytest.fixture
def ax():  # noqa: ANN201
    return Figure().add_subplot()


# ---------------------------------------------------------------------- curve_length
def test_vertical_and_horizontal_lines_of_the_normal_family() -> None:
    """ds = sqrt(2) dσ/σ along μ = const and ds = |dμ|/σ along σ = const
    (I = diag(1, 2)/σ², Amari & Nagaoka 2000, §2)."""
    sigma = np.geomspace(0.5, 4.0, 400)
    vertical = np.stack([np.full_like(sigma, 0.3), sigma], -1)
    assert float(curve_length(NORMAL, vertical)) == pytest.approx(
        np.sqrt(2) * np.log(8.0), rel=1e-5)
    mu = np.linspace(-1.0, 2.0, 7)  # the metric is constant along this line: exact
    horizontal = np.stack([mu, np.full_like(mu, 1.5)], -1)
    assert float(curve_length(NORMAL, horizontal)) == pytest.approx(3.0 / 1.5, rel=1e-12)


def test_poisson_segment_closed_form() -> None:
    """I(λ) = 1/λ, so the length of [λ₁, λ₂] is 2(√λ₂ − √λ₁)."""
    lam = np.linspace(1.0, 9.0, 2000)[:, None]
    assert float(curve_length(ig.manifolds.Poisson(), lam)) == pytest.approx(4.0, rel=1e-6)


def test_geodesics_have_the_length_of_the_distance_batched() -> None:
    """A batch [n, T, dim] of geodesics: lengths equal the closed-form distances
    (hyperbolic arccosh for the normal family, 2 arccos Σ√(pq) for the categorical)."""
    rng = np.random.default_rng(3)
    t = np.linspace(0.0, 1.0, 800)
    for manifold in (NORMAL, ig.manifolds.Categorical(3)):
        a, b = manifold.random_point(rng, 5), manifold.random_point(rng, 5)
        curves = manifold.geodesic(a, end_point=b)(t)
        lengths = curve_length(manifold, curves)
        assert lengths.shape == (5,)
        if manifold is NORMAL:
            (m1, s1), (m2, s2) = a.T, b.T
            closed = np.sqrt(2) * np.arccosh(
                1 + ((m1 - m2) ** 2 / 2 + (s1 - s2) ** 2) / (2 * s1 * s2))
        else:
            pa, pb = manifold.probabilities(a), manifold.probabilities(b)
            closed = 2 * np.arccos(np.sum(np.sqrt(pa * pb), axis=-1))
        np.testing.assert_allclose(lengths, closed, rtol=1e-5)


def test_length_is_chart_independent_and_second_order() -> None:
    """The same (non-geodesic) curve measured in (μ, σ) and in natural parameters; the
    error of the midpoint rule against a fine reference falls like h²."""
    def curve(n: int) -> np.ndarray:
        s = np.linspace(0.0, 1.0, n)
        return np.stack([np.sin(3 * s), 0.5 + s**2], -1)

    reference = float(curve_length(NORMAL, curve(20001)))
    natural = NORMAL.in_chart("natural")
    in_natural = float(curve_length(natural, NORMAL.change_chart(curve(20001), "natural")))
    assert in_natural == pytest.approx(reference, rel=1e-7)
    sizes = np.array([25, 50, 100, 200])
    errors = [abs(float(curve_length(NORMAL, curve(n))) - reference) for n in sizes]
    slope = np.polyfit(np.log(1.0 / sizes), np.log(errors), 1)[0]
    assert slope == pytest.approx(2.0, abs=0.15)


def test_curve_length_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="curve must have shape"):
        curve_length(NORMAL, [[0.0, 1.0]])                 # a single point
    with pytest.raises(ValueError, match="curve must have shape"):
        curve_length(NORMAL, np.ones((5, 3)))              # wrong dimension
    with pytest.raises(TypeError, match="manifold"):
        curve_length("normal", np.ones((5, 2)))
    with pytest.raises(ValueError, match="curve"):
        curve_length(NORMAL, [[0.0, 1.0], [np.nan, 1.0]])
    with pytest.raises(ValueError, match="sigma"):
        curve_length(NORMAL, [[0.0, 1.0], [0.0, -1.0]])    # midpoint outside the domain


# ---------------------------------------------------------------------- contours
def kl_to_standard(theta: np.ndarray) -> float:
    return float(NORMAL.kl_divergence([0.0, 1.0], theta))  # raises ValueError for σ <= 0


def test_loss_grid_evaluates_the_loss_and_masks_the_outside() -> None:
    x, y, values = loss_grid(kl_to_standard, (-1.0, 1.0), (-0.5, 2.0), n=11)
    assert x.shape == y.shape == values.shape == (11, 11)
    np.testing.assert_array_equal(values.mask, y <= 0)
    inside = ~values.mask
    mu, sigma = x[inside], y[inside]
    expected = np.log(sigma) + (1 + mu**2) / (2 * sigma**2) - 0.5  # KL(N(0,1) || N(mu, s²))
    np.testing.assert_allclose(values[inside], expected, rtol=1e-12)


def test_vectorized_loss_grid_equals_the_pointwise_one() -> None:
    calls = []

    def kl_batch(theta: np.ndarray) -> np.ndarray:
        calls.append(np.shape(theta))
        return NORMAL.kl_divergence([0.0, 1.0], theta)

    pointwise = loss_grid(kl_to_standard, (-1.0, 1.0), (0.2, 2.0), n=9)[2]
    vectorized = loss_grid(kl_batch, (-1.0, 1.0), (0.2, 2.0), n=9, vectorized=True)[2]
    assert calls == [(9, 9, 2)]  # one call for the whole grid
    np.testing.assert_allclose(vectorized, pointwise, rtol=1e-14)
    # a point outside the domain makes the batch call fail: evaluated point by point,
    # masked where the loss refuses
    calls.clear()
    masked = loss_grid(kl_batch, (-1.0, 1.0), (-0.5, 2.0), n=11, vectorized=True)[2]
    assert calls[0] == (11, 11, 2) and len(calls) == 1 + 11 * 11
    np.testing.assert_array_equal(masked.mask, loss_grid(kl_to_standard, (-1.0, 1.0),
                                                         (-0.5, 2.0), n=11)[2].mask)
    with pytest.raises(ValueError, match="vectorized=True must map"):
        loss_grid(lambda th: np.zeros(3), (-1.0, 1.0), (0.2, 2.0), n=5, vectorized=True)


def test_contours_of_a_quadratic_are_circles(ax) -> None:  # noqa: ANN001
    contours = plot_loss_contours(lambda z: float(z @ z), (-2, 2), (-2, 2), ax=ax, n=121,
                                  levels=[1.0, 2.25])
    for level, segments in zip([1.0, 2.25], contours.allsegs, strict=True):
        radii = np.concatenate([np.hypot(s[:, 0], s[:, 1]) for s in segments])
        np.testing.assert_allclose(radii, np.sqrt(level), atol=1e-3)
    logged = plot_loss_contours(lambda z: float(z @ z), (-2, 2), (-2, 2), ax=ax, n=101,
                                levels=[np.log(1.0)], log=True)
    radii = np.concatenate([np.hypot(s[:, 0], s[:, 1]) for s in logged.allsegs[0]])
    np.testing.assert_allclose(radii, 1.0, atol=2e-3)  # log(r² − 0 + ε) = 0: r ≈ 1


def test_contours_reject_bad_input(ax) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="xlim"):
        plot_loss_contours(kl_to_standard, (1.0, -1.0), (0.5, 2.0), ax=ax)
    with pytest.raises(ValueError, match="n must be"):
        loss_grid(kl_to_standard, (-1.0, 1.0), (0.5, 2.0), n=1)
    with pytest.raises(ValueError, match="finite somewhere"):
        plot_loss_contours(kl_to_standard, (-1.0, 1.0), (-2.0, -1.0), ax=ax)
    with pytest.raises(TypeError, match="ax"):
        plot_loss_contours(kl_to_standard, (-1.0, 1.0), (0.5, 2.0), ax="axes")
