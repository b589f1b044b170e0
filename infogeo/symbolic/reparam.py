"""Change of parametrization: pull back the metric and the cubic tensor, or a family.

With old coordinates θ = θ(φ) and Jacobian :math:`J^a{}_i = \\partial\\theta^a/\\partial\\phi^i`,

.. math::

    g^{(\\phi)}_{ij} = J^a{}_i\\, g_{ab}(\\theta(\\phi))\\, J^b{}_j, \\qquad
    T^{(\\phi)}_{ijk} = T_{abc}(\\theta(\\phi))\\, J^a{}_i J^b{}_j J^c{}_k

(both are covariant tensors: Amari & Nagaoka 2000, §2.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from .family import SymbolicFamily
from .inputs import as_array, as_expr, as_matrix, as_symbols, names_of

__all__ = ["reparametrize", "pullback_metric", "pullback_cubic", "jacobian"]


def _expressions(old_as_functions_of_new: Sequence[Any], new_params: Sequence[sp.Symbol],
                 extra: Sequence[sp.Symbol] = ()) -> list[sp.Expr]:
    """θ(φ) as sympy expressions; strings are parsed over the names of φ (and ``extra``)."""
    if isinstance(old_as_functions_of_new, str):
        raise TypeError("old_as_functions_of_new must be a sequence (one expression per old "
                        "parameter), got a single string")
    names = names_of(tuple(new_params) + tuple(extra))
    return [as_expr(e, "old_as_functions_of_new", names) for e in old_as_functions_of_new]


def jacobian(old_as_functions_of_new: Sequence[Any], new_params: Sequence[sp.Symbol]
             ) -> sp.Matrix:
    """``J[a, i] = ∂θ^a/∂φ^i``."""
    new = as_symbols(new_params, "new_params")
    old = _expressions(old_as_functions_of_new, new)
    return sp.Matrix([[sp.diff(e, p) for p in new] for e in old])


def _substitution(old_params: Sequence[sp.Symbol], old_as_functions_of_new: Sequence[Any],
                  new_params: Sequence[sp.Symbol], extra: Sequence[sp.Symbol] = ()) -> dict:
    old_params = as_symbols(old_params, "old_params")
    new_params = as_symbols(new_params, "new_params")
    exprs = _expressions(old_as_functions_of_new, new_params, extra)
    if len(old_params) != len(exprs):
        raise ValueError(f"old_as_functions_of_new must give one expression per old parameter "
                         f"({len(old_params)}), got {len(exprs)}")
    if len(new_params) != len(old_params):
        raise ValueError(f"new_params must have {len(old_params)} symbols, got {len(new_params)}")
    for e in exprs:
        if (e.free_symbols - set(new_params)) & set(old_params):
            raise ValueError(f"old_as_functions_of_new may only use new_params, got {e}")
    return dict(zip(old_params, exprs, strict=True))


def pullback_metric(metric: Any, old_params: Sequence[sp.Symbol], new_params: Sequence[sp.Symbol],
                    old_as_functions_of_new: Sequence[Any]) -> sp.Matrix:
    """The metric in the new coordinates, :math:`J^\\top g(\\theta(\\phi)) J`, simplified."""
    sub = _substitution(old_params, old_as_functions_of_new, new_params)
    jac = jacobian(list(sub.values()), new_params)
    g = as_matrix(metric, "metric", names_of(sub)).xreplace(sub)
    return (jac.T * g * jac).applyfunc(sp.simplify)


def pullback_cubic(cubic: Any, old_params: Sequence[sp.Symbol], new_params: Sequence[sp.Symbol],
                   old_as_functions_of_new: Sequence[Any]) -> sp.Array:
    """The cubic tensor in the new coordinates, :math:`T_{abc} J^a_i J^b_j J^c_k`."""
    sub = _substitution(old_params, old_as_functions_of_new, new_params)
    jac = jacobian(list(sub.values()), new_params)
    t = as_array(cubic, "cubic", names_of(sub)).xreplace(sub)
    n, m = jac.shape
    return sp.Array([[[sp.simplify(sum(t[a, b, c] * jac[a, i] * jac[b, j] * jac[c, k]
                                       for a in range(n) for b in range(n) for c in range(n)))
                       for k in range(m)] for j in range(m)] for i in range(m)])


def reparametrize(family_or_metric: Any, new_params: Sequence[sp.Symbol],
                  old_as_functions_of_new: Sequence[Any], old_params: Sequence[sp.Symbol]
                  | None = None, constraints: dict | None = None, **kwargs: Any) -> Any:
    """Express a family (or a metric) in new parameters φ, given θ = θ(φ).

    Parameters
    ----------
    family_or_metric : SymbolicFamily or sympy.Matrix
        A family: returns a new SymbolicFamily whose log-density is ℓ(x | θ(φ)).
        A metric: returns the pulled-back metric (``old_params`` required).
    new_params : sequence of Symbol, or str
        The new coordinates φ, e.g. ``[mu, v]`` or ``"mu v>0"`` (declared intervals
        become their domains).
    old_as_functions_of_new : sequence of expressions or str
        θ^a as functions of φ, one per old parameter (strings are parsed safely, over the
        names of φ).

    Examples
    --------
    >>> import sympy as sp
    >>> from infogeo.symbolic import catalogue, fisher_information
    >>> fam = catalogue.normal()
    >>> mu, sigma = fam.params
    >>> v = sp.Symbol("v", positive=True)
    >>> fisher_information(reparametrize(fam, [mu, v], [mu, sp.sqrt(v)]))
    Matrix([
    [1/v,          0],
    [  0, 1/(2*v**2)]])
    """
    if isinstance(family_or_metric, SymbolicFamily):
        fam = family_or_metric
        new = as_symbols(new_params, "new_params")
        sub = _substitution(fam.params, old_as_functions_of_new, new, fam.hyperparams)
        logpdf = fam.logpdf.xreplace(sub)
        support: Any = [(lo.xreplace(sub), hi.xreplace(sub)) for lo, hi in fam.support]
        if fam.discrete:
            support = sp.Range(support[0][0], support[0][1] + 1)
        elif len(fam.variables) == 1:
            support = support[0]
        hyper_domains = {h: fam.domains[h] for h in fam.hyperparams}
        return SymbolicFamily(logpdf, list(new), fam.variable, support,
                              discrete=fam.discrete, hyperparams=fam.hyperparams,
                              constraints={**hyper_domains, **(constraints or {})},
                              conditions=[c.xreplace(sub) for c in fam.conditions],
                              name=kwargs.pop("name", f"{fam.name}_reparametrized"), **kwargs)
    if old_params is None:
        raise ValueError("old_params must be given when reparametrizing a metric")
    return pullback_metric(family_or_metric, old_params, new_params, old_as_functions_of_new)
