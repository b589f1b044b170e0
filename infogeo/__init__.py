"""infogeo: information geometry in Python.

Subpackages are imported on first use (``ig.symbolic``, ``ig.manifolds``, ...), so that
``import infogeo`` stays fast and the optional extras are only needed when used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBPACKAGES = ("manifolds", "symbolic", "estimators", "flows", "learning", "federated",
                "plotting", "interop", "errors", "nonparametric")

__all__ = list(_SUBPACKAGES) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'infogeo' has no attribute {name!r}")
