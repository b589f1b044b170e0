"""Write docs/api.rst from the subpackages' ``__all__`` lists, grouped by defining module.

Run after adding public names: ``python docs/_tools_gen_api.py``. ``tests/test_docs_api.py``
fails when the committed file differs from what this script writes.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SECTIONS = [
    ("symbolic", "Symbolic derivation (sympy)"),
    ("manifolds", "Numeric statistical manifolds"),
    ("estimators", "Fisher estimators and approximations"),
    ("flows", "Natural gradient and Fisher flows"),
    ("learning", "Learning: networks, K-FAC, variational inference"),
    ("federated", "Federated learning: natural gradient across clients (Flower)"),
    ("plotting", "Plotting helpers"),
    ("interop", "Interoperability (geomstats, scipy.stats)"),
    ("nonparametric", "Non-parametric Fisher–Rao geometry"),
]

#: Rubric of the names defined in private modules.
PRIVATE_GROUPS = {"_numeric_moments": "numeric_family", "_newton": "mean-map inversion"}


def render() -> str:
    """The text of docs/api.rst."""
    out = ["API reference", "=============", "",
           "Every public name of every subpackage. Points are arrays ``[..., dim]``;",
           "Christoffel symbols are ``gamma[..., k, i, j]`` = :math:`\\Gamma^k_{ij}`.", ""]
    for sub, title in SECTIONS:
        try:
            module = importlib.import_module(f"infogeo.{sub}")
        except ImportError:
            print(f"skipped infogeo.{sub}: not importable")
            continue
        names = list(getattr(module, "__all__", []))
        out += [title, "-" * len(title), "", f".. automodule:: infogeo.{sub}",
                "   :no-members:", "", f".. currentmodule:: infogeo.{sub}", ""]
        groups: dict[str, list[str]] = {}
        for name in names:
            obj = getattr(module, name)
            origin = getattr(obj, "__module__", None) or module.__name__
            if inspect.ismodule(obj):
                origin = "modules"
            group = origin.rsplit(".", 1)[-1]
            # a private module's names go with the public module they serve
            group = PRIVATE_GROUPS.get(group, group.lstrip("_"))
            groups.setdefault(group, []).append(name)
        for group, members in groups.items():
            out += [f".. rubric:: {group}", "", ".. autosummary::", "   :toctree: generated/",
                    ""]
            out += [f"   {m}" for m in members]
            out.append("")
    return "\n".join(out) + "\n"


def main() -> None:
    Path(__file__).with_name("api.rst").write_text(render())


if __name__ == "__main__":
    main()
