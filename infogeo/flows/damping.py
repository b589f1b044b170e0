r"""Damping as a transformation: Tikhonov (fixed) and Levenberg–Marquardt (adaptive).

A damping piece passes the gradient through unchanged and *publishes* the damping
:math:`\lambda` (extra ``damping``) to the pieces after it in a
:func:`~infogeo.flows.chain`: the preconditioner solves
:math:`(F + (\lambda + \lambda_2) I)\,u = g` with it (:math:`\lambda_2` the extra
``l2_reg`` of a weight decay folded into the curvature), and a quadratic-model step
damps its model with it. The same two pieces serve the exact metric of a manifold, a
Fisher estimate, K-FAC and the exact natural gradient of a network.

Levenberg–Marquardt judges the step that was actually applied (whatever the step rule
after the preconditioner did) once the loss after it is known — at the next update,
from the driver's extra ``value`` — by the reduction ratio

.. math::

    \rho = \frac{L(\theta_{t+1}) - L(\theta_t)}{q(\delta)},\qquad
    q(\delta) = g^\top\delta + \tfrac12\,\delta^\top (F + \lambda_2 I)\,\delta
    \;\big[+\, \tfrac12\lambda\,\delta^\top\delta\big],\qquad
    \delta = \theta_{t+1} - \theta_t ,

and every ``interval`` steps sets :math:`\lambda \leftarrow \lambda\,\omega^{T}` if
:math:`\rho > 3/4`, :math:`\lambda \leftarrow \lambda/\omega^{T}` if :math:`\rho < 1/4`
(Martens & Grosse 2015, §6.5; :math:`T` = ``interval``, :math:`\omega` = ``decay``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._checks import as_finite_array, check_positive, check_positive_int
from .protocols import QuadraticForm
from .transforms import GradientTransformation, require_extra, tree_copy, tree_sub, tree_vdot

__all__ = ["DampingState", "LevenbergMarquardtState", "tikhonov",
           "levenberg_marquardt_damping", "lm_update", "reduction_ratio", "check_damping",
           "metric_quadratic_form", "matrix_quadratic_form"]

#: relative size of a loss change below which a reduction ratio is round-off noise
_ROUNDOFF = 1e3 * np.finfo(float).eps


def check_damping(damping: Any, name: str = "damping", strict: bool = False) -> float:
    """``damping`` as a float; ``ValueError`` naming it unless finite and >= 0 (> 0 if
    ``strict``)."""
    if isinstance(damping, bool) or not isinstance(damping, int | float | np.number
                                                   | np.ndarray):
        raise TypeError(f"{name} must be a number, got {type(damping).__name__}")
    value = as_finite_array(damping, name)
    if value.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {value.shape}")
    check_positive(value, name, strict=strict)
    return float(value)


class DampingState(NamedTuple):
    """State of :func:`tikhonov` (and of :func:`~infogeo.flows.precondition`): the
    damping used."""

    damping: float


def tikhonov(damping: float) -> GradientTransformation:
    r"""A fixed damping :math:`\lambda \ge 0`, published to the pieces after it.

    .. math::  u = (F + \lambda I)^{-1} g \quad\text{(in the preconditioner after it)}
    """
    lam = check_damping(damping)
    return GradientTransformation(lambda params: DampingState(lam),
                                  lambda grads, state, params=None, **extra: (grads, state),
                                  lambda state: {"damping": state.damping})


def lm_update(damping: float, ratio: float, factor: float,
              thresholds: tuple[float, float] = (0.25, 0.75),
              increase: float | None = None) -> float:
    r"""The Levenberg–Marquardt rule: :math:`\lambda/\omega` (or ``increase`` ·
    :math:`\lambda`) if :math:`\rho <` ``thresholds[0]``, :math:`\omega\lambda` if
    :math:`\rho >` ``thresholds[1]``, else unchanged; :math:`\omega` = ``factor`` in
    (0, 1). A non-finite ratio counts as a failure (Martens & Grosse 2015, §6.5)."""
    low, high = thresholds
    if not np.isfinite(ratio) or ratio < low:
        return damping * (1.0 / factor if increase is None else increase)
    if ratio > high:
        return damping * factor
    return damping


def reduction_ratio(actual: float, predicted: float) -> float:
    """:math:`\\rho` = actual / predicted change; :math:`-\\infty` when the model predicts
    no decrease (it cannot be trusted at this damping) or the actual change is not finite."""
    if not (predicted < 0 and np.isfinite(actual)):
        return float("-inf")
    return float(actual / predicted)


class _Step(NamedTuple):
    """What judging a step needs: where it started, the gradient, loss and damping there."""

    params: Any
    grads: Any
    value: float
    damping: float


class LevenbergMarquardtState(NamedTuple):
    """State of :func:`levenberg_marquardt_damping`.

    Attributes
    ----------
    damping : float
        :math:`\\lambda` for the current step.
    ratio : float
        Reduction ratio :math:`\\rho` of the last judged step (NaN before the first).
    step : int
        Updates made.
    last : tuple or None
        The start of the step to judge at the next update.
    """

    damping: float
    ratio: float
    step: int
    last: _Step | None


def levenberg_marquardt_damping(initial_damping: float = 1.0, *,
                                quadratic_form: QuadraticForm | None = None,
                                interval: int = 1, decay: float = 2 / 3,
                                increase: float | None = None,
                                thresholds: tuple[float, float] = (0.25, 0.75),
                                min_damping: float = 1e-10, max_damping: float = 1e10,
                                include_damping_in_model: bool = True
                                ) -> GradientTransformation:
    r"""Adaptive damping by the Levenberg–Marquardt rule on the step actually applied.

    See the module docstring for :math:`\rho` and the rule. Defaults reproduce the
    classical per-step rule (:math:`\omega = 2/3` every step, damping in the model);
    ``interval=5, decay=0.95, include_damping_in_model=False`` is kfac-jax's schedule.

    Parameters
    ----------
    initial_damping : float
        :math:`\lambda_0 > 0`.
    quadratic_form : callable, optional
        ``(params, vectors) -> Gram matrix`` of the curvature :math:`F` (see
        :class:`~infogeo.flows.protocols.QuadraticForm`); else the extra
        ``quadratic_form`` (a ``TypeError`` names it if neither is there).
    interval, decay, increase
        Adapt every ``interval`` steps by ``decay ** interval`` (down) or its inverse
        (up; ``increase ** interval`` if given).
    thresholds : (low, high)
        :math:`0 < \text{low} < \text{high} < 1`.
    min_damping, max_damping : float
        Clip range of :math:`\lambda`.
    include_damping_in_model : bool
        Count :math:`\tfrac12\lambda\|\delta\|^2` in :math:`q(\delta)`.

    Needs the extra ``value``; place it where its input is the gradient (after a weight
    decay, before the preconditioner).
    """
    lam0 = check_damping(initial_damping, "initial_damping", strict=True)
    interval = check_positive_int(interval, "interval")
    if not 0 < decay < 1:
        raise ValueError(f"decay must lie in (0, 1), got {decay!r}")
    if increase is not None and not increase > 1:
        raise ValueError(f"increase must be > 1, got {increase!r}")
    low, high = thresholds
    if not 0 < low < high < 1:
        raise ValueError(f"thresholds must satisfy 0 < low < high < 1, got {thresholds}")
    lo = check_damping(min_damping, "min_damping", strict=True)
    if not max_damping > lo:
        raise ValueError(f"max_damping must be > min_damping, got {max_damping!r}")
    factor = decay**interval
    up = None if increase is None else increase**interval

    def model_change(last: _Step, delta: Any, l2: float, form: QuadraticForm) -> float:
        dd = tree_vdot(delta, delta)
        curv = float(np.asarray(form(last.params, [delta]))[0, 0]) + l2 * dd
        damp = last.damping * dd if include_damping_in_model else 0.0
        return tree_vdot(last.grads, delta) + 0.5 * (curv + damp)

    def judge(state: LevenbergMarquardtState, params: Any, value: float, extra: dict
              ) -> tuple[float, float]:
        last = state.last
        if last is None or state.step % interval:
            return state.damping, state.ratio
        form = quadratic_form or extra.get("quadratic_form")
        if form is None:
            raise TypeError("levenberg_marquardt_damping needs quadratic_form= (the "
                            "curvature's Gram matrix of vectors) or the extra "
                            "'quadratic_form'")
        delta = tree_sub(params, last.params)
        predicted = model_change(last, delta, float(extra.get("l2_reg") or 0.0), form)
        actual = value - last.value
        if abs(predicted) <= _ROUNDOFF * (1.0 + abs(value)) and abs(actual) <= _ROUNDOFF * (
                1.0 + abs(value)):
            return state.damping, float("nan")  # a null step: the ratio is noise, keep λ
        ratio = reduction_ratio(actual, predicted)
        new = lm_update(state.damping, ratio, factor, (low, high), up)
        return float(np.clip(new, lo, max_damping)), ratio

    def update(grads: Any, state: LevenbergMarquardtState, params: Any = None,
               **extra: Any) -> tuple[Any, LevenbergMarquardtState]:
        value = float(require_extra(extra, "value", "levenberg_marquardt_damping"))
        lam, ratio = judge(state, params, value, extra)
        judge_next = (state.step + 1) % interval == 0
        last = _Step(tree_copy(params), tree_copy(grads), value, lam) if judge_next else None
        return grads, LevenbergMarquardtState(lam, ratio, state.step + 1, last)

    return GradientTransformation(
        lambda params: LevenbergMarquardtState(lam0, float("nan"), 0, None), update,
        lambda state: {"damping": state.damping})


def _gram(vectors: Sequence[Any]) -> NDArray:
    flat = np.array([np.concatenate([np.ravel(x) for x in _as_list(v)]) for v in vectors])
    return flat


def _as_list(v: Any) -> list[Any]:
    if isinstance(v, list | tuple):
        return [leaf for sub in v for leaf in _as_list(sub)]
    return [np.asarray(v, dtype=float)]


def metric_quadratic_form(manifold: Any) -> QuadraticForm:
    """The Gram matrix :math:`v_i^\\top I(\\theta) v_j` of a manifold's metric (params
    ``[dim]``)."""

    def form(params: Any, vectors: Sequence[Any]) -> NDArray:
        V = _gram(vectors)
        return V @ np.asarray(manifold.metric_matrix(np.asarray(params, dtype=float))) @ V.T

    return form


def matrix_quadratic_form(matrix_of: Any) -> QuadraticForm:
    """The Gram matrix of ``matrix_of(params)`` (a dense ``[P, P]`` matrix over the
    flattened parameters)."""

    def form(params: Any, vectors: Sequence[Any]) -> NDArray:
        V = _gram(vectors)
        return V @ np.asarray(matrix_of(params), dtype=float) @ V.T

    return form
