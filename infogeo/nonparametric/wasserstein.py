"""Wasserstein and Wasserstein–Fisher–Rao gradient flows of KL(p‖π) on a 1-D grid.

The Wasserstein gradient flow of :math:`KL(p\\|\\pi)` is the Fokker–Planck equation of
Langevin dynamics :math:`dX = \\nabla\\log\\pi(X)\\,dt + \\sqrt2\\,dW` (Jordan, Kinderlehrer &
Otto, SIAM J. Math. Anal. 29, 1998); adding the Fisher–Rao term gives the
Wasserstein–Fisher–Rao (spherical Hellinger–Kantorovich) flow

.. math::

    \\partial_t p = \\alpha\\,\\partial_x\\Big(p\\,\\partial_x \\log\\frac p\\pi\\Big)
    - \\beta\\,p\\Big(\\log\\frac p\\pi - KL(p\\|\\pi)\\Big)

(Lu, Lu & Nolen 2019; Chizat, Peyré, Schmitzer & Vialard, Found. Comput. Math. 18, 2018;
Gallouët & Monsaingeon, SIAM J. Math. Anal. 49, 2017).

Space: the finite-volume "square-root approximation" of
:math:`\\partial_x(\\pi\\,\\partial_x(p/\\pi))` with face weights :math:`\\sqrt{\\pi_i\\pi_{i+1}}`
(Lie, Fackeldey & Weber, SIAM J. Matrix Anal. Appl. 34, 2013): mass-conserving,
positivity-preserving, exact discrete equilibrium π, second order in the spacing. Time:
the linear Fokker–Planck system is solved exactly (``scipy.sparse.linalg.expm_multiply``);
the WFR flow by Strang splitting of the two exact sub-flows (second order in the step).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.linalg import eigh_tridiagonal
from scipy.sparse.linalg import expm_multiply

from .._checks import as_finite_array, check_positive
from ._validate import check_density, check_log_density, integrate
from .flows import FlowResult, check_times
from .functionals import kl_functional

__all__ = ["fokker_planck_generator", "wasserstein_flow", "wasserstein_fisher_rao_flow"]


def _uniform_grid(x: ArrayLike) -> tuple[NDArray, float, NDArray]:
    nodes = as_finite_array(x, "x")
    if nodes.ndim != 1 or nodes.size < 3:
        raise ValueError(f"x must be a 1-D grid of at least 3 nodes, got shape {nodes.shape}")
    h = np.diff(nodes)
    if np.any(h <= 0) or not np.allclose(h, h[0], rtol=1e-8, atol=0.0):
        raise ValueError("x must be strictly increasing and equally spaced")
    # cell weights: each node owns a cell of width h (mass sum(h p) is conserved exactly)
    return nodes, float(h[0]), np.full(nodes.size, h[0])


def fokker_planck_generator(log_target: ArrayLike, x: ArrayLike) -> sparse.csr_matrix:
    """The matrix A of :math:`dp/dt = A p`, the discretized :math:`\\partial_x(\\pi\\,
    \\partial_x(p/\\pi))` with no-flux ends.

    .. math::

        (Ap)_i = \\frac1{h^2}\\Big[\\sqrt{\\tfrac{\\pi_i}{\\pi_{i+1}}}\\,p_{i+1}
        - \\Big(\\sqrt{\\tfrac{\\pi_{i+1}}{\\pi_i}} + \\sqrt{\\tfrac{\\pi_{i-1}}{\\pi_i}}\\Big)p_i
        + \\sqrt{\\tfrac{\\pi_i}{\\pi_{i-1}}}\\,p_{i-1}\\Big]

    (ratios from :math:`\\log\\pi`, so tiny tails do not underflow). Columns sum to zero
    (mass), off-diagonals are positive (positivity) and :math:`A\\pi = 0`.

    Parameters
    ----------
    log_target : array-like, shape=[n]
        Unnormalized :math:`\\log\\pi` at the nodes (finite).
    x : array-like, shape=[n]
        Equally spaced nodes.
    """
    _, h, _ = _uniform_grid(x)
    log_pi = as_finite_array(log_target, "log_target")
    if log_pi.shape != np.shape(x):
        raise ValueError(f"log_target must have the shape of x {np.shape(x)}, got "
                         f"{log_pi.shape}")
    half = 0.5 * np.diff(log_pi)           # (log π_{i+1} − log π_i) / 2
    up = np.exp(-half) / h**2              # coefficient of p_{i+1} in row i
    down = np.exp(half) / h**2             # coefficient of p_i in row i+1
    diag = np.zeros(log_pi.size)
    diag[:-1] -= down                      # outflow of node i to i+1
    diag[1:] -= up                         # outflow of node i+1 to i
    return sparse.diags([down, diag, up], [-1, 0, 1], format="csr")


class _Propagator:
    r""":math:`e^{\tau A}p` for the reversible generator A: with :math:`\Pi = diag(\pi)`,
    :math:`S = \Pi^{-1/2} A \Pi^{1/2}` is the symmetric tridiagonal matrix with diagonal
    :math:`A_{ii}` and off-diagonals :math:`1/h^2`, so one ``eigh_tridiagonal`` gives every
    time step in O(n²). When :math:`p/\sqrt\pi` spans too many orders of magnitude for
    that (p much heavier-tailed than π) it falls back to ``expm_multiply``."""

    def __init__(self, gen: sparse.csr_matrix, log_pi: NDArray, h: float) -> None:
        self.gen, self.log_pi = gen, log_pi
        self.evals, self.evecs = eigh_tridiagonal(gen.diagonal(), np.full(log_pi.size - 1,
                                                                          1.0 / h**2))
        self.root = np.exp(0.5 * log_pi)  # sqrt(pi), max 1
        self.inv_root = np.exp(-0.5 * log_pi)

    def apply(self, p: NDArray, tau: float) -> NDArray:
        if tau == 0:
            return p
        scaled = p * self.inv_root
        if np.max(np.abs(scaled)) > 1e3 * np.max(np.abs(p)):
            out = expm_multiply(self.gen * tau, p)
        else:
            out = self.root * (self.evecs @ (np.exp(tau * self.evals) * (self.evecs.T @ scaled)))
        return np.maximum(out, 0.0)  # rounding below zero in the far tails


def _fr_kl_step(p: NDArray, log_pi: NDArray, w: NDArray, tau: float) -> NDArray:
    """Exact Fisher–Rao flow of KL over time τ: :math:`p^{e^{-\\tau}}\\pi^{1-e^{-\\tau}}`."""
    decay = np.exp(-tau)
    with np.errstate(divide="ignore"):
        log_p = np.where(p > 0, decay * np.log(np.where(p > 0, p, 1.0))
                         + (1 - decay) * log_pi, -np.inf)
    q = np.exp(log_p - np.max(log_p))
    return q / integrate(q, w)


def _inputs(p0: ArrayLike, log_target: ArrayLike, x: ArrayLike
            ) -> tuple[NDArray, NDArray, NDArray]:
    nodes, _, w = _uniform_grid(x)
    p = check_density(p0, w, "p0")
    log_pi = check_log_density(log_target, w, "log_target")
    if not np.all(np.isfinite(log_pi)):
        raise ValueError("log_target must be finite on the grid (the Fokker-Planck flow "
                         "spreads mass everywhere)")
    return p, log_pi - np.max(log_pi), w


def _result(states: list[NDArray], t: NDArray, log_pi: NDArray, w: NDArray,
            n_steps: int, message: str) -> FlowResult:
    """Normalized densities with their KL and the norm of the total velocity
    :math:`\\|\\partial_t p\\|` estimated by finite differences of the output."""
    kl = kl_functional(log_pi, w)
    dens = np.stack([s / integrate(s, w) for s in states])
    values = np.array([kl.value(d) for d in dens])  # type: ignore[misc]
    speed = np.zeros(len(t))
    for i in range(1, len(t)):
        speed[i] = float(integrate(np.abs(dens[i] - dens[i - 1]), w)) / (t[i] - t[i - 1])
    speed[0] = speed[1] if len(t) > 1 else 0.0
    return FlowResult(t, dens, values, speed, True, False, message, n_steps)


def wasserstein_flow(p0: ArrayLike, log_target: ArrayLike, times: ArrayLike,
                     x: ArrayLike) -> FlowResult:
    """Wasserstein gradient flow of :math:`KL(p\\|\\pi)` (Fokker–Planck) on a 1-D grid.

    .. math::

        \\partial_t p = \\partial_x\\Big(p\\,\\partial_x\\log\\frac{p}{\\pi}\\Big)
        = \\partial_x\\big(\\pi\\,\\partial_x(p/\\pi)\\big),

    exact in time for the spatial discretization of :func:`fokker_planck_generator`.

    Parameters
    ----------
    p0 : array-like, shape=[n]
    log_target : array-like, shape=[n]
        Unnormalized :math:`\\log\\pi`, finite on the grid.
    times : array-like, shape=[T]
    x : array-like, shape=[n]
        Equally spaced nodes (the cell weights are the spacing).

    Returns
    -------
    FlowResult
        ``values`` is :math:`KL(p_t\\|\\pi)`; ``gradient_norms`` the L¹ speed between
        outputs (this flow has no Fisher–Rao gradient); ``converged`` is False (the flow
        is run over the requested times).
    """
    p, log_pi, w = _inputs(p0, log_target, x)
    t = check_times(times)
    prop = _Propagator(fokker_planck_generator(log_pi, x), log_pi, float(x[1] - x[0]))
    states = [p]
    for t0, t1 in zip(t[:-1], t[1:], strict=True):
        states.append(prop.apply(states[-1], t1 - t0))
    return _result(states, t, log_pi, w, len(t) - 1, f"reached t = {t[-1]:g} (exact in time)")


def wasserstein_fisher_rao_flow(p0: ArrayLike, log_target: ArrayLike, times: ArrayLike,
                                x: ArrayLike, dt: float = 0.01,
                                wasserstein_weight: float = 1.0,
                                fisher_rao_weight: float = 1.0) -> FlowResult:
    """Wasserstein–Fisher–Rao gradient flow of :math:`KL(p\\|\\pi)` on a 1-D grid.

    .. math::

        \\partial_t p = \\alpha\\,\\partial_x\\Big(p\\,\\partial_x\\log\\frac p\\pi\\Big)
        - \\beta\\,p\\Big(\\log\\frac p\\pi - KL(p\\|\\pi)\\Big),

    by Strang splitting: half a Fisher–Rao step (exact,
    :math:`p \\mapsto p^{e^{-\\beta\\tau}}\\pi^{1-e^{-\\beta\\tau}}`), a full Fokker–Planck step
    (exact for the discretization), half a Fisher–Rao step; error :math:`O(dt^2)`.

    Parameters
    ----------
    p0, log_target, times, x
        As in :func:`wasserstein_flow`.
    dt : float
        Largest splitting step.
    wasserstein_weight, fisher_rao_weight : float
        α and β (α = 0 gives the Fisher–Rao flow, β = 0 the Wasserstein flow).
    """
    p, log_pi, w = _inputs(p0, log_target, x)
    t = check_times(times)
    check_positive(dt, "dt")
    check_positive(wasserstein_weight, "wasserstein_weight", strict=False)
    check_positive(fisher_rao_weight, "fisher_rao_weight", strict=False)
    prop = _Propagator(fokker_planck_generator(log_pi, x), log_pi, float(x[1] - x[0]))
    states, n = [p], 0
    for t0, t1 in zip(t[:-1], t[1:], strict=True):
        m = int(np.ceil((t1 - t0) / dt - 1e-12))
        h = (t1 - t0) / m
        for _ in range(m):
            p = _fr_kl_step(p, log_pi, w, 0.5 * h * fisher_rao_weight)
            p = prop.apply(p, h * wasserstein_weight)
            p = _fr_kl_step(p, log_pi, w, 0.5 * h * fisher_rao_weight)
            n += 1
        states.append(p)
    return _result(states, t, log_pi, w, n, f"reached t = {t[-1]:g} ({n} Strang steps)")
