"""Formatting for the ``infogeo`` command line: headers, matrices, and one-line error
reports built from the data the errors carry (nothing here parses a message)."""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["describe", "header", "pretty", "emit", "point_text", "rows", "example_point",
           "no_closed_form", "floats", "finite", "message", "christoffel_rows"]


def describe(fam: Any) -> dict[str, Any]:
    """The family's declarations, for the JSON output."""
    return {"family": fam.name, "params": [str(p) for p in fam.params],
            "variable": str(fam.variable), "variables": [str(v) for v in fam.variables],
            "support": [[str(lo), str(hi)] for lo, hi in fam.support],
            "support_inferred": fam.support_inferred or None,
            "discrete": bool(fam.discrete), "logpdf": str(fam.logpdf)}


def header(fam: Any) -> str:
    """The family's declarations, for the text output."""
    kind = "integers" if fam.discrete else "reals"
    ranges = ", ".join(f"{v} in [{lo}, {hi}]" for v, (lo, hi) in
                       zip(fam.variables, fam.support, strict=True))
    inferred = f"\nsupport: {fam.support_inferred}" if fam.support_inferred else ""
    return (f"family: {fam.name}\nparameters: {', '.join(map(str, fam.params))}\n"
            f"variable ({kind}): {ranges}{inferred}\nlog p = {fam.logpdf}")


def pretty(expr: Any) -> str:
    """sympy's 2-D form, in unicode when the terminal can show it."""
    import sympy as sp

    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    return sp.pretty(expr, use_unicode=encoding.startswith("utf"))


def emit(fmt: str, text: str, latex: str, payload: dict[str, Any]) -> None:
    """Print the result in the requested format."""
    if fmt == "json":
        print(json.dumps(payload, indent=2))
    elif fmt == "latex":
        print(latex)
    else:
        print(text)


def point_text(at: dict) -> str:
    """``mu=0, sigma=1``."""
    return ", ".join(f"{k}={v:g}" for k, v in at.items())


def rows(values: list[list[float]]) -> str:
    """A numeric matrix, one row per line."""
    return "\n".join("  " + "  ".join(f"{v:14.8g}" for v in row) for row in values)


def example_point(fam: Any) -> str:
    """A valid-looking --at value for messages: inside each declared interval."""
    import sympy as sp

    parts = []
    for s in fam.params + fam.hyperparams:
        dom = fam.domains[s]
        lo, hi = dom.inf, dom.sup
        if lo.is_finite and hi.is_finite:
            value = (lo + hi) / 2
        elif lo.is_finite:
            value = lo + 1
        elif hi.is_finite:
            value = hi - 1
        else:
            value = sp.Integer(0)
        parts.append(f"{s}={sp.nsimplify(value)}")
    return " ".join(parts)


def no_closed_form(err: Any, fam: Any, numeric_at: bool = True) -> Any:
    """The one-line CLI error for a DerivationError, from its data (``numeric_at``: the
    command has ``--at``, so a numeric value at a point can be offered)."""
    from .errors import DerivationError

    tried = "; ".join(f"{name}: {why}" for name, why in err.attempts)
    within = f" within {err.budget:g} s" if err.timed_out and err.budget else ""
    remembered = (" (remembered from an earlier attempt; --no-cache tries again)"
                  if err.remembered else "")
    hints = []
    if numeric_at:
        hints.append(f'for a numeric value give --at "{example_point(fam)}"')
    if err.timed_out and err.budget:
        hints.append(f"for more time --timeout {4 * err.budget:g}")
    advice = f"; {', or '.join(hints)}" if hints else ""
    return DerivationError(
        f"no strategy derived the {err.quantity} of {err.family} in closed form{within}"
        f"{remembered} ({tried}){advice}", quantity=err.quantity, family=err.family,
        attempts=err.attempts, elapsed=err.elapsed, budget=err.budget,
        remembered=err.remembered)


def floats(matrix: Any, at: dict | None = None) -> list[list[float]]:
    """The entries as floats (a closed form evaluated at ``at``)."""
    import numpy as np

    from .symbolic.numeric import evaluate_at

    values = evaluate_at(matrix, at or {})
    if np.any(np.abs(values.imag) > 1e-12 * (1 + np.abs(values.real))):
        raise ValueError(f"the closed form is not real at {at}")
    return values.real.tolist()


def christoffel_rows(gamma: Any, names: list[str]) -> str:
    """Numeric Christoffel symbols ``gamma[k, i, j]``, one per line (i <= j)."""
    n = len(names)
    return "\n".join(f"  Gamma^{names[k]}_({names[i]},{names[j]}) = {gamma[k, i, j]:.12g}"
                     for k in range(n) for i in range(n) for j in range(i, n))


def finite(value: float) -> float | None:
    """``value``, or None (JSON null) when it is nan or infinite."""
    return float(value) if value == value and abs(value) != float("inf") else None


def message(err: BaseException) -> str:
    """The one-line report of an error; a support hint in command-line terms."""
    from .errors import NormalizationError

    if isinstance(err, NormalizationError) and err.suggestions:
        options = " or ".join(f"--support {lo},{hi}" for lo, hi in err.suggestions)
        return f"{err.reason}; did you mean {options}? (it integrates to 1 there)"
    return str(err)
