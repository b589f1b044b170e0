"""No string given to the Python API runs code, hangs, or fails with anything but a clear
ValueError/TypeError (issue 11, "String arguments in the Python API are evaluated").

Every public entry point that takes a string is driven with the hostile corpus of
:mod:`tests.symbolic._corpus`; a canary file that any executed payload would create must
never appear, and the functions a payload would call (``os.system``, ``subprocess``)
must never be reached. The command-line side of the same corpus is in
``tests/cli/test_cli_injection.py``.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sympy as sp

from infogeo.symbolic import (
    SymbolicFamily,
    alpha_christoffel_symbols,
    catalogue,
    christoffel_symbols,
    compile_manifold,
    fisher_information_result,
    geodesic_equations,
    parse_density,
    parse_expression,
    parse_family,
    parse_params,
    pullback_metric,
    reparametrize,
    scalar_curvature,
)
from infogeo.symbolic.numeric import numeric_expectation
from infogeo.symbolic.parsing import parse_constant, parse_support, parse_variable

from ._corpus import DENIAL_OF_SERVICE, EXECUTING, HOSTILE, fill

X = sp.Symbol("x", real=True)
MU = sp.Symbol("mu", real=True)
SIGMA = sp.Symbol("sigma", positive=True)
NORMAL = "-(x-mu)**2/(2*sigma**2) - log(sigma) - log(2*pi)/2"
FAM = parse_family(NORMAL, "mu sigma>0")
FAM_NU = SymbolicFamily(NORMAL, "mu sigma>0", "x", hyperparams="nu>0")
METRIC = sp.diag(1 / SIGMA**2, 2 / SIGMA**2)
CUBIC = sp.Array([[[0, 2 / SIGMA**3], [2 / SIGMA**3, 0]], [[2 / SIGMA**3, 0], [0, 8 / SIGMA**3]]])

# entry point -> (call with the string, whether the string is an expression: then every
# executing payload must be refused, not merely harmless)
ENTRY_POINTS: dict[str, tuple[Callable[[str], object], bool]] = {
    "SymbolicFamily(logpdf)": (lambda t: SymbolicFamily(t, "mu sigma>0", "x"), True),
    "SymbolicFamily(params)": (lambda t: SymbolicFamily(NORMAL, t, "x"), False),
    "SymbolicFamily(variable)": (lambda t: SymbolicFamily(NORMAL, "mu sigma>0", t), False),
    "SymbolicFamily(support)": (lambda t: SymbolicFamily(NORMAL, "mu sigma>0", "x", t), True),
    "SymbolicFamily(support bound)": (
        lambda t: SymbolicFamily(NORMAL, "mu sigma>0", "x", (t, "oo")), True),
    "SymbolicFamily(constraints value)": (
        lambda t: SymbolicFamily(NORMAL, "mu sigma>0", "x", constraints={"mu": t}), True),
    "SymbolicFamily(constraints key)": (
        lambda t: SymbolicFamily(NORMAL, "mu sigma>0", "x", constraints={t: (0, 1)}), True),
    "SymbolicFamily(conditions)": (
        lambda t: SymbolicFamily(NORMAL, "mu sigma>0", "x", conditions=t), True),
    "SymbolicFamily(hyperparams)": (
        lambda t: SymbolicFamily(NORMAL, "mu sigma>0", "x", hyperparams=t), False),
    "parse_family(pdf)": (lambda t: parse_family(pdf=t, params="mu sigma>0"), True),
    "parse_family(variable)": (lambda t: parse_family(NORMAL, "mu sigma>0", variable=t),
                               False),
    "parse_density": (lambda t: parse_density(t, [MU, SIGMA], X), True),
    "parse_expression": (lambda t: parse_expression(t, {"x": X}), True),
    "parse_params": (parse_params, False),
    "parse_constant": (parse_constant, True),
    "parse_support": (parse_support, True),
    "parse_variable": (parse_variable, False),
    "reparametrize(new_params)": (lambda t: reparametrize(FAM, t, ["mu", "sigma"]), False),
    "reparametrize(old_as_functions_of_new)": (
        lambda t: reparametrize(FAM, "m s>0", ["m", t]), True),
    "pullback_metric(metric)": (
        lambda t: pullback_metric([[t, 0], [0, 1]], [MU, SIGMA], "m s>0", ["m", "s"]), True),
    "christoffel_symbols(metric)": (
        lambda t: christoffel_symbols([[t, 0], [0, "2/sigma**2"]], [MU, SIGMA]), True),
    "scalar_curvature(coords)": (lambda t: scalar_curvature(METRIC, t), False),
    "alpha_christoffel_symbols(alpha)": (
        lambda t: alpha_christoffel_symbols((METRIC, CUBIC, [MU, SIGMA]), t), True),
    "geodesic_equations(t)": (lambda t: geodesic_equations(METRIC, [MU, SIGMA], t), False),
    "catalogue.student_t(nu)": (lambda t: catalogue.student_t(nu=t), True),
    "catalogue.get(name)": (lambda t: catalogue.get(t), True),
    "fisher_information_result(at value)": (
        lambda t: fisher_information_result(FAM, method="numeric", at={"mu": t, "sigma": 1}),
        True),
    "fisher_information_result(at key)": (
        lambda t: fisher_information_result(FAM, method="numeric", at={t: 0, "sigma": 1}),
        True),
    "fisher_information_result(method)": (lambda t: fisher_information_result(FAM, t), True),
    "compile_manifold(metric)": (lambda t: compile_manifold(FAM, [[t, 0], [0, 1]]), True),
    "compile_manifold(hyperparams)": (
        lambda t: compile_manifold(FAM_NU, METRIC, hyperparams={"nu": t}), True),
    "SymbolicFamily.to_internal": (FAM.to_internal, True),
    "SymbolicFamily.in_domain": (lambda t: FAM.in_domain({"mu": t, "sigma": 1}), True),
    "numeric_expectation(exprs)": (
        lambda t: numeric_expectation(FAM, [t], {MU: 0.0, SIGMA: 1.0}), True),
}


@contextlib.contextmanager
def wall_clock_limit(seconds: float) -> Iterator[None]:
    """Fail (rather than hang the suite) if a call takes longer than ``seconds``."""
    def expired(signum: int, frame: object) -> None:
        raise AssertionError(f"took more than {seconds} s: denial of service")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and block) every call a payload would make to run a command."""
    calls: list[str] = []

    def record(name: str) -> Callable[..., None]:
        def fake(*args: object, **kwargs: object) -> None:
            calls.append(name)
            raise AssertionError(f"{name} was called")
        return fake

    for module, name in ((os, "system"), (os, "popen"), (subprocess, "call"),
                         (subprocess, "run"), (subprocess, "Popen"),
                         (subprocess, "check_output")):
        monkeypatch.setattr(module, name, record(f"{module.__name__}.{name}"))
    real_import = builtins.__import__

    def guarded_import(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] in ("subprocess", "shutil", "socket", "ctypes"):
            calls.append(f"import {name}")
            raise AssertionError(f"import {name}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded_import)
    return calls


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_hostile_strings_never_run_code(entry: str, tmp_path: Path, guarded: list[str]
                                        ) -> None:
    call, is_expression = ENTRY_POINTS[entry]
    canary = tmp_path / "canary"
    executing = {fill(t, str(canary)) for t in EXECUTING}
    for template in HOSTILE:
        text = fill(template, str(canary))
        try:
            with wall_clock_limit(60.0):
                call(text)
        except (ValueError, TypeError) as err:
            message = str(err)
            assert message and len(message) < 2000, (entry, text)
        else:
            assert not (is_expression and text in executing), (entry, text)
        assert not canary.exists(), (entry, text)
        assert not guarded, (entry, text, guarded)


@pytest.mark.parametrize("template", DENIAL_OF_SERVICE[:6])
def test_denial_of_service_strings_are_refused_before_evaluation(template: str) -> None:
    refused = pytest.raises(ValueError, match="too large|too long|nested|exceed")
    with wall_clock_limit(10.0), refused:
        parse_expression(template, {"x": X})


def test_matrix_entries_and_subs_values_never_reach_sympify(tmp_path: Path) -> None:
    """sympy's Matrix(...) and expr.subs(x, "...") evaluate strings: the API converts
    them first (regression: metric=[["__import__(...)"]] used to run the command)."""
    canary = tmp_path / "canary"
    payload = f"__import__('os').system('touch {canary}')"
    for call in (lambda: christoffel_symbols([[payload]], [MU]),
                 lambda: FAM.in_domain({MU: payload, SIGMA: 1}),
                 lambda: SymbolicFamily(NORMAL, [MU, SIGMA], X, support=(payload, "oo"))):
        with pytest.raises(ValueError, match="allowed"):
            call()
    assert not canary.exists()
