"""Fisher information and the Amari–Chentsov tensor of a symbolic family.

.. math::

    I(\\theta)_{ij} = E[\\partial_i\\ell\\,\\partial_j\\ell] = -E[\\partial_i\\partial_j\\ell],
    \\qquad T_{ijk} = E[\\partial_i\\ell\\,\\partial_j\\ell\\,\\partial_k\\ell]

Strategies (see :mod:`infogeo.symbolic.strategies`) are tried in order, each under a time
limit; every closed form is compared with quadrature (or summation) at a random
parameter point before it is returned, and on disagreement the next strategy is tried —
sympy's ``integrate`` can be silently wrong. Results are cached (:mod:`.cache`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from ..errors import DerivationError
from . import cache
from ._timeout import DerivationTimeout, time_limit
from .expectation import NotClosed
from .family import SymbolicFamily
from .numeric import numeric_expectation
from .strategies import CUBIC_STRATEGIES, FISHER_STRATEGIES, Context

__all__ = ["DerivationError", "DerivationResult", "fisher_information",
           "fisher_information_result", "amari_chentsov_tensor",
           "amari_chentsov_tensor_result", "as_family"]


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


def as_family(family: Any) -> SymbolicFamily:
    """Accept a SymbolicFamily or a sympy.stats random variable."""
    if isinstance(family, SymbolicFamily):
        return family
    if hasattr(family, "pspace"):
        return SymbolicFamily.from_sympy_stats(family)
    raise TypeError(f"family must be a SymbolicFamily or a sympy.stats random variable, "
                    f"got {type(family).__name__}")


def tidy(expr: sp.Expr, seconds: float = 5.0) -> sp.Expr:
    """Simplify to a readable form (polygamma rather than exp(−loggamma)·gamma)."""
    expr = sp.sympify(expr)
    try:
        with time_limit(seconds):
            if expr.has(sp.gamma):
                # Γ(ν/2 + 5/2) → (ν/2 + 3/2)(ν/2 + 1/2)Γ(ν/2 + 1/2): ratios then cancel
                expr = sp.expand_func(expr)
            out = sp.simplify(expr)
            if sp.count_ops(out) <= sp.count_ops(sp.factor(out)):
                return out
            return sp.factor(out)
    except (DerivationTimeout, NotImplementedError, TypeError, ValueError, RecursionError):
        return expr


# ---------------------------------------------------------------------- driver
_KINDS = {"fisher": (FISHER_STRATEGIES, 2), "cubic": (CUBIC_STRATEGIES, 3)}


def _reference(family: SymbolicFamily, ctx: Context, rank: int,
               values: Mapping[sp.Symbol, float]) -> np.ndarray:
    """Quadrature of E[s_i s_j] (or E[s_i s_j s_k]): the independent numeric check."""
    n = family.dim
    idx = list(np.ndindex(*(n,) * rank))
    exprs = [sp.Mul(*[ctx.score[i] for i in multi]) for multi in idx]
    return numeric_expectation(family, exprs, values).reshape((n,) * rank)


def _to_numpy(value: Any, family: SymbolicFamily, values: Mapping[sp.Symbol, float]
              ) -> np.ndarray:
    sub = {family._to_internal[k]: sp.Float(v, 30) for k, v in values.items()}
    arr = sp.Array(value).xreplace(sub)
    return np.array([complex(sp.N(e, 20)) for e in sp.flatten(arr)]).reshape(arr.shape)


def _derive(family: Any, kind: str, method: str, seconds: float, allow_numeric: bool,
            at: Mapping[sp.Symbol, float] | None, use_cache: bool, rtol: float | None
            ) -> DerivationResult:
    family = as_family(family)
    strategies, rank = _KINDS[kind]
    valid = ["auto", *strategies, "numeric"]
    if method not in valid:
        raise ValueError(f"method must be one of {valid}, got {method!r}")
    if method == "numeric":
        return _numeric(family, kind, rank, at, ())
    key = hashlib.sha256(f"{family.key()}|{kind}|{method}".encode()).hexdigest()[:40]
    record = cache.load(key) if use_cache else None
    if record is not None:
        return _from_record(record)
    start = time.perf_counter()
    ctx = Context(family, time_limit_s=min(seconds, 10.0))
    rng = np.random.default_rng(20240601)
    point = family.random_parameters(rng)
    reference = _reference(family, ctx, rank, point)
    multi_d = len(family.variables) > 1
    tol = rtol if rtol is not None else (1e-5 if multi_d else 1e-6)
    attempts: list[tuple[str, str]] = []
    order = list(strategies) if method == "auto" else [method]
    for name in order:
        try:
            with time_limit(seconds):
                raw = strategies[name](ctx)
        except NotClosed as err:
            attempts.append((name, str(err)[:200]))
            continue
        except DerivationTimeout:
            attempts.append((name, f"timed out after {seconds:g} s"))
            continue
        except (NotImplementedError, ValueError, TypeError, ZeroDivisionError,
                RecursionError, AttributeError) as err:
            attempts.append((name, f"{type(err).__name__}: {str(err)[:160]}"))
            continue
        value = (sp.Matrix(raw).applyfunc(tidy) if rank == 2 else raw.applyfunc(tidy))
        try:
            got = _to_numpy(value, family, point)
        except (TypeError, ValueError) as err:
            attempts.append((name, f"could not evaluate the result: {err}"))
            continue
        error = float(np.max(np.abs(got - reference)))
        if not error <= tol * max(1.0, float(np.max(np.abs(reference)))):
            attempts.append((name, f"disagrees with quadrature by {error:.3g}"))
            continue
        result = DerivationResult(
            value=family.to_user(value), strategy=name,
            methods=tuple(sorted(ctx.engine.methods_used)), attempts=tuple(attempts),
            check_point={str(k): v for k, v in point.items()}, check_error=error,
            seconds=time.perf_counter() - start)
        if use_cache:
            cache.store(key, _to_record(result))
        return result
    if allow_numeric and at is not None:
        return _numeric(family, kind, rank, at, tuple(attempts))
    tried = "; ".join(f"{n}: {why}" for n, why in attempts)
    raise DerivationError(
        f"no strategy derived the {'Fisher information' if rank == 2 else 'cubic tensor'} of "
        f"{family.name} in closed form ({tried}); pass allow_numeric=True and at={{...}} "
        f"for a numeric value at given parameters")


def _numeric(family: SymbolicFamily, kind: str, rank: int,
             at: Mapping[sp.Symbol, float] | None, attempts: tuple) -> DerivationResult:
    if at is None:
        raise ValueError("at must give parameter values {symbol: value} for a numeric result")
    missing = [s for s in family.params + family.hyperparams if s not in at]
    if missing:
        raise ValueError(f"at must give a value for every parameter; missing {missing}")
    if not family.in_domain(at):
        raise ValueError(f"at must lie in the parameter domain {family.domains}, got {at}")
    ctx = Context(family)
    values = _reference(family, ctx, rank, at)
    value = sp.Matrix(values) if rank == 2 else sp.Array(values)
    return DerivationResult(value=value, strategy="numeric", numeric=True, attempts=attempts,
                            check_point={str(k): float(v) for k, v in at.items()})


def _to_record(result: DerivationResult) -> dict[str, Any]:
    return {"value": cache.to_text(result.value), "strategy": result.strategy,
            "numeric": result.numeric, "methods": list(result.methods),
            "attempts": [list(a) for a in result.attempts],
            "check_point": result.check_point, "check_error": result.check_error}


def _from_record(record: dict[str, Any]) -> DerivationResult:
    return DerivationResult(
        value=cache.from_text(record["value"]), strategy=record["strategy"],
        numeric=record["numeric"], methods=tuple(record["methods"]),
        attempts=tuple(tuple(a) for a in record["attempts"]),
        check_point=record["check_point"], check_error=record["check_error"])


# ---------------------------------------------------------------------- public API
def fisher_information_result(family: Any, method: str = "auto", *, time_limit: float = 30.0,
                              allow_numeric: bool = False,
                              at: Mapping[sp.Symbol, float] | None = None,
                              cache: bool = True, rtol: float | None = None
                              ) -> DerivationResult:
    """Fisher information with the record of how it was derived (see
    :func:`fisher_information`)."""
    return _derive(family, "fisher", method, time_limit, allow_numeric, at, cache, rtol)


def fisher_information(family: Any, method: str = "auto", **kwargs: Any) -> sp.Matrix:
    r"""Fisher information matrix of a family, simplified.

    .. math::

        I(\theta)_{ij} = E\left[\partial_i \ell\, \partial_j \ell\right]
        = -E\left[\partial_i\partial_j \ell\right], \qquad \ell = \log p(x\mid\theta)

    Parameters
    ----------
    family : SymbolicFamily or sympy.stats random variable
    method : {"auto", "hessian_free", "exponential_family", "expectation", "score",
        "numeric"}
        Strategy to use; "auto" tries them in this order.
    time_limit : float
        Seconds allowed to each strategy.
    allow_numeric : bool
        If no strategy closes, return quadrature at ``at`` (Floats) instead of raising.
    at : mapping Symbol -> float, optional
        Parameter values for the numeric fallback (and for ``method="numeric"``).
    cache : bool
        Use the derivation cache.

    Returns
    -------
    sympy.Matrix
        ``I[i, j]`` in the family's parameters. :func:`fisher_information_result` also
        says which strategy succeeded.

    Raises
    ------
    DerivationError
        If no strategy closes and the numeric fallback is not allowed.

    Examples
    --------
    >>> import infogeo as ig
    >>> ig.symbolic.fisher_information(ig.symbolic.catalogue.normal())
    Matrix([
    [sigma**(-2),          0],
    [          0, 2/sigma**2]])
    """
    return fisher_information_result(family, method, **kwargs).value


def amari_chentsov_tensor_result(family: Any, method: str = "auto", *,
                                 time_limit: float = 30.0, allow_numeric: bool = False,
                                 at: Mapping[sp.Symbol, float] | None = None,
                                 cache: bool = True, rtol: float | None = None
                                 ) -> DerivationResult:
    """Amari–Chentsov tensor with the record of its derivation."""
    return _derive(family, "cubic", method, time_limit, allow_numeric, at, cache, rtol)


def amari_chentsov_tensor(family: Any, method: str = "auto", **kwargs: Any) -> sp.Array:
    r"""Amari–Chentsov (skewness) tensor ``T[i, j, k]``, a symmetric sympy Array.

    .. math::

        T_{ijk} = E[\partial_i\ell\,\partial_j\ell\,\partial_k\ell]

    Strategies: ``"exponential_family"`` (from the Fisher matrix and η(θ), no integral) and
    ``"score"`` (expectation engine on the score products), cross-checked by quadrature.
    For the normal family in (μ, σ): T_μμσ = 2/σ³, T_σσσ = 8/σ³ (Amari & Nagaoka 2000).
    """
    return amari_chentsov_tensor_result(family, method, **kwargs).value
