"""Independent numerics for the literature audit: scipy.stats densities, finite-difference
scores and quadrature, with an error estimate for each result.

Nothing here imports infogeo. An *oracle* is a scipy.stats density written in scipy's
own parameters ``P`` (a vector of length q); the audit maps each infogeo chart to ``P``
by the formulas its docstring states, so that mapping is what gets checked.

Error model (the audit's tolerances come from here, not from tuning):

- scores are central differences with steps h and 2h (``h = FD_REL`` × the parameter's
  size); their O(h²) truncation and the rounding noise both show up in the difference
  of the two Fisher matrices, ``|F_h − F_2h|``;
- ``scipy.integrate.quad_vec`` reports its own error bound; exact sums over a discrete
  support are truncated where the survival function is below ``TAIL``, and the
  neglected tail is bounded by the last term's ratio to its probability times the
  tail mass;
- Gauss–Hermite rules with ``GH_NODES`` nodes per axis are exact for polynomial
  integrands of degree < 2·GH_NODES, which covers products of normal scores (degree 4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import integrate, special

FD_REL = 1e-4
QUAD_EPSREL = 1e-9
TAIL = 1e-18
GH_NODES = 5
#: the audit accepts a difference up to this many times the estimated numerical error
SAFETY = 10.0
#: rounding floor of the comparison (a few ulps of the metric's entries)
ULP_FLOOR = 64 * np.finfo(float).eps


@dataclass
class Oracle:
    """A density written with scipy.stats.

    ``logpdf(x, P)`` takes data of shape ``[n, 1, *event]`` and parameters ``[m, q]``
    and returns ``[n, m]``. ``kind`` is ``"continuous"`` (``frozen(P)`` gives a frozen
    scipy distribution for breakpoints and samples; ``support(P)`` the interval),
    ``"discrete"`` (``frozen`` likewise, integer support from ``support(P)[0]``),
    ``"gaussian"`` (``moments(P) -> (mean, cov)``, event of that size: Gauss–Hermite)
    or ``"finite"`` (``points`` lists every outcome).
    """

    logpdf: Callable[[np.ndarray, np.ndarray], np.ndarray]
    kind: str
    frozen: Callable | None = None
    support: Callable | None = None
    moments: Callable | None = None
    points: np.ndarray | None = None
    sampler: Callable | None = None

    def sample(self, P: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.sampler is not None:
            return self.sampler(P, n, rng)
        if self.kind == "gaussian":
            mean, cov = self.moments(P)
            return rng.multivariate_normal(mean, cov, size=n)
        if self.kind == "finite":
            return self.points[rng.integers(len(self.points), size=n)]
        return self.frozen(P).rvs(size=n, random_state=rng)


# ------------------------------------------------------------------ expectations
def expectation(oracle: Oracle, P0: np.ndarray, Pset: np.ndarray,
                f: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, float]:
    """E_{P0}[f(ℓ(x, Pset))] and a bound on its numerical error.

    ``f`` maps log-densities ``[n, m]`` to values ``[n, r]``.
    """
    both = np.vstack([P0[None], Pset])

    def weighted(x: np.ndarray) -> np.ndarray:
        ell = oracle.logpdf(x, both)
        density = np.exp(ell[:, :1])
        with np.errstate(invalid="ignore", over="ignore"):
            out = density * f(ell[:, 1:])
        # far in a tail the density underflows to 0 while a score product may overflow
        # (and at the ends of a bounded support x may round onto the boundary, where a
        # shifted ℓ is ±inf): such measure-zero points are left out
        keep = (density > 0) & np.all(np.isfinite(ell), axis=1, keepdims=True)
        return np.where(keep, out, 0.0)

    if oracle.kind == "continuous":
        return _quad(oracle, P0, weighted)
    if oracle.kind == "discrete":
        return _sum(oracle, P0, weighted)
    if oracle.kind == "finite":
        return weighted(oracle.points[:, None]).sum(axis=0), 0.0
    if oracle.kind == "gaussian":
        mean, cov = oracle.moments(P0)
        z, w = _gauss_hermite(len(mean))
        x = mean + z @ np.linalg.cholesky(cov).T
        ell = oracle.logpdf(x[:, None], Pset)
        return (w[:, None] * f(ell)).sum(axis=0), 0.0
    raise ValueError(f"oracle.kind must be continuous, discrete, finite or gaussian, "
                     f"got {oracle.kind!r}")


def _quad(oracle: Oracle, P0: np.ndarray, weighted: Callable) -> tuple[np.ndarray, float]:
    lo, hi = oracle.support(P0)
    dist = oracle.frozen(P0)
    cuts = [c for c in dist.ppf([1e-4, 0.25, 0.5, 0.75, 1 - 1e-4]) if lo < c < hi]
    edges = [lo, *sorted(set(cuts)), hi]
    total, err = 0.0, 0.0
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        val, e = integrate.quad_vec(lambda t: weighted(np.array([[t]]))[0], a, b,
                                    epsabs=0.0, epsrel=QUAD_EPSREL, norm="max", limit=400)
        total, err = total + val, err + e
    return total, err


def _sum(oracle: Oracle, P0: np.ndarray, weighted: Callable) -> tuple[np.ndarray, float]:
    lo, hi = oracle.support(P0)
    dist = oracle.frozen(P0)
    top = max(int(lo) + 8, int(dist.ppf(0.5)) * 2 + 8)
    while top < hi and dist.sf(top) > TAIL:   # the survival function, not isf: accurate
        top *= 2                               # far in the tail
    top = int(min(top, hi))
    k = np.arange(lo, top + 1, dtype=float)
    values = weighted(k[:, None])
    tail_mass = float(dist.sf(top))
    last_p = float(dist.pmf(top))
    # the summand over its probability grows polynomially: bound the tail by the last
    # ratio (×4 for growth) times the tail mass
    tail = 4.0 * np.max(np.abs(values[-1])) / last_p * tail_mass if last_p > 0 else 0.0
    return values.sum(axis=0), tail


def _gauss_hermite(d: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes [N, d] and weights [N] of the product rule for the standard normal."""
    t, w = special.roots_hermitenorm(GH_NODES)
    w = w / w.sum()
    grids = np.meshgrid(*([t] * d), indexing="ij")
    wgrid = np.meshgrid(*([w] * d), indexing="ij")
    return (np.stack([g.ravel() for g in grids], axis=-1),
            np.prod(np.stack([g.ravel() for g in wgrid], axis=-1), axis=-1))


