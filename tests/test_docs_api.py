"""Every public name of every subpackage appears in the API reference (docs/api.rst)."""

from __future__ import annotations

import importlib
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
