"""Independent references for the Gamma, Beta and Dirichlet tests.

* ``reference_log``: shooting with scipy alone — ``solve_ivp`` (DOP853, rtol 1e-13, one
  pair at a time) for the geodesic ODE of the family's Christoffel symbols and
  ``scipy.optimize.root`` (MINPACK hybrd, finite-difference Jacobian) for the end
  point: none of the package's geodesic engine (integrator, collocation, Jacobi fields,
  Newton loop or starting guesses).
* ``sympy_metric_and_christoffels``: metric and Christoffel symbols derived by sympy from
  the log-density alone (−E[∂²ℓ] is the Hessian of the log-partition for these
  exponential families, computed symbolically from ℓ, not from our closed forms).
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp
from scipy.optimize import root


def scipy_exp(manifold, v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``exp_x(v)`` of one pair by ``solve_ivp`` on the family's Christoffel symbols."""
    dim = len(x)

    def rhs(_t: float, state: np.ndarray) -> np.ndarray:
        pos, vel = state[:dim], state[dim:]
        gamma = manifold._christoffels(pos[None])[0]
        return np.concatenate([vel, -np.einsum("kij,i,j->k", gamma, vel, vel)])

    sol = solve_ivp(rhs, (0.0, 1.0), np.concatenate([x, v]), method="DOP853", rtol=1e-13,
                    atol=1e-14)
    assert sol.success, sol.message
    return sol.y[:dim, -1]


def reference_log(manifold, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Tight-tolerance log in the base chart, one pair at a time."""
    out = []
    for x, y in zip(np.atleast_2d(a), np.atleast_2d(b), strict=True):
        # straight line in log coordinates: the same start for every family; the end
        # point compared in log coordinates (relative error)
        sol = root(lambda v, x=x, y=y: np.log(scipy_exp(manifold, v, x) / y),
                   x * np.log(y / x), method="hybr", options={"xtol": 1e-14})
        assert sol.success or np.max(np.abs(sol.fun)) < 1e-12, sol.message
        out.append(sol.x)
    return np.array(out)


def sympy_metric_and_christoffels(log_density: sp.Expr, params: list[sp.Symbol],
                                  data_symbols: list[sp.Symbol]):
    """Numeric functions ``g(theta)``, ``gamma(theta)`` derived symbolically.

    The log-density is linear in the data statistics for these families, so the Hessian
    of −ℓ in the parameters does not depend on the data; sympy checks that.
    """
    hess = -sp.hessian(log_density, params)
    assert all(sp.simplify(sp.diff(h, z)) == 0 for h in hess for z in data_symbols)
    hess = sp.simplify(hess)
    g_inv = hess.inv()
    dim = len(params)
    first = [[[sp.Rational(1, 2) * (sp.diff(hess[j, l], params[i])
                                     + sp.diff(hess[i, l], params[j])
                                     - sp.diff(hess[i, j], params[l]))
               for l in range(dim)] for j in range(dim)] for i in range(dim)]
    gamma = [[[sum(g_inv[k, l] * first[i][j][l] for l in range(dim)) for j in range(dim)]
              for i in range(dim)] for k in range(dim)]
    g_fn = sp.lambdify(params, hess, modules="scipy")
    gamma_fn = sp.lambdify(params, gamma, modules="scipy")
    return (lambda theta: np.array(g_fn(*theta), dtype=float),
            lambda theta: np.array(gamma_fn(*theta), dtype=float))


def monte_carlo_within(samples: np.ndarray, expected: np.ndarray, n_se: float = 4.0) -> None:
    """Assert that the mean of ``samples`` (axis 0) is within ``n_se`` standard errors."""
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    assert np.all(np.abs(mean - expected) <= n_se * se + 1e-12), (mean, expected, se)