# ------------------------------------------------------------------ Fisher and KL
def fd_steps(P: np.ndarray) -> np.ndarray:
    """Central-difference steps: ``FD_REL`` times the size of each parameter (≥ 0.01)."""
    return FD_REL * np.maximum(np.abs(P), 1e-2)


def fisher(oracle: Oracle, P: np.ndarray) -> tuple[np.ndarray, float]:
    """E[s sᵀ] with central-difference scores s of scipy's log-density, and its error."""
    q = len(P)
    h = fd_steps(P)
    shifts = []
    for scale in (1.0, 2.0):
        for i in range(q):
            e = np.zeros(q)
            e[i] = scale * h[i]
            shifts += [P + e, P - e]
    Pset = np.array(shifts)

    def outer(ell: np.ndarray) -> np.ndarray:
        d = ell[:, 0::2] - ell[:, 1::2]                 # [n, 2q]: ℓ(P + e) − ℓ(P − e)
        s1 = d[:, :q] / (2 * h)
        s2 = d[:, q:] / (4 * h)
        # rounding of ℓ (a few ulps of |ℓ|) divided by the step, times the other score
        rounding = (np.max(np.abs(ell), axis=1) * np.max(np.abs(s1), axis=1))[:, None]
        return np.concatenate([(s1[:, :, None] * s1[:, None, :]).reshape(len(d), -1),
                               (s2[:, :, None] * s2[:, None, :]).reshape(len(d), -1),
                               rounding], axis=1)

    val, qerr = expectation(oracle, P, Pset, outer)
    F1, F2 = val[: q * q].reshape(q, q), val[q * q: 2 * q * q].reshape(q, q)
    rounding = 8 * np.finfo(float).eps * val[-1] / np.min(h)
    return F1, float(np.max(np.abs(F1 - F2))) + qerr + rounding


def hessian_fisher(logpdf_at: Callable[[np.ndarray], float],
                   P: np.ndarray) -> tuple[np.ndarray, float]:
    """−∇²ℓ by central second differences (for densities whose Hessian in P does not
    depend on the data), with the step-halving error estimate."""
    def hess(h: np.ndarray) -> np.ndarray:
        q = len(P)
        H = np.empty((q, q))
        for i in range(q):
            for j in range(q):
                ei, ej = np.eye(q)[i] * h[i], np.eye(q)[j] * h[j]
                H[i, j] = (logpdf_at(P + ei + ej) - logpdf_at(P + ei - ej)
                           - logpdf_at(P - ei + ej) + logpdf_at(P - ei - ej)) / (4 * h[i] * h[j])
        return -H
    h = 1e-3 * np.maximum(np.abs(P), 1e-2)
    H1, H2 = hess(h), hess(2 * h)
    return H1, float(np.max(np.abs(H1 - H2)))


def kl(oracle: Oracle, P: np.ndarray, Q: np.ndarray) -> tuple[float, float]:
    """KL(p_P ‖ p_Q) = E_P[ℓ(P) − ℓ(Q)] and its error."""
    val, err = expectation(oracle, P, np.array([P, Q]), lambda ell: ell[:, :1] - ell[:, 1:])
    return float(val[0]), err


def jacobian(to_P: Callable[[np.ndarray], np.ndarray],
             y: np.ndarray) -> tuple[np.ndarray, float]:
    """dP/dy of a chart map by central differences (steps 1e-5 and 2e-5 relative)."""
    def jac(rel: float) -> np.ndarray:
        h = rel * np.maximum(np.abs(y), 1e-2)
        cols = [(to_P(y + h[i] * np.eye(len(y))[i]) - to_P(y - h[i] * np.eye(len(y))[i]))
                / (2 * h[i]) for i in range(len(y))]
        return np.stack(cols, axis=-1)
    J1, J2 = jac(1e-5), jac(2e-5)
    return J1, float(np.max(np.abs(J1 - J2)))


def pulled_back(F: np.ndarray, F_err: float, J: np.ndarray,
                J_err: float) -> tuple[np.ndarray, float]:
    """Jᵀ F J and a first-order bound on its error."""
    nJ, nF = np.abs(J).sum(), np.abs(F).sum()
    return J.T @ F @ J, nJ**2 * F_err + 2 * nJ * nF * J_err


def agree(value: np.ndarray, reference: np.ndarray, err: float) -> tuple[bool, float, float]:
    """(within tolerance, max |difference| relative to max |reference|, tolerance used)."""
    scale = float(np.max(np.abs(reference)))
    tol = SAFETY * err + ULP_FLOOR * max(scale, 1e-300) * 8
    diff = float(np.max(np.abs(np.asarray(value, dtype=float) - reference)))
    return diff <= tol, diff / max(scale, 1e-300), tol
