"""The Fisher–Rao gradient flow of functionals of densities on a quadrature.

.. math::

    \\partial_t p = -p\\left(\\frac{\\delta F}{\\delta p}
    - E_p\\!\\left[\\frac{\\delta F}{\\delta p}\\right]\\right)
    \\quad\\Longleftrightarrow\\quad
    \\partial_t \\log p = -\\left(\\frac{\\delta F}{\\delta p} - E_p\\!\\left[\\frac{\\delta F}
    {\\delta p}\\right]\\right),

the steepest descent of F for the Fisher–Rao metric :math:`\\int u^2/p` (the replicator
equation). The support of :math:`p_0` is kept, mass is conserved, and
:math:`dF/dt = -\\int p\\,(\\delta F/\\delta p - E_p\\,\\delta F/\\delta p)^2`. In log-density
coordinates positivity is automatic, and for :math:`F = KL(p\\|\\pi)` the flow is linear:

.. math::

    p_t \\propto p_0^{\\,e^{-t}}\\,\\pi^{\\,1-e^{-t}},

(Y. Lu, J. Lu & J. Nolen, "Accelerating Langevin sampling with birth-death",
arXiv:1905.09863, 2019, §2; Chen, Huang, Huang, Reich & Stuart, "Sampling via gradient
flows in the space of probability measures", arXiv:2310.03597, 2023).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import solve_ivp

from .._checks import as_finite_array, check_positive
from ._validate import check_density, check_log_density, check_weights, integrate
from .functionals import Functional, kl_functional

__all__ = ["FlowResult", "fisher_rao_flow", "fisher_rao_gradient_flow", "kl_flow_solution",
           "check_times"]


@dataclass(frozen=True)
class FlowResult:
    """Densities along a gradient flow and how the integration ended.

    Attributes
    ----------
    times : ndarray, shape=[T]
    densities : ndarray, shape=[T, \\*grid_shape]
        Normalized densities at ``times`` (``densities[0]`` is the start).
    values : ndarray, shape=[T], or None
        F at each time, when the functional has a value.
    gradient_norms : ndarray, shape=[T]
        Fisher–Rao norm of the gradient, :math:`(\\int p(\\varphi - E_p\\varphi)^2)^{1/2}`,
        :math:`\\varphi = \\delta F/\\delta p` (for other flows: the norm of their velocity).
    success : bool
        Whether the integration reached the last time.
    converged : bool
        Whether the final gradient norm is below ``gtol`` (a stationary point).
    message : str
        Why it stopped.
    n_steps : int
        Right-hand-side evaluations (adaptive) or steps (fixed-step methods).
    """

    times: NDArray
    densities: NDArray
    values: NDArray | None
    gradient_norms: NDArray
    success: bool
    converged: bool
    message: str
    n_steps: int

    @property
    def final(self) -> NDArray:
        """The last density."""
        return self.densities[-1]


def check_times(times: ArrayLike) -> NDArray:
    """A strictly increasing 1-D array of output times (the first is the start)."""
    t = as_finite_array(times, "times")
    if t.ndim != 1 or t.size < 2:
        raise ValueError(f"times must be a 1-D array of at least 2 times (start first), "
                         f"got shape {t.shape}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("times must be strictly increasing")
    return t


class _Problem:
    """The flow's right-hand side on the support of p0, in either coordinate system."""

    def __init__(self, functional: Functional, w: NDArray, support: NDArray) -> None:
        self.functional, self.w, self.support = functional, w, support
        self.ws = w[support]

    def full(self, values_on_support: NDArray) -> NDArray:
        p = np.zeros(self.w.shape)
        p[self.support] = values_on_support
        return p

    def centred_variation(self, p_s: NDArray) -> NDArray:
        """:math:`\\varphi - E_p\\varphi` on the support, p normalized first."""
        p_s = p_s / np.sum(self.ws * p_s)
        with np.errstate(divide="ignore", invalid="ignore"):
            phi = np.asarray(self.functional.first_variation(self.full(p_s)), dtype=float)
        phi = phi[self.support]
        if not np.all(np.isfinite(phi)):
            raise FloatingPointError("the first variation is not finite on the support of p")
        return phi - np.sum(self.ws * p_s * phi)

    def rhs_log(self, _t: float, ell: NDArray) -> NDArray:
        return -self.centred_variation(np.exp(ell - np.max(ell)))

    def rhs_density(self, _t: float, p_s: NDArray) -> NDArray:
        if np.any(p_s <= 0):
            raise FloatingPointError("the density became nonpositive (step too large for "
                                     "density coordinates)")
        return -p_s * self.centred_variation(p_s)

    def diagnostics(self, p_s: NDArray) -> tuple[NDArray, float, float]:
        p_s = p_s / np.sum(self.ws * p_s)
        p = self.full(p_s)
        g = self.centred_variation(p_s)
        value = np.nan if self.functional.value is None else float(self.functional.value(p))
        return p, value, float(np.sqrt(np.sum(self.ws * p_s * g**2)))


