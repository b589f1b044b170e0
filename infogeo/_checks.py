"""Input checks shared by every layer.

Every public function validates its inputs with these helpers so that bad input raises a
``ValueError`` naming the argument and the constraint it broke, never a silent NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "as_finite_array",
    "as_points",
    "broadcast_batch",
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
    TypeError
        If ``x`` is None or complex (numpy would turn None into NaN and silently drop an
        imaginary part).
    ValueError
        If ``x`` cannot be converted or holds a non-finite value.
    """
    if x is None:  # np.asarray(None, float) is NaN: say what is wrong instead
        raise TypeError(f"{name} must be numeric array-like, got None")
    _reject_complex(x, name)
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric array-like, got {x!r}") from err
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {arr!r}")
    return arr


def _reject_complex(x: ArrayLike, name: str) -> None:
    """Raise ``TypeError`` for complex input (``np.asarray(z, float)`` keeps the real part
    with only a ComplexWarning, a silent wrong answer)."""
    if isinstance(x, complex | np.complexfloating):
        raise TypeError(f"{name} must be real, got the complex number {x!r}")
    dtype = getattr(x, "dtype", None)
    complex_array = (dtype.kind == "c" if isinstance(dtype, np.dtype)
                     else isinstance(x, list | tuple) and _holds_complex(x))
    if complex_array:
        raise TypeError(f"{name} must be real, got a complex array")


def _holds_complex(items: Sequence[object]) -> bool:
    try:
        return bool(np.iscomplexobj(np.asarray(items)))
    except (TypeError, ValueError):  # ragged or non-numeric: reported by the conversion
        return False


def broadcast_batch(trailing: Mapping[str, int] | None = None, **arrays: NDArray,
                    ) -> tuple[int, ...]:
    """The common batch shape of arrays given by argument name.

    The batch shape of an array is its shape without its ``trailing[name]`` last axes
    (1 by default: points and tangent vectors ``[..., dim]``; 0 for scalar data).

    Raises
    ------
    ValueError
        Naming every argument and its shape when the batch shapes do not broadcast.

    Examples
    --------
    >>> broadcast_batch(theta_p=np.zeros((3, 2)), theta_q=np.zeros((2,)))
    (3,)
    """
    trailing = trailing or {}
    batches = []
    for name, a in arrays.items():
        k = trailing.get(name, 1)
        batches.append(a.shape[:a.ndim - k] if k else a.shape)
    try:
        return np.broadcast_shapes(*batches)
    except ValueError:
        shapes = " and ".join(f"{name} (shape {a.shape})" for name, a in arrays.items())
        raise ValueError(f"the batch shapes of {shapes} do not broadcast together "
                         "(the leading axes must be equal or 1)") from None


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
