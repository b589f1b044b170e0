"""The gallery and tutorial scripts, run as a reader of the documentation sees them.

sphinx-gallery executes a script cell by cell (cells are separated by ``# %%`` lines) and
saves and closes every open figure at the end of each cell, unless the cell contains a
``# sphinx_gallery_defer_figures`` comment. A script that creates a figure in one cell
and draws into it in later cells therefore shows empty panels in the built HTML, though
it looks right when run directly. The default tests below execute every script the way
sphinx-gallery does and require every panel of every saved figure to carry data.

The slow test ``test_built_docs_show_every_panel`` compares the images of a real docs
build with the figures of a direct run, panel by panel; CI runs it after building the
docs with gallery execution (``.ci/run``, step 4).
"""

from __future__ import annotations

import html.parser
import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "gallery"
TUTORIALS = ROOT / "docs" / "tutorials"
SCRIPTS = sorted(GALLERY.glob("plot_*.py")) + sorted(TUTORIALS.glob("plot_*.py"))
#: where sphinx-gallery writes the pages of each source directory (docs/conf.py)
PAGES = {GALLERY: "auto_examples", TUTORIALS: "auto_tutorials"}

#: the cell separators and the defer flag of sphinx-gallery (py_source_parser, gen_rst)
CELL = re.compile(r"^#{20,}.*$|^# ?%%.*$", re.MULTILINE)
DEFER = re.compile(r"^[ \t]*#\s*sphinx_gallery_defer_figures[ \t]*$", re.MULTILINE)


@dataclass
class Panel:
    """An Axes of a saved figure: its box in figure fractions, whether it is drawn."""

    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    drawn: bool
    title: str


@dataclass
class Saved:
    """A figure as sphinx-gallery would save it, rendered to RGB."""

    cell: int
    panels: list[Panel]
    image: np.ndarray  # [height, width, 3], floats in [0, 1]


def cells(script: Path) -> list[tuple[int, str]]:
    """The code of each cell and its first line number (the docstring is part of cell 0)."""
    source = script.read_text()
    starts = [0] + [m.start() for m in CELL.finditer(source)] + [len(source)]
    return [(source.count("\n", 0, a), source[a:b]) for a, b in zip(starts, starts[1:],
                                                                       strict=False)]


def _drawn(ax: matplotlib.axes.Axes) -> bool:
    return bool(ax.has_data() or ax.images or ax.collections or ax.patches)


def _render(fig: matplotlib.figure.Figure) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")  # the scraper's call: no bbox_inches, figure dpi
    buffer.seek(0)
    return mpimg.imread(buffer)[..., :3]


def run_in_cells(script: Path, defer: bool = True) -> list[Saved]:
    """Execute ``script`` cell by cell in one namespace, saving and closing the open
    figures after each cell as sphinx-gallery does (``defer=False``: only at the end,
    as a direct run ``python script.py`` shows them)."""
    namespace = {"__name__": "__main__", "__file__": str(script)}
    saved: list[Saved] = []
    plt.close("all")
    pieces = cells(script)
    for index, (line, code) in enumerate(pieces):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*non-interactive.*")
            exec(compile("\n" * line + code, str(script), "exec"), namespace)  # noqa: S102
        last = index == len(pieces) - 1
        if (defer and DEFER.search(code)) or (not defer and not last):
            continue
        for number in plt.get_fignums():
            fig = plt.figure(number)
            image = _render(fig)  # draws, so the layout engine has placed the axes
            panels = [Panel(tuple(ax.get_position().extents), _drawn(ax), ax.get_title())
                      for ax in fig.axes if ax.get_visible()]
            saved.append(Saved(index, panels, image))
        plt.close("all")
    return saved


