"""A family from strings: what the command line (or a web form) receives.

>>> fam = parse_family("-(x-mu)**2/(2*sigma**2) - log(sigma) - log(2*pi)/2",
...                    "mu sigma>0")
>>> fam.params, fam.support
((mu, sigma), ((-oo, oo),))

Every string is parsed by the safe grammar of :mod:`.parsing`; declared intervals
(``p:(0,1)``) become the parameters' domains; a support left out is inferred
(:mod:`.support`).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ._declare import read_variables
from .family import SymbolicFamily
from .inputs import as_symbols
from .parsing import parse_density

__all__ = ["parse_family"]


def parse_family(logpdf: str | None = None, params: Any = None, *, pdf: str | None = None,
                 variable: str = "x", support: str | None = None, discrete: bool = False,
                 hyperparams: Any = "", conditions: Any = (), name: str = "custom",
                 **kwargs: Any) -> SymbolicFamily:
    """A :class:`SymbolicFamily` from its declarations as strings.

    Parameters
    ----------
    logpdf : str, optional
        The log-density, e.g. ``"k*log(lam) - lam - loggamma(k+1)"``.
    params : str
        Parameter declarations, e.g. ``"mu sigma>0 p:(0,1) n:int>0"``.
    pdf : str, optional
        The density itself instead of ``logpdf`` (its logarithm is expanded).
    variable : str
        The variable (``"x"``, ``"x>0"``, ``"k"``), several for a multivariate family.
    support : str, optional
        ``"low,high"``, e.g. ``"0,oo"``; inferred when omitted.
    discrete : bool
        The variable takes the integers ``low <= k <= high``.
    hyperparams : str
        Fixed symbols that are not coordinates, e.g. ``"nu>0"``.
    conditions : str or sequence of str
        Joint constraints, e.g. ``"p1 + p2 < 1"``.
    name : str
    **kwargs
        Passed to :class:`SymbolicFamily` (``check_normalization``, ...).

    Raises
    ------
    ValueError
        If a string does not parse, both or neither of ``logpdf`` and ``pdf`` are given,
        or a declaration is inconsistent.
    """
    given = [n for n, v in (("logpdf", logpdf), ("pdf", pdf)) if v is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one of logpdf and pdf, got {given or 'neither'}")
    if params is None or (isinstance(params, str) and not params.strip()):
        raise ValueError('params is required, e.g. params="mu sigma>0"')
    coords = as_symbols(params, "params")
    hyper = as_symbols(hyperparams, "hyperparams", allow_empty=True)
    variables, multivariate, support = read_variables(variable, support, discrete)
    var: Any = variables if multivariate else variables[0]
    if pdf is not None:
        # log of the parsed (whitelisted) expression; force: the symbols are real and the
        # density is positive on its support, so log(a*b) = log(a) + log(b) there
        density = parse_density(pdf, coords + hyper, variables)
        expr = sp.expand_log(sp.log(density), force=True)
    else:
        assert logpdf is not None  # exactly one of the two was given
        expr = parse_density(logpdf, coords + hyper, variables)
    return SymbolicFamily(expr, coords, var, support, discrete=discrete or None,
                          hyperparams=hyper, conditions=conditions, name=name, **kwargs)
