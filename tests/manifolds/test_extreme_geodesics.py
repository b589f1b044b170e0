"""Geodesics between shapes at the declared edges (1e-4, 1e4): the engine's answer is
checked against an independent integration (scipy's solve_ivp, DOP853, on the family's
Christoffel symbols), and the distance must be symmetric.

The Dirichlet (and Beta) Fisher-Rao manifolds have negative sectional curvature and are
geodesically complete (Le Brigant, Preston & Puechmorel, Differential Geom. Appl. 74,
2021), so a geodesic that joins two points is the minimizing one: checking that the
returned velocity reaches the end point checks the distance.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from infogeo.manifolds import Beta, Dirichlet, Gamma, StatisticalManifold


def _scipy_exp(m: StatisticalManifold, v: np.ndarray, x: np.ndarray) -> np.ndarray:
    d = len(x)

    def rhs(_t: float, state: np.ndarray) -> np.ndarray:
        gamma = m._christoffels(state[None, :d])[0]
        return np.concatenate([state[d:], -np.einsum("kij,i,j->k", gamma, state[d:],
                                                       state[d:])])

    sol = solve_ivp(rhs, (0.0, 1.0), np.concatenate([x, v]), method="DOP853", rtol=1e-13,
                    atol=1e-14)
    assert sol.success, sol.message
    return sol.y[:d, -1]


@pytest.mark.slow
@pytest.mark.parametrize(("family", "a", "b"), [
    (Beta(), [1e-4, 1e4], [1.0, 1.0]),
    (Gamma(), [1e4, 1e-4], [1.0, 1.0]),
    (Dirichlet(3), [1e-4, 1e4, 1.0], [1.0, 1.0, 1.0]),
])
def test_edge_pairs_reach_their_end_point(family: StatisticalManifold, a: list, b: list,
                                          ) -> None:
    x, y = np.array(a), np.array(b)
    v = family.log(y, x)
    end = _scipy_exp(family, v, x)
    # log promises v to 1e-10 relative; exp amplifies an error of v exponentially in the
    # length on these negatively curved families, so the end point can only be asked to
    # land within what such an error of v moves it (measured on the reference itself)
    moved = max(np.max(np.abs(_scipy_exp(family, v + 1e-10 * np.abs(v) * e, x) - end) / y)
                for e in np.eye(len(x)))
    np.testing.assert_allclose(end, y, rtol=10 * moved + 1e-9)
    np.testing.assert_allclose(family.dist(x, y), family.dist(y, x), rtol=1e-10)
