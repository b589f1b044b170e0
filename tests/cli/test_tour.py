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


def test_tour_numbers_and_figure(tmp_path: Path) -> None:
    import matplotlib.image as mpimg

    text = io.StringIO()
    result = run_tour(tmp_path / "out", stream=text)
    mu, sigma = sp.symbols("mu sigma", real=True, positive=True)
    fisher = result.fisher.subs({s: {"mu": mu, "sigma": sigma}[s.name]
                                 for s in result.fisher.free_symbols})
    assert sp.simplify(fisher - sp.diag(1 / sigma**2, 2 / sigma**2)) == sp.zeros(2, 2)
    assert result.scalar_curvature == -1
    assert result.compile_error < 1e-12
    assert result.distance == pytest.approx(result.distance_closed_form, rel=1e-12)
    # lengths do not depend on the chart (the natural chart's metric is I_theta = J^T I J)
    assert result.curve_length_natural == pytest.approx(result.distance, rel=3e-5)
    # a 400-segment polyline of the geodesic: midpoint-rule error O(h^2)
    assert result.curve_length == pytest.approx(result.distance, rel=1e-5)
    # symbolic Christoffel symbols drive the geodesic ODE to the closed-form endpoint
    assert result.ode_endpoint_error < 1e-8
    assert np.max(np.abs(result.mc_z_scores)) < 4.0  # within 4 standard errors
    assert result.skipped == []
    out = text.getvalue()
    assert "scalar curvature R = -1" in out and "Monte Carlo" in out
    assert "symbolic.compile_manifold" in out  # the real codegen, not a stand-in
    png = tmp_path / "out" / "tour.png"
    assert result.figure == png and str(png) in out
    image = mpimg.imread(png)
    assert image.shape[0] > 300 and image.shape[1] > 600
    # not a blank canvas: many distinct colours (curves in several colours, text)
    colours = np.unique(image[..., :3].reshape(-1, 3).round(2), axis=0)
    assert len(colours) > 20


def test_tour_command_passes_its_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI wiring (the tour itself is run above); a failing tour is a one-line error."""
    import infogeo.tour

    calls = []
    monkeypatch.setattr(infogeo.tour, "run_tour",
                        lambda output, figure: calls.append((output, figure)))
    assert main(["tour", "--output", str(tmp_path), "--no-figure"]) == 0
    assert main(["tour"]) == 0
    assert calls == [(str(tmp_path), False), ("tour_output", True)]

    def broken(output: str, figure: bool) -> None:
        raise OSError("output: cannot create directory x: Permission denied")
    monkeypatch.setattr(infogeo.tour, "run_tour", broken)
    assert main(["tour"]) == 1
    err = capsys.readouterr().err
    assert err == "infogeo: error: output: cannot create directory x: Permission denied\n"


@pytest.mark.slow
def test_python_dash_m_infogeo_tour(tmp_path: Path) -> None:
    """What the README's first command does, in a fresh process without a display."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, "-m", "infogeo", "tour", "--output", "out"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "scalar curvature R = -1" in proc.stdout
    assert (tmp_path / "out" / "tour.png").stat().st_size > 10_000
