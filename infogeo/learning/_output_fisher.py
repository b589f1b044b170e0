r"""The Fisher of an MLP's output likelihood in the outputs :math:`z` (softmax or Gaussian):
its square roots, sampled targets and random-sign columns (the curvature estimators'
inputs), and its quadratic and bilinear forms (the K-FAC quadratic model). Attached to
:class:`~infogeo.learning.mlp.MLP` as its methods.

.. math::

    F_z^{\text{softmax}} = \operatorname{diag}(p) - p p^\top,
    \qquad F_z^{\text{gauss}} = I / \sigma^2 .
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .._checks import check_rng

if TYPE_CHECKING:
    from .mlp import MLP

__all__ = ["sample_categorical"]


def sample_categorical(p: NDArray, n_samples: int, rng: np.random.Generator) -> NDArray:
    """Labels ``[N, S]`` drawn from the rows of ``p`` (``[N, K]``) by inverse CDF."""
    u = rng.random((p.shape[0], n_samples, 1))
    labels = (u > np.cumsum(p, axis=1)[:, None, :]).sum(axis=-1)
    return np.minimum(labels, p.shape[1] - 1)  # guard against cumsum round-off < 1


def _log_softmax(z: NDArray) -> NDArray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def sample_targets(self: MLP, outputs: NDArray, n_samples: int,
                   rng: np.random.Generator) -> NDArray:
    """Targets drawn from the model's predictive distribution, ``[N, S, ...]``."""
    rng = check_rng(rng)
    if self.output == "softmax":
        return sample_categorical(np.exp(_log_softmax(outputs)), n_samples, rng)
    eps = rng.standard_normal((outputs.shape[0], n_samples, outputs.shape[1]))
    return outputs[:, None, :] + self.noise_std * eps


def output_fisher_sqrt(self: MLP, outputs: NDArray) -> NDArray:
    r"""Columns :math:`c_k` with :math:`\sum_k c_k c_k^\top = F_z`, the Fisher of the
    output likelihood in ``z``; shape ``[N, K, d_out]`` (column index second).

    .. math::

        F_z^{\text{softmax}} = \operatorname{diag}(p) - p p^\top
        = \sum_k p_k (e_k - p)(e_k - p)^\top,
        \qquad F_z^{\text{gauss}} = I / \sigma^2 .

    Back-propagating the :math:`c_k` and summing outer products gives the exact
    expectation over labels of :math:`g g^\top` (the true Fisher, no sampling).
    """
    n, k = outputs.shape
    if self.output == "softmax":
        p = np.exp(_log_softmax(outputs))
        cols = np.eye(k)[None, :, :] - p[:, None, :]
        return np.sqrt(p)[:, :, None] * cols
    return np.broadcast_to(np.eye(k) / self.noise_std, (n, k, k)).copy()


def _rademacher(rng: np.random.Generator, shape: tuple[int, ...]) -> NDArray:
    """Independent signs ±1 with probability 1/2 each: one random bit per sign, from
    ``rng.bytes`` (``rng.integers(0, 2)`` spends a full draw per sign, ten times slower,
    which on a 64-output network cost as much as the backward pass)."""
    size = int(np.prod(shape))
    bits = np.unpackbits(np.frombuffer(rng.bytes((size + 7) // 8), dtype=np.uint8))
    return (2.0 * bits[:size] - 1.0).reshape(shape)


def random_sign_columns(self: MLP, outputs: NDArray, n_samples: int,
                        rng: np.random.Generator,
                        probabilities: NDArray | None = None) -> NDArray:
    r"""Curvature-propagation columns :math:`b_s = B\varepsilon_s` with Rademacher
    :math:`\varepsilon_s \in \{-1, 1\}^{d_{out}}` and :math:`BB^\top = F_z`
    (:meth:`output_fisher_sqrt`), shape ``[N, S, d_out]``:

    .. math::

        b^{\text{softmax}} = \sqrt p\odot\varepsilon - p\,(\sqrt p^\top\varepsilon),
        \qquad b^{\text{gauss}} = \varepsilon/\sigma,
        \qquad E[b b^\top] = B\,E[\varepsilon\varepsilon^\top]B^\top = F_z .

    Unbiased like a sampled target, with lower variance (Martens, Sutskever &
    Swersky 2012, "Estimating the Hessian by back-propagating curvature", §4;
    kfac-jax's ``"fisher_curvature_prop"``). ``probabilities`` (softmax), if known,
    saves a softmax.
    """
    rng = check_rng(rng)
    n, k = outputs.shape
    eps = _rademacher(rng, (n, n_samples, k))
    if self.output == "softmax":
        p = np.exp(_log_softmax(outputs)) if probabilities is None else probabilities
        root = np.sqrt(p)[:, None, :]
        return root * eps - p[:, None, :] * np.sum(root * eps, axis=2, keepdims=True)
    return eps / self.noise_std


def output_fisher_gram(self: MLP, outputs: NDArray, V: NDArray,
                       probabilities: NDArray | None = None) -> NDArray:
    r""":math:`\sum_n V_n F_z(x_n) V_n^\top` for output perturbations ``V``
    ``[N, k, d_out]`` (a ``[k, k]`` matrix): :math:`\sum_n V_n(\operatorname{diag}
    p_n - p_n p_n^\top)V_n^\top` (softmax; ``probabilities`` :math:`p`, if known,
    saves a softmax) or :math:`\sum_n V_n V_n^\top/\sigma^2` (Gaussian)."""
    k = V.shape[1]
    if self.output == "softmax":
        p = np.exp(_log_softmax(outputs)) if probabilities is None else probabilities
        pv = V * p[:, None, :]
        flat, pflat = V.transpose(1, 0, 2).reshape(k, -1), pv.transpose(1, 0, 2).reshape(k, -1)
        mean = pv.sum(axis=2)  # p^T v per example and direction, [N, k]
        return flat @ pflat.T - mean.T @ mean
    flat = V.transpose(1, 0, 2).reshape(k, -1)
    return flat @ flat.T / self.noise_std**2


def output_fisher_quadratic(self: MLP, outputs: NDArray, v: NDArray) -> NDArray:
    r""":math:`v_n^\top F_z(x_n) v_n` per example: :math:`\sum_k p_k v_k^2 -
    (p^\top v)^2` (softmax) or :math:`\lVert v\rVert^2/\sigma^2` (Gaussian)."""
    return self.output_fisher_bilinear(outputs, v, v)


def output_fisher_bilinear(self: MLP, outputs: NDArray, v: NDArray, w: NDArray) -> NDArray:
    r""":math:`v_n^\top F_z(x_n) w_n` per example: :math:`\sum_k p_k v_k w_k -
    (p^\top v)(p^\top w)` (softmax) or :math:`v^\top w/\sigma^2` (Gaussian)."""
    if self.output == "softmax":
        p = np.exp(_log_softmax(outputs))
        return np.sum(p * v * w, axis=1) - np.sum(p * v, axis=1) * np.sum(p * w, axis=1)
    return np.sum(v * w, axis=1) / self.noise_std**2
