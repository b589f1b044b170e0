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

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from .._checks import as_points
from ._divergences import clip_nonnegative
from ._newton import DampedNewton, NewtonResult, newton_solve
from .base import StatisticalManifold
from .charts import Chart, identity_chart, numeric_jacobian
from .declarations import REAL, Parameter, ParameterBlock
from .geodesic_flow import GeodesicFlow, hessian_christoffels

__all__ = ["ExponentialFamily", "InversionResult", "poisson_exponential_family"]

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


#: the result of :meth:`ExponentialFamily.natural_from_expectation`: the package's one
#: Newton result type (``.natural`` is the solution; ``residual`` is
#: :math:`\max_i |\partial_i\psi(\theta) - \eta_i| / (1 + \max_i |\eta_i|)`)
InversionResult = NewtonResult


class ExponentialFamily(StatisticalManifold):
    r"""Exponential family from its log-partition ψ; base chart ``"natural"`` (θ).

    .. math::

        \log p(x\mid\theta) = \theta\cdot T(x) - \psi(\theta) + \log h(x), \qquad
        s(x) = T(x) - \nabla\psi(\theta), \qquad
        \Gamma^k_{ij} = \tfrac12 g^{kl}\,\partial_i\partial_j\partial_l\psi.

    The e-connection (α = 1) vanishes in θ and the m-connection (α = −1) in the
    ``"expectation"`` chart :math:`\eta = \nabla\psi(\theta)`, whose inverse map is a
    damped Newton solve (:meth:`natural_from_expectation`). Geodesics, ``log`` and the
    distance use the geodesic engine of a Hessian metric
    (:meth:`~infogeo.manifolds.geodesic_flow.GeodesicFlow.from_hessian`; the fourth
    derivatives it needs for Jacobi fields are central differences of ∇³ψ).

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

    #: budget of right-hand-side evaluations of one geodesic integration (12 per step)
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

        The package's Newton loop on :math:`\nabla\psi(\theta) = \eta` with Jacobian
        :math:`\nabla^2\psi`: a step that leaves the domain or does not decrease
        :math:`\|\nabla\psi - \eta\|_2` (it does for small enough steps, ψ being convex)
        is halved back. Converged when :math:`\max_i|\partial_i\psi - \eta_i| \le`
        ``tol`` · ``(1 + max |η|)``.
        """
        eta = as_points(expectation, self.dim, "expectation")
        batch = eta.shape[:-1]
        flat = eta.reshape(-1, self.dim)
        scale = 1.0 + np.max(np.abs(flat), axis=-1)

        def evaluate(idx: NDArray, theta: NDArray, _rtol: NDArray):  # noqa: ANN202
            # iterates may run far out when eta has no preimage; over/underflow there is
            # caught by the finiteness checks and reported, not warned about
            with np.errstate(all="ignore"):
                inside = self._inside(theta)
                miss = self._grad(theta) - flat[idx]
                hess = self._hess(theta)
                merit = np.where(inside, np.linalg.norm(miss, axis=-1), np.inf)
            return -miss, hess, inside, merit, np.max(np.abs(miss), axis=-1) / scale[idx]

        start = np.broadcast_to(self._reference, flat.shape)
        newton = newton_solve(evaluate, DampedNewton(start, tol, max_iter))
        res = newton.result("the damped Newton inversion")
        message = res.message
        if message.startswith("no convergence"):
            message += " (eta may be outside the interior of the expectation-parameter domain)"
        elif not res.success:
            message = "the damped Newton step could not decrease the objective"
        return InversionResult(res.solution.reshape(eta.shape), res.converged.reshape(batch),
                               res.residual.reshape(batch), res.n_iter, message)

    def _natural_or_raise(self, eta: NDArray) -> NDArray:
        result = self.natural_from_expectation(eta)
        if not result.success:
            bad = ~np.broadcast_to(result.converged, eta.shape[:-1])
            raise ValueError(
                f"expectation parameters eta = {eta[bad][0]!r} could not be mapped to "
                f"natural parameters of {self.name}: {result.message} (relative residual "
                f"{np.max(result.residual):.3g})")
        return result.natural

    # ------------------------------------------------------------------ geometry
    def _metric(self, x: NDArray) -> NDArray:
        return self._hess(x)

    def _skewness(self, x: NDArray) -> NDArray:
        return self._third(x)

    def _christoffels(self, x: NDArray) -> NDArray:
        return hessian_christoffels(self._hess(x), self._third(x))

    def _jets(self, x: NDArray, order: int) -> tuple[NDArray, ...]:
        """∇²ψ, ∇³ψ (and ∇⁴ψ by central differences of ∇³ψ) at natural parameters stored
        components first, ``x [dim, m]``, as the geodesic engine wants them."""
        theta = x.T
        out = [np.moveaxis(self._hess(theta), 0, -1), np.moveaxis(self._third(theta), 0, -1)]
        if order >= 4:
            out.append(np.moveaxis(numeric_jacobian(self._third, theta), 0, -1))
        return tuple(out)

    def _geodesic_flow(self) -> GeodesicFlow:
        flow = self.__dict__.get("_engine")
        if flow is None:
            flow = GeodesicFlow.from_hessian(
                self._jets, self.dim, valid=lambda x: self._inside(x.T),
                initial_velocity=self._initial_velocity)
            self.__dict__["_engine"] = flow
        return flow

    def _initial_velocity(self, x: NDArray, y: NDArray) -> NDArray:
        """The mean of the e-geodesic velocity y − x and the m-geodesic velocity
        g⁻¹(η_y − η_x): both are δ + ½Γ^(±1)(δ, δ) + O(δ³) and Γ^(0) is their mean, so the
        start is third-order accurate."""
        with np.errstate(all="ignore"):
            m_velocity = np.linalg.solve(self._hess(x), (self._grad(y) - self._grad(x))[..., None])
        v = 0.5 * (y - x + m_velocity[..., 0])
        return np.where(np.all(np.isfinite(v), axis=-1, keepdims=True), v, y - x)

    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        return self._geodesic_flow().exp(v, x, max_steps=max(1, self.geodesic_max_evals // 12))

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


def _symmetrize2(h: NDArray) -> NDArray:
    return 0.5 * (h + np.swapaxes(h, -1, -2))


def _symmetrize3(t: NDArray) -> NDArray:
    perms = ("...ijk", "...ikj", "...jik", "...jki", "...kij", "...kji")
    return sum(np.einsum(f"{p}->...ijk", t) for p in perms) / 6.0


def poisson_exponential_family(closed_form_derivatives: bool = True) -> ExponentialFamily:
    r"""Poisson as a generic exponential family: ψ(θ) = e^θ, T(x) = x, h(x) = 1/x!.

    It mirrors ``Poisson(chart="natural")``. With ``closed_form_derivatives=False`` only ψ
    is given and every derivative is numeric (good to ~1e-8 for ∇³ψ: enough for the
    metric, connections and KL, too noisy for geodesics at the ODE tolerance).
    """
    def derivative(t: NDArray, rank: int) -> NDArray:
        return np.exp(t[..., 0]).reshape(t.shape[:-1] + (1,) * rank)

    closed = closed_form_derivatives
    return ExponentialFamily(
        lambda t: np.exp(t[..., 0]), 1, lambda x: np.asarray(x, dtype=float)[..., None],
        lambda x: -gammaln(x + 1.0),
        gradient=(lambda t: derivative(t, 1)) if closed else None,
        hessian=(lambda t: derivative(t, 2)) if closed else None,
        third_derivative=(lambda t: derivative(t, 3)) if closed else None,
        sampler=lambda t, n, rng: rng.poisson(np.exp(t[..., 0]), size=(n,) + t.shape[:-1]),
        support=lambda x: (x >= 0) & (x == np.round(x)),
        support_interval=(0.0, np.inf),
        random_natural=lambda rng, size: rng.uniform(-1.0, 2.5, size)[..., None],
        # θ = log λ with λ from 1e-8 to 1e8
        parameters=(Parameter("theta", REAL, typical=(-1.0, 2.5), edges=(-18.4, 18.4),
                              coordinates=("theta_0",)),),
        discrete=True, name="Poisson (log-partition e^theta)")
