"""The safe density parser: what it accepts equals sympy built by hand; hostile input is
refused with a ValueError, quickly, and without side effects."""

from __future__ import annotations

import builtins
import os
import signal
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from infogeo.symbolic.parsing import (
    ALLOWED_FUNCTIONS,
    MAX_LENGTH,
    parse_constant,
    parse_density,
    parse_param_specs,
    parse_params,
    parse_support,
    parse_variable,
)

MU, SIGMA = parse_params("mu sigma>0")
X = sp.Symbol("x", real=True)


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    """A parse that hangs (e.g. evaluating 9**9**9**9) fails the test instead of the run."""
    def boom(signum: int, frame: object) -> None:
        raise TimeoutError("parsing took more than 20 s")
    previous = signal.signal(signal.SIGALRM, boom)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------- parameters
def test_param_declarations_give_symbols_with_assumptions() -> None:
    specs = parse_param_specs("mu sigma>0 p:(0,1) n:int>0 t>=0 u<0 c:[1,oo) w<=0, r>2")
    by = {s.name: s for s in specs}
    assert by["mu"].symbol.is_real and by["mu"].symbol.is_positive is None
    assert by["mu"].domain == sp.Reals
    assert by["sigma"].symbol.is_positive and by["sigma"].domain == sp.Interval.open(0, sp.oo)
    assert by["p"].symbol.is_positive and by["p"].domain == sp.Interval.open(0, 1)
    assert by["n"].symbol.is_integer and by["n"].symbol.is_positive
    assert by["t"].symbol.is_nonnegative and by["t"].symbol.is_positive is None
    assert by["u"].symbol.is_negative
    assert by["w"].symbol.is_nonpositive
    assert by["c"].domain == sp.Interval(1, sp.oo, right_open=True) and by["c"].symbol.is_positive
    assert by["r"].domain == sp.Interval.open(2, sp.oo) and by["r"].symbol.is_positive
    assert [s.name for s in specs] == ["mu", "sigma", "p", "n", "t", "u", "c", "w", "r"]


def test_param_declarations_accept_spaces_in_intervals_and_fractions() -> None:
    (p,) = parse_param_specs("p : ( 0 , 1/2 ]")
    assert p.domain == sp.Interval.Lopen(0, sp.Rational(1, 2))


