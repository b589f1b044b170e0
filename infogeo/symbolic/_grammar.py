"""The grammar limits and whitelists of the safe density parser (:mod:`.parsing`).

Every name here is re-exported by :mod:`infogeo.symbolic.parsing`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import sympy

#: longest density string accepted (characters)
MAX_LENGTH = 2000
#: deepest expression tree accepted
MAX_DEPTH = 60
#: most AST nodes accepted
MAX_NODES = 600
#: largest |integer exponent| accepted in ``a**n``
MAX_EXPONENT = 1000
#: largest numeric constant (in bits) that a sub-expression may evaluate to
MAX_BITS = 4096
#: largest constant (in bits) under a root: sympy factors it to simplify
MAX_ROOT_BITS = 256
#: largest |numeric argument| of factorial-like functions (they evaluate eagerly)
MAX_COMBINATORIAL_ARG = 200
#: largest numeric order n of polygamma(n, z)
MAX_POLYGAMMA_ORDER = 20
#: most pieces of a Piecewise((expr, condition), ...)
MAX_PIECES = 20
#: callables that build pieces and conditions (:mod:`._conditions`), not ordinary functions
CONDITION_FUNCTIONS = ("Piecewise", "Eq", "Ne")

# name -> (sympy callable, allowed numbers of arguments)
ALLOWED_FUNCTIONS: dict[str, tuple[Callable[..., sympy.Expr], tuple[int, ...]]] = {
    "log": (sympy.log, (1, 2)),
    "exp": (sympy.exp, (1,)),
    "sqrt": (sympy.sqrt, (1,)),
    "abs": (sympy.Abs, (1,)),
    "Abs": (sympy.Abs, (1,)),
    "gamma": (sympy.gamma, (1,)),
    "loggamma": (sympy.loggamma, (1,)),
    "beta": (sympy.beta, (2,)),
    "digamma": (sympy.digamma, (1,)),
    "trigamma": (sympy.trigamma, (1,)),
    "polygamma": (sympy.polygamma, (2,)),
    "erf": (sympy.erf, (1,)),
    "erfc": (sympy.erfc, (1,)),
    "besseli": (sympy.besseli, (2,)),
    "besselk": (sympy.besselk, (2,)),
    "cos": (sympy.cos, (1,)),
    "sin": (sympy.sin, (1,)),
    "tan": (sympy.tan, (1,)),
    "atan": (sympy.atan, (1,)),
    "acos": (sympy.acos, (1,)),
    "asin": (sympy.asin, (1,)),
    "cosh": (sympy.cosh, (1,)),
    "sinh": (sympy.sinh, (1,)),
    "tanh": (sympy.tanh, (1,)),
    "atanh": (sympy.atanh, (1,)),
    "factorial": (sympy.factorial, (1,)),
    "binomial": (sympy.binomial, (2,)),
    # special functions of scipy.stats families (zipf, vonmises, exponnorm, ...); their
    # numeric values and unevaluated derivatives come from scipy/mpmath (._special)
    "zeta": (sympy.zeta, (1, 2)),
    "polylog": (sympy.polylog, (2,)),
    "expint": (sympy.expint, (2,)),
    "Ei": (sympy.Ei, (1,)),
    "erfi": (sympy.erfi, (1,)),
    "lowergamma": (sympy.lowergamma, (2,)),
    "uppergamma": (sympy.uppergamma, (2,)),
    "besselj": (sympy.besselj, (2,)),
}

# Functions whose numeric arguments are evaluated eagerly to exact (huge) numbers.
_COMBINATORIAL = {"gamma", "loggamma", "beta", "factorial", "binomial", "polygamma",
                  "digamma", "trigamma", "zeta", "polylog", "expint", "lowergamma",
                  "uppergamma"}

ALLOWED_CONSTANTS: dict[str, sympy.Expr] = {
    "pi": sympy.pi,
    "E": sympy.E,
    "oo": sympy.oo,
    "EulerGamma": sympy.EulerGamma,
}

def shown(value: object, limit: int = 80) -> str:
    """``repr(value)`` for an error message, shortened: user input may be megabytes."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 20]}...{text[-12:]} " \
        f"({len(text)} characters)"


_RESERVED = set(ALLOWED_FUNCTIONS) | set(ALLOWED_CONSTANTS) | set(CONDITION_FUNCTIONS) | {
    "I", "nan", "zoo", "inf", "True", "False"}

_BINOPS: dict[type, Callable[[sympy.Expr, sympy.Expr], sympy.Expr]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}

# A readable reason for each refused node type (the fallback names the node type).
_REFUSED = {
    ast.Attribute: "attribute access (a.b) is not allowed",
    ast.Subscript: "subscripts (a[i]) are not allowed",
    ast.Lambda: "lambda expressions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.Starred: "starred arguments (*a) are not allowed",
    ast.Compare: "comparisons are allowed only as conditions, as in "
                 "Piecewise((x, x > 0), (0, True))",
    ast.BoolOp: "boolean operators (and/or) are allowed only in Piecewise conditions",
    ast.IfExp: "conditional expressions (a if c else b) are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.Tuple: "tuples are allowed only as Piecewise pieces (expr, condition)",
    ast.List: "lists are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Set: "sets are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Slice: "slices are not allowed",
}