def _fixed_step(rhs: Callable, y0: NDArray, times: NDArray, dt: float, method: str
                ) -> tuple[list[NDArray], int]:
    out, y, n = [y0], y0, 0
    for t0, t1 in zip(times[:-1], times[1:], strict=True):
        m = int(np.ceil((t1 - t0) / dt - 1e-12))
        h = (t1 - t0) / m
        for k in range(m):
            t = t0 + k * h
            if method == "euler":
                y = y + h * rhs(t, y)
            else:  # classical RK4
                k1 = rhs(t, y)
                k2 = rhs(t + h / 2, y + h / 2 * k1)
                k3 = rhs(t + h / 2, y + h / 2 * k2)
                k4 = rhs(t + h, y + h * k3)
                y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            n += 1
        out.append(y)
    return out, n


def fisher_rao_gradient_flow(p0: ArrayLike, functional: Functional, times: ArrayLike,
                             weights: ArrayLike, method: str = "dop853",
                             coordinates: str = "log", dt: float | None = None,
                             rtol: float = 1e-11, atol: float = 1e-12,
                             gtol: float = 1e-8) -> FlowResult:
    """Integrate the Fisher–Rao gradient flow of a functional F on a quadrature.

    .. math::

        \\partial_t \\log p = -\\Big(\\varphi - \\int p\\,\\varphi\\Big), \\qquad
        \\varphi = \\frac{\\delta F}{\\delta p}.

    Parameters
    ----------
    p0 : array-like, shape=grid_shape
        Initial density (normalized here); its support is kept for all times.
    functional : Functional
        F through its first variation (:func:`kl_functional`, :func:`potential_energy`,
        :func:`interaction_energy`, sums, or any :class:`Functional`).
    times : array-like, shape=[T]
        Strictly increasing output times; ``times[0]`` is the time of ``p0``.
    weights : array-like, shape=grid_shape
        Positive quadrature weights.
    method : {"dop853", "rk4", "euler"}
        Adaptive Dormand–Prince 8(5,3) (``scipy.integrate.solve_ivp``, tolerances
        ``rtol``/``atol``), or fixed steps of at most ``dt`` with classical RK4 (order 4)
        or explicit Euler (order 1; in log coordinates it is the multiplicative update
        :math:`p \\leftarrow p\\,e^{-h(\\varphi - E_p\\varphi)}`, entropic mirror descent).
    coordinates : {"log", "density"}
        Integrate :math:`\\log p` (positivity automatic; default) or p itself.
    dt : float, optional
        Largest step of the fixed-step methods (required for them).
    rtol, atol : float
        Tolerances of the adaptive method, on :math:`\\log p` or p.
    gtol : float
        ``converged`` is set when the final Fisher–Rao gradient norm is below ``gtol``.

    Returns
    -------
    FlowResult
    """
    w = check_weights(weights)
    p = check_density(p0, w, "p0")
    if p.shape != w.shape:
        raise ValueError(f"p0 must have the grid shape {w.shape} (one density), got {p.shape}")
    if not isinstance(functional, Functional):
        raise TypeError(f"functional must be an infogeo.nonparametric.Functional, got "
                        f"{type(functional).__name__}")
    t = check_times(times)
    if method not in ("dop853", "rk4", "euler"):
        raise ValueError(f"method must be 'dop853', 'rk4' or 'euler', got {method!r}")
    if coordinates not in ("log", "density"):
        raise ValueError(f"coordinates must be 'log' or 'density', got {coordinates!r}")
    if method != "dop853":
        if dt is None:
            raise ValueError(f"dt (the largest step) is required for method={method!r}")
        check_positive(dt, "dt")
    support = p > 0
    problem = _Problem(functional, w, support)
    log_coords = coordinates == "log"
    y0 = np.log(p[support]) if log_coords else p[support]
    rhs = problem.rhs_log if log_coords else problem.rhs_density
    success, message = True, f"reached t = {t[-1]:g}"
    try:
        if method == "dop853":
            sol = solve_ivp(rhs, (t[0], t[-1]), y0, method="DOP853", t_eval=t, rtol=rtol,
                            atol=atol)
            states, n_steps = list(sol.y.T), int(sol.nfev)
            if sol.status != 0:
                success, message = False, f"solve_ivp stopped: {sol.message}"
        else:
            states, n_steps = _fixed_step(rhs, y0, t, float(dt), method)
    except FloatingPointError as err:
        states, n_steps, success, message = [y0], 0, False, f"stopped: {err}"
    to_density = (lambda y: np.exp(y - np.max(y))) if log_coords else (lambda y: y)
    diag = [problem.diagnostics(to_density(y)) for y in states]
    dens = np.stack([d[0] for d in diag])
    values = None if functional.value is None else np.array([d[1] for d in diag])
    grads = np.array([d[2] for d in diag])
    converged = bool(success and grads[-1] < gtol)
    if success and converged:
        message += f"; stationary: gradient norm {grads[-1]:.2e} < gtol = {gtol:.1e}"
    elif success:
        message += f"; not yet stationary: gradient norm {grads[-1]:.2e} >= gtol = {gtol:.1e}"
    return FlowResult(t[: len(states)], dens, values, grads, success, converged, message,
                      n_steps)


