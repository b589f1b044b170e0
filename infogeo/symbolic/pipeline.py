"""The derivation pipeline behind :func:`fisher_information` and
:func:`amari_chentsov_tensor`.

Steps, for a family and a quantity (Fisher matrix, rank 2; cubic tensor, rank 3):

1. the cache (if on): a closed form derived earlier is returned at once; so is a failure
   remembered from an attempt with at least this time budget;
2. the normalization check (:mod:`.normalization`) by quadrature, with the same cache
   switch (no symbolic integral: it would only label the check);
3. each strategy in turn (:mod:`.strategies`) under what is left of the time budget
   ``timeout`` (and at most ``time_limit`` each), every closed form compared with
   quadrature at a random parameter point (sympy's ``integrate`` can be silently wrong);
4. simplification, within what is left of the budget (at least 1 s);
5. the cache is written — the closed form, or the failure and its reasons.

``progress`` (a callable taking a short text) hears which step runs. Failures raise
:class:`~infogeo.errors.DerivationError`, whose ``attempts`` hold each strategy and why
it did not close; with ``allow_numeric=True`` and ``at`` the pipeline answers by
quadrature at ``at`` instead.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import sympy as sp

from ..errors import DerivationError
from . import cache as _cache
from ._grammar import shown
from ._serialize import Unserializable, from_tree, to_tree
from ._tidy import tidy
from ._timeout import Budget, DerivationTimeout
from .expectation import NotClosed
from .family import SymbolicFamily
from .integrals import is_closed
from .normalization import check_normalization
from .numeric import evaluate_at, numeric_expectation
from .strategies import CUBIC_STRATEGIES, FISHER_STRATEGIES, Context

__all__ = ["DerivationResult", "derive", "as_family", "record_key", "DEFAULT_TIMEOUT"]

#: default total time budget (seconds of processor time) of the symbolic strategies
DEFAULT_TIMEOUT = 10.0

_KINDS = {"fisher": (FISHER_STRATEGIES, 2, "Fisher information"),
          "cubic": (CUBIC_STRATEGIES, 3, "Amari-Chentsov tensor")}
_STRATEGY_ERRORS = (NotImplementedError, ValueError, TypeError, ZeroDivisionError,
                    RecursionError, AttributeError, IndexError, KeyError)


@dataclass(frozen=True)
class DerivationResult:
    """A derived tensor and how it was obtained.

    Attributes
    ----------
    value : sympy.Matrix or sympy.Array
        In the user's symbols (Floats if ``numeric``).
    strategy : str
        The strategy that succeeded, e.g. ``"exponential_family"``.
    numeric : bool
        True if the value is a numeric estimate at fixed parameter values.
    methods : tuple of str
        Techniques used inside the strategy (substitutions, constant recognition).
    attempts : tuple of (str, str)
        Each strategy tried before and why it was rejected.
    check_point : dict
        Parameter values of the numeric cross-check.
    check_error : float
        Largest absolute difference from quadrature at ``check_point``.
    seconds : float
        Time the derivation took (0 when served from the cache).
    """

    value: Any
    strategy: str
    numeric: bool = False
    methods: tuple[str, ...] = ()
    attempts: tuple[tuple[str, str], ...] = ()
    check_point: dict[str, float] = field(default_factory=dict)
    check_error: float = float("nan")
    seconds: float = 0.0


@dataclass(frozen=True)
class _Failure:
    """A remembered failure: the reasons, and the time the strategies had."""

    attempts: tuple[tuple[str, str], ...]
    timeout: float | None
    time_limit: float
    timed_out: bool

    def covers(self, timeout: float | None, time_limit: float) -> bool:
        """Whether a new attempt with these limits would fail the same way."""
        more_per_strategy = time_limit > self.time_limit
        if not self.timed_out:
            # only the engine's own limits (capped at 10 s per step) were in play
            return not (more_per_strategy and self.time_limit < 10.0)
        more_total = self.timeout is not None and (timeout is None or timeout > self.timeout)
        return not (more_total or more_per_strategy)


def as_family(family: Any) -> SymbolicFamily:
    """Accept a SymbolicFamily or a sympy.stats random variable."""
    if isinstance(family, SymbolicFamily):
        return family
    if hasattr(family, "pspace"):
        return SymbolicFamily.from_sympy_stats(family)
    raise TypeError(f"family must be a SymbolicFamily or a sympy.stats random variable, "
                    f"got {type(family).__name__}")


# ---------------------------------------------------------------------- driver
def derive(family: Any, kind: str, method: str = "auto", *, time_limit: float = 30.0,
           timeout: float | None = DEFAULT_TIMEOUT, allow_numeric: bool = False,
           at: Mapping[Any, Any] | None = None, cache: bool = True,
           rtol: float | None = None, progress: Callable[[str], None] | None = None
           ) -> DerivationResult:
    """Derive ``kind`` ("fisher" or "cubic") of ``family``; see :func:`fisher_information`."""
    family = as_family(family)
    strategies, rank, quantity = _KINDS[kind]
    valid = ["auto", *strategies, "numeric"]
    if method not in valid:
        raise ValueError(f"method must be one of {valid}, got {shown(method)}")
    if not (isinstance(time_limit, int | float) and time_limit > 0):
        raise ValueError(f"time_limit must be > 0 seconds, got {time_limit!r}")
    Budget(timeout)  # refuses a bad timeout before any work
    point = _point(family, at) if at is not None else None
    use = cache and _cache.enabled()
    say = _announcer(progress, quantity)
    if method == "numeric":
        if point is None:
            raise ValueError("at must give parameter values {symbol: value} for a numeric "
                             "result")
        check_normalization(family, cache=use, symbolic=False, progress=say)
        return _numeric(family, rank, point, ())
    key = record_key(family, kind, method)
    known = _cache.load(key, kind, partial(_decode, family, rank, strategies)) if use else None
    if isinstance(known, DerivationResult):
        return known
    if isinstance(known, _Failure) and known.covers(timeout, time_limit):
        return _give_up(family, quantity, rank, known, 0.0, point, allow_numeric, True, say)
    # quadrature decides; the symbolic integral would only label the check (1.5 s per cold
    # family, the largest single cost of a cold catalogue), so it is left to callers of
    # check_normalization who want the label
    check_normalization(family, cache=use, symbolic=False, progress=say)
    budget = Budget(timeout)  # starts now
    start = time.perf_counter()
    order = list(strategies) if method == "auto" else [method]
    outcome = _run(family, strategies, order, rank, budget, time_limit, rtol, say)
    if isinstance(outcome, DerivationResult):
        result = replace(outcome, seconds=time.perf_counter() - start)
        if use:
            _cache.store(key, kind, _encode_result(result), result)
        return result
    failure = replace(outcome, timeout=timeout)
    if use:
        _cache.store(key, kind, _encode_failure(failure), failure)
    return _give_up(family, quantity, rank, failure, time.perf_counter() - start, point,
                    allow_numeric, False, say)


def record_key(family: SymbolicFamily, kind: str, method: str = "auto") -> str:
    """The cache key of a derivation of ``kind`` ("fisher" or "cubic") by ``method``."""
    return hashlib.sha256(f"{family.key()}|{kind}|{method}".encode()).hexdigest()[:40]


def _announcer(progress: Callable[[str], None] | None, quantity: str
               ) -> Callable[[str], None]:
    if progress is None:
        return lambda stage: None
    return lambda stage: progress(f"{quantity}: {stage}")


def _run(family: SymbolicFamily, strategies: dict, order: list[str], rank: int,
         budget: Budget, time_limit: float, rtol: float | None,
         say: Callable[[str], None]) -> DerivationResult | _Failure:
    """Try the strategies in order; the first closed form that agrees with quadrature."""
    attempts: list[tuple[str, str]] = []
    timed_out = False
    ctx: Context | None = None
    check: tuple[dict, np.ndarray] | None = None
    tol = rtol if rtol is not None else (1e-5 if len(family.variables) > 1 else 1e-6)
    for name in order:
        if budget.exhausted():
            attempts.append((name, f"skipped: the time budget ({budget.seconds:g} s) "
                                   "was used up"))
            timed_out = True
            continue
        say(f"trying {name}")
        cap = min(time_limit, budget.remaining())
        try:
            with budget.limit(time_limit):
                if ctx is None:
                    ctx = Context(family, time_limit_s=min(time_limit, 10.0))
                raw = strategies[name](ctx)
        except NotClosed as err:
            attempts.append((name, str(err)[:200]))
            continue
        except DerivationTimeout:
            attempts.append((name, f"timed out after {cap:.3g} s"))
            timed_out = True
            continue
        except _STRATEGY_ERRORS as err:
            attempts.append((name, f"{type(err).__name__}: {str(err)[:160]}"))
            continue
        if check is None:
            say("numeric check (quadrature)")
            values = family.random_parameters(np.random.default_rng(20240601))
            check = values, _moments(family, rank, values)
        say("simplifying")
        value = _tidy_all(sp.Matrix(raw) if rank == 2 else sp.Array(raw), budget)
        point, reference = check
        try:
            got = _to_numpy(value, family, point)
        except (TypeError, ValueError) as err:
            attempts.append((name, f"could not evaluate the result: {err}"))
            continue
        error = float(np.max(np.abs(got - reference)))
        if not error <= tol * max(1.0, float(np.max(np.abs(reference)))):
            attempts.append((name, f"disagrees with quadrature by {error:.3g}"))
            continue
        return DerivationResult(
            value=family.to_user(value), strategy=name,
            methods=tuple(sorted(ctx.engine.methods_used)), attempts=tuple(attempts),
            check_point={str(k): v for k, v in point.items()}, check_error=error)
    return _Failure(tuple(attempts), None, time_limit, timed_out)


def _tidy_all(value: Any, budget: Budget) -> Any:
    """Simplify entry by entry within what is left of the budget (at least 1 s in all)."""
    tidy_budget = Budget(max(min(budget.remaining(), 10.0), 1.0))
    done: dict[sp.Expr, sp.Expr] = {}  # a symmetric tensor repeats its entries

    def one(entry: sp.Expr) -> sp.Expr:
        if entry not in done:
            left = tidy_budget.remaining()
            done[entry] = tidy(entry, min(5.0, left)) if left > 0 else entry
        return done[entry]

    return value.applyfunc(one)


def _give_up(family: SymbolicFamily, quantity: str, rank: int, failure: _Failure,
             elapsed: float, point: dict | None, allow_numeric: bool, remembered: bool,
             say: Callable[[str], None]) -> DerivationResult:
    if allow_numeric and point is not None:
        say("no closed form: quadrature at the given point")
        return _numeric(family, rank, point, failure.attempts)
    tried = "; ".join(f"{n}: {why}" for n, why in failure.attempts)
    budget = (f" within the time budget of {failure.timeout:g} s"
              if failure.timed_out and failure.timeout is not None else "")
    again = (" (remembered from an earlier attempt: pass cache=False, or a larger timeout, "
             "to try again)" if remembered else "")
    raise DerivationError(
        f"no strategy derived the {quantity} of {family.name} in closed form{budget}{again} "
        f"({tried}); pass allow_numeric=True and at={{...}} for a numeric value at given "
        f"parameters", quantity=quantity, family=family.name, attempts=failure.attempts,
        elapsed=elapsed, budget=failure.timeout, remembered=remembered)


# ---------------------------------------------------------------------- numeric pieces
def _point(family: SymbolicFamily, at: Mapping[Any, Any]) -> dict[sp.Symbol, float]:
    point = family.parameter_values(at, "at")
    missing = [s for s in family.params + family.hyperparams if s not in point]
    if missing:
        raise ValueError(f"at must give a value for every parameter; missing "
                         f"{[str(s) for s in missing]}")
    if not family.in_domain(point):
        domains = ", ".join(f"{s} in {d}" for s, d in family.domains.items())
        conditions = "; " + ", ".join(map(str, family.conditions)) if family.conditions else ""
        raise ValueError(f"at must lie in the parameter domain ({domains}{conditions}), got "
                         f"{_fmt(point)}")
    return point


def _fmt(point: Mapping[sp.Symbol, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in point.items())


def _moments(family: SymbolicFamily, rank: int, values: Mapping[sp.Symbol, float]
             ) -> np.ndarray:
    """Quadrature of E[s_i s_j] (or E[s_i s_j s_k]) at ``values``: the independent check
    of every closed form, and the numeric answer when none closes."""
    fi = family.internal
    score = [sp.diff(fi.logpdf, p) for p in fi.params]
    n = family.dim
    exprs = [sp.Mul(*[score[i] for i in multi]) for multi in np.ndindex(*(n,) * rank)]
    return numeric_expectation(family, exprs, values).reshape((n,) * rank)


def _to_numpy(value: Any, family: SymbolicFamily, values: Mapping[sp.Symbol, float]
              ) -> np.ndarray:
    return evaluate_at(value, {family._to_internal[k]: v for k, v in values.items()})


def _numeric(family: SymbolicFamily, rank: int, point: dict[sp.Symbol, float],
             attempts: tuple) -> DerivationResult:
    values = _moments(family, rank, point)
    value = sp.Matrix(values) if rank == 2 else sp.Array(values)
    return DerivationResult(value=value, strategy="numeric", numeric=True, attempts=attempts,
                            check_point={str(k): float(v) for k, v in point.items()})


# ---------------------------------------------------------------------- cache records
def _attempts(raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list) or not all(
            isinstance(a, list) and len(a) == 2 and all(isinstance(s, str) for s in a)
            for a in raw):
        raise ValueError("attempts must be a list of [strategy, reason] pairs")
    return tuple((a[0], a[1]) for a in raw)


def _encode_result(result: DerivationResult) -> dict[str, Any] | None:
    try:
        tree = to_tree(result.value)
        if from_tree(tree) != result.value:
            return None  # not reproducible exactly: keep it in memory only
    except (Unserializable, ValueError):
        return None
    return {"status": "closed", "value": tree, "strategy": result.strategy,
            "methods": list(result.methods), "attempts": [list(a) for a in result.attempts],
            "check_point": result.check_point, "check_error": result.check_error}


def _encode_failure(failure: _Failure) -> dict[str, Any]:
    return {"status": "failed", "attempts": [list(a) for a in failure.attempts],
            "timeout": failure.timeout, "time_limit": failure.time_limit,
            "timed_out": failure.timed_out}


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number")
    return float(value)


def _decode(family: SymbolicFamily, rank: int, strategies: dict, body: dict[str, Any]
            ) -> DerivationResult | _Failure:
    """A cache record body back to a result or a failure, validated against the family."""
    if body["status"] == "failed":
        timeout = body["timeout"]
        return _Failure(_attempts(body["attempts"]),
                        None if timeout is None else _number(timeout, "timeout"),
                        _number(body["time_limit"], "time_limit"), bool(body["timed_out"]))
    if body["status"] != "closed":
        raise ValueError(f"unknown status {body['status']!r}")
    if body["strategy"] not in strategies:
        raise ValueError(f"unknown strategy {body['strategy']!r}")
    value = from_tree(body["value"])
    n = family.dim
    shape = (n,) * rank
    if rank == 2:
        if not isinstance(value, sp.MatrixBase) or value.shape != shape:
            raise ValueError(f"value must be a {n}x{n} matrix")
        value = sp.Matrix(value)
    elif not isinstance(value, sp.NDimArray) or tuple(value.shape) != shape:
        raise ValueError(f"value must be an array of shape {shape}")
    if rank == 2 and value != value.T:
        raise ValueError("value must be a symmetric matrix")
    allowed = set(family.params) | set(family.hyperparams)
    for entry in sp.flatten(value):
        if not entry.free_symbols <= allowed or not is_closed(entry):
            raise ValueError(f"value entry {str(entry)[:60]} is not a closed form in the "
                             "family's parameters")
    names = {str(s) for s in family.params + family.hyperparams}
    point = body["check_point"]
    if not isinstance(point, dict) or set(point) != names:
        raise ValueError("check_point must give every parameter")
    return DerivationResult(
        value=value, strategy=body["strategy"], methods=tuple(
            m for m in body["methods"] if isinstance(m, str)),
        attempts=_attempts(body["attempts"]),
        check_point={k: _number(v, "check_point value") for k, v in point.items()},
        check_error=_number(body["check_error"], "check_error"))

