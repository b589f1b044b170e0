r"""Fast polygamma functions ψ^(n), n >= 1, for the Hessian families (Gamma, Beta, Dirichlet).

``scipy.special.polygamma`` evaluates the Hurwitz zeta function and costs ~0.3 µs per value;
the geodesic integrators call it millions of times. Here all orders are computed together
by the recurrence and the asymptotic (Stirling) series

.. math::

    \psi^{(n)}(x) = \psi^{(n)}(x + S) + (-1)^{n+1} n! \sum_{j=0}^{S-1} (x + j)^{-n-1},

    \psi^{(n)}(z) \sim (-1)^{n+1}\left[\frac{(n-1)!}{z^n} + \frac{n!}{2z^{n+1}}
    + \sum_{k\ge1} \frac{B_{2k}\,(2k+n-1)!}{(2k)!\,z^{2k+n}}\right]

(Abramowitz & Stegun 6.4.6 and 6.4.11), with S = 16 shifts so that ``z = x + S >= 16``;
eight Bernoulli terms then leave a truncation error below 1e-16 relative for n <= 4.
The tests compare against ``scipy.special.polygamma``.
"""

from __future__ import annotations

from math import factorial

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["polygammas"]

_Z0 = 16.0
_BERNOULLI = np.array([1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6,
                       -3617 / 510])  # B_2, B_4, ..., B_16


def _series_coefficients(n: int) -> NDArray:
    """c_k = B_2k (2k+n−1)! / (2k)!, k = 1..8."""
    return np.array([b * factorial(2 * k + n - 1) / factorial(2 * k)
                     for k, b in enumerate(_BERNOULLI, start=1)])


#: _COEFFS[n - 1, k - 1] = c_k of order n
_COEFFS = np.array([_series_coefficients(n) for n in range(1, 6)])
_SHIFTS = np.arange(int(_Z0), dtype=float)


def polygammas(x: ArrayLike, max_order: int) -> list[NDArray]:
    """``[ψ'(x), ψ''(x), ..., ψ^(max_order)(x)]`` elementwise, for x > 0, max_order <= 5.

    Every element is shifted by the same S = 16 (so z = x + 16 >= 16 whatever x is): no
    masks, and the Horner sums of all orders run together on one stacked array. The
    geodesic integrators call this once per right-hand side on a few hundred values, so
    the number of array operations, not their size, is what costs.
    """
    x = np.asarray(x, dtype=float)
    if not 1 <= max_order <= 5:
        raise ValueError(f"max_order must be between 1 and 5, got {max_order}")
    lead = (1,) * x.ndim
    with np.errstate(divide="ignore", invalid="ignore"):
        recip = 1.0 / (x + _SHIFTS.reshape((-1,) + lead))  # 1/(x + j), [S, ...]
    w = 1.0 / (x + _Z0)
    w2 = w * w
    coeffs = _COEFFS[:max_order].reshape(_COEFFS[:max_order].shape + lead)
    series = coeffs[:, -1] * w2  # [max_order, ...]
    for k in range(_COEFFS.shape[1] - 2, -1, -1):  # Horner in w², all orders together
        series = (series + coeffs[:, k]) * w2
    power = recip * recip  # (x + j)^(-n-1), starting with n = 1
    w_n = w  # z^(-n)
    out = []
    for n in range(1, max_order + 1):
        sign = 1.0 if n % 2 else -1.0
        asym = w_n * (factorial(n - 1) + 0.5 * factorial(n) * w + series[n - 1])
        out.append(sign * (asym + factorial(n) * power.sum(axis=0)))
        if n < max_order:
            power = power * recip
            w_n = w_n * w
    return out