def fisher_rao_flow(p0: ArrayLike, log_target: ArrayLike, times: ArrayLike,
                    weights: ArrayLike, **options: object) -> FlowResult:
    """Fisher–Rao gradient flow of :math:`KL(p\\,\\|\\,\\pi)` on a quadrature.

    .. math::

        \\partial_t p = -p\\left(\\log\\frac{p}{\\pi} - KL(p\\,\\|\\,\\pi)\\right),
        \\qquad p_t \\propto p_0^{\\,e^{-t}}\\,\\pi^{\\,1-e^{-t}},

    integrated numerically (:func:`fisher_rao_gradient_flow`, log-density coordinates,
    adaptive DOP853 by default); :func:`kl_flow_solution` is the closed form. KL decays
    exponentially: :math:`KL(p_t\\|\\pi) \\sim \\tfrac12 e^{-2t}\\,
    \\operatorname{Var}_\\pi[\\log(p_0/\\pi)]` as t grows.

    Parameters
    ----------
    p0 : array-like, shape=grid_shape
        Initial density on the grid nodes.
    log_target : array-like, shape=grid_shape
        Unnormalized :math:`\\log\\pi` on the grid.
    times : array-like, shape=[T]
        Strictly increasing output times, ``times[0]`` the start.
    weights : array-like, shape=grid_shape
        Positive quadrature weights.
    **options
        Passed to :func:`fisher_rao_gradient_flow` (``method``, ``coordinates``, ``dt``,
        ``rtol``, ``atol``, ``gtol``).

    Returns
    -------
    FlowResult
        ``values`` holds :math:`KL(p_t\\|\\pi)`.

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> x = np.linspace(-10, 10, 801); w = ig.nonparametric.grid_weights(x)
    >>> res = ig.nonparametric.fisher_rao_flow(np.exp(-(x - 2)**2 / 2), -x**2 / 2,
    ...                                        [0.0, 1.0, 5.0], w)
    >>> res.success, bool(res.values[-1] < 1e-3 * res.values[0])
    (True, True)
    """
    w = check_weights(weights)
    log_pi = check_log_density(log_target, w, "log_target")
    if np.any((check_density(p0, w, "p0") > 0) & (log_pi == -np.inf)):
        raise ValueError("log_target must be finite where p0 > 0 (KL(p||pi) is infinite when "
                         "p has mass where the target has none)")
    return fisher_rao_gradient_flow(p0, kl_functional(log_pi, w), times, w,
                                    **options)  # type: ignore[arg-type]


def kl_flow_solution(p0: ArrayLike, log_target: ArrayLike, times: ArrayLike,
                     weights: ArrayLike) -> NDArray:
    """Closed form of the Fisher–Rao flow of :math:`KL(p\\|\\pi)`, shape ``[T, *grid_shape]``.

    .. math::

        \\log p_t = e^{-(t-t_0)}\\log p_0 + \\left(1 - e^{-(t-t_0)}\\right)\\log\\pi - \\log Z_t

    (zero outside the support of :math:`p_0`), computed in log space.
    """
    w = check_weights(weights)
    p = check_density(p0, w, "p0")
    log_pi = check_log_density(log_target, w, "log_target")
    t = check_times(times)
    decay = np.exp(-(t - t[0])).reshape((-1,) + (1,) * w.ndim)
    with np.errstate(divide="ignore"):
        log_p = np.where(p > 0, decay * np.log(p) + (1 - decay) * log_pi, -np.inf)
    top = np.max(log_p, axis=tuple(range(1, w.ndim + 1)), keepdims=True)
    dens = np.exp(log_p - top)
    return dens / integrate(dens, w).reshape((-1,) + (1,) * w.ndim)
