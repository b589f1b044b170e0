"""Error bands and log-log slopes (infogeo.plotting.uncertainty)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from infogeo.plotting import loglog_slope, plot_estimate_band, plot_loglog_fit  # noqa: E402


def test_loglog_slope_recovers_a_power_law() -> None:
    x = np.geomspace(10, 1e5, 9)
    slope, intercept = loglog_slope(x, 3.0 * x**-0.5)
    assert slope == pytest.approx(-0.5, abs=1e-12)
    assert np.exp(intercept) == pytest.approx(3.0, rel=1e-12)


def test_loglog_slope_of_monte_carlo_means_is_minus_one_half() -> None:
    # independent check: RMS error of sample means of N(0, 1) draws, 400 replicates
    rng = np.random.default_rng(0)
    n = np.array([10, 40, 160, 640, 2560])
    rms = np.array([np.sqrt(np.mean(rng.standard_normal((400, k)).mean(1) ** 2)) for k in n])
    slope, _ = loglog_slope(n, rms)
    # each RMS has relative error ~ 1/sqrt(2*400) = 3.5%; over 2.4 decades that moves
    # the slope by well under 0.05
    assert slope == pytest.approx(-0.5, abs=0.05)


def test_estimate_band_bounds() -> None:
    fig, ax = plt.subplots()
    x, m, se = np.arange(4.0), np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.1, 0.2, 0.0, 1.0])
    line, band = plot_estimate_band(x, m, se, ax=ax, n_se=2.0, label="est")
    verts = band.get_paths()[0].vertices
    assert verts[:, 1].min() == pytest.approx(0.8)  # 1 - 2 * 0.1
    assert verts[:, 1].max() == pytest.approx(6.0)  # 4 + 2 * 1
    np.testing.assert_allclose(line.get_ydata(), m)
    plt.close(fig)


def test_loglog_fit_draws_and_returns_slope() -> None:
    fig, ax = plt.subplots()
    x = np.geomspace(1, 100, 5)
    slope, artists = plot_loglog_fit(x, 2 * x**1.5, ax=ax, label="a", reference_slope=1.0)
    assert slope == pytest.approx(1.5)
    assert len(artists) == 3 and ax.get_xscale() == "log"
    plt.close(fig)


@pytest.mark.parametrize("kwargs, match", [
    ({"x": [1.0, 2.0], "y": [1.0, -1.0]}, "y must be > 0"),
    ({"x": [1.0, 1.0], "y": [1.0, 2.0]}, "two distinct"),
    ({"x": [1.0, 2.0], "y": [1.0]}, "y must have the shape"),
    ({"x": [[1.0, 2.0]], "y": [[1.0, 2.0]]}, "1-D"),
])
def test_loglog_slope_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        loglog_slope(**kwargs)


def test_estimate_band_rejects_negative_stderr() -> None:
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="stderr must be >= 0"):
        plot_estimate_band([1.0], [1.0], [-0.1], ax=ax)
    plt.close(fig)
