"""Every gallery script runs (Agg backend) and leaves at least one non-empty figure."""

from __future__ import annotations

import runpy
import warnings
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GALLERY = Path(__file__).resolve().parents[1] / "gallery"
SCRIPTS = sorted(GALLERY.glob("plot_*.py"))


def test_gallery_is_not_empty() -> None:
    assert len(SCRIPTS) >= 10, [s.name for s in SCRIPTS]


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_gallery_script_draws_a_figure(script: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    plt.close("all")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*non-interactive.*")
        runpy.run_path(str(script), run_name="__main__")
    numbers = plt.get_fignums()
    assert numbers, f"{script.name} produced no figure"
    for number in numbers:
        fig = plt.figure(number)
        drawn = [ax for ax in fig.axes if ax.has_data() or ax.images or ax.collections]
        assert drawn, f"{script.name}: figure {number} has no plotted data"
        out = tmp_path / f"fig{number}.png"
        fig.savefig(out)
        assert out.stat().st_size > 1000
    plt.close("all")
