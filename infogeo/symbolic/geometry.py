"""Riemannian geometry of a symbolic metric: connections, curvature, geodesic equations.

All functions take ``(metric, coords)``: a symmetric sympy Matrix g and the coordinate
symbols. Index conventions (same as the numeric code):

* ``christoffel_symbols(g, x)[k, i, j] = Γ^k_ij`` (second kind),
* ``christoffel_symbols_first_kind(g, x)[i, j, k] = Γ_ij,k = g(∇_i ∂_j, ∂_k)``,
* ``riemann_tensor(g, x)[l, i, j, k] = R^l_ijk`` with
  :math:`R^l{}_{ijk} = \\partial_j\\Gamma^l_{ki} - \\partial_k\\Gamma^l_{ji}
  + \\Gamma^l_{jm}\\Gamma^m_{ki} - \\Gamma^l_{km}\\Gamma^m_{ji}`,
  Ricci :math:`R_{ik} = R^j{}_{ijk}` (positive on the round sphere).

Sources: do Carmo, *Riemannian Geometry* (1992); Amari & Nagaoka, *Methods of
Information Geometry* (2000), §2.3 (α-connections).
"""

from __future__ import annotations

import keyword
from collections.abc import Sequence
from typing import Any

import sympy as sp

from ._grammar import _RESERVED
from .inputs import as_array, as_expr, as_matrix, as_symbols, names_of

__all__ = ["christoffel_symbols", "christoffel_symbols_first_kind", "riemann_tensor",
           "ricci_tensor", "scalar_curvature", "geodesic_equations",
           "alpha_christoffel_symbols", "alpha_christoffel_symbols_first_kind",
           "connection_riemann_tensor", "alpha_scalar_curvature"]


def _simp(expr: sp.Expr) -> sp.Expr:
    return sp.simplify(expr) if expr != 0 else expr


def _check(metric: Any, coords: Sequence[sp.Symbol]) -> tuple[sp.Matrix, tuple]:
    coords = as_symbols(coords, "coords")
    g = as_matrix(metric, "metric", names_of(coords))  # string entries parsed safely
    if not g.is_square:
        raise ValueError(f"metric must be a square matrix, got shape {g.shape}")
    if g.shape[0] != len(coords):
        raise ValueError(f"coords must have one symbol per row of the metric ({g.shape[0]}), "
                         f"got {len(coords)}")
    if not (g - g.T).applyfunc(sp.simplify).is_zero_matrix:
        raise ValueError("metric must be symmetric")
    return g, coords


def christoffel_symbols_first_kind(metric: Any, coords: Sequence[sp.Symbol],
                                   simplify: bool = True) -> sp.Array:
    r"""``G[i, j, k] = Γ_ij,k`` (``simplify=False`` skips simplification, e.g. for codegen).

    .. math::

        \Gamma_{ij,k} = \tfrac12(\partial_i g_{jk} + \partial_j g_{ik} - \partial_k g_{ij})
    """
    g, x = _check(metric, coords)
    n = len(x)
    simp = _simp if simplify else (lambda e: e)
    return sp.Array([[[simp((sp.diff(g[j, k], x[i]) + sp.diff(g[i, k], x[j])
                              - sp.diff(g[i, j], x[k])) / 2) for k in range(n)]
                      for j in range(n)] for i in range(n)])


def _raise_index(metric: sp.Matrix, first: sp.Array, simplify: bool = True) -> sp.Array:
    n = metric.shape[0]
    inv = metric.inv()
    simp = _simp if simplify else (lambda e: e)
    return sp.Array([[[simp(sum(inv[k, m] * first[i, j, m] for m in range(n)))
                       for j in range(n)] for i in range(n)] for k in range(n)])


def christoffel_symbols(metric: Any, coords: Sequence[sp.Symbol],
                        simplify: bool = True) -> sp.Array:
    r"""Levi-Civita symbols of the second kind, ``G[k, i, j] = Γ^k_ij``.

    .. math::

        \Gamma^k_{ij} = \tfrac12 g^{kl}(\partial_i g_{jl} + \partial_j g_{il}
        - \partial_l g_{ij})

    Examples
    --------
    >>> import sympy as sp
    >>> mu, s = sp.symbols("mu sigma", positive=True)
    >>> G = christoffel_symbols(sp.diag(1 / s**2, 2 / s**2), [mu, s])
    >>> G[0, 0, 1], G[1, 0, 0], G[1, 1, 1]
    (-1/sigma, 1/(2*sigma), -1/sigma)
    """
    g, x = _check(metric, coords)
    return _raise_index(g, christoffel_symbols_first_kind(g, x, simplify), simplify)


def connection_riemann_tensor(gamma: sp.Array, coords: Sequence[sp.Symbol]) -> sp.Array:
    r"""Curvature ``R[l, i, j, k] = R^l_ijk`` of any affine connection ``gamma[k, i, j]``."""
    x = tuple(coords)
    n = len(x)

    def entry(l: int, i: int, j: int, k: int) -> sp.Expr:
        value = sp.diff(gamma[l, k, i], x[j]) - sp.diff(gamma[l, j, i], x[k])
        value += sum(gamma[l, j, m] * gamma[m, k, i] - gamma[l, k, m] * gamma[m, j, i]
                     for m in range(n))
        return _simp(value)

    return sp.Array([[[[entry(l, i, j, k) for k in range(n)] for j in range(n)]
                      for i in range(n)] for l in range(n)])


