"""Build a :class:`SymbolicFamily` from a ``sympy.stats`` random variable.

The conversion is :meth:`SymbolicFamily.from_sympy_stats`; this module keeps the
function form (imports go one way: this module uses the family, never the reverse).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from .family import SymbolicFamily

__all__ = ["family_from_sympy_stats"]


def family_from_sympy_stats(random_variable: Any, params: Sequence[sp.Symbol] | None = None,
                            **kwargs: Any) -> SymbolicFamily:
    """See :meth:`SymbolicFamily.from_sympy_stats`."""
    return SymbolicFamily.from_sympy_stats(random_variable, params, **kwargs)
