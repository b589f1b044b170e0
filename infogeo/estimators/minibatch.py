r"""Exponential-moving-average Fisher estimation over mini-batches (as in training).

Stochastic second-order methods (K-FAC, Adam-like diagonal preconditioners) do not see
the full data set at once: each step sees a mini-batch :math:`B_t` of size :math:`b` and
keeps a running estimate

.. math::

    S_t = \beta S_{t-1} + (1 - \beta) \hat F_{B_t}, \qquad S_0 = 0, \qquad
    \hat F_t = \frac{S_t}{1 - \beta^t} \ \ (\text{bias correction}),

with :math:`\hat F_{B_t}` the batch mean of the per-example terms. Without bias correction
:math:`E[S_t] = (1 - \beta^t) F` (biased towards 0 early on). With it, and batches
drawn independently with replacement at a fixed :math:`\theta`, the estimate is unbiased
with entrywise variance

.. math::

    \operatorname{Var}[\hat F_T] = \frac{\sigma^2}{b}\sum_{t=1}^T w_t^2
    = \frac{\sigma^2}{b}\,\frac{(1-\beta)^2 (1 - \beta^{2T})}{(1-\beta^2)(1-\beta^T)^2}
    \xrightarrow{T\to\infty} \frac{\sigma^2}{b}\,\frac{1-\beta}{1+\beta},

:math:`\sigma^2` the per-example variance of the term: the decay trades variance for
staleness (when :math:`\theta` moves, old batches are evaluated at old parameters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_in_interval, check_positive_int, check_rng

__all__ = ["EMAFisherState", "ema_fisher_init", "ema_fisher_update", "ema_fisher_estimate",
           "ema_variance_factor", "MinibatchStudy", "minibatch_bias_variance"]


class EMAFisherState(NamedTuple):
    """Running sum :math:`S_t` and step count :math:`t` of the EMA estimator."""

    accumulator: NDArray
    step: int


def ema_fisher_init(shape: tuple[int, ...]) -> EMAFisherState:
    """Initial state :math:`S_0 = 0` for matrices of ``shape`` (e.g. ``(dim, dim)``)."""
    return EMAFisherState(np.zeros(shape), 0)


def ema_fisher_update(state: EMAFisherState, batch_fisher: ArrayLike, decay: float
                      ) -> EMAFisherState:
    """One step :math:`S_t = \\beta S_{t-1} + (1-\\beta)\\hat F_{B_t}` (pure function)."""
    check_in_interval(decay, "decay", 0.0, 1.0, closed=(True, False))
    f = as_finite_array(batch_fisher, "batch_fisher")
    if f.shape != state.accumulator.shape:
        raise ValueError(f"batch_fisher must have shape {state.accumulator.shape}, "
                         f"got {f.shape}")
    return EMAFisherState(decay * state.accumulator + (1.0 - decay) * f, state.step + 1)


def ema_fisher_estimate(state: EMAFisherState, decay: float,
                        bias_correction: bool = True) -> NDArray:
    """:math:`S_t / (1 - \\beta^t)` (or :math:`S_t` without bias correction)."""
    if state.step == 0:
        raise ValueError("state has seen no batch yet (step == 0)")
    if not bias_correction:
        return state.accumulator.copy()
    return state.accumulator / (1.0 - decay**state.step)


def ema_variance_factor(decay: float, n_steps: int, bias_correction: bool = True) -> float:
    """:math:`\\sum_t w_t^2`, the EMA weights' sum of squares (variance = σ²/b times this)."""
    t = np.arange(1, check_positive_int(n_steps, "n_steps") + 1)
    w = (1.0 - decay) * decay ** (n_steps - t)
    if bias_correction:
        w = w / (1.0 - decay**n_steps)
    return float(np.sum(w**2))


