"""Build a :class:`SymbolicFamily` from a ``sympy.stats`` random variable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from .family import SymbolicFamily

__all__ = ["family_from_sympy_stats"]


def family_from_sympy_stats(random_variable: Any, params: Sequence[sp.Symbol] | None = None,
                            **kwargs: Any) -> SymbolicFamily:
    """See :meth:`SymbolicFamily.from_sympy_stats`."""
    from sympy import stats

    pspace = getattr(random_variable, "pspace", None)
    if pspace is None or not hasattr(pspace, "distribution"):
        raise TypeError(f"random_variable must be a univariate sympy.stats random "
                        f"symbol, got {random_variable!r}")
    dist = pspace.distribution
    x = sp.Symbol(str(random_variable.symbol).lower(),
                  integer=True if isinstance(dist.set, sp.Range) or
                  dist.set == sp.S.Naturals0 else None)
    pdf = stats.density(random_variable)(x)
    support = dist.set
    if support == sp.S.Naturals0:
        support = sp.Range(0, sp.oo)
    elif support == sp.S.Naturals:
        support = sp.Range(1, sp.oo)
    if isinstance(pdf, sp.Piecewise):  # sympy.stats wraps the support in a Piecewise
        pdf = pdf.args[0][0]
    logpdf = sp.expand_log(sp.log(pdf), force=True)
    if params is None:
        params = sorted(logpdf.free_symbols - {x}, key=lambda s: s.name)
    kwargs.setdefault("name", type(dist).__name__.replace("Distribution", "").lower())
    return SymbolicFamily(logpdf, params, x, support, **kwargs)
