"""Confidence ellipses of 2-D Gaussians (infogeo.plotting.gaussians)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from infogeo.plotting import gaussian_ellipse, plot_gaussian_ellipse  # noqa: E402


def test_points_have_the_requested_mahalanobis_radius() -> None:
    mean, cov = np.array([1.0, -2.0]), np.array([[2.0, 0.8], [0.8, 0.5]])
    pts = gaussian_ellipse(mean, cov, n_std=1.5, n_points=64)
    d = pts - mean
    maha = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
    np.testing.assert_allclose(maha, 1.5**2, rtol=1e-12)


def test_area_matches_the_determinant_formula() -> None:
    # independent check: the area of the k-ellipse is pi k^2 sqrt(det cov)
    cov = np.array([[3.0, -1.0], [-1.0, 1.0]])
    pts = gaussian_ellipse([0.0, 0.0], cov, n_std=2.0, n_points=20_001)
    x, y = pts[:, 0], pts[:, 1]
    shoelace = 0.5 * abs(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))
    assert shoelace == pytest.approx(np.pi * 4 * np.sqrt(np.linalg.det(cov)), rel=1e-6)


def test_mass_inside_matches_monte_carlo() -> None:
    # a third check: the fraction of N(m, cov) draws inside the k-ellipse is 1 - exp(-k^2/2)
    rng = np.random.default_rng(0)
    cov = np.array([[1.0, 0.6], [0.6, 2.0]])
    x = rng.multivariate_normal([0.0, 0.0], cov, 20_000)
    inside = np.mean(np.einsum("ni,ij,nj->n", x, np.linalg.inv(cov), x) < 4.0)
    expected = 1 - np.exp(-2.0)
    se = np.sqrt(expected * (1 - expected) / len(x))
    assert abs(inside - expected) < 4 * se
    # and the polygon from gaussian_ellipse encloses the same draws
    from matplotlib.path import Path
    poly = Path(gaussian_ellipse([0.0, 0.0], cov, 2.0, 2000))
    assert abs(np.mean(poly.contains_points(x)) - inside) < 2e-3


def test_plot_draws_curve_and_centre() -> None:
    fig, ax = plt.subplots()
    arts = plot_gaussian_ellipse([0.0, 1.0], np.eye(2), ax=ax, color="C2", label="q")
    assert len(arts) == 2 and ax.has_data()
    arts = plot_gaussian_ellipse([0.0, 1.0], np.eye(2), ax=ax, center=False)
    assert len(arts) == 1
    plt.close(fig)


@pytest.mark.parametrize("mean, cov, kwargs, match", [
    ([0.0], np.eye(2), {}, "mean must have shape"),
    ([0.0, 0.0], np.eye(3), {}, "cov must have shape"),
    ([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]], {}, "symmetric"),
    ([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]], {}, "positive definite"),
    ([0.0, 0.0], np.eye(2), {"n_std": 0.0}, "n_std must be > 0"),
    ([0.0, np.nan], np.eye(2), {}, "mean"),
])
def test_bad_input(mean: list, cov: list, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        gaussian_ellipse(mean, cov, **kwargs)