def riemann_tensor(metric: Any, coords: Sequence[sp.Symbol]) -> sp.Array:
    """Riemann tensor of the Levi-Civita connection, ``R[l, i, j, k] = R^l_ijk``."""
    g, x = _check(metric, coords)
    return connection_riemann_tensor(christoffel_symbols(g, x), x)


def ricci_tensor(metric: Any, coords: Sequence[sp.Symbol]) -> sp.Matrix:
    r"""Ricci tensor :math:`R_{ik} = R^j{}_{ijk}`."""
    g, x = _check(metric, coords)
    riemann = riemann_tensor(g, x)
    n = len(x)
    return sp.Matrix(n, n, lambda i, k: _simp(sum(riemann[j, i, j, k] for j in range(n))))


def scalar_curvature(metric: Any, coords: Sequence[sp.Symbol]) -> sp.Expr:
    r"""Scalar curvature :math:`R = g^{ik} R_{ik}` (twice the Gaussian curvature in 2-D).

    Examples
    --------
    >>> import sympy as sp
    >>> mu, s = sp.symbols("mu sigma", positive=True)
    >>> scalar_curvature(sp.diag(1 / s**2, 2 / s**2), [mu, s])   # normal family
    -1
    """
    g, x = _check(metric, coords)
    ricci = ricci_tensor(g, x)
    inv = g.inv()
    n = len(x)
    return sp.simplify(sum(inv[i, k] * ricci[i, k] for i in range(n) for k in range(n)))


def geodesic_equations(metric: Any, coords: Sequence[sp.Symbol],
                       t: sp.Symbol | None = None) -> list[sp.Eq]:
    r"""The geodesic ODE system as sympy equations in functions ``x^k(t)``.

    .. math::

        \ddot x^k + \Gamma^k_{ij}(x)\,\dot x^i \dot x^j = 0
    """
    g, x = _check(metric, coords)
    t = sp.Symbol("t", real=True) if t is None else as_symbols(t, "t")[0]
    funcs = [sp.Function(c.name)(t) for c in x]
    gamma = christoffel_symbols(g, x).subs(dict(zip(x, funcs, strict=True)))
    n = len(x)
    return [sp.Eq(funcs[k].diff(t, 2) + sum(gamma[k, i, j] * funcs[i].diff(t)
                                            * funcs[j].diff(t)
                                            for i in range(n) for j in range(n)), 0)
            for k in range(n)]


def alpha_christoffel_symbols_first_kind(metric: Any, cubic: Any, coords: Sequence[sp.Symbol],
                                         alpha: Any) -> sp.Array:
    r"""``G[i, j, k] = Γ^(α)_ij,k = Γ^(0)_ij,k − (α/2) T_ijk`` (Amari's convention)."""
    g, x = _check(metric, coords)
    first = christoffel_symbols_first_kind(g, x)
    t = as_array(cubic, "cubic", names_of(x))
    a = _alpha(alpha)
    n = len(x)
    return sp.Array([[[_simp(first[i, j, k] - a * t[i, j, k] / 2)
                       for k in range(n)] for j in range(n)] for i in range(n)])


def _alpha(alpha: Any) -> sp.Expr:
    """α as a sympy number or symbol; a string is a number (``"1/2"``) or a name (``"a"``)."""
    if isinstance(alpha, str) and alpha.strip().isidentifier():
        name = alpha.strip()
        if name not in _RESERVED and not name.startswith("__") and not keyword.iskeyword(name):
            return sp.Symbol(name, real=True)
    return as_expr(alpha, "alpha")


def alpha_christoffel_symbols(family_or_metric: Any, alpha: Any, *args: Any,
                              **kwargs: Any) -> sp.Array:
    r"""Christoffel symbols of Amari's α-connection, ``G[k, i, j] = Γ^(α)k_ij``.

    .. math::

        \Gamma^{(\alpha)}_{ij,k} = \Gamma^{(0)}_{ij,k} - \frac{\alpha}{2} T_{ijk},
        \qquad \Gamma^{(\alpha)k}_{ij} = g^{kl}\,\Gamma^{(\alpha)}_{ij,l}

    α = 1 is the e-connection (flat in natural parameters of an exponential family),
    α = −1 the m-connection (flat in expectation parameters), α = 0 Levi-Civita.

    Call as ``alpha_christoffel_symbols(family, alpha)`` (metric and T derived), or
    ``alpha_christoffel_symbols((metric, cubic, coords), alpha)``.
    """
    if isinstance(family_or_metric, tuple):
        metric, cubic, coords = family_or_metric
    else:
        from .fisher import amari_chentsov_tensor, fisher_information

        metric = fisher_information(family_or_metric, *args, **kwargs)
        cubic = amari_chentsov_tensor(family_or_metric, *args, **kwargs)
        coords = family_or_metric.params
    g, x = _check(metric, coords)
    return _raise_index(g, alpha_christoffel_symbols_first_kind(g, cubic, x, alpha))


def alpha_scalar_curvature(metric: Any, cubic: Any, coords: Sequence[sp.Symbol],
                           alpha: Any) -> sp.Expr:
    r"""Scalar curvature :math:`g^{ik} R^{(\alpha)j}{}_{ijk}` of the α-connection."""
    g, x = _check(metric, coords)
    gamma = alpha_christoffel_symbols((g, cubic, x), alpha)
    riemann = connection_riemann_tensor(gamma, x)
    inv = g.inv()
    n = len(x)
    return sp.simplify(sum(inv[i, k] * riemann[j, i, j, k] for i in range(n)
                           for j in range(n) for k in range(n)))
