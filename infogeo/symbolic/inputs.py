"""Safe conversion of what users pass to the symbolic API: strings, numbers, sympy objects.

``sympy.sympify`` must never see user input: on a string it ends in ``eval``, and so do
``Matrix([...])``, ``Range(...)`` and ``expr.subs(x, ...)`` on string elements. Every public
function of :mod:`infogeo.symbolic` therefore converts its arguments here first:

* sympy objects pass through unchanged;
* Python and numpy numbers become exact sympy numbers (``bool`` is refused);
* strings are parsed by the safe grammar of :mod:`.parsing` over the names the caller
  allows (declared parameters, variables) and the constants ``pi``, ``E``, ``oo``,
  ``EulerGamma``;
* anything else is a ``TypeError`` naming the argument.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from ._grammar import shown
from .declarations import parse_param_specs
from .parsing import parse_constant, parse_expression, split_bounds

__all__ = ["as_expr", "as_float", "as_interval", "as_symbols", "as_matrix", "as_array",
           "parse_interval", "parse_conditions", "names_of"]


def names_of(symbols: Iterable[sp.Symbol]) -> dict[str, sp.Symbol]:
    """The name table of a parser call: name -> symbol."""
    return {s.name: s for s in symbols}


def as_expr(value: Any, what: str, names: Mapping[str, sp.Basic] | None = None) -> sp.Expr:
    """A sympy expression from a sympy object, a number or a (safely parsed) string.

    sympy objects (matrices and arrays included) pass through unchanged."""
    if isinstance(value, sp.Basic | sp.MatrixBase | sp.NDimArray):
        return value
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number or an expression, got a bool ({shown(value)})")
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            if math.isinf(number):
                return sp.oo if number > 0 else -sp.oo
            raise ValueError(f"{what} must not be nan")
        return sp.Float(number)
    if isinstance(value, str):
        return parse_expression(value, dict(names or {}), what)
    raise TypeError(f"{what} must be a sympy expression, a number or a string, got "
                    f"{type(value).__name__}")


def as_float(value: Any, what: str) -> float:
    """A finite real number from a Python/numpy number, a numeric sympy object or a string
    such as ``"1/2"`` or ``"2*pi"``."""
    if isinstance(value, str):
        expr = parse_constant(value, what)
    else:
        expr = as_expr(value, what)
    if not (expr.is_number and expr.is_extended_real):
        raise ValueError(f"{what} must be a real number, got {shown(value)}")
    number = float(expr)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, got {shown(value)}")
    return number


def as_symbols(values: Any, what: str, allow_empty: bool = False) -> tuple[sp.Symbol, ...]:
    """Symbols from sympy Symbols, or from declarations (``"mu sigma>0 p:(0,1)"``, or a
    sequence of such strings)."""
    if isinstance(values, str):
        items: list[Any] = [s.symbol for s in parse_param_specs(values, what)] \
            if values.strip() or not allow_empty else []
    elif isinstance(values, sp.Symbol):
        items = [values]
    else:
        try:
            items = list(values)
        except TypeError:
            raise TypeError(f"{what} must be sympy Symbols or a declaration string such as "
                            f"'mu sigma>0', got {type(values).__name__}") from None
        items = [_one_declaration(v, what) if isinstance(v, str) else v for v in items]
    if not items and not allow_empty:
        raise ValueError(f"{what} must hold at least one sympy Symbol")
    for v in items:
        if not isinstance(v, sp.Symbol):
            raise TypeError(f"{what} must be sympy Symbols, got {shown(v)} ({type(v).__name__})")
    if len(set(items)) != len(items):
        raise ValueError(f"{what} must not repeat a symbol, got {items}")
    return tuple(items)


def _one_declaration(text: str, what: str) -> sp.Symbol:
    specs = parse_param_specs(text, what)
    if len(specs) != 1:
        raise ValueError(f"{what}: each string in the list must declare one symbol, "
                         f"got {shown(text)}")
    return specs[0].symbol


def parse_interval(text: str, what: str) -> sp.Interval:
    """An interval such as ``"(0, 1)"``, ``"[1, oo)"`` or ``"0, 2*pi"`` (open by default)."""
    low, high, left_open, right_open = split_bounds(text, what)
    lo = parse_constant(low, f"{what} low end")
    hi = parse_constant(high, f"{what} high end")
    return _interval(lo, hi, what, left_open, right_open)


def _interval(lo: sp.Expr, hi: sp.Expr, what: str, left_open: bool = True,
              right_open: bool = True) -> sp.Interval:
    for b in (lo, hi):
        if not (b.is_number and (b.is_comparable or b.is_infinite)):
            raise ValueError(f"{what} must have numeric bounds, got ({lo}, {hi})")
    if not bool(lo < hi):
        raise ValueError(f"{what} must satisfy low < high, got ({lo}, {hi})")
    return sp.Interval(lo, hi, left_open or lo.is_infinite, right_open or hi.is_infinite)


def as_interval(value: Any, what: str) -> sp.Interval:
    """An interval from a sympy Interval, a pair ``(low, high)`` (open) or a string."""
    if isinstance(value, sp.Interval):
        return value
    if isinstance(value, str):
        return parse_interval(value, what)
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an interval (low, high), got {shown(value)}") from None
    return _interval(as_expr(lo, what), as_expr(hi, what), what)


def parse_conditions(value: Any, names: Mapping[str, sp.Basic], what: str = "conditions"
                     ) -> tuple[sp.Basic, ...]:
    """Relationals from sympy relationals or strings such as ``"p1 + p2 < 1"`` (a string
    may hold several, separated by ``;``; ``0 < a < b`` is two conditions)."""
    items = [value] if isinstance(value, str | sp.Basic) else list(value)
    out: list[sp.Basic] = []
    for item in items:
        if isinstance(item, str):
            for part in filter(str.strip, item.split(";")):
                parsed = parse_expression(part, dict(names), what, relations=True)
                out.extend(parsed.args if isinstance(parsed, sp.And) else [parsed])
        elif isinstance(item, sp.core.relational.Relational):
            out.append(item)
        else:
            raise ValueError(f"{what} must be sympy relationals like p1 + p2 < 1 (or such "
                             f"strings), got {shown(item)}")
    for cond in out:
        if not isinstance(cond, sp.core.relational.Relational):
            raise ValueError(f"{what} must be comparisons such as 'p1 + p2 < 1', got {cond}")
    return tuple(out)


def as_matrix(value: Any, what: str, names: Mapping[str, sp.Basic] | None = None
              ) -> sp.Matrix:
    """A sympy Matrix whose string entries (if any) were parsed safely."""
    if isinstance(value, sp.MatrixBase):
        return sp.Matrix(value)
    rows = _nested(value, what)
    if rows and not isinstance(rows[0], list):
        rows = [rows]
    return sp.Matrix([[as_expr(e, f"{what} entry", names) for e in _nested(row, what)]
                      for row in rows])


def as_array(value: Any, what: str, names: Mapping[str, sp.Basic] | None = None) -> sp.Array:
    """A sympy Array whose string entries (if any) were parsed safely."""
    if isinstance(value, sp.NDimArray | sp.MatrixBase):
        return sp.Array(value)

    def convert(v: Any) -> Any:
        if isinstance(v, list | tuple) or (hasattr(v, "tolist") and not isinstance(
                v, sp.Basic)):
            return [convert(e) for e in _nested(v, what)]
        return as_expr(v, f"{what} entry", names)

    return sp.Array(convert(value))


def _nested(value: Any, what: str) -> list:
    if hasattr(value, "tolist") and not isinstance(value, sp.Basic):
        value = value.tolist()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{what} must be a sympy Matrix/Array or nested lists, got "
                        f"{type(value).__name__}")
    return list(value)