@pytest.mark.parametrize("text, fragment", [
    ("", "at least one"),
    ("mu mu", "declared twice"),
    ("__class__", "dunder"),
    ("log", "reserved"),
    ("pi", "reserved"),
    ("p:(1,0)", "low < high"),
    ("sigma>oo", "finite"),
    ("sigma>0)", "unexpected"),
    ("mu;import", "unexpected"),
    ("σ>0", "ASCII"),
    ("1abc", "cannot read"),
])
def test_bad_param_declarations_are_rejected(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_param_specs(text)


def test_param_declarations_reject_non_strings() -> None:
    with pytest.raises(TypeError, match="params must be a string"):
        parse_params(["mu"])  # type: ignore[arg-type]


def test_variable_takes_assumptions_from_support() -> None:
    assert parse_variable("x", (0, sp.oo)).is_positive
    assert parse_variable("x", (-sp.oo, sp.oo)).is_positive is None
    k = parse_variable("k", (0, sp.oo), discrete=True)
    assert k.is_integer and k.is_nonnegative
    with pytest.raises(ValueError, match="single name"):
        parse_variable("x y")
    with pytest.raises(ValueError, match="do not overlap"):
        parse_variable("x<0", (1, 2))


# ---------------------------------------------------------------------- densities
def test_normal_log_density_equals_hand_built_sympy() -> None:
    got = parse_density("-(x - mu)**2/(2*sigma**2) - log(sigma) - log(2*pi)/2", [MU, SIGMA], X)
    expected = -(X - MU) ** 2 / (2 * SIGMA**2) - sp.log(SIGMA) - sp.log(2 * sp.pi) / 2
    assert sp.simplify(got - expected) == 0
    assert got.free_symbols == {MU, SIGMA, X}
    assert next(s for s in got.free_symbols if s.name == "sigma").is_positive


def test_floats_become_exact_rationals_and_constants_are_sympy() -> None:
    got = parse_density("0.5*x*mu*sigma + 1e-3*E + EulerGamma*pi + 2.5e2", [MU, SIGMA], X)
    assert got == (sp.Rational(1, 2) * X * MU * SIGMA + sp.Rational(1, 1000) * sp.E
                   + sp.EulerGamma * sp.pi + 250)


@pytest.mark.parametrize("name", sorted(ALLOWED_FUNCTIONS))
def test_every_whitelisted_function_maps_to_its_sympy_function(name: str) -> None:
    func, arities = ALLOWED_FUNCTIONS[name]
    n = arities[0]
    args = ["mu", "sigma*x"][:n] if n == 2 else ["mu*sigma*x"]
    got = parse_density(f"{name}({', '.join(args)})", [MU, SIGMA], X, check_params=False)
    sym_args = [MU, SIGMA * X][:n] if n == 2 else [MU * SIGMA * X]
    assert got == func(*sym_args)


def test_log_with_a_base_and_unary_operators() -> None:
    assert parse_density("log(x, 2)", [MU], X, check_params=False) == sp.log(X) / sp.log(2)
    assert parse_density("-+-x", [MU], X, check_params=False) == X


def test_missing_parameter_or_variable_is_reported() -> None:
    with pytest.raises(ValueError, match="does not depend on sigma"):
        parse_density("-(x - mu)**2/2", [MU, SIGMA], X)
    with pytest.raises(ValueError, match="does not depend on x"):
        parse_density("mu*sigma", [MU, SIGMA], X)
    assert parse_density("mu", [MU, SIGMA], X, check_params=False) == MU


def test_printed_log_densities_round_trip() -> None:
    """What sympy prints for common log-densities (beta, Poisson, von Mises, binomial,
    Student-t) is accepted and parses back to the same expression."""
    x, k = sp.Symbol("x", positive=True), sp.Symbol("k", integer=True, nonnegative=True)
    a, b, lam, kappa, nu = parse_params("a>0 b>0 lam>0 kappa>0 nu>0")
    p, = parse_params("p:(0,1)")
    cases = [
        (sp.loggamma(a + b) - sp.loggamma(a) - sp.loggamma(b) + (a - 1) * sp.log(x)
         + (b - 1) * sp.log(1 - x), [a, b], x),
        (k * sp.log(lam) - lam - sp.loggamma(k + 1), [lam], k),
        (kappa * sp.cos(X - MU) - sp.log(2 * sp.pi * sp.besseli(0, kappa)), [MU, kappa], X),
        (sp.log(sp.binomial(10, k)) + k * sp.log(p) + (10 - k) * sp.log(1 - p), [p], k),
        (sp.loggamma((nu + 1) / 2) - sp.loggamma(nu / 2) - sp.log(sp.sqrt(nu * sp.pi) * SIGMA)
         - (nu + 1) / 2 * sp.log(1 + ((X - MU) / SIGMA) ** 2 / nu), [MU, SIGMA, nu], X),
    ]
    for expr, params, var in cases:
        got = parse_density(str(expr), params, var)
        # same tree up to sympy's automatic distribution of -1 over sums
        assert got == expr or sp.expand(got - expr) == 0, expr


# ---------------------------------------------------------------------- hostile input
HOSTILE = [
    "__import__('os').system('touch {sentinel}')",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 1",
    "[x for x in ()]",
    "{x for x in ()}",
    "{x: 1 for x in ()}",
    "(x for x in ())",
    "open('/etc/passwd')",
    "open('{sentinel}', 'w')",
    "exec('1')",
    "eval('1')",
    "compile('1', 'f', 'eval')",
    "getattr(x, 'real')",
    "globals()",
    "vars()",
    "breakpoint()",
    "x.__class__",
    "x.real",
    "log.__globals__",
    "__builtins__",
    "__import__",
    "x[0]",
    "x[0:1]",
    "9**9**9**9",
    "2**2**2**2**2**2",
    "10**100000",
    "(10**1000)**5",
    "x**(10**9)",
    "((2**999+1)*(2**999+3)*(2**999+5)*(2**999+7))**(1/2)",
    "sqrt((2**999+1)*(2**999+3)*(2**999+5)*(2**999+7))",
    "(2**300+1)**(1/3)",
    "x**-10**9",
    "factorial(10**6)",
    "factorial(factorial(20))",
    "gamma(10**7)",
    "binomial(10**6, 5*10**5)",
    "polygamma(10**4, 3)",
    "'a'*10**9",
    "'a'",
    "b'a'",
    "f'{x}'",
    "f'{__import__(\"os\")}'",
    "x if mu else sigma",
    "x < mu",
    "x and mu",
    "not x",
    "~x",
    "x ^ 2",
    "x % 2",
    "x // 2",
    "x @ x",
    "x << 2",
    "x & 1",
    "(x := 1)",
    "exp(*[x])",
    "exp(**{'x': 1})",
    "exp(x=1)",
    "log(x, base=2)",
    "exp(x, mu)",
    "sqrt()",
    "log",
    "foo",
    "foo(x)",
    "Symbol('y')",
    "sympify('x')",
    "S('x')",
    "Piecewise((x, x.real), (0, True))",
    "Piecewise((x, x > 0), (0, 1))",
    "Piecewise((x, x > 0) (0, True))",
    "Eq(x, 0)",
    "x > 0",
    "x;import os",
    "x\nimport os",
    "import os",
    "x = 1",
    "1/0",
    "log(0)*x*mu*sigma",
    "sqrt(-1)*x",
    "1j*x",
    "None",
    "True",
    "...",
    "(x, mu)",
    "[x]",
    "{x}",
    "{'a': x}",
    "await x",
    "yield x",
    "",
    "   ",
    "x" * (MAX_LENGTH + 1),
    "-" * 1500 + "x",
    "(" * 300 + "x" + ")" * 300,
    "exp(" * 100 + "x" + ")" * 100,
    "+".join(["x"] * 700),
    "9" * 1500,
    "1e999*x",
    "ｅｘｐ(x)",  # fullwidth letters: NFKC-normalised to exp by Python's parser
    "𝐱",  # mathematical bold x: normalised to x
    "x\u200b",  # zero-width space
    "x\x00",
    "ᵉxec('1')",
    "__import__('subprocess').call(['touch', '{sentinel}'])",
]


@pytest.mark.parametrize("template", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_are_rejected_without_side_effects(
        template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = tmp_path / "pwned"
    text = template.replace("{sentinel}", str(sentinel))
    calls: list[str] = []

    def record(name: str):  # noqa: ANN202
        def fake(*args: object, **kwargs: object) -> None:
            calls.append(name)
            raise AssertionError(f"{name} was called while parsing {text!r}")
        return fake

    real_import = builtins.__import__

    def guarded_import(name: str, *args: object, **kwargs: object) -> object:
        # sympy imports lazily inside functions; only imports a payload needs are refused
        if name.split(".")[0] in ("os", "subprocess", "pathlib", "shutil", "socket"):
            calls.append(f"import {name}")
            raise AssertionError(f"import {name} while parsing {text!r}")
        return real_import(name, *args, **kwargs)

    for mod, name in ((os, "system"), (builtins, "open"), (builtins, "exec"),
                      (builtins, "eval"), (subprocess, "call"), (subprocess, "Popen")):
        monkeypatch.setattr(mod, name, record(name))
    monkeypatch.setattr(builtins, "__import__", guarded_import)
    with pytest.raises(ValueError) as info:
        parse_density(text, [MU, SIGMA], X)
    monkeypatch.undo()
    assert not calls and not sentinel.exists()
    message = str(info.value)
    assert message and "\n" not in message and len(message) < 500


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.ascii_letters[:8] + "xmusigmalogexp_()[]{}.,:;'\"*/+-^ 0123456789",
               max_size=60))
def test_arbitrary_text_parses_or_raises_value_error(text: str) -> None:
    """No input crashes the parser with anything but ValueError."""
    try:
        result = parse_density(text, [MU, SIGMA], X, check_params=False)
    except ValueError:
        return
    assert isinstance(result, sp.Expr)
    assert result.free_symbols <= {MU, SIGMA, X}


def test_non_string_density_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="density must be a string"):
        parse_density(b"x", [MU], X)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sympy Symbols"):
        parse_density("x", ["mu"], X)  # type: ignore[list-item]


# ---------------------------------------------------------------------- supports
def test_supports_and_constants() -> None:
    assert parse_support("-oo,oo") == (-sp.oo, sp.oo)
    assert parse_support("(0, oo)") == (0, sp.oo)
    assert parse_support("[-pi, pi]") == (-sp.pi, sp.pi)
    assert parse_constant("1/2") == sp.Rational(1, 2)
    for bad, fragment in (("1,0", "low < high"), ("0", "'low,high'"),
                          ("x,1", "unknown name"), ("0,oo-oo", "undefined"),
                          ("__import__('os'),1", "not allowed")):
        with pytest.raises(ValueError, match=fragment):
            parse_support(bad)
