"""``Piecewise`` and its conditions in the safe density grammar (see :mod:`.parsing`).

A density may be given piece by piece::

    Piecewise((log(p + (1 - p)*exp(-lam)), Eq(k, 0)),
              (log(1 - p) + k*log(lam) - lam - loggamma(k + 1), True))

A condition is built, node by node, from

- comparisons ``<  <=  >  >=  ==  !=`` (chained as in ``0 < x < c``) and ``Eq(a, b)``,
  ``Ne(a, b)``, whose sides are ordinary density expressions,
- ``&``, ``|``, ``~`` (and ``and``, ``or``, ``not``) of conditions,
- ``True`` and ``False``.

Nothing else is a condition (no calls of other functions, no attribute access): the
converter refuses it with a ``ValueError``, exactly as the rest of the grammar does.
"""

from __future__ import annotations

import ast

import sympy

from ._grammar import MAX_PIECES

_COMPARISONS: dict[type, type] = {
    ast.Lt: sympy.StrictLessThan, ast.LtE: sympy.LessThan, ast.Gt: sympy.StrictGreaterThan,
    ast.GtE: sympy.GreaterThan, ast.Eq: sympy.Eq, ast.NotEq: sympy.Ne}
_RELATION_CALLS = {"Eq": sympy.Eq, "Ne": sympy.Ne}
_CONNECTIVES = {ast.BitAnd: sympy.And, ast.BitOr: sympy.Or, ast.And: sympy.And,
                ast.Or: sympy.Or}
_HINT = ("a condition is a comparison (<, <=, >, >=, ==, !=, Eq(a, b), Ne(a, b)), "
         "True/False, or &, |, ~ of conditions")


class PiecewiseGrammar:
    """Mixin of the density converter: ``Piecewise((expr, cond), ...)`` and conditions.

    The host class provides ``what`` (for messages) and ``convert(node, depth)``.
    """

    what: str

    def convert(self, node: ast.AST, depth: int = 0) -> sympy.Expr:  # pragma: no cover
        raise NotImplementedError

    def _piecewise(self, node: ast.Call, depth: int) -> sympy.Expr:
        if node.keywords:
            raise ValueError(f"{self.what}: keyword arguments are not allowed (in "
                             "Piecewise(...))")
        if not 1 <= len(node.args) <= MAX_PIECES:
            raise ValueError(f"{self.what}: Piecewise takes 1 to {MAX_PIECES} pieces "
                             f"(expr, condition), got {len(node.args)}")
        pieces = []
        for arg in node.args:
            if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                raise ValueError(f"{self.what}: each Piecewise argument must be a pair "
                                 "(expr, condition), as in Piecewise((x, x > 0), (0, True))")
            pieces.append((self.convert(arg.elts[0], depth + 1),
                           self._condition(arg.elts[1], depth + 1)))
        try:
            return sympy.Piecewise(*pieces)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{self.what}: invalid Piecewise: {str(err)[:120]}") from None

    def _condition(self, node: ast.AST, depth: int) -> sympy.Basic:
        from ._grammar import MAX_DEPTH

        if depth > MAX_DEPTH:
            raise ValueError(f"{self.what} is nested too deeply (more than {MAX_DEPTH} levels)")
        try:
            return self._condition_node(node, depth + 1)
        except TypeError as err:  # sympy: "Invalid comparison of non-real ..."
            raise ValueError(f"{self.what}: invalid condition: {str(err)[:120]}") from None

    def _condition_node(self, node: ast.AST, depth: int) -> sympy.Basic:
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return sympy.true if node.value else sympy.false
        if isinstance(node, ast.Compare):
            sides = [self.convert(n, depth) for n in (node.left, *node.comparators)]
            parts = []
            for op, lhs, rhs in zip(node.ops, sides, sides[1:], strict=False):
                if type(op) not in _COMPARISONS:
                    raise ValueError(f"{self.what}: comparison {type(op).__name__} is not "
                                     f"allowed; {_HINT}")
                parts.append(_COMPARISONS[type(op)](lhs, rhs))
            return sympy.And(*parts)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in _RELATION_CALLS:
            if node.keywords or len(node.args) != 2:
                raise ValueError(f"{self.what}: {node.func.id} takes 2 positional arguments")
            lhs, rhs = (self.convert(a, depth) for a in node.args)
            return _RELATION_CALLS[node.func.id](lhs, rhs)
        if isinstance(node, ast.BinOp) and type(node.op) in _CONNECTIVES:
            return _CONNECTIVES[type(node.op)](self._condition(node.left, depth),
                                               self._condition(node.right, depth))
        if isinstance(node, ast.BoolOp):
            return _CONNECTIVES[type(node.op)](*(self._condition(v, depth)
                                                 for v in node.values))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert | ast.Not):
            return sympy.Not(self._condition(node.operand, depth))
        raise ValueError(f"{self.what}: not a condition ({type(node).__name__}); {_HINT}")
