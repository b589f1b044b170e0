r"""K-FAC and baseline optimizers as :mod:`infogeo.flows` gradient transformations.

Every optimizer here is a :func:`~infogeo.flows.chain` of small pieces, so K-FAC is the
same code path as the baselines with a different preconditioner:

.. math::

    \text{K-FAC:}\;\; \Delta\theta_l = -\alpha\,(A_l\otimes G_l + \lambda I)^{-1}
    \nabla_{W_l} L, \qquad
    \text{momentum:}\;\; v \leftarrow \beta v + g,\;\Delta\theta = -\alpha v .

``kfac = chain(kfac_precondition(stats_fn, ...), scale(-lr))``;
``sgd_momentum = chain(trace(beta), scale(-lr))``; ``adam = chain(scale_by_adam(), scale(-lr))``.
Pieces accept (and ignore unless they need them) the keyword extras the flows drivers pass
(``value``, ``grad``, ``loss_fn``, ``grad_fn``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from .._checks import check_in_interval, check_positive, check_positive_int
from ..estimators import KroneckerFactoredFisher as _KFF
from ..flows.transforms import GradientTransformation, chain, scale, tree_map
from ._trust import (
    Previous,
    adapted_damping,
    default_quad_fn,
    lm_update,
    make_trust_config,
    remember,
    rescale_direction,
)
from .fisher import (
    FisherStats,
    dense_fisher,
    flatten_params,
    kfac_factors,
    subsample_stats,
    unflatten_params,
)
from .kronecker import check_damping, factored_damped_block

__all__ = ["TraceState", "AdamState", "KFACState", "trace", "scale_by_adam",
           "kfac_precondition", "exact_natural_gradient_precondition", "sgd_momentum",
           "adam", "kfac", "lm_update", "NaturalGradientState"]

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
    count: int
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
def _loss_value(extra: dict, stats: FisherStats, reduction: str) -> float | None:
    """The loss at ``params``: the driver's ``value`` extra, else the statistics' mean loss
    in the units of ``reduction``."""
    if extra.get("value") is not None:
        return float(extra["value"])
    if stats.loss is None:
        return None
    return stats.loss * (stats.n_examples if reduction == "sum" else 1.0)


def _check_same_reduction(stats_fn: Any, reduction: str) -> None:
    owner = getattr(stats_fn, "__self__", None)
    theirs = getattr(owner, "reduction", reduction)
    if theirs != reduction:
        raise ValueError(f"reduction must match the objective's ({theirs!r}), got "
                         f"{reduction!r}")


class KFACState(NamedTuple):
    """State of :func:`kfac_precondition`.

    Attributes
    ----------
    step : int
    factors : list of (A, G)
        Exponential moving averages of the K-FAC factors.
    blocks : list of KroneckerFactoredFisher
        Blocks built (eigendecomposed) at the last inverse refresh.
    damping : float
        Current :math:`\\lambda` (adapted by Levenberg–Marquardt when enabled).
    ratio : float
        Last reduction ratio :math:`\\rho` (NaN before it is known).
    previous : Previous or None
        The previous step's parameters, gradient, loss, statistics and direction, to
        evaluate :math:`\\rho` of the step that was actually applied.
    """

    step: int
    factors: list
    blocks: list
    damping: float
    ratio: float
    previous: Previous | None


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
    r"""Precondition each layer's gradient by its damped Kronecker-factored Fisher block.

    .. math::

        \bar A \leftarrow \epsilon \bar A + (1-\epsilon) A_t,\quad
        \bar G \leftarrow \epsilon \bar G + (1-\epsilon) G_t,\qquad
        U_l = (\bar A_l\otimes\bar G_l + \lambda I)^{-1} \nabla_{W_l} L

    (``damping_mode="tikhonov"``, exact through eigendecompositions) or the π-adjusted
    factored damping (``"factored"``, :func:`~infogeo.learning.factored_damped_block`).
    Factors are refreshed into eigendecomposed blocks every ``inverse_every`` steps.

    With ``rescale`` the direction is multiplied by the minimiser of the quadratic model
    along it, using the exact Fisher of the current statistics rather than its K-FAC
    approximation (Martens & Grosse 2015, §6.4), so that ``scale(-1)`` afterwards takes
    the model-optimal step:

    .. math::

        u \leftarrow \alpha^* u,\qquad
        \alpha^* = \frac{\nabla L^\top u}{u^\top (F + \lambda I)\, u} .

    With ``adapt_damping`` the damping follows Levenberg–Marquardt on the reduction ratio
    of the step actually applied (whatever step size the chain used after this piece):

    .. math::

        \rho = \frac{L(\theta_t) - L(\theta_{t-1})}
                    {\nabla L^\top\delta + \tfrac12\delta^\top (F + \lambda I)\delta},
        \qquad \delta = \theta_t - \theta_{t-1},

    This needs the same data at consecutive steps (full batch, or a fixed curvature
    batch).

    The quadratic forms :math:`u^\top F u` of the rescaling and of :math:`\rho` use
    ``quadratic_form(params, directions)`` — by default the exact true-Fisher form of the
    objective that owns ``stats_fn`` (:meth:`NetworkObjective.fisher_quadratic_form`, a
    forward-mode pass, no sampling), else the statistics themselves
    (:func:`~infogeo.learning.fisher_quadratic_form`, Monte Carlo if they are). A
    sampled :math:`F` underestimates the curvature in directions the few samples miss,
    which makes :math:`\alpha^*` too long on small batches.

    Parameters
    ----------
    stats_fn : callable
        ``params -> FisherStats`` (e.g. :meth:`NetworkObjective.stats`).
    damping : float
        Initial :math:`\lambda > 0`.
    ema_decay : float
        :math:`\epsilon \in [0, 1)`; 0 uses the current batch only.
    inverse_every : int
        Steps between eigendecompositions of the factors.
    factor_subsample : int
        Compute :math:`A_t, G_t` from every ``factor_subsample``-th example only, the
        offset cycling with the step so every example contributes over
        ``factor_subsample`` steps (the moving average smooths the extra noise; Martens
        & Grosse 2015, §8, use a fraction of the mini-batch the same way). The gradient,
        the rescaling and the damping adaptation always use the whole batch.
    """
    damping = check_damping(damping)
    if damping_mode not in ("tikhonov", "factored"):
        raise ValueError(f"damping_mode must be 'tikhonov' or 'factored', got {damping_mode!r}")
    check_in_interval(ema_decay, "ema_decay", 0.0, 1.0, closed=(True, False))
    inverse_every = check_positive_int(inverse_every, "inverse_every")
    factor_subsample = check_positive_int(factor_subsample, "factor_subsample")
    cfg = make_trust_config(rescale, adapt_damping, lm_factor, lm_thresholds, min_damping,
                            max_damping, reduction)
    quad_fn = quadratic_form if quadratic_form is not None else default_quad_fn(stats_fn)
    _check_same_reduction(stats_fn, reduction)

    def init(params: Any) -> KFACState:
        return KFACState(0, [], [], damping, float("nan"), None)

    def _blocks(factors: list, lam: float) -> list:
        if damping_mode == "tikhonov":
            return [_KFF(A, G) for A, G in factors]
        return [factored_damped_block(A, G, lam) for A, G in factors]

    def update(grads: Any, state: KFACState, params: Any = None, **extra: Any
               ) -> tuple[Any, KFACState]:
        if params is None:
            raise TypeError("kfac_precondition needs params in update(grads, state, params)")
        stats = stats_fn(params)
        value = _loss_value(extra, stats, reduction)
        lam, ratio = state.damping, state.ratio
        if state.previous is not None and value is not None:
            lam, ratio = adapted_damping(state.previous, params, value, lam, cfg, quad_fn)
        sub = subsample_stats(stats, state.step % factor_subsample, factor_subsample)
        # "sum" Fisher = N x "mean" Fisher with N the whole batch, not the subsample
        n_scale = stats.n_examples if reduction == "sum" else 1.0
        new = [(A, n_scale * G) for A, G in kfac_factors(sub, "mean")]
        if state.factors:
            new = [(ema_decay * A0 + (1 - ema_decay) * A, ema_decay * G0 + (1 - ema_decay) * G)
                   for (A0, G0), (A, G) in zip(state.factors, new, strict=True)]
        blocks = state.blocks
        if state.step % inverse_every == 0 or not blocks:
            blocks = _blocks(new, lam)
        solve_damping = lam if damping_mode == "tikhonov" else 0.0
        out = [b.solve_matrix(g, solve_damping) for b, g in zip(blocks, grads, strict=True)]
        quad = None
        if rescale:
            out, quad = rescale_direction(stats, grads, out, lam, reduction, quad_fn, params)
        previous = remember(cfg, params, grads, value, stats, lam, out, quad)
        return out, KFACState(state.step + 1, new, blocks, lam, ratio, previous)

    return GradientTransformation(init, update)


def kfac(stats_fn: StatsFn, learning_rate: float = 1.0, momentum: float = 0.0,
         **kwargs: Any) -> GradientTransformation:
    """``chain(kfac_precondition(stats_fn, **kwargs), [trace(momentum)], scale(-lr))``."""
    check_positive(learning_rate, "learning_rate")
    pieces = [kfac_precondition(stats_fn, **kwargs)]
    if momentum:
        pieces.append(trace(momentum))
    return chain(*pieces, scale(-learning_rate))


class NaturalGradientState(NamedTuple):
    """State of :func:`exact_natural_gradient_precondition` (see :class:`KFACState`)."""

    damping: float
    ratio: float
    previous: Previous | None


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
    only (the reference K-FAC approximates). Solved by Cholesky (the damped matrix is
    positive definite); a numerically singular one raises ``ArithmeticError``.
    ``rescale`` and ``adapt_damping`` work as in :func:`kfac_precondition`, so the two
    differ only in the curvature matrix."""
    damping = check_damping(damping)
    cfg = make_trust_config(rescale, adapt_damping, lm_factor, lm_thresholds, min_damping,
                            max_damping, reduction)
    quad_fn = quadratic_form if quadratic_form is not None else default_quad_fn(stats_fn)
    _check_same_reduction(stats_fn, reduction)

    def update(grads: Any, state: NaturalGradientState, params: Any = None, **extra: Any
               ) -> tuple[Any, NaturalGradientState]:
        stats = stats_fn(params)
        value = _loss_value(extra, stats, reduction)
        lam, ratio = state.damping, state.ratio
        if state.previous is not None and value is not None:
            lam, ratio = adapted_damping(state.previous, params, value, lam, cfg, quad_fn)
        F = dense_fisher(stats, reduction)
        F[np.diag_indices_from(F)] += lam
        try:
            factor = cho_factor(F, lower=True, check_finite=False)
        except np.linalg.LinAlgError as err:
            raise ArithmeticError(f"Fisher + damping {lam:g} is not positive definite; "
                                  "increase damping") from err
        u = cho_solve(factor, flatten_params(grads), check_finite=False)
        out = unflatten_params(u, [g.shape for g in grads])
        quad = None
        if rescale:
            out, quad = rescale_direction(stats, grads, out, lam, reduction, quad_fn, params)
        previous = remember(cfg, params, grads, value, stats, lam, out, quad)
        return out, NaturalGradientState(lam, ratio, previous)

    return GradientTransformation(lambda params: NaturalGradientState(damping, float("nan"),
                                                                      None), update)
