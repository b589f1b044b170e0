r"""Data-based curvature: empirical Fisher, observed information, finite-difference scores.

Three different matrices are easily confused. For data :math:`x_1,\dots,x_N` and
:math:`\ell_n(\theta) = \log p(x_n\mid\theta)`:

.. math::

    I(\theta) &= E_{x\sim p(\cdot\mid\theta)}\left[\nabla\ell\,\nabla\ell^\top\right]
    \quad &\text{Fisher information (expectation under the model)}\\
    \tilde F(\theta) &= \frac1N\sum_n \nabla\ell_n\nabla\ell_n^\top
    \quad &\text{empirical Fisher (data in place of model samples)}\\
    J(\theta) &= -\frac1N\sum_n \nabla^2\ell_n
    \quad &\text{observed information (Hessian of the average NLL)}

If the data come from :math:`p(\cdot\mid\theta)` both :math:`\tilde F` and :math:`J` are
consistent for :math:`I(\theta)`; at any other :math:`\theta`, or under misspecification,
they are not (Kunstner, Balles & Hennig 2019): :math:`\tilde F` scales with the squared
residuals, so preconditioning a gradient by it distorts the step.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, as_points, check_positive
from ..manifolds.base import StatisticalManifold
from .monte_carlo import fisher_from_samples

__all__ = ["empirical_fisher", "observed_information", "finite_difference_score",
           "default_fd_step"]

#: ε^{1/3}: balances the O(h²) truncation and O(ε/h) round-off of central differences
_CBRT_EPS = float(np.finfo(float).eps) ** (1.0 / 3.0)


def empirical_fisher(manifold: StatisticalManifold, data: ArrayLike, theta: ArrayLike,
                     chunk_size: int | None = None) -> NDArray:
    r"""Empirical Fisher: the mean outer product of the scores of the given data.

    .. math::

        \tilde F(\theta) = \frac1N\sum_{n=1}^N \nabla_\theta\log p(x_n\mid\theta)\,
        \nabla_\theta\log p(x_n\mid\theta)^\top

    This is *not* the Fisher information :math:`I(\theta)` (an expectation under the
    model at :math:`\theta`); the two agree only in the limit of data drawn from
    :math:`p(\cdot\mid\theta)`.

    Parameters
    ----------
    data : array-like or dask.array.Array, shape=(N,) + event_shape
        Observations along the first axis (a Dask array is reduced with Dask).
    theta : array-like, shape=[..., dim]

    Returns
    -------
    ndarray, shape=[..., dim, dim]
    """
    return fisher_from_samples(manifold, data, theta, "score", chunk_size).mean


def observed_information(manifold: StatisticalManifold, data: ArrayLike, theta: ArrayLike,
                         chunk_size: int | None = None) -> NDArray:
    r"""Observed information: the mean negative Hessian of the log-likelihood on data.

    .. math::

        J(\theta) = -\frac1N\sum_{n=1}^N \nabla^2_\theta \log p(x_n\mid\theta)

    Uses ``manifold.log_prob_hessian`` (closed form where the family has one, otherwise
    differences of the score). Equal to the Fisher information for every data set in
    exponential families written in natural parameters (the Hessian does not depend on
    x); otherwise it differs from both :math:`I(\theta)` and the empirical Fisher.

    Parameters
    ----------
    data : array-like or dask.array.Array, shape=(N,) + event_shape
    theta : array-like, shape=[..., dim]

    Returns
    -------
    ndarray, shape=[..., dim, dim]
    """
    return fisher_from_samples(manifold, data, theta, "hessian", chunk_size).mean


def default_fd_step(theta: NDArray) -> NDArray:
    r"""Central-difference steps :math:`h_i = \varepsilon^{1/3}\max(1, |\theta_i|)`.

    The truncation error of a central difference is :math:`O(h^2 f''')` and its
    round-off :math:`O(\varepsilon f / h)`; :math:`h \propto \varepsilon^{1/3}` balances
    them, leaving a relative error of about :math:`\varepsilon^{2/3} \approx 4\cdot10^{-11}`
    for functions that vary on the scale :math:`\max(1, |\theta_i|)`.
    """
    return _CBRT_EPS * np.maximum(1.0, np.abs(theta))


def finite_difference_score(log_prob: Callable[[NDArray, NDArray], NDArray], x: ArrayLike,
                            theta: ArrayLike, step: ArrayLike | None = None) -> NDArray:
    r"""Score of a model that only provides ``log_prob``, by central differences.

    .. math::

        \partial_i \ell(x\mid\theta) \approx
        \frac{\ell(x\mid\theta + h_i e_i) - \ell(x\mid\theta - h_i e_i)}{2 h_i}

    Parameters
    ----------
    log_prob : callable
        ``log_prob(x, theta) -> [...]``, broadcasting ``x`` against ``theta[..., dim]``.
    x : array-like
        Data, passed to ``log_prob`` unchanged.
    theta : array-like, shape=[..., dim]
    step : array-like, optional
        Absolute steps, broadcastable to ``theta``; :func:`default_fd_step` by default.
        Near a boundary of the parameter domain pass a step that keeps
        :math:`\theta \pm h` inside.

    Returns
    -------
    ndarray, shape=[..., dim]
        Broadcast shape of ``log_prob``'s output with one axis of length ``dim`` added.
    """
    if not callable(log_prob):
        raise TypeError(f"log_prob must be callable, got {type(log_prob).__name__}")
    th = as_finite_array(theta, "theta")
    if th.ndim == 0:
        raise ValueError("theta must have shape [..., dim], got a scalar")
    th = as_points(th, th.shape[-1], "theta")
    h = default_fd_step(th) if step is None else np.broadcast_to(
        as_finite_array(step, "step"), th.shape)
    check_positive(h, "step")
    data = np.asarray(x)
    columns = []
    for i in range(th.shape[-1]):
        e = np.zeros(th.shape)
        e[..., i] = h[..., i]
        plus = np.asarray(log_prob(data, th + e), dtype=float)
        minus = np.asarray(log_prob(data, th - e), dtype=float)
        columns.append((plus - minus) / (2.0 * h[..., i]))
    out = np.stack(np.broadcast_arrays(*columns), axis=-1)
    if not np.all(np.isfinite(out)):
        raise ValueError("log_prob was not finite at theta +- step: theta is outside the "
                         "parameter domain or step crosses its boundary")
    return out