def test_gallery_has_sixteen_scripts_and_a_tutorial() -> None:
    assert len(list(GALLERY.glob("plot_*.py"))) >= 16, [s.name for s in SCRIPTS]
    assert list(TUTORIALS.glob("plot_*.py")), "the tutorial script is missing"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_every_saved_panel_is_drawn(script: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as sphinx-gallery runs it: each figure is complete when its cell ends."""
    monkeypatch.chdir(tmp_path)
    saved = run_in_cells(script)
    assert saved, f"{script.name} produced no figure"
    for k, figure in enumerate(saved, start=1):
        empty = [p.title or f"panel {i}" for i, p in enumerate(figure.panels) if not p.drawn]
        assert not empty, (f"{script.name}: figure {k} (saved after cell {figure.cell}) has "
                           f"empty panels {empty}: draw a figure in the cell that shows it, "
                           "or mark the earlier cells '# sphinx_gallery_defer_figures'")
        assert figure.image.std() > 0.01, f"{script.name}: figure {k} is blank"


# ----------------------------------------------------------------- the built documentation


def built_html() -> Path | None:
    """The HTML build to check: ``$INFOGEO_DOCS_HTML`` (then it must exist) or
    ``docs/_build/html`` if present."""
    given = os.environ.get("INFOGEO_DOCS_HTML")
    if given:
        path = Path(given)
        if not (path / "index.html").exists():
            pytest.fail(f"INFOGEO_DOCS_HTML={given} holds no HTML build (no index.html)")
        return path
    default = ROOT / "docs" / "_build" / "html"
    return default if (default / "index.html").exists() else None


class _Images(html.parser.HTMLParser):
    """The ``src`` of every ``<img>`` of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources += [value for key, value in attrs if key == "src" and value]


def page_figures(html_root: Path, script: Path) -> list[Path]:
    """The figure files the built page of ``script`` shows, in page order."""
    page = html_root / PAGES[script.parent] / f"{script.stem}.html"
    assert page.exists(), f"{page} is missing from the build"
    parser = _Images()
    parser.feed(page.read_text())
    pattern = re.compile(rf"sphx_glr_{re.escape(script.stem)}_\d{{3}}\.png$")
    return [(page.parent / src).resolve() for src in parser.sources if pattern.search(src)]


def ink(image: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Fraction of non-white pixels inside a panel (a 4 % margin excludes the spines)."""
    height, width = image.shape[:2]
    x0, y0, x1, y1 = box
    dx, dy = 0.04 * (x1 - x0), 0.04 * (y1 - y0)
    rows = slice(int((1 - y1 + dy) * height), int((1 - y0 - dy) * height))
    cols = slice(int((x0 + dx) * width), int((x1 - dx) * width))
    crop = image[rows, cols]
    return float(np.mean(np.any(crop < 0.95, axis=-1))) if crop.size else 0.0


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_built_docs_show_every_panel(script: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Each figure of the built page has the panels of the same figure run directly."""
    html_root = built_html()
    if html_root is None:
        pytest.skip("no docs build: python -m sphinx -b html docs docs/_build/html")
    page = html_root / PAGES[script.parent] / f"{script.stem}.html"
    if "INFOGEO_DOCS_HTML" not in os.environ and page.exists() and (
            script.stat().st_mtime > page.stat().st_mtime):
        pytest.skip(f"the docs build is older than {script.name}: rebuild the docs")
    shown = page_figures(html_root, script)
    monkeypatch.chdir(tmp_path)
    direct = run_in_cells(script, defer=False)
    assert len(shown) == len(direct), (f"{script.name}: the page shows {len(shown)} figures, "
                                       f"a direct run draws {len(direct)}")
    for k, (path, figure) in enumerate(zip(shown, direct, strict=True), start=1):
        image = mpimg.imread(path)[..., :3]
        ratio = (image.shape[1] / image.shape[0]) / (figure.image.shape[1]
                                                    / figure.image.shape[0])
        assert abs(ratio - 1) < 0.02, f"{path.name}: not the shape of figure {k}"
        for i, panel in enumerate(figure.panels):
            name = f"{path.name}, panel {i} ({panel.title!r})"
            want, got = ink(figure.image, panel.box), ink(image, panel.box)
            assert want > 0.002, f"{name}: empty even when the script is run directly"
            assert 0.5 * want < got < 2.0 * want + 0.01, (
                f"{name}: {100 * got:.2f} % of its pixels are drawn in the docs, "
                f"{100 * want:.2f} % in a direct run")
