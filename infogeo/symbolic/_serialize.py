"""sympy expressions as JSON trees, read back without executing anything.

The derivation cache stores expressions on disk, where anyone able to write the folder
could plant a record; so the loader must not be able to run code. A tree is nested
lists ``[tag, ...]``:

=================================  ==================================================
``["int", "12"]``                  Integer (decimal text)
``["rat", "1", "3"]``              Rational
``["float", "-5", -2, 53]``        Float mantissa·2^exponent at a binary precision
``["const", "pi"]``                a named constant from :data:`CONSTANTS`
``["sym", "x", {"real": true}]``   Symbol with its assumptions
``["dsym", "p", {...}, [lo, hi, left_open, right_open]]``
                                   :class:`~.declarations.DeclaredSymbol`
``["fn", "Add", [args...]]``       a class or function from :data:`FUNCTIONS`
``["matrix", rows, cols, [...]]``  ImmutableDenseMatrix (entries row by row)
``["array", [shape...], [...]]``   ImmutableDenseNDimArray (entries flattened)
=================================  ==================================================

Reading rebuilds each node from these allow-lists only, with the limits of the density
parser (size of integers, exponents and factorial-like arguments; number of nodes;
depth), so a planted tree cannot run code nor make sympy compute for hours. Anything
else raises ``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy as sp
from mpmath.libmp import from_man_exp
from sympy.core.assumptions import _assume_defined
from sympy.functions.elementary.piecewise import ExprCondPair

from ._grammar import MAX_BITS, MAX_COMBINATORIAL_ARG, MAX_POLYGAMMA_ORDER
from .declarations import DeclaredSymbol
from .parsing import _check_power

__all__ = ["to_tree", "from_tree", "Unserializable", "CONSTANTS", "FUNCTIONS"]

MAX_NODES = 50_000
MAX_DEPTH = 100
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class Unserializable(ValueError):
    """The object holds something outside the allow-lists (it is then not cached)."""


CONSTANTS: dict[str, sp.Basic] = {
    "pi": sp.pi, "E": sp.E, "EulerGamma": sp.EulerGamma, "Catalan": sp.Catalan,
    "GoldenRatio": sp.GoldenRatio, "oo": sp.oo, "-oo": -sp.oo, "zoo": sp.zoo, "nan": sp.nan,
    "I": sp.I, "true": sp.true, "false": sp.false,
}

_FUNCTION_LIST: list[Any] = [
    sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.sqrt, sp.Abs, sp.sign, sp.Heaviside,
    sp.gamma, sp.loggamma, sp.polygamma, sp.digamma, sp.trigamma, sp.beta, sp.zeta,
    sp.lowergamma, sp.uppergamma, sp.erf, sp.erfc, sp.erfi, sp.Ei, sp.expint, sp.Si, sp.Ci,
    sp.besseli, sp.besselk, sp.besselj, sp.bessely, sp.factorial, sp.binomial,
    sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc, sp.asin, sp.acos, sp.atan, sp.atan2,
    sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.asinh, sp.acosh, sp.atanh,
    sp.Max, sp.Min, sp.floor, sp.ceiling, sp.re, sp.im,
    sp.Piecewise, ExprCondPair, sp.Equality, sp.Unequality, sp.StrictLessThan,
    sp.LessThan, sp.StrictGreaterThan, sp.GreaterThan, sp.And, sp.Or, sp.Not, sp.Tuple,
]
#: the classes and functions a tree may name
FUNCTIONS: dict[str, Any] = {f.__name__: f for f in _FUNCTION_LIST if isinstance(f, type)}

# Functions that evaluate numeric arguments eagerly to exact (possibly huge) values.
_EAGER = {"gamma", "loggamma", "polygamma", "digamma", "trigamma", "beta", "zeta",
          "factorial", "binomial", "lowergamma", "uppergamma"}
# every constant is the singleton instance of its own class
_CONSTANT_OF = {type(v): k for k, v in CONSTANTS.items()}


# ---------------------------------------------------------------------- writing
def to_tree(obj: Any) -> Any:
    """The JSON tree of a sympy object; :class:`Unserializable` for anything else."""
    if isinstance(obj, sp.MatrixBase):
        return ["matrix", int(obj.rows), int(obj.cols), [to_tree(e) for e in obj]]
    if isinstance(obj, sp.NDimArray):
        return ["array", [int(n) for n in obj.shape], [to_tree(e) for e in sp.flatten(obj)]]
    if not isinstance(obj, sp.Basic):
        raise Unserializable(f"not a sympy object: {type(obj).__name__}")
    if type(obj) in _CONSTANT_OF:
        return ["const", _CONSTANT_OF[type(obj)]]
    if isinstance(obj, sp.Integer):
        return ["int", str(int(obj))]
    if isinstance(obj, sp.Rational):
        return ["rat", str(obj.p), str(obj.q)]
    if isinstance(obj, sp.Float):
        sign, man, exp, _ = obj._mpf_
        if not obj.is_finite:
            raise Unserializable(f"non-finite Float {obj}")
        return ["float", str(-int(man) if sign else int(man)), int(exp), int(obj._prec)]
    if isinstance(obj, DeclaredSymbol):
        lo, hi, left_open, right_open = obj._bounds
        return ["dsym", obj.name, dict(obj._assumptions_orig),
                [to_tree(lo), to_tree(hi), left_open, right_open]]
    if type(obj) is sp.Symbol:
        return ["sym", obj.name, dict(obj._assumptions_orig)]
    name = type(obj).__name__
    if FUNCTIONS.get(name) is type(obj):
        return ["fn", name, [to_tree(a) for a in obj.args]]
    raise Unserializable(f"{name} is not in the allow-list of cached sympy classes")


# ---------------------------------------------------------------------- reading
class _Reader:
    def __init__(self) -> None:
        self.nodes = 0

    def read(self, tree: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ValueError(f"expression tree has more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise ValueError(f"expression tree is nested deeper than {MAX_DEPTH}")
        if not (isinstance(tree, list) and tree and isinstance(tree[0], str)):
            raise ValueError(f"malformed node {str(tree)[:60]!r}")
        reader = _READERS.get(tree[0])
        if reader is None:
            raise ValueError(f"unknown node tag {tree[0][:30]!r}")
        return reader(self, tree[1:], depth + 1)

    def many(self, items: Any, depth: int) -> list[Any]:
        if not isinstance(items, list):
            raise ValueError("arguments must be a list")
        return [self.read(t, depth) for t in items]


def _int(text: Any) -> int:
    if not (isinstance(text, str) and re.fullmatch(r"-?\d{1,1300}", text)):
        raise ValueError(f"malformed integer {str(text)[:40]!r}")
    value = int(text)
    if value.bit_length() > MAX_BITS:
        raise ValueError(f"integer over {MAX_BITS} bits")
    return value


def _small_int(value: Any, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{what} must be an integer in [{lo}, {hi}], got {value!r}")
    return value


def _read_int(r: _Reader, payload: list, depth: int) -> sp.Expr:
    (text,) = payload
    return sp.Integer(_int(text))


def _read_rat(r: _Reader, payload: list, depth: int) -> sp.Expr:
    p, q = payload
    q_value = _int(q)
    if q_value <= 0:
        raise ValueError("rational denominator must be positive")
    return sp.Rational(_int(p), q_value)


def _read_float(r: _Reader, payload: list, depth: int) -> sp.Expr:
    man, exp, prec = payload
    bits = _small_int(prec, 1, MAX_BITS, "float precision")
    mantissa = _int(man)
    if mantissa == 0:
        return sp.Float(0, precision=bits)
    mpf = from_man_exp(mantissa, _small_int(exp, -10**6, 10**6, "float exponent"), bits)
    return sp.Float._new(mpf, bits)


def _read_const(r: _Reader, payload: list, depth: int) -> sp.Expr:
    (name,) = payload
    if name not in CONSTANTS:
        raise ValueError(f"unknown constant {str(name)[:30]!r}")
    return CONSTANTS[name]


def _assumptions(value: Any) -> dict[str, bool]:
    if not isinstance(value, dict) or not all(
            k in _assume_defined and isinstance(v, bool) for k, v in value.items()):
        raise ValueError("symbol assumptions must map known assumption names to booleans")
    return value


def _name(value: Any) -> str:
    if not (isinstance(value, str) and _NAME.match(value)) or value.startswith("__"):
        raise ValueError(f"malformed symbol name {str(value)[:40]!r}")
    return value


def _read_sym(r: _Reader, payload: list, depth: int) -> sp.Expr:
    name, assumptions = payload
    return sp.Symbol(_name(name), **_assumptions(assumptions))


def _read_dsym(r: _Reader, payload: list, depth: int) -> sp.Expr:
    name, assumptions, bounds = payload
    lo, hi, left_open, right_open = bounds
    if not (isinstance(left_open, bool) and isinstance(right_open, bool)):
        raise ValueError("interval ends must be booleans")
    lo, hi = r.read(lo, depth), r.read(hi, depth)
    if not (lo.is_number and hi.is_number and bool(lo < hi)):
        raise ValueError("declared interval must have numeric bounds low < high")
    return DeclaredSymbol(_name(name), sp.Interval(lo, hi, left_open, right_open),
                          **_assumptions(assumptions))


def _read_fn(r: _Reader, payload: list, depth: int) -> sp.Basic:
    name, args = payload
    if not isinstance(name, str) or name not in FUNCTIONS:
        raise ValueError(f"{str(name)[:30]!r} is not an allowed sympy class")
    values = r.many(args, depth)
    if name == "Pow" and len(values) == 2:
        _check_power(values[0], values[1], "cached expression")
    if name in _EAGER:
        for v in values:
            if isinstance(v, sp.Expr) and v.is_number and v.is_finite and \
                    abs(v) > MAX_COMBINATORIAL_ARG:
                raise ValueError(f"numeric argument of {name} too large")
        if name == "polygamma" and values and values[0].is_number and \
                abs(values[0]) > MAX_POLYGAMMA_ORDER:
            raise ValueError("polygamma order too large")
    try:
        return FUNCTIONS[name](*values)
    except (TypeError, ValueError, AttributeError, IndexError) as err:
        raise ValueError(f"cannot rebuild {name}: {err}") from None


def _read_matrix(r: _Reader, payload: list, depth: int) -> sp.Basic:
    rows, cols, entries = payload
    rows = _small_int(rows, 0, 100, "matrix rows")
    cols = _small_int(cols, 0, 100, "matrix columns")
    values = r.many(entries, depth)
    if len(values) != rows * cols:
        raise ValueError("matrix entries do not match its shape")
    return sp.ImmutableMatrix(rows, cols, values)


def _read_array(r: _Reader, payload: list, depth: int) -> sp.Basic:
    shape, entries = payload
    if not isinstance(shape, list) or not 1 <= len(shape) <= 6:
        raise ValueError("array shape must be a list of 1 to 6 sizes")
    dims = [_small_int(n, 1, 100, "array size") for n in shape]
    values = r.many(entries, depth)
    size = 1
    for n in dims:
        size *= n
    if len(values) != size:
        raise ValueError("array entries do not match its shape")
    return sp.ImmutableDenseNDimArray(values, dims)


_READERS: dict[str, Callable[[_Reader, list, int], Any]] = {
    "int": _read_int, "rat": _read_rat, "float": _read_float, "const": _read_const,
    "sym": _read_sym, "dsym": _read_dsym, "fn": _read_fn, "matrix": _read_matrix,
    "array": _read_array,
}


def from_tree(tree: Any) -> Any:
    """Rebuild a sympy object from :func:`to_tree` output; ``ValueError`` if malformed."""
    try:
        return _Reader().read(tree)
    except (TypeError, ValueError, KeyError, RecursionError) as err:
        # a wrong number of fields unpacks as ValueError/TypeError: one error type out
        raise ValueError(f"invalid expression tree: {err}") from None
