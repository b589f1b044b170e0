"""Parameter declarations such as ``"mu sigma>0 p:(0,1) n:int>0"`` (see :mod:`.parsing`).

Declarations are read with one regular expression per declaration and exact sympy
numbers; nothing is evaluated.

A bound at 0 is a sympy assumption (``sigma>0`` gives a positive symbol). Any other
interval (``p:(0,1)``, ``rate>=1``) cannot be said with assumptions, so the symbol is a
:class:`DeclaredSymbol`, which carries its interval wherever it goes: a
:class:`~infogeo.symbolic.SymbolicFamily` built with it uses that interval as the
parameter's domain without being told again.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

import sympy

from ._grammar import _RESERVED, MAX_LENGTH, shown

__all__ = ["ParamSpec", "DeclaredSymbol", "declared_domain", "parse_param_specs",
           "parse_params", "parse_variable"]


class DeclaredSymbol(sympy.Symbol):
    """A sympy Symbol that remembers the interval it was declared in.

    It behaves as a ``Symbol`` with the same name and assumptions, except that two
    symbols declared in different intervals are different symbols (as two symbols with
    different assumptions are).

    >>> p = DeclaredSymbol("p", sympy.Interval.open(0, 1), positive=True)
    >>> p.domain, p.is_positive
    (Interval.open(0, 1), True)
    """

    __slots__ = ("_bounds",)

    def __new__(cls, name: str, domain: sympy.Interval, **assumptions: bool
                ) -> DeclaredSymbol:
        if not isinstance(domain, sympy.Interval):
            raise TypeError(f"domain must be a sympy Interval, got {domain!r}")
        cls._sanitize(assumptions, cls)
        obj = sympy.Symbol.__xnew__(cls, name, **assumptions)
        obj._bounds = (domain.start, domain.end, bool(domain.left_open),
                       bool(domain.right_open))
        return obj

    @property
    def domain(self) -> sympy.Interval:
        """The declared interval."""
        lo, hi, left_open, right_open = self._bounds
        return sympy.Interval(lo, hi, left_open, right_open)

    def __getnewargs_ex__(self) -> tuple:
        return ((self.name, self.domain), self._assumptions_orig)

    def _hashable_content(self) -> tuple:
        return sympy.Symbol._hashable_content(self) + self._bounds


def declared_domain(symbol: sympy.Symbol) -> sympy.Interval | None:
    """The interval a :class:`DeclaredSymbol` was declared in (None for other symbols)."""
    return symbol.domain if isinstance(symbol, DeclaredSymbol) else None


def _symbol(name: str, domain: sympy.Set, assumptions: dict[str, bool]) -> sympy.Symbol:
    """A plain Symbol when the assumptions say all about the domain, else a DeclaredSymbol."""
    implied = {(): sympy.Reals, ("positive",): sympy.Interval.open(0, sympy.oo),
               ("nonnegative",): sympy.Interval(0, sympy.oo, right_open=True),
               ("negative",): sympy.Interval.open(-sympy.oo, 0),
               ("nonpositive",): sympy.Interval(-sympy.oo, 0, left_open=True)}
    sign = tuple(k for k in ("positive", "nonnegative", "negative", "nonpositive")
                 if assumptions.get(k))
    if domain == sympy.Reals or domain == implied.get(sign) or not isinstance(
            domain, sympy.Interval):
        return sympy.Symbol(name, **assumptions)
    return DeclaredSymbol(name, domain, **assumptions)


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
        raise ValueError(f"{what}: number {shown(text)} is too long")
    num, _, den = t.partition("/")
    value = sympy.Rational(num)  # Rational parses a decimal string exactly, without eval
    return value / sympy.Integer(den) if den else value


# Function names that are also Greek letters, the usual names of parameters (Gumbel's or a
# gamma rate's beta): a declared name is a symbol, and the grammar still reads beta(a, b)
# as the function, since a call and a bare name are different nodes.
_GREEK_FUNCTIONS = frozenset({"beta", "gamma"})


def _check_name(name: str, what: str) -> None:
    if name.startswith("__") or name.endswith("__"):
        raise ValueError(f"{what}: dunder names are not allowed, got {shown(name)}")
    if name in _RESERVED and name not in _GREEK_FUNCTIONS:
        raise ValueError(f"{what}: {shown(name)} is a reserved function or constant name")
    if keyword.iskeyword(name):
        raise ValueError(f"{what}: {shown(name)} is a Python keyword, which a density cannot "
                         "use as a name; choose another name (e.g. lam for lambda)")


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
            raise ValueError(f"{what}: bound of {shown(name)} must be a finite number, got {c}")
        domain = {">": sympy.Interval.open(c, sympy.oo), ">=": sympy.Interval(c, sympy.oo),
                  "<": sympy.Interval.open(-sympy.oo, c), "<=": sympy.Interval(-sympy.oo, c),
                  }[match["op"]]
    elif match["lb"]:
        lo = _number(match["lo"], f"{what} {name}")
        hi = _number(match["hi"], f"{what} {name}")
        if not lo < hi:
            raise ValueError(f"{what}: interval of {shown(name)} must have low < high, "
                             f"got ({lo}, {hi})")
        domain = sympy.Interval(lo, hi, left_open=match["lb"] == "(" or not lo.is_finite,
                                right_open=match["rb"] == ")" or not hi.is_finite)
    else:
        domain = sympy.Reals
    assumptions = {"real": True, **_assumptions(domain)}
    if match["int"]:
        assumptions["integer"] = True
    return ParamSpec(_symbol(name, domain, assumptions), domain)


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
        raise ValueError(f"{what} must declare at least one parameter, got {shown(text)}")
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
        raise ValueError(f"variable must be a single name, got {shown(text)}")
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
    return _symbol(spec.name, domain, assumptions)
