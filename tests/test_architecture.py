"""The house rules of /work/shared/DESIGN.md, read from the source of the whole package.

* No import circles between modules, imports inside functions included (the only imports
  left out are those under ``if TYPE_CHECKING:``, which never run).
* Imports point downwards only, through the layers below; ``flows`` never imports
  ``manifolds`` (it states what it needs as Protocols); ``manifolds`` never imports
  ``symbolic``, and ``symbolic`` imports ``manifolds`` only in ``symbolic.codegen``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import infogeo

ROOT = Path(infogeo.__file__).parent

#: Layer of each top-level unit of the package (higher imports lower, never the reverse).
#: ``interop`` adapts the manifolds to scipy / geomstats / sympy.stats, so it sits above
#: them and is imported only on demand; the root ``infogeo/__init__`` loads its
#: subpackages lazily (no static import), so it is at the bottom.
LAYERS: dict[str, int] = {
    "__init__": 0, "errors": 0, "_checks": 0, "_progress": 0, "_quadrature": 0,
    "_discrete_sum": 0,
    "symbolic": 1,
    "manifolds": 2,
    "interop": 3,
    "estimators": 4,
    "nonparametric": 5,
    "flows": 6,
    "learning": 7,
    "federated": 8,
    "plotting": 9, "_cli_output": 9,
    "tour": 10, "cli": 10, "_cli_commands": 10, "__main__": 10,
}

#: Import circles that another branch removes: the test fails once they are gone, so the
#: entry is deleted with them.
KNOWN_CIRCLES: set[frozenset[str]] = set()


def _modules() -> dict[str, tuple[Path, str]]:
    """``{dotted name: (path, package it sits in)}`` for every module of infogeo."""
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = ["infogeo", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
            out[".".join(parts)] = (path, ".".join(parts))
        else:
            out[".".join(parts)] = (path, ".".join(parts[:-1]))
    return out


MODULES = _modules()


def _owner(name: str) -> str:
    """The longest module prefix of a dotted name (``pkg.mod.func`` -> ``pkg.mod``)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node, skipping the bodies of ``if TYPE_CHECKING:`` blocks."""
    out, todo = [], [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        out.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return out


def _imports(module: str) -> set[str]:
    """The infogeo modules that ``module`` imports, wherever the import statement is."""
    path, package = MODULES[module]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "infogeo":
                continue
            for alias in node.names:  # `from . import x`: x may be a module
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else _owner(target))
        elif isinstance(node, ast.Import):
            found.update(_owner(a.name) for a in node.names if a.name.split(".")[0] == "infogeo")
    found.discard(module)
    return found


GRAPH = {m: _imports(m) for m in MODULES}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_unit_has_a_layer() -> None:
    assert {_unit(m) for m in MODULES} == set(LAYERS)


def _circles() -> list[list[str]]:
    """One circle per back edge of a depth-first search over the import graph."""
    state: dict[str, int] = {}
    circles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                circles.append(trail[trail.index(nxt):] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    return circles


def test_no_import_circles() -> None:
    circles = {frozenset(c) for c in _circles()}
    new = [sorted(c) for c in circles - KNOWN_CIRCLES]
    assert not new, f"import circles: {new}"
    assert not KNOWN_CIRCLES - circles, "a known circle is gone: delete it from KNOWN_CIRCLES"


#: the symbolic modules that compile a family into a numeric manifold (closed form, or
#: the numeric route when an expectation does not close): the only upward arrows
COMPILERS = {"infogeo.symbolic.codegen", "infogeo.symbolic.numeric_route"}


def _edges() -> list[tuple[str, str]]:
    return [(a, b) for a, targets in GRAPH.items() for b in targets]


def test_imports_point_downwards() -> None:
    upward = [f"{a} -> {b}" for a, b in _edges()
              if LAYERS[_unit(b)] > LAYERS[_unit(a)]
              and not (a in COMPILERS and _unit(b) == "manifolds")]
    assert not upward, "imports pointing upwards:\n" + "\n".join(sorted(upward))


@pytest.mark.parametrize(("importer", "imported"), [("flows", "manifolds"),
                                                     ("manifolds", "symbolic")])
def test_forbidden_arrows(importer: str, imported: str) -> None:
    bad = [f"{a} -> {b}" for a, b in _edges() if _unit(a) == importer and _unit(b) == imported]
    assert not bad, f"{importer} must not import {imported}: {bad}"


def test_symbolic_reaches_manifolds_only_through_codegen() -> None:
    bad = [f"{a} -> {b}" for a, b in _edges()
           if _unit(a) == "symbolic" and _unit(b) == "manifolds" and a not in COMPILERS]
    assert not bad, bad


def test_the_checker_sees_lazy_imports() -> None:
    """A function-level import counts: manifolds.base reaches scipy_conversion lazily."""
    assert "infogeo.manifolds.scipy_conversion" in GRAPH["infogeo.manifolds.base"]
    assert "infogeo.manifolds.base" not in GRAPH["infogeo.manifolds.scipy_conversion"]
