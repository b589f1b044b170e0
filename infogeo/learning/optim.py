r"""K-FAC and baseline optimizers as :mod:`infogeo.flows` gradient transformations.

Every optimizer here is a :func:`~infogeo.flows.chain` of small pieces, so K-FAC is the
same code path as the baselines with a different preconditioner:

.. math::

    \text{K-FAC:}\;\; \Delta\theta_l = -\alpha\,(A_l\otimes G_l + \lambda I)^{-1}
    \nabla_{W_l} L, \qquad
    \text{momentum:}\;\; v \leftarrow \beta v + g,\;\Delta\theta = -\alpha v .

``kfac_precondition = chain(damping, kfac_curvature(stats_fn), precondition(),
[quadratic-model rescaling])`` — the same damping and preconditioner pieces as the
natural gradient of a manifold (:mod:`infogeo.flows`), with K-FAC published as the
curvature; ``kfac = chain(kfac_precondition(stats_fn, ...), scale(-lr))``;
``sgd_momentum = chain(trace(beta), scale(-lr))``; ``adam = chain(scale_by_adam(), scale(-lr))``.
Pieces accept (and ignore unless they need them) the keyword extras the flows drivers pass
(``value``, ``grad``, ``loss_fn``, ``grad_fn``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .._checks import check_in_interval, check_positive
from ..flows.damping import levenberg_marquardt_damping, lm_update, tikhonov
from ..flows.preconditioners import precondition
from ..flows.step_rules import quadratic_model_step
from ..flows.transforms import GradientTransformation, chain, scale, tree_map
from .curvature import (
    ExactFisherState,
    KFACState,
    exact_fisher_curvature,
    kfac_curvature,
    network_quadratic_form,
    objective_of,
)
from .fisher import FisherStats
from .kronecker import check_damping

__all__ = ["TraceState", "AdamState", "KFACState", "trace", "scale_by_adam",
           "kfac_precondition", "exact_natural_gradient_precondition", "sgd_momentum",
           "adam", "kfac", "lm_update", "NaturalGradientState", "add_decayed_weights",
           "kfac_curvature", "exact_fisher_curvature"]

StatsFn = Callable[[Any], FisherStats]


# ----------------------------------------------------------------------- baselines
class TraceState(NamedTuple):
    velocity: Any


def trace(decay: float = 0.9, nesterov: bool = False) -> GradientTransformation:
    r"""Heavy-ball momentum, :math:`v_{t} = \beta v_{t-1} + g_t` (output :math:`v_t`, or
    :math:`g_t + \beta v_t` with Nesterov)."""
    check_in_interval(decay, "decay", 0.0, 1.0, closed=(True, False))

    def init(params: Any) -> TraceState:
        return TraceState(tree_map(np.zeros_like, params))

    def update(grads: Any, state: TraceState, params: Any = None, **extra: Any
               ) -> tuple[Any, TraceState]:
        v = tree_map(lambda m, g: decay * m + g, state.velocity, grads)
        out = tree_map(lambda g, m: g + decay * m, grads, v) if nesterov else v
        return out, TraceState(v)

    return GradientTransformation(init, update)


class AdamState(NamedTuple):
    # "count" shadows tuple.count on purpose: the optax name of the step counter
    count: int  # type: ignore[assignment]
    mu: Any
    nu: Any


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
                  ) -> GradientTransformation:
    r"""Adam's rescaling (Kingma & Ba 2015), bias-corrected:

    .. math::

        m_t = b_1 m_{t-1} + (1-b_1) g,\quad v_t = b_2 v_{t-1} + (1-b_2) g^2,\quad
        u = \frac{m_t/(1-b_1^t)}{\sqrt{v_t/(1-b_2^t)} + \epsilon}.
    """
    check_in_interval(b1, "b1", 0.0, 1.0, closed=(True, False))
    check_in_interval(b2, "b2", 0.0, 1.0, closed=(True, False))
    check_positive(eps, "eps")

    def init(params: Any) -> AdamState:
        return AdamState(0, tree_map(np.zeros_like, params), tree_map(np.zeros_like, params))

    def update(grads: Any, state: AdamState, params: Any = None, **extra: Any
               ) -> tuple[Any, AdamState]:
        t = state.count + 1
        mu = tree_map(lambda m, g: b1 * m + (1 - b1) * g, state.mu, grads)
        nu = tree_map(lambda v, g: b2 * v + (1 - b2) * g**2, state.nu, grads)
        out = tree_map(lambda m, v: (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps),
                       mu, nu)
        return out, AdamState(t, mu, nu)

    return GradientTransformation(init, update)


def sgd_momentum(learning_rate: float, momentum: float = 0.9) -> GradientTransformation:
    """``chain(trace(momentum), scale(-learning_rate))``."""
    check_positive(learning_rate, "learning_rate")
    return chain(trace(momentum), scale(-learning_rate))


def adam(learning_rate: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
         ) -> GradientTransformation:
    """``chain(scale_by_adam(b1, b2, eps), scale(-learning_rate))``."""
    check_positive(learning_rate, "learning_rate")
    return chain(scale_by_adam(b1, b2, eps), scale(-learning_rate))


# ---------------------------------------------------------------------------- K-FAC
def add_decayed_weights(l2_reg: float) -> GradientTransformation:
    r"""Weight decay as a piece: :math:`g \leftarrow g + \lambda_2\theta`, and the extras
    ``value`` (:math:`+\tfrac{\lambda_2}2\lVert\theta\rVert^2`), ``grad`` and ``l2_reg``
    published to the pieces after it, so damping, preconditioner and quadratic model see
    the regularized objective and :math:`F + \lambda_2 I`. (A
    :class:`NetworkObjective` built with ``l2_reg`` folds it in itself.)"""
    l2 = check_damping(l2_reg, "l2_reg") if l2_reg else 0.0

    class State(NamedTuple):
        value: float | None
        grad: Any

    def update(grads: Any, state: Any, params: Any = None, **extra: Any) -> tuple[Any, Any]:
        out = tree_map(lambda g, p: g + l2 * p, grads, params)
        value = extra.get("value")
        if value is not None:
            value = float(value) + 0.5 * l2 * float(sum(np.vdot(p, p) for p in params))
        return out, State(value, out)

    def publish(state: Any) -> dict[str, Any]:
        return {"value": state.value, "grad": state.grad, "l2_reg": l2}

    return GradientTransformation(lambda params: State(None, None), update, publish)


def _damping_piece(damping: float, adapt_damping: bool, form: Any, lm_factor: float,
                   lm_thresholds: tuple[float, float], min_damping: float,
                   max_damping: float) -> GradientTransformation:
    if not adapt_damping:
        return tikhonov(damping)
    check_in_interval(lm_factor, "lm_factor", 0.0, 1.0)
    return levenberg_marquardt_damping(damping, quadratic_form=form, decay=lm_factor,
                                       thresholds=lm_thresholds, min_damping=min_damping,
                                       max_damping=max_damping, include_damping_in_model=True)


class _GradientState(NamedTuple):
    grad: Any


def _publish_gradient() -> GradientTransformation:
    """Publish the gradient entering the chain as the extra ``grad`` (for callers that
    call ``update`` without the driver's extras)."""
    return GradientTransformation(lambda params: _GradientState(None),
                                  lambda grads, state, params=None, **extra: (
                                      grads, _GradientState(grads)),
                                  lambda state: {"grad": state.grad})


def _with_l2(form: Any, l2: float) -> Any:
    """The Gram form of :math:`F + \\lambda_2 I` (what a damping piece before the
    curvature piece judges steps with)."""
    if not l2:
        return form

    def gram(params: Any, vectors: Any) -> Any:
        flat = [np.concatenate([np.ravel(x) for x in v]) for v in vectors]
        return np.asarray(form(params, vectors)) + l2 * np.array(
            [[a @ b for b in flat] for a in flat])

    return gram


def network_damping(stats_fn: Any, form: Any, damping: float, adapt_damping: bool,
                    interval: int, decay: float, min_damping: float, max_damping: float,
                    include_damping_in_model: bool) -> GradientTransformation:
    r"""The damping piece of a network optimizer: Levenberg–Marquardt adaptation judged by
    the network's quadratic model of :math:`F + \lambda_2 I` (the objective's weight
    decay), or fixed Tikhonov damping."""
    if not adapt_damping:
        return tikhonov(damping)
    l2 = float(getattr(objective_of(stats_fn), "l2_reg", 0.0) or 0.0)
    return levenberg_marquardt_damping(damping, quadratic_form=_with_l2(form, l2),
                                       interval=interval, decay=decay,
                                       min_damping=min_damping, max_damping=max_damping,
                                       include_damping_in_model=include_damping_in_model)


def _curvature_chain(curvature: GradientTransformation, stats_fn: Any, damping: float,
                     reduction: str, rescale: bool, adapt_damping: bool,
                     quadratic_form: Any, lm_factor: float,
                     lm_thresholds: tuple[float, float], min_damping: float,
                     max_damping: float) -> GradientTransformation:
    form = network_quadratic_form(stats_fn, reduction, quadratic_form)
    l2 = float(getattr(objective_of(stats_fn), "l2_reg", 0.0) or 0.0)
    damp = _damping_piece(damping, adapt_damping, _with_l2(form, l2), lm_factor,
                          lm_thresholds, min_damping, max_damping)
    pieces = [_publish_gradient(), damp,
              curvature, precondition(damping=None)]
    if rescale:
        # u <- alpha* u, the minimiser of the (damped) quadratic model along -u; returned
        # with the sign of the gradient, so scale(-lr) afterwards takes the step
        pieces += [quadratic_model_step(form, momentum=False, include_damping_in_model=True),
                   scale(-1.0)]
    return chain(*pieces)


def kfac_precondition(stats_fn: StatsFn, *, damping: float = 1e-3,
                      damping_mode: str = "tikhonov", ema_decay: float = 0.95,
                      inverse_every: int = 1, factor_subsample: int = 1,
                      reduction: str = "mean",
                      rescale: bool = True, adapt_damping: bool = False,
                      quadratic_form: Callable[[Any, list], float] | None = None,
                      lm_factor: float = 2 / 3,
                      lm_thresholds: tuple[float, float] = (0.25, 0.75),
                      min_damping: float = 1e-8, max_damping: float = 1e8
                      ) -> GradientTransformation:
    r"""Precondition each layer's gradient by its damped Kronecker-factored Fisher block:
    ``chain(damping, kfac_curvature(stats_fn, ...), precondition(), [rescale])``.

    .. math::

        U_l = (\bar A_l\otimes\bar G_l + \lambda I)^{-1} \nabla_{W_l} L

    (:func:`~infogeo.learning.kfac_curvature`). With ``rescale`` the direction is
    multiplied by the minimiser of the quadratic model along it, using the exact Fisher
    of the whole batch rather than its K-FAC approximation (Martens & Grosse 2015, §6.4;
    :func:`~infogeo.flows.quadratic_model_step`), so that ``scale(-1)`` afterwards takes
    the model-optimal step:

    .. math::

        u \leftarrow \alpha^* u,\qquad
        \alpha^* = \frac{\nabla L^\top u}{u^\top (F + \lambda I)\, u} .

    With ``adapt_damping`` the damping follows Levenberg–Marquardt on the reduction ratio
    of the step actually applied, every step with factor ``lm_factor``
    (:func:`~infogeo.flows.levenberg_marquardt_damping`, damping counted in the model);
    this needs the same data at consecutive steps (full batch, or a fixed curvature
    batch).

    The quadratic forms use ``quadratic_form(params, directions) -> float`` — by default
    the exact true-Fisher form of the objective that owns ``stats_fn``
    (:meth:`NetworkObjective.fisher_gram`, forward-mode passes, no sampling), else the
    statistics themselves.

    Parameters
    ----------
    stats_fn : callable
        ``params -> FisherStats`` (e.g. :meth:`NetworkObjective.stats`).
    damping : float
        (Initial) :math:`\lambda > 0`.
    ema_decay, inverse_every, factor_subsample, damping_mode
        See :func:`~infogeo.learning.kfac_curvature`.
    """
    damping = check_damping(damping)
    curvature = kfac_curvature(stats_fn, ema_decay=ema_decay, inverse_every=inverse_every,
                               factor_subsample=factor_subsample, damping_mode=damping_mode,
                               reduction=reduction)
    return _curvature_chain(curvature, stats_fn, damping, reduction, rescale, adapt_damping,
                            quadratic_form, lm_factor, lm_thresholds, min_damping, max_damping)


def kfac(stats_fn: StatsFn, learning_rate: float | None = None,
         momentum: float | str | None = None, **kwargs: Any) -> GradientTransformation:
    r"""K-FAC as kfac-jax runs it (Martens & Grosse 2015, §6–7), or with a fixed step.

    **Default** (``learning_rate`` and ``momentum`` not given, or ``momentum="adaptive"``):
    learning rate and momentum chosen jointly from the 2-D quadratic model along the
    preconditioned gradient and the previous update
    (:func:`~infogeo.flows.quadratic_model_step`, exact Fisher of the batch), damping by
    Levenberg–Marquardt every ``damping_interval`` = 5 steps with
    :math:`\omega = 0.95^5`, ``min_damping`` = 1e-5 and the damping left out of the model
    change, π-adjusted factored damping through damped Cholesky inverses refreshed every
    ``inverse_every`` = 5 steps, factor EMA 0.95:

    ``chain(levenberg_marquardt_damping(...), kfac_curvature(...), precondition(),
    quadratic_model_step(momentum=True))``.

    Keywords of the default: ``damping`` (initial, 1e-2), ``adapt_damping`` (True),
    ``damping_interval``, ``damping_decay`` (0.95), ``min_damping``, ``max_damping``,
    ``include_damping_in_model`` (False), ``ema_decay``, ``inverse_every``,
    ``factor_subsample``, ``damping_mode`` ("factored"), ``reduction``,
    ``quadratic_form``. A weight decay is given to the objective
    (``NetworkObjective(..., l2_reg=1e-4)``) and folded into the curvature here.

    **Fixed step** (``learning_rate`` given, or a numeric ``momentum``):
    ``chain(kfac_precondition(stats_fn, **kwargs), [trace(momentum)], scale(-lr))`` —
    the quadratic-model rescaling of :func:`kfac_precondition` then heavy-ball momentum.
    """
    if learning_rate is None and momentum in (None, "adaptive"):
        return _adaptive_kfac(stats_fn, **kwargs)
    if isinstance(momentum, str):
        raise ValueError(f"momentum must be a number in [0, 1) or 'adaptive', got {momentum!r}")
    lr = 1.0 if learning_rate is None else learning_rate
    check_positive(lr, "learning_rate")
    pieces = [kfac_precondition(stats_fn, **kwargs)]
    if momentum:
        pieces.append(trace(momentum))
    return chain(*pieces, scale(-lr))


def _adaptive_kfac(stats_fn: StatsFn, *, damping: float = 1e-2, adapt_damping: bool = True,
                   damping_interval: int = 5, damping_decay: float = 0.95,
                   min_damping: float = 1e-5, max_damping: float = 1e3,
                   include_damping_in_model: bool = False, ema_decay: float = 0.95,
                   inverse_every: int = 5, factor_subsample: int = 1,
                   damping_mode: str = "factored", reduction: str = "mean",
                   quadratic_form: Callable[[Any, list], float] | None = None
                   ) -> GradientTransformation:
    damping = check_damping(damping)
    form = network_quadratic_form(stats_fn, reduction, quadratic_form)
    damp = network_damping(stats_fn, form, damping, adapt_damping,
                           damping_interval, damping_decay, min_damping, max_damping,
                           include_damping_in_model)
    curvature = kfac_curvature(stats_fn, ema_decay=ema_decay, inverse_every=inverse_every,
                               factor_subsample=factor_subsample, damping_mode=damping_mode,
                               reduction=reduction)
    return chain(_publish_gradient(), damp, curvature, precondition(damping=None),
                 quadratic_model_step(form, momentum=True,
                                      include_damping_in_model=include_damping_in_model))


NaturalGradientState = ExactFisherState


def exact_natural_gradient_precondition(stats_fn: StatsFn, damping: float = 1e-3, *,
                                        reduction: str = "mean", rescale: bool = True,
                                        adapt_damping: bool = False,
                                        quadratic_form: Callable[[Any, list], float]
                                        | None = None,
                                        lm_factor: float = 2 / 3,
                                        lm_thresholds: tuple[float, float] = (0.25, 0.75),
                                        min_damping: float = 1e-8, max_damping: float = 1e8
                                        ) -> GradientTransformation:
    r"""Precondition by the dense Fisher of all parameters,
    :math:`u = (F + \lambda I)^{-1}\nabla L` — :math:`O(NP^2 + P^3)` per step, small nets
    only (the reference K-FAC approximates). The same chain as :func:`kfac_precondition`
    with :func:`~infogeo.learning.exact_fisher_curvature` as the curvature piece; a
    numerically singular damped Fisher raises
    :class:`~infogeo.errors.SingularCurvatureError`."""
    damping = check_damping(damping)
    return _curvature_chain(exact_fisher_curvature(stats_fn, reduction), stats_fn, damping,
                            reduction, rescale, adapt_damping, quadratic_form, lm_factor,
                            lm_thresholds, min_damping, max_damping)
