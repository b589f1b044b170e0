"""Input checks shared by every layer.

Every public function validates its inputs with these helpers so that bad input raises a
``ValueError`` naming the argument and the constraint it broke, never a silent NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "as_finite_array",
    "as_points",
    "check_positive",
    "check_in_interval",
    "check_rng",
    "check_positive_int",
]


def _first_bad(values: NDArray, mask: NDArray) -> float:
    """The first value where ``mask`` is true, for error messages."""
    return float(np.asarray(values)[mask].flat[0])


def as_finite_array(x: ArrayLike, name: str, dtype: type = float) -> NDArray:
    """Convert ``x`` to an array and reject NaN or infinite entries.

    Raises
    ------
    ValueError
        If ``x`` cannot be converted or holds a non-finite value.
    """
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric array-like, got {x!r}") from err
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {arr!r}")
    return arr


def as_points(x: ArrayLike, dim: int, name: str = "theta") -> NDArray:
    """Convert ``x`` to a finite float array of shape ``[..., dim]``."""
    arr = as_finite_array(x, name)
    if arr.ndim == 0 or arr.shape[-1] != dim:
        raise ValueError(
            f"{name} must have shape [..., {dim}] (last axis = manifold dimension {dim}), "
            f"got shape {arr.shape}"
        )
    return arr


def check_positive(values: ArrayLike, name: str, strict: bool = True) -> None:
    """Raise if any entry of ``values`` is not > 0 (or >= 0 when ``strict`` is false)."""
    values = np.asarray(values)
    bad = ~(values > 0) if strict else ~(values >= 0)
    if np.any(bad):
        op = ">" if strict else ">="
        raise ValueError(f"{name} must be {op} 0, got {_first_bad(values, bad)!r}")


def check_in_interval(
    values: ArrayLike,
    name: str,
    low: float,
    high: float,
    closed: Sequence[bool] = (False, False),
) -> None:
    """Raise if an entry of ``values`` is outside the interval (low, high)."""
    values = np.asarray(values)
    above = values >= low if closed[0] else values > low
    below = values <= high if closed[1] else values < high
    bad = ~(above & below)
    if np.any(bad):
        left = "[" if closed[0] else "("
        right = "]" if closed[1] else ")"
        raise ValueError(
            f"{name} must lie in {left}{low}, {high}{right}, got {_first_bad(values, bad)!r}"
        )


def check_positive_int(n: object, name: str) -> int:
    """Return ``n`` as an int, raising if it is not an integer >= 1."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        else:
            raise ValueError(f"{name} must be a positive integer, got {n!r}")
    if n <= 0:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {n!r}")
    return int(n)


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """Require an explicit ``numpy.random.Generator`` (randomness is never global)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng
