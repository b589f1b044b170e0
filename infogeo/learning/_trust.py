"""Quadratic-model step rescaling and Levenberg–Marquardt damping shared by the curvature
preconditioners (K-FAC, exact natural gradient). Martens & Grosse (2015), §6.4–6.5."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._checks import check_in_interval
from .fisher import FisherStats, fisher_quadratic_form
from .kronecker import check_damping

__all__ = ["TrustConfig", "Previous", "lm_update", "make_trust_config", "rescale_direction",
           "adapted_damping", "remember"]


def vdot(a: Sequence[NDArray], b: Sequence[NDArray]) -> float:
    return float(sum(np.vdot(x, y) for x, y in zip(a, b, strict=True)))


def lm_update(damping: float, ratio: float, factor: float,
              thresholds: tuple[float, float] = (0.25, 0.75)) -> float:
    r"""Levenberg–Marquardt rule (Martens & Grosse 2015, §6.5):
    :math:`\lambda \leftarrow \lambda/\omega` if :math:`\rho < 1/4`,
    :math:`\lambda \leftarrow \omega\lambda` if :math:`\rho > 3/4`, with
    :math:`\omega` = ``factor`` in (0, 1). A non-finite ratio counts as a failure."""
    low, high = thresholds
    if not np.isfinite(ratio) or ratio < low:
        return damping / factor
    if ratio > high:
        return damping * factor
    return damping


class TrustConfig(NamedTuple):
    rescale: bool
    adapt_damping: bool
    lm_factor: float
    lm_thresholds: tuple[float, float]
    min_damping: float
    max_damping: float
    reduction: str


class Previous(NamedTuple):
    """What the next step needs to judge the step that was actually applied."""

    params: list
    grads: list
    value: float
    stats: FisherStats
    damping: float
    direction: list
    direction_quad: float | None


def make_trust_config(rescale: bool, adapt_damping: bool, lm_factor: float,
                      lm_thresholds: tuple[float, float], min_damping: float,
                      max_damping: float, reduction: str) -> TrustConfig:
    check_in_interval(lm_factor, "lm_factor", 0.0, 1.0)
    if not 0 < lm_thresholds[0] < lm_thresholds[1] < 1:
        raise ValueError(f"lm_thresholds must satisfy 0 < low < high < 1, got {lm_thresholds}")
    check_damping(min_damping, "min_damping")
    if not max_damping > min_damping:
        raise ValueError(f"max_damping must be > min_damping, got {max_damping!r}")
    return TrustConfig(bool(rescale), bool(adapt_damping), float(lm_factor),
                       tuple(lm_thresholds), float(min_damping), float(max_damping), reduction)


QuadFn = Callable[[Any, list], float]


def quadratic(stats: FisherStats, params: Any, directions: list, reduction: str,
              quad_fn: QuadFn | None) -> float:
    """:math:`\\Delta^\top F\\Delta` by ``quad_fn`` (exact) or from the statistics."""
    if quad_fn is not None:
        return float(quad_fn(params, directions))
    return fisher_quadratic_form(stats, directions, reduction)


def default_quad_fn(stats_fn: Any) -> QuadFn | None:
    """``stats_fn.__self__.fisher_quadratic_form`` when ``stats_fn`` is a bound method of
    an objective that has one (e.g. :meth:`NetworkObjective.stats`), else ``None``."""
    owner = getattr(stats_fn, "__self__", None)
    return getattr(owner, "fisher_quadratic_form", None)


def rescale_direction(stats: FisherStats, grads: list, u: list, damping: float,
                      reduction: str, quad_fn: QuadFn | None = None, params: Any = None
                      ) -> tuple[list, float]:
    r"""Scale ``u`` by :math:`\alpha^* = \nabla L^\top u / u^\top(F + \lambda I)u`, the
    minimiser of the quadratic model along ``-u``, with :math:`F` the Fisher of the whole
    batch (``quad_fn``, or else the statistics); returns the scaled direction and its
    :math:`u^\top F u`."""
    quad = quadratic(stats, params, u, reduction, quad_fn)
    curvature = quad + damping * vdot(u, u)
    if not curvature > 0:
        return u, quad
    alpha = vdot(grads, u) / curvature
    return [alpha * x for x in u], alpha**2 * quad


def adapted_damping(prev: Previous, params: list, value: float, damping: float,
                    cfg: TrustConfig, quad_fn: QuadFn | None = None) -> tuple[float, float]:
    r"""New damping and the reduction ratio :math:`\rho` of the step
    :math:`\delta = \theta_t - \theta_{t-1}`:

    .. math::

        \rho = \frac{L(\theta_t) - L(\theta_{t-1})}
                    {\nabla L^\top\delta + \tfrac12\delta^\top(F + \lambda I)\delta} .

    When :math:`\delta` is a multiple :math:`c\,u` of the previous direction (plain
    ``scale`` after the preconditioner) :math:`\delta^\top F\delta = c^2 u^\top F u` is
    reused instead of recomputed.
    """
    delta = [p - q for p, q in zip(params, prev.params, strict=True)]
    dd = vdot(delta, delta)
    quad = None
    if prev.direction_quad is not None:
        uu = vdot(prev.direction, prev.direction)
        c = vdot(delta, prev.direction) / uu if uu > 0 else 0.0
        resid = vdot(*(2 * [[d - c * u for d, u in zip(delta, prev.direction, strict=True)]]))
        if resid <= 1e-20 * max(dd, 1e-300):
            quad = c**2 * prev.direction_quad
    if quad is None:
        quad = quadratic(prev.stats, prev.params, delta, cfg.reduction, quad_fn)
    model = vdot(prev.grads, delta) + 0.5 * quad + 0.5 * prev.damping * dd
    # a model that predicts no decrease cannot be trusted at this damping
    ratio = (value - prev.value) / model if model < 0 else float("-inf")
    new = lm_update(damping, ratio, cfg.lm_factor, cfg.lm_thresholds)
    return float(np.clip(new, cfg.min_damping, cfg.max_damping)), float(ratio)


def remember(cfg: TrustConfig, params: Any, grads: list, value: float | None,
             stats: FisherStats, damping: float, u: list, quad: float | None
             ) -> Previous | None:
    if not cfg.adapt_damping or value is None:
        return None
    return Previous([np.array(p, dtype=float) for p in params], [np.array(g) for g in grads],
                    float(value), stats, damping, u, quad)
