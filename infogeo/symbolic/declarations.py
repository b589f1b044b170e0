"""Parameter declarations such as ``"mu sigma>0 p:(0,1) n:int>0"`` (see :mod:`.parsing`).

Declarations are read with one regular expression per declaration and exact sympy
numbers; nothing is evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from ._grammar import _RESERVED, MAX_LENGTH

__all__ = ["ParamSpec", "parse_param_specs", "parse_params", "parse_variable"]


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter: its sympy symbol and its domain.

    Attributes
    ----------
    symbol : sympy.Symbol
        Carries ``real=True`` and, where the domain allows, ``positive`` /
        ``nonnegative`` / ``negative`` / ``nonpositive`` and ``integer``.
    domain : sympy.Set
        The declared interval (``sympy.Reals`` when unconstrained).
    """

    symbol: sympy.Symbol
    domain: sympy.Set

    @property
    def name(self) -> str:
        return self.symbol.name


_NUM = r"[-+]?(?:oo|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)(?:/\d+)?"
_DECL = re.compile(
    rf"""(?P<name>[A-Za-z_][A-Za-z0-9_]*)
         (?P<int>\s*:\s*int\b)?
         (?:\s*(?P<op>>=|<=|>|<)\s*(?P<num>{_NUM})
           |\s*:\s*(?P<lb>[\[(])\s*(?P<lo>{_NUM})\s*,\s*(?P<hi>{_NUM})\s*(?P<rb>[\])]))?""",
    re.VERBOSE,
)


def _skip_separators(text: str, pos: int) -> int:
    """Position of the next non-separator (whitespace or comma) at or after ``pos``."""
    while pos < len(text) and (text[pos].isspace() or text[pos] == ","):
        pos += 1
    return pos


def _number(text: str, what: str) -> sympy.Expr:
    """An exact sympy number from a declaration bound (never ``sympify``)."""
    t = text.lstrip("+")
    if t in ("oo", "-oo"):
        return sympy.oo if t == "oo" else -sympy.oo
    if len(t) > 40:
        raise ValueError(f"{what}: number {text!r} is too long")
    num, _, den = t.partition("/")
    value = sympy.Rational(num)  # Rational parses a decimal string exactly, without eval
    return value / sympy.Integer(den) if den else value


def _check_name(name: str, what: str) -> None:
    if name.startswith("__") or name.endswith("__"):
        raise ValueError(f"{what}: dunder names are not allowed, got {name!r}")
    if name in _RESERVED:
        raise ValueError(f"{what}: {name!r} is a reserved function or constant name")


def _assumptions(domain: sympy.Set) -> dict[str, bool]:
    lo, hi = domain.inf, domain.sup
    if lo > 0 or (lo == 0 and domain.left_open):
        return {"positive": True}
    if lo == 0:
        return {"nonnegative": True}
    if hi < 0 or (hi == 0 and domain.right_open):
        return {"negative": True}
    if hi == 0:
        return {"nonpositive": True}
    return {}


def _parse_decl(match: re.Match[str], what: str) -> ParamSpec:
    name = match["name"]
    _check_name(name, what)
    if match["op"]:
        c = _number(match["num"], f"{what} {name}")
        if not c.is_finite:
            raise ValueError(f"{what}: bound of {name!r} must be a finite number, got {c}")
        domain = {">": sympy.Interval.open(c, sympy.oo), ">=": sympy.Interval(c, sympy.oo),
                  "<": sympy.Interval.open(-sympy.oo, c), "<=": sympy.Interval(-sympy.oo, c),
                  }[match["op"]]
    elif match["lb"]:
        lo = _number(match["lo"], f"{what} {name}")
        hi = _number(match["hi"], f"{what} {name}")
        if not lo < hi:
            raise ValueError(f"{what}: interval of {name!r} must have low < high, "
                             f"got ({lo}, {hi})")
        domain = sympy.Interval(lo, hi, left_open=match["lb"] == "(" or not lo.is_finite,
                                right_open=match["rb"] == ")" or not hi.is_finite)
    else:
        domain = sympy.Reals
    assumptions = {"real": True, **_assumptions(domain)}
    if match["int"]:
        assumptions["integer"] = True
    return ParamSpec(sympy.Symbol(name, **assumptions), domain)


def parse_param_specs(text: str, what: str = "params") -> list[ParamSpec]:
    """Parse parameter declarations (syntax in the module docstring) into :class:`ParamSpec`.

    Examples
    --------
    >>> [str(s.domain) for s in parse_param_specs("mu sigma>0 p:(0,1)")]
    ['Reals', 'Interval.open(0, oo)', 'Interval.open(0, 1)']
    """
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH or not text.isascii():
        raise ValueError(f"{what} must be ASCII text of at most {MAX_LENGTH} characters")
    specs: list[ParamSpec] = []
    pos = _skip_separators(text, 0)
    while pos < len(text):
        match = _DECL.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(
                f"{what}: cannot read declaration at {text[pos:pos + 20]!r}; expected e.g. "
                "'mu', 'sigma>0', 'p:(0,1)' or 'n:int>0'")
        end = match.end()
        if end < len(text) and not (text[end].isspace() or text[end] == ","):
            raise ValueError(f"{what}: unexpected {text[end]!r} after declaration "
                             f"{match.group(0)!r}")
        specs.append(_parse_decl(match, what))
        pos = _skip_separators(text, end)
    if not specs:
        raise ValueError(f"{what} must declare at least one parameter, got {text!r}")
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{what}: parameter declared twice: {', '.join(dupes)}")
    return specs


def parse_params(text: str) -> tuple[sympy.Symbol, ...]:
    """Parse declarations such as ``"mu sigma>0 p:(0,1)"`` into sympy symbols.

    Examples
    --------
    >>> mu, sigma = parse_params("mu sigma>0")
    >>> sigma.is_positive, mu.is_real
    (True, True)
    """
    return tuple(spec.symbol for spec in parse_param_specs(text))


def parse_variable(text: str, support: tuple[sympy.Expr, sympy.Expr] | None = None,
                   discrete: bool = False) -> sympy.Symbol:
    """The random variable's symbol, with assumptions taken from its support.

    ``text`` is one declaration in the :func:`parse_params` syntax (``"x"``, ``"x>0"``);
    a support of ``(0, oo)`` makes the symbol positive (as a declared ``x>0`` would),
    and ``discrete=True`` makes it an integer.
    """
    specs = parse_param_specs(text, what="variable")
    if len(specs) != 1:
        raise ValueError(f"variable must be a single name, got {text!r}")
    spec = specs[0]
    domain = spec.domain
    if support is not None:
        lo, hi = support
        # a continuous support's end points carry no mass: x on (0, oo) is positive
        closed = discrete or spec.symbol.is_integer
        domain = domain.intersect(sympy.Interval(lo, hi, left_open=not closed,
                                                 right_open=not closed))
        if domain.is_empty:
            raise ValueError(f"variable {spec.name!r}: declaration and support ({lo}, {hi}) "
                             "do not overlap")
    assumptions = {"real": True, **_assumptions(domain)}
    if discrete or spec.symbol.is_integer:
        assumptions["integer"] = True
    return sympy.Symbol(spec.name, **assumptions)
