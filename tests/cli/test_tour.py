"""``infogeo tour`` computes real numbers that agree with closed forms, and draws."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from infogeo.cli import main
from infogeo.manifolds import Normal
from infogeo.tour import normal_fisher_rao_distance, run_tour


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFOGEO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def test_closed_form_distance_of_the_tour() -> None:
    # same mean: d = sqrt(2) |log(sigma2/sigma1)| (REFERENCE.md, a special case)
    assert normal_fisher_rao_distance([0.3, 1.0], [0.3, 4.0]) == pytest.approx(
        np.sqrt(2) * np.log(4.0), rel=1e-14)
    rng = np.random.default_rng(3)
    for _ in range(5):
        a, b = Normal().random_point(rng, 2)
        assert normal_fisher_rao_distance(a, b) == pytest.approx(float(Normal().dist(a, b)),
                                                                 rel=1e-10)


def test_tour_numbers(tmp_path: Path) -> None:
    text = io.StringIO()
    result = run_tour(tmp_path, figure=False, stream=text)
    mu, sigma = sp.symbols("mu sigma", real=True, positive=True)
    fisher = result.fisher.subs({s: {"mu": mu, "sigma": sigma}[s.name]
                                 for s in result.fisher.free_symbols})
    assert sp.simplify(fisher - sp.diag(1 / sigma**2, 2 / sigma**2)) == sp.zeros(2, 2)
    assert result.scalar_curvature == -1
    assert result.compile_error < 1e-12
    assert result.distance == pytest.approx(result.distance_closed_form, rel=1e-12)
    # a 400-segment polyline of the geodesic: midpoint-rule error O(h^2)
    assert result.curve_length == pytest.approx(result.distance, rel=1e-5)
    # symbolic Christoffel symbols drive the geodesic ODE to the closed-form endpoint
    assert result.ode_endpoint_error < 1e-8
    assert np.max(np.abs(result.mc_z_scores)) < 4.0  # within 4 standard errors
    assert result.skipped == [] and result.figure is None
    out = text.getvalue()
    assert "scalar curvature R = -1" in out and "Monte Carlo" in out


def test_tour_command_writes_a_figure(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    import matplotlib.image as mpimg

    code = main(["tour", "--output", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0, err
    png = tmp_path / "out" / "tour.png"
    assert str(png) in out
    image = mpimg.imread(png)
    assert image.shape[0] > 300 and image.shape[1] > 600
    # not a blank canvas: many distinct colours (curves in several colours, text)
    colours = np.unique(image[..., :3].reshape(-1, 3).round(2), axis=0)
    assert len(colours) > 20
