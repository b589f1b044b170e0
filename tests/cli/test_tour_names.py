"""Everything the tour uses is listed by ``dir()`` of the package it comes from (issue 13):
what the tour shows a new user, tab completion and ``help()`` find too."""

from __future__ import annotations

import ast
import importlib
import types
from pathlib import Path

import infogeo
import infogeo.tour


def _uses() -> list[tuple[str, tuple[str, ...]]]:
    """``(module, attribute chain)`` of every name the tour takes from an infogeo module:
    ``from .pkg import name`` and ``pkg.attr.attr`` on an imported package, lazy imports
    inside functions included."""
    tree = ast.parse(Path(infogeo.tour.__file__).read_text(encoding="utf-8"))
    bound: dict[str, str] = {}
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            base = "infogeo" + (f".{node.module}" if node.module else "")
            for alias in node.names:
                if node.module is None:  # `from . import symbolic`: a subpackage
                    bound[alias.asname or alias.name] = f"infogeo.{alias.name}"
                uses.append((base, (alias.name,)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain: list[str] = []
            inner: ast.expr = node
            while isinstance(inner, ast.Attribute):
                chain.insert(0, inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id in bound:
                uses.append((bound[inner.id], tuple(chain)))
    return uses


def test_the_tour_uses_public_names_only() -> None:
    uses = _uses()
    assert ("infogeo.symbolic", ("catalogue", "normal")) in uses  # the parser sees them
    missing = []
    for module, chain in uses:
        obj: object = importlib.import_module(module)
        for name in chain:
            if not isinstance(obj, types.ModuleType):
                break
            if name not in dir(obj) or name.startswith("_"):
                missing.append(f"{obj.__name__}.{name}")
                break
            obj = getattr(obj, name)
    assert not missing, f"the tour uses names not listed by dir(): {sorted(set(missing))}"


def test_every_package_lists_its_public_names() -> None:
    """Lazily served names (``ig.symbolic``, ``symbolic.compile_manifold``) included."""
    for name in ["infogeo", *(f"infogeo.{p}" for p in infogeo.__all__ if p != "__version__")]:
        module = importlib.import_module(name)
        missing = [n for n in getattr(module, "__all__", []) if n not in dir(module)]
        assert not missing, f"{name}: {missing} in __all__ but not in dir()"
