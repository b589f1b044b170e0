"""Write ``docs/families.rst``, the per-family reference, from the code itself.

Run by ``docs/conf.py`` at the start of every build (so the page cannot go stale), or by
hand: ``python docs/_families.py``. For each numeric family of ``infogeo.manifolds`` (one
instance per class, taken from the registry the generic tests run over) the page lists
its charts with their coordinates, which operations the family implements itself and
which fall back to the generic machinery (finite differences, the geodesic ODE,
shooting), and its docstring, where the closed forms are written, through autodoc.
Then the symbolic catalogue, each entry with its docstring.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: the hooks of StatisticalManifold a family may implement, and what a reader calls them
HOOKS = [("_christoffels", "Christoffel symbols"), ("_skewness", "skewness tensor T"),
         ("_exp", "exp"), ("_log", "log"), ("_dist", "distance"), ("_kl", "KL divergence"),
         ("_score", "score"), ("_sample", "sampling")]
#: what the base class does for a hook the family leaves out
FALLBACK = {"_christoffels": "Koszul formula on finite differences of the metric",
            "_skewness": "not available",
            "_exp": "integration of the geodesic equation",
            "_log": "shooting (Newton on exp)", "_dist": "length of log",
            "_kl": "not available", "_score": "not available", "_sample": "not available"}
INTRO = """\
.. _families:

Families and their closed forms
===============================

Every numeric family of :mod:`infogeo.manifolds`, as the code declares it. For each:
its *charts* — the parametrizations ``in_chart`` and ``change_chart`` accept, the first
one being the base chart in which the family is written —, the operations the family
implements itself (with closed forms, or with a solver of its own) and those that fall
back to the generic machinery of :class:`~infogeo.manifolds.StatisticalManifold`, and
its documentation with the formulas. This page is generated from the code at every
build (``docs/_families.py``); the symbolic catalogue follows at the end.

.. contents:: Families
   :local:
   :depth: 1

"""


def _instances() -> list[object]:
    from infogeo.manifolds.registry import FAMILIES

    seen, out = set(), []
    for make in FAMILIES.values():
        manifold = make()
        if type(manifold) not in seen:
            seen.add(type(manifold))
            out.append(manifold)
    return out


def _heading(text: str, char: str) -> list[str]:
    return [text, char * len(text), ""]


def _family_section(manifold: object) -> list[str]:
    from infogeo.manifolds import StatisticalManifold

    cls = type(manifold)
    lines = _heading(cls.__name__, "-")
    lines += [f"Instance shown: ``{manifold!r}``, dimension {manifold.dim}"
              + (", discrete observations" if manifold.discrete else "") + ".", ""]
    lines += [".. list-table:: Charts", "   :header-rows: 1", "", "   * - chart",
              "     - coordinates"]
    for name in manifold.chart_names:
        chart = manifold.in_chart(name).chart
        base = " (base)" if chart.is_base else ""
        coords = ", ".join(f"``{c}``" for c in chart.coordinates)
        lines += [f"   * - ``{name}``{base}", f"     - {coords}"]
    own = [label for hook, label in HOOKS
           if getattr(cls, hook) is not getattr(StatisticalManifold, hook)]
    generic = [f"{label} ({FALLBACK[hook]})" for hook, label in HOOKS
               if getattr(cls, hook) is getattr(StatisticalManifold, hook)]
    lines += ["", f"**Implemented by the family:** metric, {', '.join(own)}.", ""]
    if generic:
        lines += [f"**Generic:** {'; '.join(generic)}.", ""]
    lines += [f".. autoclass:: {cls.__module__.rsplit('.', 1)[0]}.{cls.__name__}",
              "   :no-members:", "   :no-index:", ""]
    return lines


def _catalogue_section() -> list[str]:
    from infogeo.symbolic import catalogue

    lines = _heading("The symbolic catalogue", "-")
    lines += ["Named log-densities for :mod:`infogeo.symbolic`: "
              "``ig.symbolic.catalogue.get(name)`` returns the family, from which "
              ":func:`~infogeo.symbolic.fisher_information` derives the Fisher matrix and "
              ":func:`~infogeo.symbolic.compile_manifold` builds a numeric manifold. "
              "The closed forms quoted are the ones the tests check against.", "",
              ".. list-table::", "   :header-rows: 1", "   :widths: 25 75", "",
              "   * - name", "     - family"]
    for name in catalogue.names():
        doc = inspect.getdoc(catalogue.FAMILIES[name]) or ""
        summary = " ".join(doc.split("\n\n")[0].split())
        lines += [f"   * - ``{name}``", f"     - {summary}"]
    return lines + [""]


def render() -> str:
    lines = INTRO.splitlines()
    for manifold in _instances():
        lines += _family_section(manifold)
    lines += _catalogue_section()
    return "\n".join(lines) + "\n"


def write(path: Path | None = None) -> Path:
    """Write the page; leave the file untouched when nothing changed (no rebuild)."""
    path = Path(__file__).with_name("families.rst") if path is None else path
    text = render()
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


if __name__ == "__main__":
    print(write())
