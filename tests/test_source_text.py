r"""Lint: no control characters in the sources, nor in any docstring once evaluated.

TeX in a docstring that is not a raw string silently turns ``\frac`` into a form feed
and ``\tfrac`` into a tab: the documentation shows garbage (and tools that write the
evaluated text back leave invisible bytes in the file). Only the newline is allowed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".py", ".rst", ".md", ".toml", ".cfg", ".txt", ".ini", ".yml", ".yaml"}
FOLDERS = ["infogeo", "tests", "gallery", "benchmarks", "docs"]
#: every C0 control character but the newline, DEL, and the C1 controls
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
SKIP_PARTS = {"_build", "generated", "auto_examples", "__pycache__", ".git"}


def source_files() -> list[Path]:
    files = [p for folder in FOLDERS for p in (ROOT / folder).rglob("*")
             if p.is_file() and p.suffix in TEXT_SUFFIXES and not SKIP_PARTS & set(p.parts)]
    files += [p for p in ROOT.iterdir() if p.is_file() and p.suffix in TEXT_SUFFIXES]
    return sorted(files)


def _where(text: str, match: re.Match[str]) -> str:
    line = text.count("\n", 0, match.start()) + 1
    return f"line {line}: {match.group()!r}"


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_control_characters_in_the_file(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    bad = [_where(text, m) for m in CONTROL.finditer(text)]
    assert not bad, f"{path.relative_to(ROOT)}: control characters at {bad[:5]}"


@pytest.mark.parametrize("path", [p for p in source_files() if p.suffix == ".py"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_control_characters_in_docstrings(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(
        n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    bad = []
    for node in nodes:
        doc = ast.get_docstring(node, clean=False)
        if doc and CONTROL.search(doc):
            name = getattr(node, "name", "<module>")
            bad.append(f"{name}: {CONTROL.search(doc).group()!r} (use a raw string r\"\"\")")
    assert not bad, f"{path.relative_to(ROOT)}: {bad}"


def test_the_lint_catches_an_escaped_docstring() -> None:
    escaped = 'def f():\n    """\\frac{a}{b} and \\alpha"""\n'
    doc = ast.get_docstring(ast.parse(escaped).body[0], clean=False)
    assert CONTROL.search(doc)  # \f and \a became control characters
