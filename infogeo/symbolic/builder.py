"""A family from strings: what the command line (or a web form) receives.

>>> fam = parse_family("-(x-mu)**2/(2*sigma**2) - log(sigma) - log(2*pi)/2",
...                    "mu sigma>0")
>>> fam.params, fam.support
((mu, sigma), ((-oo, oo),))

Every string is parsed by the safe grammar of :mod:`.parsing`; declared intervals
(``p:(0,1)``) become the parameters' domains; a support left out is inferred
(:mod:`.support`). :func:`censor_family` censors a family at a point given as a string
(the command line's ``--censor-at``).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ._declare import read_variables
from ._grammar import shown
from .censoring import _censored
from .family import SymbolicFamily
from .inputs import as_expr, as_symbols, names_of
from .parsing import parse_density

__all__ = ["parse_family", "censor_family"]


def parse_family(logpdf: str | None = None, params: Any = None, *, pdf: str | None = None,
                 variable: str = "x", support: str | None = None, discrete: bool = False,
                 hyperparams: Any = "", conditions: Any = (), name: str = "custom",
                 censor_at: str | None = None, censor_side: str = "right",
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
    censor_at : str, optional
        Censor the family at this point (see :func:`censor_family`); a hyperparameter
        that only the point uses (``hyperparams="c>0"``, ``censor_at="c"``) belongs to
        the censored family.
    censor_side : {"right", "left"}
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
    text = pdf if pdf is not None else logpdf
    assert text is not None  # exactly one of the two was given
    expr = parse_density(text, coords + hyper, variables, check_params=censor_at is None)
    point_only: tuple[sp.Symbol, ...] = ()
    if censor_at is not None:
        # a hyperparameter only the censoring point uses is the censored family's; the
        # density must still use every other declared symbol (checked by parsing again)
        point_only = tuple(h for h in hyper if not expr.has(h))
        hyper = tuple(h for h in hyper if expr.has(h))
        expr = parse_density(text, coords + hyper, variables)
    if pdf is not None:
        # log of the parsed (whitelisted) expression; force: the symbols are real and the
        # density is positive on its support, so log(a*b) = log(a) + log(b) there
        expr = sp.expand_log(sp.log(expr), force=True)
    fam = SymbolicFamily(expr, coords, var, support, discrete=discrete or None,
                         hyperparams=hyper, conditions=conditions, name=name, **kwargs)
    return censor_family(fam, censor_at, censor_side, hyperparams=point_only)


def censor_family(family: SymbolicFamily, at: str | None, side: str = "right", *,
                  hyperparams: Any = (), what: str = "--censor-at") -> SymbolicFamily:
    r"""``family`` censored at the point written in ``at`` (unchanged when ``at`` is None).

    The point is parsed by the safe grammar over the family's declared names: a number
    (``"2"``, ``"5/2"``, ``"2.5"`` — kept exact), a hyperparameter (``"c"`` with
    ``hyperparams="c>0"``) or an expression in them (``"2*c"``). The family is then
    :func:`~infogeo.symbolic.censored`: its Fisher information gains the atom term

    .. math::

        I(\theta) = \int_{low}^{c} \nabla\ell\,\nabla\ell^\top f\,dx
        + S(c)\,\nabla\log S(c)\,\nabla\log S(c)^\top

    (right-censoring; the mirror image with F(c) for ``side="left"``).

    Parameters
    ----------
    family : SymbolicFamily
        A family of one continuous variable.
    at : str or None
        The censoring point, as text.
    side : {"right", "left"}
    hyperparams : str or sequence of Symbol
        Declarations of symbols that the point uses and the family does not
        (``"c>0"``); each must appear in the point.
    what : str
        The name errors give the point (the command-line option).

    Raises
    ------
    ValueError
        Naming ``what``: the text does not parse, names an undeclared symbol or a
        parameter, the point is not inside the support, or the family is discrete or
        multivariate; naming ``hyperparams``: a declared symbol the point does not use.

    Examples
    --------
    >>> from infogeo.symbolic import catalogue
    >>> censor_family(catalogue.exponential(), "2").atoms
    (2,)
    """
    if at is None:
        return family
    if not isinstance(at, str):
        raise TypeError(f"{what} must be a string, got {type(at).__name__}")
    extra = as_symbols(hyperparams, "hyperparams", allow_empty=True)
    names = names_of(family.params + family.hyperparams)
    clash = sorted(s.name for s in extra if s.name in names)
    if clash:
        raise ValueError(f"hyperparams: {', '.join(clash)} already name symbols of "
                         f"{family.name}")
    point = as_expr(at, what, {**names, **names_of(extra)})
    unused = sorted(s.name for s in extra if s not in point.free_symbols)
    if unused:
        raise ValueError(f"hyperparams: {', '.join(unused)} appear neither in the density "
                         f"nor in {what} {shown(at)}")
    if point.has(sp.Float):  # from a decimal the grammar did not make exact
        point = sp.nsimplify(point, rational=True)
    return _censored(family, point, side, None, 5.0, what)