@dataclass(frozen=True)
class MinibatchStudy:
    """Bias and variance of the EMA estimate, per batch size (rows) and decay (columns).

    Attributes
    ----------
    batch_sizes, decays : ndarray
    relative_bias : ndarray, shape=[n_batch_sizes, n_decays]
        :math:`\\|E[\\hat F_T] - F\\|_F / \\|F\\|_F` (mean over repeats).
    relative_variance : ndarray, shape=[n_batch_sizes, n_decays]
        :math:`E\\|\\hat F_T - E\\hat F_T\\|_F^2 / \\|F\\|_F^2`.
    predicted_variance : ndarray, shape=[n_batch_sizes, n_decays]
        :math:`\\sum_{ij}\\sigma^2_{ij} / b \\cdot \\sum_t w_t^2 / \\|F\\|_F^2` (sampling
        with replacement).
    bias_stderr : ndarray
        Standard error of ``relative_bias`` estimated from the repeats.
    n_steps, n_repeats : int
    """

    batch_sizes: NDArray
    decays: NDArray
    relative_bias: NDArray
    relative_variance: NDArray
    predicted_variance: NDArray
    bias_stderr: NDArray
    n_steps: int
    n_repeats: int


def minibatch_bias_variance(terms: ArrayLike, batch_sizes: Sequence[int],
                            decays: Sequence[float], n_steps: int, n_repeats: int,
                            rng: np.random.Generator, bias_correction: bool = True
                            ) -> MinibatchStudy:
    """Measure the EMA estimator against the full-data Fisher.

    Parameters
    ----------
    terms : array-like, shape=[N, dim, dim]
        Per-example Fisher terms (e.g. ``fisher_terms(manifold, data, theta)`` or the
        outer products of ``per_example_scores``); the full-data Fisher is their mean.
    batch_sizes, decays : sequences
        Batch sizes :math:`b \\ge 1` and decays :math:`\\beta \\in [0, 1)` to study.
    n_steps : int
        Mini-batches per run; each is drawn uniformly with replacement.
    n_repeats : int
        Independent runs used to estimate the bias and variance (>= 2).
    """
    t = as_finite_array(terms, "terms")
    if t.ndim != 3 or t.shape[1] != t.shape[2] or t.shape[0] < 1:
        raise ValueError(f"terms must have shape [N, dim, dim], got {t.shape}")
    rng = check_rng(rng)
    n_steps = check_positive_int(n_steps, "n_steps")
    n_repeats = check_positive_int(n_repeats, "n_repeats")
    if n_repeats < 2:
        raise ValueError(f"n_repeats must be >= 2 to estimate a variance, got {n_repeats}")
    sizes = np.array([check_positive_int(b, "batch_sizes") for b in batch_sizes])
    betas = np.array(decays, dtype=float)
    check_in_interval(betas, "decays", 0.0, 1.0, closed=(True, False))
    full = t.mean(axis=0)
    norm2 = float(np.sum(full**2))
    sigma2 = float(np.sum(t.var(axis=0)))  # population variance of the terms
    shape = (sizes.size, betas.size)
    bias, var, pred, bias_se = (np.empty(shape) for _ in range(4))
    for i, b in enumerate(sizes):
        for j, beta in enumerate(betas):
            # all repeats advance together: the state carries a leading repeat axis
            state = ema_fisher_init((n_repeats,) + full.shape)
            for _ in range(n_steps):
                batch = t[rng.integers(0, t.shape[0], (n_repeats, b))].mean(axis=1)
                state = ema_fisher_update(state, batch, beta)
            finals = ema_fisher_estimate(state, beta, bias_correction)
            mean = finals.mean(axis=0)
            bias[i, j] = np.linalg.norm(mean - full) / np.sqrt(norm2)
            var[i, j] = np.sum(finals.var(axis=0, ddof=1)) / norm2
            bias_se[i, j] = np.sqrt(var[i, j] / n_repeats)
            pred[i, j] = sigma2 / b * ema_variance_factor(beta, n_steps, bias_correction) / norm2
    return MinibatchStudy(sizes, betas, bias, var, pred, bias_se, n_steps, n_repeats)
