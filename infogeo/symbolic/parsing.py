"""Safe parsing of user-supplied densities and parameter declarations.

A density string such as ``"-(x - mu)**2/(2*sigma**2) - log(sigma) - log(2*pi)/2"`` comes
from a command line or a web form, so it is treated as hostile: it is parsed by Python's
:mod:`ast` (``mode="eval"``, which builds a tree and runs nothing) and converted node by
node into sympy through a whitelist. ``sympy.sympify`` / ``parse_expr`` are never called
on the raw text, because both end in ``eval``.

What a density may contain
--------------------------
- numbers (``2``, ``0.5``, ``1e-3``; floats become exact rationals),
- the declared parameters and variable, and the constants ``pi``, ``E``, ``oo``,
  ``EulerGamma``,
- ``+ - * / **`` and unary ``-``/``+`` (``^`` is rejected: write ``**``),
- calls, positional arguments only, of: ``log exp sqrt abs Abs gamma loggamma beta
  digamma trigamma polygamma erf erfc erfi besseli besselk besselj cos sin tan atan acos
  asin cosh sinh tanh atanh factorial binomial zeta polylog expint Ei lowergamma
  uppergamma`` (``log(x, b)`` is the logarithm in base ``b``, ``zeta(s, a)`` Hurwitz's),
- ``Piecewise((expr, condition), ..., (expr, True))``, whose conditions are comparisons
  ``< <= > >= == !=``, ``Eq(a, b)``, ``Ne(a, b)``, ``True`` and ``& | ~`` of those
  (:mod:`._conditions`); comparisons appear nowhere else.

Everything else (attributes, subscripts, strings, lambdas, comprehensions, keyword or
starred arguments, comparisons outside Piecewise conditions, dunder names, unknown names,
non-ASCII text) raises a ``ValueError`` that says what was refused. Conditions on
parameters
(:func:`parse_expression` with ``relations=True``) may also be comparisons ``< <= > >=``,
chained as in ``0 < p < 1``. Sizes are bounded (length, nesting depth,
number of nodes, magnitude of numeric constants and exponents), so a short input cannot
make the conversion or a later simplification hang: ``9**9**9**9`` is refused, not
evaluated.

Parameter declarations
----------------------
:func:`parse_params` reads a whitespace- (or comma-) separated list of declarations::

    mu                 real (the default)
    sigma>0            real and > 0        (also >=, <, <= and any number: rate>=1)
    p:(0,1)            real in the open interval (0, 1); brackets [ ] close an end,
                       ends may be numbers, -oo or oo: nu:[1,oo)
    n:int>0            an integer parameter (combine ``:int`` with any constraint)

Bounds at 0 become sympy assumptions (``positive``, ``nonnegative``, ``negative``,
``nonpositive``), which sympy's integrator needs; any other interval makes the symbol a
:class:`DeclaredSymbol`, which carries it to every family built with it (and
:attr:`ParamSpec.domain` holds it too).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Sequence

import sympy

from ._conditions import PiecewiseGrammar
from ._grammar import (  # noqa: F401 - re-exported: the parser's public limits
    _BINOPS,
    _COMBINATORIAL,
    _REFUSED,
    _RESERVED,
    ALLOWED_CONSTANTS,
    ALLOWED_FUNCTIONS,
    MAX_BITS,
    MAX_COMBINATORIAL_ARG,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_NODES,
    MAX_POLYGAMMA_ORDER,
    MAX_ROOT_BITS,
    shown,
)
from .declarations import (  # noqa: F401 - DeclaredSymbol re-exported
    DeclaredSymbol,
    ParamSpec,
    _check_name,
    parse_param_specs,
    parse_params,
    parse_variable,
)

__all__ = [
    "ParamSpec",
    "parse_param_specs",
    "parse_params",
    "parse_variable",
    "parse_density",
    "parse_expression",
    "parse_constant",
    "parse_support",
    "split_bounds",
    "ALLOWED_FUNCTIONS",
    "ALLOWED_CONSTANTS",
    "MAX_LENGTH",
]


# ---------------------------------------------------------------------- densities
_RELATIONS: dict[type, type] = {ast.Lt: sympy.StrictLessThan, ast.LtE: sympy.LessThan,
                                ast.Gt: sympy.StrictGreaterThan, ast.GtE: sympy.GreaterThan}


class _Converter(PiecewiseGrammar):
    """Walk an ``ast`` tree and build the sympy expression, refusing all else.

    With ``relations=True`` the top level may be a comparison (``<``, ``<=``, ``>``,
    ``>=``, chained as in ``0 < p < 1``), converted to a sympy relational (or an ``And``).
    """

    def __init__(self, names: dict[str, sympy.Expr], what: str = "density",
                 relations: bool = False) -> None:
        self.names = names
        self.what = what
        self.relations = relations

    def _Compare(self, node: ast.Compare, depth: int) -> sympy.Basic:
        if not self.relations or depth > 1:
            raise ValueError(f"{self.what}: {_REFUSED[ast.Compare]}")
        sides = [self.convert(node.left, depth)] + [self.convert(c, depth)
                                                    for c in node.comparators]
        parts = []
        for op, lhs, rhs in zip(node.ops, sides, sides[1:], strict=False):
            if type(op) not in _RELATIONS:
                raise ValueError(f"{self.what}: comparison {type(op).__name__} is not allowed "
                                 "(only <, <=, >, >=)")
            parts.append(_RELATIONS[type(op)](lhs, rhs))
        return parts[0] if len(parts) == 1 else sympy.And(*parts)

    def convert(self, node: ast.AST, depth: int = 0) -> sympy.Expr:
        if depth > MAX_DEPTH:
            raise ValueError(f"{self.what} is nested too deeply (more than {MAX_DEPTH} levels)")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            reason = _REFUSED.get(type(node), f"{type(node).__name__} nodes are not allowed")
            raise ValueError(f"{self.what}: {reason}")
        result = method(node, depth + 1)
        _check_magnitude(result, self.what)
        return result

    def _Constant(self, node: ast.Constant, depth: int) -> sympy.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "string" if isinstance(value, str | bytes) else type(value).__name__
            raise ValueError(f"{self.what}: {kind} constants are not allowed, got {shown(value)}")
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"{self.what}: number {shown(value)} is not finite")
            # repr gives the shortest decimal that round-trips; 0.1 -> 1/10 exactly
            return sympy.Rational(repr(value))
        if value.bit_length() > MAX_BITS:
            raise ValueError(f"{self.what}: integer constant too large (over {MAX_BITS} bits)")
        return sympy.Integer(value)

    def _Name(self, node: ast.Name, depth: int) -> sympy.Expr:
        name = node.id
        if name.startswith("__") or name.endswith("__"):
            raise ValueError(f"{self.what}: dunder names are not allowed, got {shown(name)}")
        if name in self.names:
            return self.names[name]
        if name in ALLOWED_FUNCTIONS:
            raise ValueError(f"{self.what}: {shown(name)} is a function; call it, as in "
                             f"{name}(...)")
        allowed = ", ".join(sorted(self.names))
        hint = ("; declare parameters with --params and the variable with --var"
                if self.what == "density" else "")
        raise ValueError(f"{self.what}: unknown name {shown(name)} (allowed names: "
                         f"{allowed}){hint}")

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> sympy.Expr:
        operand = self.convert(node.operand, depth)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ValueError(f"{self.what}: unary operator {type(node.op).__name__} is not allowed "
                         "(only - and +)")

    def _BinOp(self, node: ast.BinOp, depth: int) -> sympy.Expr:
        if isinstance(node.op, ast.BitXor):
            raise ValueError(f"{self.what}: '^' is not a power in Python; use ** (e.g. x**2)")
        if not isinstance(node.op, ast.Pow) and type(node.op) not in _BINOPS:
            raise ValueError(f"{self.what}: operator {type(node.op).__name__} is not allowed "
                             "(only + - * / **)")
        left = self.convert(node.left, depth)
        right = self.convert(node.right, depth)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right, self.what)
            return left**right
        return _BINOPS[type(node.op)](left, right)

    def _Call(self, node: ast.Call, depth: int) -> sympy.Expr:
        if not isinstance(node.func, ast.Name):
            raise ValueError(f"{self.what}: only direct calls of whitelisted functions are "
                             "allowed (no attribute or computed calls)")
        name = node.func.id
        if name.startswith("__") or name.endswith("__"):
            raise ValueError(f"{self.what}: dunder names are not allowed, got {shown(name)}")
        if name == "Piecewise":
            return self._piecewise(node, depth)
        if name in ("Eq", "Ne"):
            raise ValueError(f"{self.what}: {name}(...) is a condition; use it inside "
                             "Piecewise((expr, condition), ...)")
        if name not in ALLOWED_FUNCTIONS:
            allowed = ", ".join(sorted(ALLOWED_FUNCTIONS))
            raise ValueError(f"{self.what}: function {shown(name)} is not allowed "
                             f"(allowed: {allowed})")
        if node.keywords:
            raise ValueError(f"{self.what}: keyword arguments are not allowed (in {name}(...))")
        func, arities = ALLOWED_FUNCTIONS[name]
        if len(node.args) not in arities:
            want = " or ".join(map(str, arities))
            raise ValueError(f"{self.what}: {name} takes {want} argument(s), got {len(node.args)}")
        args = [self.convert(arg, depth) for arg in node.args]
        if name == "sqrt":
            _check_power(args[0], sympy.Rational(1, 2), self.what)
        if name in _COMBINATORIAL:
            for arg in args:
                if arg.is_number and arg.is_finite and abs(arg) > MAX_COMBINATORIAL_ARG:
                    raise ValueError(f"{self.what}: numeric argument of {name} too large "
                                     f"(|arg| <= {MAX_COMBINATORIAL_ARG})")
            if name == "polygamma" and args[0].is_number and abs(args[0]) > MAX_POLYGAMMA_ORDER:
                raise ValueError(f"{self.what}: polygamma order too large "
                                 f"(<= {MAX_POLYGAMMA_ORDER})")
        return func(*args)


def _bits(value: sympy.Expr) -> int:
    if isinstance(value, sympy.Rational):
        return max(int(value.p).bit_length(), int(value.q).bit_length())
    return 0


def _check_magnitude(value: sympy.Expr, what: str) -> None:
    if isinstance(value, sympy.Rational) and _bits(value) > MAX_BITS:
        raise ValueError(f"{what}: a numeric constant exceeds {MAX_BITS} bits")


def _check_power(base: sympy.Expr, exponent: sympy.Expr, what: str) -> None:
    """Refuse powers whose exact evaluation would be huge, before sympy evaluates them."""
    if isinstance(exponent, sympy.Rational):
        if abs(exponent) > MAX_EXPONENT or _bits(exponent) > 64:
            raise ValueError(f"{what}: exponent {exponent} too large "
                             f"(|exponent| <= {MAX_EXPONENT})")
        if isinstance(base, sympy.Rational) and _bits(base) * abs(exponent) > MAX_BITS:
            raise ValueError(f"{what}: the constant power would exceed {MAX_BITS} bits")
        if (isinstance(base, sympy.Rational) and not exponent.is_integer
                and _bits(base) > MAX_ROOT_BITS):
            # sympy looks for perfect powers (factoring) to simplify roots of integers
            raise ValueError(f"{what}: constant under a root too large "
                             f"(at most {MAX_ROOT_BITS} bits)")


def parse_density(text: str, params: Sequence[sympy.Symbol],
                  variable: sympy.Symbol | Sequence[sympy.Symbol],
                  check_params: bool = True) -> sympy.Expr:
    """Convert a log-density (or density) string to a sympy expression, safely.

    Parameters
    ----------
    text : str
        The expression, Python syntax (``**`` for powers); see the module docstring for
        what is allowed.
    params : sequence of sympy.Symbol
        The parameters that may appear (their assumptions are kept).
    variable : sympy.Symbol or sequence of sympy.Symbol
        The random variable (several for a multivariate density).
    check_params : bool
        If true (default), refuse an expression in which a parameter or the variable
        does not appear — a common typo, and its Fisher matrix would be singular.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        For anything outside the whitelist, oversize input, or an expression that is
        undefined (``1/0``).

    Examples
    --------
    >>> import sympy
    >>> mu, sigma = parse_params("mu sigma>0")
    >>> x = sympy.Symbol("x", real=True)
    >>> parse_density("-(x - mu)**2/(2*sigma**2) - log(sigma)", [mu, sigma], x)
    -log(sigma) - (-mu + x)**2/(2*sigma**2)
    """
    variables = tuple(variable) if isinstance(variable, Sequence) else (variable,)
    symbols = _symbol_table(params, variables)
    expr = _parse_expression(text, symbols, "density")
    if check_params:
        missing = [s.name for s in params if not expr.has(s)]
        if not any(expr.has(v) for v in variables):
            missing += [v.name for v in variables]
        if missing:
            raise ValueError(f"density does not depend on {', '.join(missing)}; every "
                             "declared parameter and the variable must appear")
    return expr


def parse_expression(text: str, names: dict[str, sympy.Expr] | None = None,
                     what: str = "expression", relations: bool = False) -> sympy.Basic:
    """Parse ``text`` with the safe grammar over the given names (and the constants).

    The one safe entry point for any user string that is an expression: a density, a
    support bound, a parameter as a function of other parameters, a condition
    (``relations=True``: ``p1 + p2 < 1``). Nothing is evaluated.

    Examples
    --------
    >>> a = sympy.Symbol("a", positive=True)
    >>> parse_expression("sqrt(a) + 1", {"a": a})
    sqrt(a) + 1
    """
    table = dict(ALLOWED_CONSTANTS)
    for name, value in (names or {}).items():
        _check_name(name, what)
        table[name] = value
    return _parse_expression(text, table, what, relations)


def _parse_expression(text: str, names: dict[str, sympy.Expr], what: str,
                      relations: bool = False) -> sympy.Basic:
    """Parse ``text`` with the whitelist, refusing oversize or undefined results."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"{what} is too long ({len(text)} characters, at most {MAX_LENGTH})")
    bad = next((c for c in text if not (32 <= ord(c) < 127 or c in "\t\n")), None)
    if bad is not None:
        raise ValueError(f"{what} may only contain printable ASCII characters, got {bad!r}"
                         " (write Greek letters as names: sigma, mu)")
    if not text.strip():
        raise ValueError(f"{what} must not be empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ValueError(f"{what} is not a valid expression: {err.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ValueError(f"{what} is nested too deeply or too large to parse") from None
    n_nodes = sum(1 for _ in ast.walk(tree))
    if n_nodes > MAX_NODES:
        raise ValueError(f"{what} is too large ({n_nodes} syntax nodes, at most {MAX_NODES})")
    expr = _Converter(names, what, relations).convert(tree.body)
    if isinstance(expr, sympy.logic.boolalg.BooleanAtom):
        raise ValueError(f"{what}: the comparison is always {bool(expr)}, got {shown(text)}")
    if expr.has(sympy.zoo, sympy.nan, sympy.I):
        raise ValueError(f"{what} is undefined or complex somewhere: simplifies to {expr}")
    return expr


def parse_constant(text: str, what: str = "value") -> sympy.Expr:
    """A real constant such as ``"0"``, ``"-oo"``, ``"2*pi"`` or ``"1/2"``, parsed safely.

    Examples
    --------
    >>> parse_constant("-2*pi")
    -2*pi
    """
    value = _parse_expression(text, dict(ALLOWED_CONSTANTS), what)
    if not (value.is_number and value.is_extended_real):
        raise ValueError(f"{what} must be a real number or -oo/oo, got {shown(text)}")
    return value


def split_bounds(text: str, what: str) -> tuple[str, str, bool, bool]:
    """``"(0, oo]"`` -> ``("0", " oo", True, False)``: the two ends (as text) and whether
    each is open. Brackets are optional (then both ends are open)."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string, got {type(text).__name__}")
    body = text.strip()
    left_open = right_open = True
    if len(body) >= 2 and body[0] in "([" and body[-1] in ")]":
        left_open, right_open = body[0] == "(", body[-1] == ")"
        body = body[1:-1]
    parts = body.split(",")
    if len(parts) != 2:
        raise ValueError(f"{what} must be 'low,high' (e.g. '-oo,oo', '0,oo' or '(0, 1]'), "
                         f"got {shown(text)}")
    return parts[0], parts[1], left_open, right_open


def parse_support(text: str) -> tuple[sympy.Expr, sympy.Expr]:
    """Read a support ``"low,high"`` (brackets optional) such as ``"-oo,oo"`` or ``"0,1"``.

    Examples
    --------
    >>> parse_support("(-pi, pi)")
    (-pi, pi)
    """
    low, high, _, _ = split_bounds(text, "support")
    lo = parse_constant(low, "support low end")
    hi = parse_constant(high, "support high end")
    if not bool(lo < hi):
        raise ValueError(f"support must have low < high, got ({lo}, {hi})")
    return lo, hi


def _symbol_table(params: Iterable[sympy.Symbol], variables: Iterable[sympy.Symbol]
                  ) -> dict[str, sympy.Expr]:
    table: dict[str, sympy.Expr] = dict(ALLOWED_CONSTANTS)
    for sym in (*params, *variables):
        if not isinstance(sym, sympy.Symbol):
            raise TypeError(f"params and variable must be sympy Symbols, got {shown(sym)}")
        _check_name(sym.name, "params")
        if sym.name in table and table[sym.name] is not sym:
            raise ValueError(f"params: name {sym.name!r} is used twice")
        table[sym.name] = sym
    return table
