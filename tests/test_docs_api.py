"""Every public name of every subpackage appears in the API reference (docs/api.rst)."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
SUBPACKAGES = ["manifolds", "symbolic", "estimators", "flows", "learning", "federated",
               "plotting", "interop", "nonparametric"]


def documented_names() -> set[str]:
    text = API.read_text()
    names: set[str] = set()
    current = None
    for line in text.splitlines():
        module = re.match(r"\.\. (?:currentmodule|module):: (\S+)", line.strip())
        if module:
            current = module.group(1)
            continue
        entry = (re.match(r"^\s{3,}([A-Za-z_][\w.]*)\s*$", line)
                 or re.match(r"^\.\. py:(?:data|class):: ([A-Za-z_][\w.]*)\s*$", line.strip()))
        if entry and current:
            names.add(f"{current}.{entry.group(1)}")
    return names


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_every_public_name_is_documented(sub: str) -> None:
    module = importlib.import_module(f"infogeo.{sub}")
    public = {f"infogeo.{sub}.{name}" for name in getattr(module, "__all__", [])}
    missing = sorted(public - documented_names())
    assert not missing, f"add to docs/api.rst: {missing}"


def test_api_reference_is_what_the_generator_writes() -> None:
    """docs/api.rst is generated (``python docs/_tools_gen_api.py``), never edited by
    hand, so a hand edit or a new module is caught here rather than drifting."""
    spec = importlib.util.spec_from_file_location("gen_api", API.with_name("_tools_gen_api.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert API.read_text() == gen.render(), "run: python docs/_tools_gen_api.py"


def test_family_reference_covers_every_family_and_catalogue_entry() -> None:
    """docs/families.rst is generated from the code: every concrete numeric family gets
    a section with all its charts, every symbolic catalogue entry a row."""
    import inspect
    import sys

    import infogeo as ig

    sys.path.insert(0, str(API.parent))
    try:
        import _families
    finally:
        sys.path.remove(str(API.parent))
    text = _families.render()
    for name in ig.manifolds.__all__:
        cls = getattr(ig.manifolds, name)
        if (inspect.isclass(cls) and issubclass(cls, ig.manifolds.StatisticalManifold)
                and not inspect.isabstract(cls)):
            assert f"\n{name}\n{'-' * len(name)}\n" in text, f"no section for {name}"
            assert f".. autoclass:: infogeo.manifolds.{name}\n" in text
    for manifold in _families._instances():
        for chart in manifold.chart_names:
            assert f"``{chart}``" in text
    for name in ig.symbolic.catalogue.names():
        assert f"   * - ``{name}``\n" in text, f"catalogue entry {name} missing"
