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

__all__ = ["reparametrize", "pullback_metric", "pullback_cubic", "jacobian"]


def jacobian(old_as_functions_of_new: Sequence[Any], new_params: Sequence[sp.Symbol]
             ) -> sp.Matrix:
    """``J[a, i] = ∂θ^a/∂φ^i``."""
    old = [sp.sympify(e) for e in old_as_functions_of_new]
    return sp.Matrix([[sp.diff(e, p) for p in new_params] for e in old])


def _substitution(old_params: Sequence[sp.Symbol], old_as_functions_of_new: Sequence[Any],
                  new_params: Sequence[sp.Symbol]) -> dict:
    if len(old_params) != len(old_as_functions_of_new):
        raise ValueError(f"old_as_functions_of_new must give one expression per old parameter "
                         f"({len(old_params)}), got {len(old_as_functions_of_new)}")
    if len(new_params) != len(old_params):
        raise ValueError(f"new_params must have {len(old_params)} symbols, got {len(new_params)}")
    for e in old_as_functions_of_new:
        extra = sp.sympify(e).free_symbols - set(new_params)
        if extra & set(old_params):
            raise ValueError(f"old_as_functions_of_new may only use new_params, got {e}")
    return dict(zip(old_params, [sp.sympify(e) for e in old_as_functions_of_new], strict=True))


def pullback_metric(metric: Any, old_params: Sequence[sp.Symbol], new_params: Sequence[sp.Symbol],
                    old_as_functions_of_new: Sequence[Any]) -> sp.Matrix:
    """The metric in the new coordinates, :math:`J^\\top g(\\theta(\\phi)) J`, simplified."""
    sub = _substitution(old_params, old_as_functions_of_new, new_params)
    jac = jacobian(old_as_functions_of_new, new_params)
    g = sp.Matrix(metric).xreplace(sub)
    return (jac.T * g * jac).applyfunc(sp.simplify)


def pullback_cubic(cubic: Any, old_params: Sequence[sp.Symbol], new_params: Sequence[sp.Symbol],
                   old_as_functions_of_new: Sequence[Any]) -> sp.Array:
    """The cubic tensor in the new coordinates, :math:`T_{abc} J^a_i J^b_j J^c_k`."""
    sub = _substitution(old_params, old_as_functions_of_new, new_params)
    jac = jacobian(old_as_functions_of_new, new_params)
    t = sp.Array(cubic).xreplace(sub)
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
    new_params : sequence of Symbol
    old_as_functions_of_new : sequence of expressions
        θ^a as functions of φ, one per old parameter.

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
        sub = _substitution(fam.params, old_as_functions_of_new, new_params)
        logpdf = fam.logpdf.xreplace(sub)
        support = [(lo.xreplace(sub), hi.xreplace(sub)) for lo, hi in fam.support]
        if fam.discrete:
            support = sp.Range(support[0][0], support[0][1] + 1)
        elif len(fam.variables) == 1:
            support = support[0]
        hyper_domains = {h: (fam.domains[h].inf, fam.domains[h].sup) for h in fam.hyperparams}
        return SymbolicFamily(logpdf, list(new_params), fam.variable, support,
                              discrete=fam.discrete, hyperparams=fam.hyperparams,
                              constraints={**hyper_domains, **(constraints or {})},
                              conditions=[c.xreplace(sub) for c in fam.conditions],
                              name=kwargs.pop("name", f"{fam.name}_reparametrized"), **kwargs)
    if old_params is None:
        raise ValueError("old_params must be given when reparametrizing a metric")
    return pullback_metric(family_or_metric, old_params, new_params, old_as_functions_of_new)
