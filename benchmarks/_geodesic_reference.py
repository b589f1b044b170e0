"""A tight geodesic reference built from scipy alone, for the geodesic benchmarks.

``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-13) on the family's Christoffel symbols in
the base chart, and ``scipy.optimize.root`` (MINPACK hybrd, finite-difference Jacobian)
for the end point, one pair at a time: none of infogeo's geodesic engine (batched
integrator, collocation, Jacobi fields, Newton loop, starting guesses) is involved.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import root


def scipy_exp(manifold, v: np.ndarray, x: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """``exp_x(v)`` of one pair (base chart)."""
    dim = len(x)

    def rhs(_t: float, state: np.ndarray) -> np.ndarray:
        pos, vel = state[:dim], state[dim:]
        gamma = manifold._christoffels(pos[None])[0]
        return np.concatenate([vel, -np.einsum("kij,i,j->k", gamma, vel, vel)])

    sol = solve_ivp(rhs, (0.0, 1.0), np.concatenate([x, v]), method="DOP853", rtol=1e-13,
                    atol=1e-14)
    if not sol.success:
        raise RuntimeError(sol.message)
    return sol.y[:dim, -1]


def scipy_log(manifold, a: np.ndarray, b: np.ndarray, positive: bool = True,  # noqa: ANN001
              start: np.ndarray | None = None) -> np.ndarray:
    """Tight ``log`` of each pair (base chart). ``positive``: compare end points in log
    coordinates (relative error), starting from the straight line there; else start from
    ``start`` (default ``b - a``) and compare in coordinates."""
    out = []
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if positive:
            def miss(v: np.ndarray, x=x, y=y) -> np.ndarray:
                return np.log(scipy_exp(manifold, v, x) / y)
            v0 = x * np.log(y / x)
        else:
            def miss(v: np.ndarray, x=x, y=y) -> np.ndarray:
                return scipy_exp(manifold, v, x) - y
            v0 = y - x if start is None else np.atleast_2d(start)[i]
        sol = root(miss, v0, method="hybr", options={"xtol": 1e-14})
        if not (sol.success or np.max(np.abs(sol.fun)) < 1e-12):
            raise RuntimeError(f"reference shooting failed for {x} -> {y}: {sol.message}")
        out.append(sol.x)
    return np.array(out)


def fisher_norm(manifold, v: np.ndarray, x: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """``sqrt(vᵀ g(x) v)`` in the base chart."""
    return np.sqrt(np.einsum("...i,...ij,...j->...", v, manifold._metric(x), v))
