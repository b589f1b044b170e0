r"""Curvature pieces for networks: K-FAC and the exact Fisher, as flows transformations.

Each piece keeps its statistics in its state and *publishes* the current estimate (extra
``curvature``, an object with ``solve(v, damping)`` over the list of layer matrices) to
the :func:`~infogeo.flows.precondition` after it — the documented solver interface of
:mod:`infogeo.flows.preconditioners`. The damping comes from a damping piece before it
(:func:`~infogeo.flows.tikhonov`, :func:`~infogeo.flows.levenberg_marquardt_damping`),
and a weight decay of the objective (``l2_reg``) is published here and added to it.

K-FAC (Martens & Grosse 2015) with bias-corrected exponential moving averages of the
factors (kfac-jax's ``WeightedMovingAverage``; M&G §5 use
:math:`\epsilon_t = \min(1 - 1/t, \epsilon)` to the same end),

.. math::

    \bar A_t = \frac{\sum_{i\le t} \epsilon^{t-i} A_i}{\sum_{i\le t}\epsilon^{t-i}},\quad
    \bar G_t = \frac{\sum_{i\le t} \epsilon^{t-i} G_i}{\sum_{i\le t}\epsilon^{t-i}},\qquad
    U_l = (\bar A_l\otimes\bar G_l + \lambda I)^{-1} \nabla_{W_l} L ,

so the first steps are not dominated by the statistics at the initial weights,

solved exactly through eigendecompositions (``damping_mode="tikhonov"``) or with the
π-adjusted factored damping (``"factored"``, §6.3) through two damped Cholesky inverses
:math:`(\bar A + \pi\sqrt\lambda I)^{-1}`, :math:`(\bar G + \frac{\sqrt\lambda}{\pi}I)^{-1}`,
refreshed every ``inverse_every`` steps (and when the damping changed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import cho_factor, cho_solve

from .._checks import check_in_interval, check_positive_int
from ..errors import SingularCurvatureError
from ..estimators import KroneckerFactoredFisher
from ..flows.transforms import GradientTransformation
from .fisher import (
    FisherStats,
    dense_fisher,
    fisher_quadratic_form,
    flatten_params,
    kfac_factors,
    subsample_stats,
    unflatten_params,
)
from .kronecker import pi_adjustment

__all__ = ["KFACState", "ExactFisherState", "KFACCurvature", "DenseCurvature",
           "kfac_curvature", "exact_fisher_curvature", "objective_of", "network_quadratic_form"]

StatsFn = Callable[[Any], FisherStats]
Gram = Callable[[Any, Sequence[Any]], NDArray]


def objective_of(stats_fn: Any) -> Any:
    """The objective that owns ``stats_fn`` (a bound method such as
    :meth:`NetworkObjective.stats`), else None."""
    return getattr(stats_fn, "__self__", None)


def _polarized(scalar_form: Callable[[Any, list], float]) -> Gram:
    """Gram matrix from a scalar form :math:`q(v) = v^\\top F v` by polarization."""

    def gram(params: Any, vectors: Sequence[Any]) -> NDArray:
        q = [float(scalar_form(params, list(v))) for v in vectors]
        k = len(vectors)
        out = np.diag(q)
        for i in range(k):
            for j in range(i + 1, k):
                both = [a + b for a, b in zip(vectors[i], vectors[j], strict=True)]
                out[i, j] = out[j, i] = 0.5 * (float(scalar_form(params, both)) - q[i] - q[j])
        return out

    return gram


def network_quadratic_form(stats_fn: StatsFn, reduction: str = "mean",
                           quadratic_form: Callable[[Any, list], float] | None = None) -> Gram:
    """The Gram matrix :math:`v_i^\\top F v_j` used by the quadratic models: from
    ``quadratic_form(params, directions) -> float`` if given, else the exact true Fisher of
    the objective owning ``stats_fn`` (:meth:`NetworkObjective.fisher_gram`), else the
    statistics themselves (Monte Carlo if they are)."""
    if quadratic_form is not None:
        return _polarized(quadratic_form)
    owner = objective_of(stats_fn)
    if hasattr(owner, "fisher_gram"):
        return owner.fisher_gram
    return _polarized(lambda params, d: fisher_quadratic_form(stats_fn(params), d, reduction))


def _owner_l2(stats_fn: Any) -> float:
    return float(getattr(objective_of(stats_fn), "l2_reg", 0.0) or 0.0)


def _published_damping(extra: dict) -> float:
    return float(extra.get("damping") or 0.0) + float(extra.get("l2_reg") or 0.0)


def _spd_inverse(matrix: NDArray, what: str) -> NDArray:
    try:
        factor = cho_factor(matrix, lower=True, check_finite=False)
    except np.linalg.LinAlgError as err:
        raise SingularCurvatureError(f"{what} is not positive definite; increase "
                                     "damping") from err
    return cho_solve(factor, np.eye(matrix.shape[0]), check_finite=False)


class _FactoredBlock(NamedTuple):
    """Damped factor inverses of one layer, built with ``damping``."""

    a_inv: NDArray
    g_inv: NDArray
    damping: float


def _factored_block(A: NDArray, G: NDArray, damping: float) -> _FactoredBlock:
    pi, root = pi_adjustment(A, G), np.sqrt(damping)
    return _FactoredBlock(_spd_inverse(A + pi * root * np.eye(A.shape[0]), "A + pi sqrt(damping)"),
                          _spd_inverse(G + root / pi * np.eye(G.shape[0]), "G + sqrt(damping)/pi"),
                          damping)


class KFACCurvature:
    """The block-diagonal K-FAC estimate over a list of layer matrices: ``solve(v, damping)``
    with exact Tikhonov blocks, or factored blocks built for one damping (rebuilt on
    demand for another)."""

    def __init__(self, factors: list, blocks: list, mode: str) -> None:
        self.factors, self.blocks, self.mode = factors, blocks, mode

    def solve(self, v: Sequence[NDArray], damping: float) -> list[NDArray]:
        if self.mode == "tikhonov":
            return [b.solve_matrix(g, damping) for b, g in zip(self.blocks, v, strict=True)]
        blocks = self.blocks
        if any(b.damping != damping for b in blocks):
            blocks = [_factored_block(A, G, damping) for A, G in self.factors]
        return [b.g_inv @ g @ b.a_inv for b, g in zip(blocks, v, strict=True)]


def _tikhonov_block(A: NDArray, G: NDArray) -> KroneckerFactoredFisher:
    try:
        return KroneckerFactoredFisher(A, G)
    except ValueError as err:  # a non-finite factor
        raise SingularCurvatureError(f"K-FAC factor cannot be decomposed: {err}") from err


class KFACState(NamedTuple):
    """State of :func:`kfac_curvature`.

    Attributes
    ----------
    step : int
    factors : list of (A, G)
        Exponential moving averages of the K-FAC factors.
    blocks : list
        Blocks built at the last inverse refresh (``KroneckerFactoredFisher`` with
        ``damping_mode="tikhonov"``, damped factor inverses with ``"factored"``).
    damping : float
        The damping (plus weight decay) the blocks were built with.
    """

    step: int
    factors: list
    blocks: list
    damping: float


def _check_reduction_matches(stats_fn: Any, reduction: str) -> None:
    theirs = getattr(objective_of(stats_fn), "reduction", reduction)
    if theirs != reduction:
        raise ValueError(f"reduction must match the objective's ({theirs!r}), got "
                         f"{reduction!r}")


def kfac_curvature(stats_fn: StatsFn, *, ema_decay: float = 0.95, inverse_every: int = 1,
                   factor_subsample: int = 1, damping_mode: str = "tikhonov",
                   reduction: str = "mean") -> GradientTransformation:
    r"""K-FAC factors from ``stats_fn(params)`` (see the module docstring), published as
    the extra ``curvature``; passes the gradient through.

    ``factor_subsample`` computes :math:`A_t, G_t` from every ``factor_subsample``-th
    example only, the offset cycling with the step (the moving average smooths the extra
    noise; Martens & Grosse 2015, §8). A weight decay of the objective owning
    ``stats_fn`` (``l2_reg``) is published too, so the preconditioner and the quadratic
    model add :math:`\lambda_2 I` to the curvature.
    """
    if damping_mode not in ("tikhonov", "factored"):
        raise ValueError(f"damping_mode must be 'tikhonov' or 'factored', got {damping_mode!r}")
    check_in_interval(ema_decay, "ema_decay", 0.0, 1.0, closed=(True, False))
    inverse_every = check_positive_int(inverse_every, "inverse_every")
    factor_subsample = check_positive_int(factor_subsample, "factor_subsample")
    _check_reduction_matches(stats_fn, reduction)
    l2 = _owner_l2(stats_fn)

    def update(grads: Any, state: KFACState, params: Any = None, **extra: Any
               ) -> tuple[Any, KFACState]:
        if params is None:
            raise TypeError("kfac_curvature needs params in update(grads, state, params)")
        stats = stats_fn(params)
        sub = subsample_stats(stats, state.step % factor_subsample, factor_subsample)
        # "sum" Fisher = N x "mean" Fisher with N the whole batch, not the subsample
        n_scale = stats.n_examples if reduction == "sum" else 1.0
        new = [(A, n_scale * G) for A, G in kfac_factors(sub, "mean")]
        if state.factors:
            # bias-corrected EMA: the weight of the newest term is 1 / sum_i decay^i
            eta = (1 - ema_decay) / (1 - ema_decay ** (state.step + 1))
            new = [(A0 + eta * (A - A0), G0 + eta * (G - G0))
                   for (A0, G0), (A, G) in zip(state.factors, new, strict=True)]
        lam = _published_damping(extra) + (0.0 if "l2_reg" in extra else l2)
        blocks, built = state.blocks, state.damping
        refresh = state.step % inverse_every == 0 or not blocks
        if damping_mode == "tikhonov" and refresh:
            blocks, built = [_tikhonov_block(A, G) for A, G in new], lam
        elif damping_mode == "factored" and (refresh or built != lam):
            # the damped inverses follow the current factors at a refresh, and the
            # damping whenever it changed (cheap: Cholesky of the small factors)
            blocks, built = [_factored_block(A, G, lam) for A, G in new], lam
        return grads, KFACState(state.step + 1, new, blocks, built)

    def publish(state: KFACState) -> dict[str, Any]:
        out: dict[str, Any] = {"curvature": KFACCurvature(state.factors, state.blocks,
                                                          damping_mode)}
        if l2:
            out["l2_reg"] = l2
        return out

    return GradientTransformation(lambda params: KFACState(0, [], [], 0.0), update, publish)


class DenseCurvature:
    """The dense Fisher over :func:`~infogeo.learning.flatten_params` order, solved by
    Cholesky (a numerically singular damped matrix raises
    :class:`~infogeo.errors.SingularCurvatureError`)."""

    def __init__(self, matrix: NDArray, shapes: list[tuple[int, ...]]) -> None:
        self.matrix_, self.shapes = matrix, shapes

    def matrix(self) -> NDArray:
        return self.matrix_

    def solve(self, v: Sequence[NDArray], damping: float) -> list[NDArray]:
        F = self.matrix_.copy()
        F[np.diag_indices_from(F)] += damping
        try:
            factor = cho_factor(F, lower=True, check_finite=False)
        except np.linalg.LinAlgError as err:
            raise SingularCurvatureError(f"Fisher + damping {damping:g} is not positive "
                                         "definite; increase damping") from err
        u = cho_solve(factor, flatten_params(v), check_finite=False)
        return unflatten_params(u, [(s[0], s[1]) for s in self.shapes])


class ExactFisherState(NamedTuple):
    """State of :func:`exact_fisher_curvature`: the Fisher at the last params."""

    curvature: DenseCurvature | None


def exact_fisher_curvature(stats_fn: StatsFn, reduction: str = "mean"
                           ) -> GradientTransformation:
    r"""The dense Fisher of all parameters from ``stats_fn(params)``, published as the
    extra ``curvature`` — :math:`O(NP^2 + P^3)` per step, small nets only."""
    _check_reduction_matches(stats_fn, reduction)
    l2 = _owner_l2(stats_fn)

    def update(grads: Any, state: ExactFisherState, params: Any = None, **extra: Any
               ) -> tuple[Any, ExactFisherState]:
        F = dense_fisher(stats_fn(params), reduction)
        return grads, ExactFisherState(DenseCurvature(F, [np.shape(g) for g in grads]))

    def publish(state: ExactFisherState) -> dict[str, Any]:
        out: dict[str, Any] = {"curvature": state.curvature}
        if l2:
            out["l2_reg"] = l2
        return out

    return GradientTransformation(lambda params: ExactFisherState(None), update, publish)
