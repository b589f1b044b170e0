"""A generic exponential family, given by its log-partition function.

.. math::

    p(x\\mid\\theta) = h(x)\\exp\\left(\\theta\\cdot T(x) - \\psi(\\theta)\\right), \\qquad
    I(\\theta) = \\nabla^2\\psi(\\theta), \\qquad T_{ijk} = \\partial_i\\partial_j\\partial_k\\psi,

    \\eta = \\nabla\\psi(\\theta), \\qquad
    KL(p_\\theta \\| p_{\\theta'}) = \\psi(\\theta') - \\psi(\\theta)
    - \\nabla\\psi(\\theta)\\cdot(\\theta' - \\theta).

Sources: Amari & Nagaoka, *Methods of Information Geometry* (2000), §2.3 and §3.5;
REFERENCE.md (exponential families).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_points
from ._divergences import clip_nonnegative
from .base import StatisticalManifold
from .charts import Chart, identity_chart, numeric_jacobian
from .declarations import ParameterBlock
from .geodesic_solvers import (
    GeodesicIntegrationError,
    ShootingResult,
    integrate_geodesic,
    shoot_log,
)

__all__ = ["ExponentialFamily", "InversionResult"]

ArrayFn = Callable[[NDArray], NDArray]

#: relative steps of the nested central differences for ∇ψ, ∇²ψ, ∇³ψ: each level
#: divides the round-off of the level below by h, so higher levels take larger steps
#: (O(h⁴) truncation ≈ 1e-12, 1e-11, 1e-10; round-off ≈ 1e-13, 1e-10, 1e-8)
_REL_STEPS = (1e-3, 2e-3, 3e-3)


def _jacobian(func: ArrayFn, y: NDArray, rel_step: float) -> NDArray:
    """``numeric_jacobian`` with steps ∝ max(|y|, 1), not ∝ |y|, so a coordinate at 0
    gets a usable step: differentiate ``u -> func(u − s)`` at ``u = y + s``, |y + s| >= 1."""
    shift = np.where(y >= 0, 1.0, -1.0)
    return numeric_jacobian(lambda u: func(u - shift), y + shift, rel_step=rel_step)


@dataclass(frozen=True)
class InversionResult:
    """Outcome of :meth:`ExponentialFamily.natural_from_expectation`.

    Attributes
    ----------
    natural : ndarray, shape=[..., dim]
        The natural parameters found (the last iterate where not converged).
    converged : ndarray of bool, shape=[...]
    residual : ndarray, shape=[...]
        :math:`\\max_i |\\partial_i\\psi(\\theta) - \\eta_i|` at the last iterate.
    n_iter : int
    message : str
    """

    natural: NDArray
    converged: NDArray
    residual: NDArray
    n_iter: int
    message: str

    @property
    def success(self) -> bool:
        """True if every point converged."""
        return bool(np.all(self.converged))


class ExponentialFamily(StatisticalManifold):
    r"""Exponential family from its log-partition ψ; base chart ``"natural"`` (θ).

    .. math::

        \log p(x\mid\theta) = \theta\cdot T(x) - \psi(\theta) + \log h(x), \qquad
        s(x) = T(x) - \nabla\psi(\theta), \qquad
        \Gamma^k_{ij} = \tfrac12 g^{kl}\,\partial_i\partial_j\partial_l\psi.

    The e-connection (α = 1) vanishes in θ and the m-connection (α = −1) in the
    ``"expectation"`` chart :math:`\eta = \nabla\psi(\theta)`, whose inverse map is a
    damped Newton solve (:meth:`natural_from_expectation`). Geodesics, ``log`` and the
    distance use the generic ODE and shooting machinery.

    Parameters
    ----------
    log_partition : callable
        ``θ [..., dim] -> ψ(θ) [...]``.
    dim : int
        Number of natural parameters.
    sufficient_statistic : callable
        ``x [..., *event_shape] -> T(x) [..., dim]``.
    log_base_measure : callable, optional
        ``x -> log h(x) [...]``; 0 if omitted.
    gradient, hessian, third_derivative : callable, optional
        ``∇ψ [..., dim]``, ``∇²ψ [..., dim, dim]``, ``∇³ψ [..., dim, dim, dim]``; each
        missing one is the central-difference Jacobian of the one below it (accuracy
        ≈ 1e-11, 1e-9 and 1e-7 relative when all are numeric, for ψ that varies on the
        scale ``max(|θ|, 1)``; too noisy for geodesics at the ODE tolerance: give closed
        forms when you need exp, log or dist).
    sampler : callable, optional
        ``(θ [..., dim], n, rng) -> x [n, ..., *event_shape]``.
    domain : callable, optional
        ``θ -> bool [...]``, True inside the natural parameter domain; points where ψ is
        not finite are outside as well.
    support : callable, optional
        ``x -> bool [...]``, True where x is in the support.
    support_interval : (float, float), optional
        ``(low, high)`` of scalar data (infinite ends allowed), returned by
        :meth:`support` for quadrature over the data.
    random_natural : callable, optional
        ``(rng, size) -> θ [*size, dim]`` for ``random_point``.
    reference_point : array-like, optional
        Starting point of the Newton inversion η → θ; zeros by default.
    parameters : tuple of ParameterBlock, optional
        Declared natural parameters (typical and edge ranges) for random points and the
        edge tests; the domain itself is always ``domain`` and the finiteness of ψ.
    event_shape : tuple of int
    discrete : bool
    name : str
        Used in messages and ``repr``.
    chart : str, optional
        ``"natural"`` (default) or ``"expectation"``.
    """

    #: budget of right-hand-side evaluations of one geodesic integration
    geodesic_max_evals: int = 5_000

    def __init__(self, log_partition: ArrayFn, dim: int, sufficient_statistic: ArrayFn,
                 log_base_measure: ArrayFn | None = None, *,
                 gradient: ArrayFn | None = None, hessian: ArrayFn | None = None,
                 third_derivative: ArrayFn | None = None,
                 sampler: Callable[[NDArray, int, np.random.Generator], NDArray] | None = None,
                 domain: Callable[[NDArray], NDArray] | None = None,
                 support: Callable[[NDArray], NDArray] | None = None,
                 support_interval: tuple[float, float] | None = None,
                 random_natural: Callable[[np.random.Generator, tuple[int, ...]], NDArray]
                 | None = None,
                 reference_point: ArrayLike | None = None, event_shape: tuple[int, ...] = (),
                 discrete: bool = False, name: str = "ExponentialFamily",
                 chart: str | None = None,
                 parameters: tuple[ParameterBlock, ...] | None = None) -> None:
        for arg, value in (("log_partition", log_partition),
                           ("sufficient_statistic", sufficient_statistic)):
            if not callable(value):
                raise TypeError(f"{arg} must be callable, got {type(value).__name__}")
        if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        self.dim, self.name = int(dim), name
        self.event_shape, self.discrete = tuple(event_shape), bool(discrete)
        self._psi, self._stat = log_partition, sufficient_statistic
        self._log_h = log_base_measure
        self._sampler, self._domain, self._support = sampler, domain, support
        self._support_interval = support_interval
        self._random_natural = random_natural
        if parameters is not None:
            if sum(block.size for block in parameters) != self.dim:
                raise ValueError(f"parameters must declare {self.dim} coordinates, got "
                                 f"{sum(block.size for block in parameters)}")
            self.parameters = tuple(parameters)
        step1, step2, step3 = _REL_STEPS
        self._grad = gradient or (lambda t: _jacobian(lambda u: self._psi(u)[..., None],
                                                      t, step1)[..., 0, :])
        self._hess = hessian or (lambda t: _symmetrize2(_jacobian(self._grad, t, step2)))
        self._third = third_derivative or (
            lambda t: _symmetrize3(_jacobian(self._hess, t, step3)))
        ref = np.zeros(self.dim) if reference_point is None else as_points(
            reference_point, self.dim, "reference_point")
        if not self._inside(ref):
            raise ValueError("reference_point must lie in the natural parameter domain "
                             f"(zeros by default), got {ref!r}")
        self._reference = ref
        super().__init__(chart)

    def support(self, theta: ArrayLike) -> tuple[float, float]:
        """``(low, high)`` of the data (the same at every ``theta``), if it was given."""
        self._to_base(theta)
        if self._support_interval is None:
            raise ValueError(f"{self.name} was built without support_interval=(low, high)")
        low, high = self._support_interval
        return float(low), float(high)

    # ------------------------------------------------------------------ charts
    def _charts(self) -> list[Chart]:
        return [
            identity_chart("natural", tuple(f"theta_{i}" for i in range(self.dim))),
            Chart("expectation", tuple(f"eta_{i}" for i in range(self.dim)),
                  to_base=self._natural_or_raise, from_base=lambda t: self._grad(t),
                  jacobian=lambda e: np.linalg.inv(self._hess(self._natural_or_raise(e))),
                  second=self._expectation_second),
        ]

    def _expectation_second(self, eta: NDArray) -> NDArray:
        r""":math:`\partial^2\theta^k/\partial\eta_i\partial\eta_j = -J^k{}_a T_{abc}
        J^b{}_i J^c{}_j` with :math:`J = (\nabla^2\psi)^{-1}`, :math:`T = \nabla^3\psi`
        (differentiate :math:`J = H^{-1}`: :math:`dJ = -J\,dH\,J`)."""
        theta = self._natural_or_raise(eta)
        jac = np.linalg.inv(self._hess(theta))
        return -np.einsum("...ka,...abc,...bi,...cj->...kij", jac, self._third(theta), jac,
                          jac)

    def _inside(self, theta: NDArray) -> NDArray:
        with np.errstate(all="ignore"):
            ok = np.isfinite(self._psi(theta))
        if self._domain is not None:
            ok = ok & np.asarray(self._domain(theta), dtype=bool)
        return ok

    def _check_base(self, x: NDArray, name: str) -> None:
        bad = ~self._inside(x)
        if np.any(bad):
            first = x[np.broadcast_to(bad, x.shape[:-1])][0]
            raise ValueError(f"{name} must lie in the natural parameter domain of "
                             f"{self.name}, got {first!r}")

    def _check_data(self, data: NDArray, name: str) -> None:
        if self._support is not None:
            bad = ~np.asarray(self._support(data), dtype=bool)
            if np.any(bad):
                # bad is [...] over observations; data[bad][0] is one observation
                raise ValueError(f"{name} must lie in the support of {self.name}, "
                                 f"got {np.asarray(data[bad][0]).tolist()!r}")

    @classmethod
    def registry_examples(cls) -> dict[str, Callable[[], StatisticalManifold]]:
        """A generic exponential family needs its ψ: the registry runs the Poisson one."""
        from .exponential_family_examples import poisson_exponential_family

        return {"exponential_family_poisson": poisson_exponential_family}

    def _random_base_point(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        if self._random_natural is None:
            return super()._random_base_point(rng, size)
        return np.asarray(self._random_natural(rng, size), dtype=float)

    # ------------------------------------------------------------------ potentials
    def log_partition(self, natural: ArrayLike) -> NDArray:
        """ψ(θ) at natural parameters ``natural`` ``[..., dim]`` (whatever the chart)."""
        theta = as_points(natural, self.dim, "natural")
        self._check_base(theta, "natural")
        return self._psi(theta)

    def dual_potential(self, expectation: ArrayLike) -> NDArray:
        r"""Legendre conjugate of ψ at expectation parameters ``[..., dim]``.

        .. math::

            \varphi(\eta) = \theta\cdot\eta - \psi(\theta), \qquad
            \eta = \nabla\psi(\theta), \qquad \nabla\varphi(\eta) = \theta.
        """
        eta = as_points(expectation, self.dim, "expectation")
        theta = self._natural_or_raise(eta)
        return np.sum(theta * eta, axis=-1) - self._psi(theta)

    def natural_from_expectation(self, expectation: ArrayLike, tol: float = 1e-12,
                                 max_iter: int = 100) -> InversionResult:
        r"""Solve :math:`\nabla\psi(\theta) = \eta` by damped Newton (never raises).

        Newton on the convex objective :math:`f(\theta) = \psi(\theta) - \eta\cdot\theta`:
        the step :math:`-(\nabla^2\psi)^{-1}(\nabla\psi - \eta)` is halved until it stays
        in the domain and decreases f or the residual. Converged when
        :math:`\max_i|\partial_i\psi - \eta_i| \le` ``tol`` · ``(1 + max |η|)``.
        """
        eta = as_points(expectation, self.dim, "expectation")
        theta = np.broadcast_to(self._reference, eta.shape).copy()
        scale = tol * (1.0 + np.max(np.abs(eta), axis=-1))
        message = "converged"
        # Iterates may run far out when eta has no preimage; over/underflow there is
        # caught by the finiteness checks and reported, not warned about.
        with np.errstate(all="ignore"):
            for n_iter in range(max_iter + 1):  # noqa: B007 - reported after the loop
                grad = self._grad(theta) - eta
                residual = np.max(np.abs(grad), axis=-1)
                done = residual <= scale
                if np.all(done):
                    break
                if n_iter == max_iter:
                    message = (f"no convergence after {max_iter} Newton iterations (eta may "
                               "be outside the interior of the expectation-parameter domain)")
                    break
                step = _newton_step(self._hess(theta), grad)
                step[done] = 0.0
                factor = self._backtrack(theta, step, eta, residual, ~done)
                if np.all(factor[~done] == 0.0):
                    message = "the damped Newton step could not decrease the objective"
                    break
                theta = theta + factor[..., None] * step
        residual = np.where(np.isfinite(residual), residual, np.inf)
        return InversionResult(theta, done, residual, n_iter, message)

    def _backtrack(self, theta: NDArray, step: NDArray, eta: NDArray, residual: NDArray,
                   active: NDArray) -> NDArray:
        """Per-point step factors 1, 1/2, 1/4, ... (0 if none of 60 halvings works)."""
        with np.errstate(all="ignore"):
            f0 = self._psi(theta) - np.sum(eta * theta, axis=-1)
        factor = np.ones(theta.shape[:-1])
        accepted = ~active
        for _ in range(60):
            trial = theta + factor[..., None] * step
            inside = self._inside(trial)
            safe = np.where(inside[..., None], trial, theta)
            with np.errstate(all="ignore"):
                f1 = self._psi(safe) - np.sum(eta * safe, axis=-1)
                res1 = np.max(np.abs(self._grad(safe) - eta), axis=-1)
            ok = inside & ((f1 < f0) | (res1 < residual))
            accepted = accepted | ok
            if np.all(accepted):
                break
            factor = np.where(accepted, factor, 0.5 * factor)
        return np.where(accepted & active, factor, np.where(active, 0.0, 1.0))

    def _natural_or_raise(self, eta: NDArray) -> NDArray:
        result = self.natural_from_expectation(eta)
        if not result.success:
            bad = ~np.broadcast_to(result.converged, eta.shape[:-1])
            raise ValueError(
                f"expectation parameters eta = {eta[bad][0]!r} could not be mapped to "
                f"natural parameters of {self.name}: {result.message} (residual "
                f"{np.max(result.residual):.3g})")
        return result.natural

    # ------------------------------------------------------------------ geometry
    def _metric(self, x: NDArray) -> NDArray:
        return self._hess(x)

    def _skewness(self, x: NDArray) -> NDArray:
        return self._third(x)

    def _christoffels(self, x: NDArray) -> NDArray:
        # Γ_ij,l = ½ ∂_i∂_j∂_l ψ in natural coordinates (the metric is a Hessian)
        return 0.5 * np.einsum("...kl,...ijl->...kij", np.linalg.inv(self._hess(x)),
                               self._third(x))

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        # The generic geodesic ODE, with a smaller budget than the default 50 000
        # right-hand sides: geodesics inside the domain need a few hundred, while trial
        # velocities of the shooting Newton that run off towards the boundary would
        # otherwise spend the whole budget before failing.
        flat_x, flat_v = x.reshape(-1, self.dim), v.reshape(-1, self.dim)
        end, _ = integrate_geodesic(self._christoffels, flat_x, flat_v, np.array([1.0]),
                                    in_domain=self._in_domain,
                                    max_evals=self.geodesic_max_evals)
        return end[:, 0, :].reshape(x.shape)

    def _shoot(self, y: NDArray, x: NDArray, tol: float = 1e-10,
               max_iter: int = 50) -> ShootingResult:
        # First guess: the mean of the e-geodesic velocity y − x and the m-geodesic
        # velocity g⁻¹(η_y − η_x); both are δ + ½Γ^(±1)(δ, δ) + O(δ³), and Γ^(0) is their
        # mean, so the guess is third-order accurate. Far away it can still shoot the
        # geodesic out of the domain, where Newton cannot start: halve it until it exists.
        flat_x, flat_y = x.reshape(-1, self.dim), y.reshape(-1, self.dim)
        m_velocity = np.linalg.solve(self._hess(flat_x),
                                     (self._grad(flat_y) - self._grad(flat_x))[..., None])
        v = 0.5 * (flat_y - flat_x + m_velocity[..., 0])
        for _ in range(40):
            ok = self._exp_exists(v, flat_x)
            if np.all(ok):
                break
            v[~ok] *= 0.5
        res = shoot_log(self._exp, flat_x, flat_y, v_init=v, tol=tol, max_iter=max_iter)
        return ShootingResult(res.tangent_vec.reshape(x.shape),
                              res.converged.reshape(x.shape[:-1]),
                              res.residual.reshape(x.shape[:-1]), res.n_iter, res.message)

    def _exp_exists(self, v: NDArray, x: NDArray) -> NDArray:
        """Per row of ``[B, dim]``: does the geodesic exist up to t = 1 inside the domain?"""
        def exists(vv: NDArray, xx: NDArray) -> bool:
            try:
                with np.errstate(all="ignore"):
                    return bool(np.all(np.isfinite(self._exp(vv, xx))))
            except (GeodesicIntegrationError, ValueError):
                return False

        if exists(v, x):
            return np.ones(len(x), dtype=bool)
        return np.array([exists(v[i:i + 1], x[i:i + 1]) for i in range(len(x))])

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        r"""Bregman divergence of ψ: ψ(θ_q) − ψ(θ_p) − ∇ψ(θ_p)·(θ_q − θ_p).

        Where the step is below 1e-4 relative (to max(|θ|, 1)) the closed form cancels;
        there its Taylor series :math:`\tfrac12\nabla^2\psi[\delta, \delta]
        + \tfrac16\nabla^3\psi[\delta, \delta, \delta]` is used (truncation ~1e-9
        relative, below the cancellation of the closed form).
        """
        delta = xq - xp
        direct = self._psi(xq) - self._psi(xp) - np.sum(self._grad(xp) * delta, axis=-1)
        near = np.max(np.abs(delta) / np.maximum(np.abs(xp), 1.0), axis=-1) < 1e-4
        if np.any(near):
            p, d = xp[near], delta[near]
            series = (0.5 * np.einsum("...i,...ij,...j->...", d, self._hess(p), d)
                      + np.einsum("...i,...j,...k,...ijk->...", d, d, d, self._third(p)) / 6)
            direct = np.array(direct, dtype=float, copy=True)
            direct[near] = series
        return clip_nonnegative(direct)

    # ------------------------------------------------------------------ statistics
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        log_h = 0.0 if self._log_h is None else self._log_h(data)
        return np.sum(x * self._stat(data), axis=-1) - self._psi(x) + log_h

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        return self._stat(data) - self._grad(x)

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        hess = -self._hess(x)
        batch = np.broadcast_shapes(data.shape[:data.ndim - len(self.event_shape)],
                                    x.shape[:-1])
        return np.broadcast_to(hess, batch + hess.shape[-2:])

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        if self._sampler is None:
            return super()._sample(x, n, rng)
        return self._sampler(x, n, rng)

    def __repr__(self) -> str:
        return f"ExponentialFamily(name={self.name!r}, dim={self.dim}, chart={self.chart.name!r})"


def _newton_step(hess: NDArray, grad: NDArray) -> NDArray:
    """:math:`-H^{-1} g` per point; zero where H is singular or not finite (no step)."""
    finite = np.all(np.isfinite(hess), axis=(-1, -2)) & np.all(np.isfinite(grad), axis=-1)
    safe_h = np.where(finite[..., None, None], hess, np.eye(hess.shape[-1]))
    safe_g = np.where(finite[..., None], grad, 0.0)
    try:
        step = -np.linalg.solve(safe_h, safe_g[..., None])[..., 0]
    except np.linalg.LinAlgError:
        step = -np.einsum("...ij,...j->...i", np.linalg.pinv(safe_h), safe_g)
    return np.where(finite[..., None] & np.isfinite(step), step, 0.0)


def _symmetrize2(h: NDArray) -> NDArray:
    return 0.5 * (h + np.swapaxes(h, -1, -2))


def _symmetrize3(t: NDArray) -> NDArray:
    perms = ("...ijk", "...ikj", "...jik", "...jki", "...kij", "...kji")
    return sum(np.einsum(f"{p}->...ijk", t) for p in perms) / 6.0
