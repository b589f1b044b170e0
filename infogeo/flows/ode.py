"""The continuous Fisher (natural-gradient) flow, integrated with ``scipy.integrate.solve_ivp``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import OdeSolver, solve_ivp

from .._checks import as_finite_array, check_positive
from .damping import check_damping
from .descent import check_start, domain_check
from .loop import central_difference_gradient, check_loss_target
from .preconditioners import SingularCurvatureError, as_solver
from .protocols import MetricManifold
from .trajectory import Trajectory

__all__ = ["fisher_flow", "natural_gradient_field", "ODE_METHODS"]

#: the ``solve_ivp`` methods accepted by name
ODE_METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")

GradFn = Callable[[NDArray], NDArray]


def natural_gradient_field(manifold: MetricManifold, loss_grad: GradFn,
                           damping: float = 0.0) -> GradFn:
    """The vector field :math:`\\theta \\mapsto -(I(\\theta) + \\lambda)^{-1}\\nabla L(\\theta)`."""
    solve = as_solver(manifold)
    damping = check_damping(damping)

    def field(theta: NDArray) -> NDArray:
        return -solve(theta, np.asarray(loss_grad(theta), dtype=float), damping)

    return field


def _is_point(value: Any) -> bool:
    return value is not None and not callable(value)


def _arguments(args: tuple, options: dict) -> tuple[Any, Any, Any, Any]:
    """``(loss, loss_grad, theta0, t_span)`` from either accepted order.

    ``(loss, loss_grad, theta0, t_span)`` is the order of the descent drivers;
    ``(loss_grad, theta0, t_span, loss=None)`` is the form the design contract
    (``fisher_flow(N, loss_grad, theta0, t_span=...)``) promises, detected by a point,
    not a callable, in the second place. Both stay supported without a warning: outside
    code relies on the second one."""
    if len(args) >= 2 and _is_point(args[1]):
        names = ("loss_grad", "theta0", "t_span", "loss", "rtol", "atol")
    else:
        names = ("loss", "loss_grad", "theta0", "t_span", "rtol", "atol")
    if len(args) > len(names):
        raise TypeError(f"fisher_flow takes at most {len(names) + 1} positional arguments")
    for name, value in zip(names, args, strict=False):
        if name in options:
            raise TypeError(f"fisher_flow got multiple values for argument {name!r}")
        options[name] = value
    for name in ("theta0", "t_span"):
        if name not in options:
            raise TypeError(f"fisher_flow missing required argument {name!r}")
    return (options.pop("loss", None), options.pop("loss_grad", None),
            options.pop("theta0"), options.pop("t_span"))


def _check_t_span(t_span: Any) -> tuple[float, float]:
    span = as_finite_array(t_span, "t_span")
    if span.shape != (2,):
        raise ValueError(f"t_span must be (t0, t1), two numbers, got {t_span!r}")
    t0, t1 = float(span[0]), float(span[1])
    if not t1 > t0:
        raise ValueError(f"t_span must be (t0, t1) with t1 > t0, got {t_span!r}")
    return t0, t1


def _check_t_eval(t_eval: Any, t0: float, t1: float) -> NDArray | None:
    if t_eval is None:
        return None
    times = as_finite_array(t_eval, "t_eval")
    if times.ndim != 1:
        raise ValueError(f"t_eval must be a 1-D array of times, got shape {times.shape}")
    if np.any(times < t0) or np.any(times > t1):
        raise ValueError(f"t_eval must lie within t_span [{t0:g}, {t1:g}], got values from "
                         f"{times.min():g} to {times.max():g}")
    return np.sort(times)


def _check_method(method: Any) -> Any:
    if isinstance(method, str) and method in ODE_METHODS:
        return method
    if isinstance(method, type) and issubclass(method, OdeSolver):
        return method
    raise ValueError(f"method must be one of {ODE_METHODS} or a scipy OdeSolver subclass, "
                     f"got {method!r}")


def fisher_flow(manifold: MetricManifold, *args: Any, **options: Any) -> Trajectory:
    """Integrate the Fisher flow in the current chart of ``manifold``.

    Call as ``fisher_flow(manifold, loss, loss_grad, theta0, t_span, **options)`` — the
    argument order of :func:`~infogeo.flows.natural_gradient_descent`. The gradient-first
    form ``fisher_flow(manifold, loss_grad, theta0, t_span, loss=None)`` (the package's
    original signature) is accepted as well.

    .. math::

        \\frac{d\\theta}{dt} = -I(\\theta)^{-1}\\nabla L(\\theta), \\qquad
        \\frac{dL}{dt} = -\\nabla L^\\top I^{-1}\\nabla L \\le 0 .

    Two terminal events stop the integration: convergence, when the natural-gradient norm
    :math:`\\|\\nabla L\\|_{I^{-1}} = \\sqrt{\\nabla L^\\top I^{-1}\\nabla L}` falls to
    ``gtol``, and the boundary of the parameter domain (the sign of the manifold's
    validation along the dense output). Stages that leave the domain are rejected by the
    step-size control (the field is NaN there), so accepted points are always valid; a
    flow that runs into the boundary ends with the solver's step-size failure as reason.

    Parameters
    ----------
    manifold : StatisticalManifold
    loss : callable or None
        :math:`L`, ``[dim] -> float``: recorded at the output points, and differentiated
        by central differences when ``loss_grad`` is None.
    loss_grad : callable or None
        :math:`\\nabla L` in the manifold's current chart, ``[dim] -> [dim]``.
    theta0 : array-like, shape=[dim]
    t_span : (float, float)
        Integration interval, ``t0 < t1``.
    rtol, atol : float
        Tolerances of ``solve_ivp``.
    method : str or OdeSolver subclass
        ``solve_ivp`` method, one of :data:`ODE_METHODS`.
    t_eval : array-like, optional
        Output times within ``t_span`` (only those reached are returned); the solver's
        own steps if omitted. Dense output is always kept.
    gtol : float
        Convergence threshold for the natural-gradient norm (0 disables the event).
    damping : float
        Tikhonov damping of the metric, >= 0.
    max_step : float
        Largest solver step, > 0.
    loss_target : float, optional
        A third terminal event: stop (converged) once ``loss`` falls to this value.

    Returns
    -------
    Trajectory
        ``times`` are flow times; ``dense(t)`` evaluates the solution anywhere in the
        integrated interval.
    """
    loss, loss_grad, theta0, t_span = _arguments(args, options)
    return _integrate(manifold, loss, loss_grad, theta0, t_span, **options)


def _integrate(manifold: MetricManifold, loss: Callable[[NDArray], float] | None,
               loss_grad: GradFn | None, theta0: ArrayLike, t_span: Any,
               rtol: float = 1e-8, atol: float = 1e-10, *, method: Any = "RK45",
               t_eval: ArrayLike | None = None, gtol: float = 1e-10, damping: float = 0.0,
               max_step: float = np.inf, loss_target: float | None = None) -> Trajectory:
    check_positive(rtol, "rtol")
    check_positive(atol, "atol")
    check_positive(gtol, "gtol", strict=False)
    check_positive(max_step, "max_step")
    damping = check_damping(damping)
    method = _check_method(method)
    loss_target = check_loss_target(loss_target)
    t0, t1 = _check_t_span(t_span)
    t_out = _check_t_eval(t_eval, t0, t1)
    if loss is not None and not callable(loss):
        raise TypeError(f"loss must be callable or None, got {type(loss).__name__}")
    if loss_grad is None:
        if loss is None:
            raise TypeError("fisher_flow needs loss_grad, or loss to differentiate")
        objective = loss

        def loss_grad(theta: NDArray) -> NDArray:
            return central_difference_gradient(objective, theta)
    elif not callable(loss_grad):
        raise TypeError(f"loss_grad must be callable or None, got {type(loss_grad).__name__}")
    inside = domain_check(manifold)
    theta, _ = check_start(loss_grad, theta0, inside)
    field = natural_gradient_field(manifold, loss_grad, damping)
    field(theta)  # raises SingularCurvatureError at the start rather than mid-run

    def rhs(_t: float, y: NDArray) -> NDArray:
        if not inside(y):
            return np.full_like(y, np.nan)  # rejected by the error control
        try:
            return field(y)
        except SingularCurvatureError:
            return np.full_like(y, np.nan)

    def natural_norm(y: NDArray) -> float:
        return float(np.sqrt(max(-np.dot(np.asarray(loss_grad(y), dtype=float), field(y)), 0.0)))

    def converged_event(_t: float, y: NDArray) -> float:
        if not inside(y):
            return 1.0
        try:
            return natural_norm(y) - gtol
        except SingularCurvatureError:
            return 1.0

    def boundary_event(_t: float, y: NDArray) -> float:
        return 1.0 if inside(y) else -1.0

    if loss_target is not None and loss is None:
        raise ValueError("loss_target needs loss= (the loss to compare with the target)")
    target_loss, target = loss, float("nan") if loss_target is None else float(loss_target)

    def target_event(_t: float, y: NDArray) -> float:
        if target_loss is None or not inside(y):
            return 1.0
        return float(target_loss(y)) - target
    for event in (converged_event, boundary_event, target_event):
        event.terminal = True  # type: ignore[attr-defined]
    # fixed positions 0, 1, 2 (a repeated boundary event stands in when gtol = 0)
    events = [boundary_event, converged_event if gtol > 0 else boundary_event]
    if loss_target is not None:
        events.append(target_event)
    if gtol > 0 and natural_norm(theta) <= gtol:
        return _result(manifold, loss_grad, loss, theta[None, :], np.array([t0]), None, True,
                       f"natural-gradient norm <= gtol={gtol:g} at the start", 0, "converged")
    if target_loss is not None and float(target_loss(theta)) <= target:
        return _result(manifold, loss_grad, loss, theta[None, :], np.array([t0]), None, True,
                       f"loss <= loss_target={loss_target:.10g} at the start", 0, "loss_target")
    with np.errstate(invalid="ignore", over="ignore"):
        sol = solve_ivp(rhs, (t0, t1), theta, method=method, t_eval=t_out, rtol=rtol,
                        atol=atol, events=events, dense_output=True, max_step=max_step)
    hit_target = loss_target is not None and len(sol.t_events[2]) > 0
    converged = hit_target or (gtol > 0 and len(sol.t_events[1]) > 0)
    status = "domain"
    if hit_target:
        status = "loss_target"
        reason = f"loss reached loss_target={loss_target:.10g} at t={sol.t_events[2][0]:.6g}"
    elif converged:
        status = "converged"
        reason = f"natural-gradient norm reached gtol={gtol:g} at t={sol.t_events[1][0]:.6g}"
    elif len(sol.t_events[0]) > 0:
        reason = f"reached the boundary of the parameter domain at t={sol.t_events[0][0]:.6g}"
    elif sol.status == 0:
        status = "end_of_span"
        reason = f"reached the end of t_span at t={t1:g}"
    elif _heads_out(field, inside, _last_accepted(sol, theta), 1e-6 * (t1 - t0)):
        reason = (f"ran into the boundary of the parameter domain near t={sol.t[-1]:.6g} "
                  f"({sol.message})")
    else:
        status = "integration_failed"
        reason = f"integration failed (a singularity of the field?): {sol.message}"
    times, ys = sol.t, sol.y.T
    keep = np.all(np.isfinite(ys), axis=1) & np.array([inside(y) for y in ys], dtype=bool)
    times, ys = times[keep], ys[keep]
    if times.size == 0 or times[0] > t0:
        times, ys = np.concatenate([[t0], times]), np.vstack([theta, ys])
    n_steps = len(sol.sol.ts) - 1 if sol.sol is not None else 0
    return _result(manifold, loss_grad, loss, ys, times, sol.sol, converged, reason, n_steps,
                   status)


def _last_accepted(sol: Any, theta0: NDArray) -> NDArray:
    """The last point the solver accepted (``sol.y`` only holds the ``t_eval`` points)."""
    if sol.sol is not None and len(sol.sol.ts) > 1:
        return np.asarray(sol.sol(sol.sol.t_max), dtype=float)
    return sol.y[:, -1] if sol.y.size else theta0


def _heads_out(field: Callable[[NDArray], NDArray], inside: Callable[[NDArray], bool],
               y: NDArray, dt: float) -> bool:
    """Does a tiny Euler step from the last accepted point leave the domain?"""
    try:
        return not inside(y + dt * field(y))
    except (ValueError, SingularCurvatureError):
        return True


def _result(manifold: Any, loss_grad: Callable, loss: Callable | None, ys: NDArray,
            times: NDArray, ode_solution: Any, converged: bool, reason: str,
            n_iter: int, status: str) -> Trajectory:
    norms = np.array([np.linalg.norm(loss_grad(y)) for y in ys])
    losses = None if loss is None else np.array([float(loss(y)) for y in ys])
    dense = None
    if ode_solution is not None:
        def dense(t: ArrayLike) -> NDArray:
            out = ode_solution(np.asarray(t, dtype=float))
            return out if np.ndim(t) == 0 else out.T

    return Trajectory(params=ys, losses=losses, grad_norms=norms, step_sizes=np.diff(times),
                      times=times, converged=bool(converged), reason=reason, n_iter=n_iter,
                      dense=dense, chart=manifold.chart.name, status=status)
