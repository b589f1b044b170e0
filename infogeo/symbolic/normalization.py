"""First step of every derivation: is exp(ℓ) normalized over the support?

An omitted constant silently gives a wrong Fisher matrix, so a density that does not
integrate (sum) to one is refused with a :class:`~infogeo.errors.NormalizationError`.

.. math::

    \\int_{\\mathcal X} e^{\\ell(x\\mid\\theta)}\\,dx = 1
    \\quad\\text{(a sum for discrete families)}

The check is numeric — quadrature or summation at two random points of the parameter
domain (sympy's ``integrate`` can be silently wrong) — and always runs: only its verdict
within this process is remembered, so no cache record can let an unnormalized density
through. A symbolic integral, under a time limit, only labels how the fact was
established (``"symbolic"`` or ``"numeric"``); that label is cached. When the check
fails, the usual supports are tried and the error says which one works ("did you mean
support (0, oo)?").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..errors import NormalizationError, SummationError
from . import cache as _cache
from ._timeout import DerivationTimeout, time_limit
from .expectation import integrate_over_support
from .family import SymbolicFamily
from .numeric import numeric_expectation
from .support import candidate_supports

__all__ = ["check_normalization"]

_VERIFIED: dict[str, str] = {}
_SEED = 12345


def check_normalization(family: SymbolicFamily, *, time_limit: float | None = None,
                        rtol: float = 1e-6, cache: bool = True, symbolic: bool = True,
                        progress: Callable[[str], None] | None = None) -> str:
    """Verify that ``family``'s density integrates (sums) to one.

    Parameters
    ----------
    family : SymbolicFamily
    time_limit : float, optional
        Seconds for the symbolic integral (default: the family's
        ``normalization_time_limit``).
    rtol : float
        Relative tolerance of the numeric check (times 10).
    cache : bool
        Use (read and write) the derivation cache and this process's memory.
    symbolic : bool
        Also try the integral symbolically (to label the result); False checks
        numerically only.
    progress : callable, optional
        Called with a short text when a step starts.

    Returns
    -------
    str
        ``"symbolic"`` (sympy closed the integral to 1 and quadrature agrees),
        ``"numeric"`` (quadrature only) or ``"unchecked"`` (the family declares
        ``check_normalization=False``).

    Raises
    ------
    NormalizationError
        If the density does not integrate to one (the message suggests a support that
        works, if one of the usual ones does).
    """
    if not family.check_normalization:
        return "unchecked"
    use = cache and _cache.enabled()
    key = family.key()
    verdict = _VERIFIED.get(key) if use else None
    if verdict is None:
        if progress is not None:
            progress("normalization check")
        _numeric_check(family, rtol)
        verdict = "numeric-only"
    if symbolic and verdict == "numeric-only":
        verdict = _label(family, use, time_limit, progress)
    if use:
        _VERIFIED[key] = verdict
    return "numeric" if verdict == "numeric-only" else verdict


def _label(family: SymbolicFamily, use: bool, time_limit: float | None,
           progress: Callable[[str], None] | None) -> str:
    record_key = normalization_key(family)
    if use:
        label = _cache.load(record_key, "normalization", _decode_label)
        if label is not None:
            return label
    if progress is not None:
        progress("normalization (symbolic integral)")
    seconds = family.normalization_time_limit if time_limit is None else time_limit
    total = _symbolic_total(family, seconds)
    label = "symbolic" if total is not None and total == 1 else "numeric"
    if use:
        _cache.store(record_key, "normalization", {"label": label}, label)
    return label


def normalization_key(family: SymbolicFamily) -> str:
    """The cache key of the normalization label of ``family``."""
    return f"norm-{family.key()}"


def _decode_label(body: dict[str, Any]) -> str:
    label = body["label"]
    if label not in ("symbolic", "numeric"):
        raise ValueError(f"unknown normalization label {label!r}")
    return label


def _symbolic_total(family: SymbolicFamily, seconds: float) -> sp.Expr | None:
    fi = family.internal
    try:
        with time_limit(seconds):
            total = integrate_over_support(fi, sp.exp(fi.logpdf))
            return sp.simplify(total) if total is not None else None
    except (DerivationTimeout, NotImplementedError, ValueError, TypeError,
            RecursionError, ZeroDivisionError, AttributeError):
        return None


# ---------------------------------------------------------------------- numeric check
def _points(family: SymbolicFamily) -> list[dict[sp.Symbol, float]]:
    rng = np.random.default_rng(_SEED)
    return [family.random_parameters(rng) for _ in range(2)]


#: A sum whose extrapolated missing tail is larger than this cannot tell a missing
#: constant factor from a slow tail (the check then says so instead of guessing).
_SLOW_TAIL = 1e-3


def _mass(family: SymbolicFamily, values: Mapping[sp.Symbol, float]
          ) -> tuple[float, float]:
    """Total mass at ``values`` and the bound of what a slowly converging sum left out
    (0 when it converged); ``(inf, 0)`` when the integral (sum) diverges."""
    try:
        total = float(numeric_expectation(family, [sp.Integer(1)], values)[0])
    except SummationError as err:  # a power-law tail: the partial sum and its tail bound
        total = float(np.ravel(np.asarray(err.value, dtype=float))[0])
        missing = float(np.ravel(np.asarray(err.error, dtype=float))[0])
        if np.isfinite(total) and abs(total) < 1e6 and np.isfinite(missing):
            return total, missing
        return float("inf"), 0.0
    except ValueError:
        return float("inf"), 0.0
    return (total, 0.0) if abs(total) < 1e6 else (float("inf"), 0.0)


def _numeric_check(family: SymbolicFamily, rtol: float) -> None:
    points = _points(family)
    slow = []
    for values in points:
        total, missing = _mass(family, values)
        # the partial sum of a positive series is a lower bound, the tail bound adds at
        # most ``missing``: 1 must lie in [total, total + missing] (within tolerance)
        if not total - rtol * 10 <= 1.0 <= total + missing + rtol * 10:
            raise _error(family, values, total, _suggestions(family, points))
        if missing > _SLOW_TAIL:
            slow.append((values, missing))  # cannot tell 1 from a missing factor here
    if len(slow) == len(points):
        values, missing = slow[0]
        point = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
        raise NormalizationError(
            f"logpdf normalization could not be checked: the sum over "
            f"{support_text(family)} converges too slowly at {point} (the tail left out "
            f"may hold {missing:.2g} of the mass); pass check_normalization=False if the "
            "density is known to be normalized", family=family.name, total=float("nan"),
            point={str(k): float(v) for k, v in values.items()}, support=family.support,
            suggestions=(), reason="the sum converges too slowly to check")


def _suggestions(family: SymbolicFamily, points: list[dict]) -> tuple[tuple, ...]:
    """The usual supports over which the density integrates to one at every point."""
    if len(family.variables) != 1:
        return ()
    found = []
    for lo, hi in candidate_supports(family.logpdf, family.variables[0], family.discrete):
        if (lo, hi) == family.support[0]:
            continue
        try:
            other = _with_support(family, (lo, hi))
            if all(abs(_mass(other, values)[0] - 1.0) <= 1e-5 for values in points):
                found.append((lo, hi))
        except (ValueError, TypeError, ArithmeticError):
            continue
    return tuple(found)


def _with_support(family: SymbolicFamily, bounds: tuple) -> SymbolicFamily:
    lo, hi = bounds
    support = sp.Range(lo, hi + 1 if hi.is_finite else sp.oo) if family.discrete else bounds
    return SymbolicFamily(family.logpdf, family.params, family.variable, support,
                          discrete=family.discrete, hyperparams=family.hyperparams,
                          constraints=family.domains, conditions=family.conditions,
                          name=family.name, check_normalization=False)


def support_text(family: SymbolicFamily, bounds: tuple | None = None) -> str:
    """``"x in (0, oo)"`` or ``"k in 0, 1, ..."`` for messages."""
    parts = []
    for var, (lo, hi) in zip(family.variables, [bounds] if bounds else family.support,
                             strict=False):
        if family.discrete:
            parts.append(f"{var} in {lo}, {lo + 1}, ..." if hi == sp.oo
                         else f"{var} in {lo}, ..., {hi}")
        else:
            parts.append(f"{var} in ({lo}, {hi})")
    return ", ".join(parts)


def _error(family: SymbolicFamily, values: Mapping[sp.Symbol, float], total: float,
           suggestions: tuple) -> NormalizationError:
    point = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
    where = support_text(family)
    if total == float("inf"):
        what = f"the total mass over {where} diverges at {point}"
    else:
        what = (f"exp(logpdf) integrates to {total:.8g}, not 1, over {where} at {point} "
                "(a constant factor may be missing)")
    if family.support_inferred:
        what += " (no support was given)"
    hint = ""
    if suggestions:
        options = " or ".join(f"({lo}, {hi})" for lo, hi in suggestions)
        hint = f"; it does integrate to 1 over {options}: did you mean support {options}?"
    reason = f"logpdf is not normalized: {what}"
    return NormalizationError(
        reason + hint, family=family.name, total=total,
        point={str(k): float(v) for k, v in values.items()}, support=family.support,
        suggestions=suggestions, reason=reason)
