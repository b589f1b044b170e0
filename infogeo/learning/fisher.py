r"""Fisher information of an :class:`~infogeo.learning.mlp.MLP`: true vs empirical, and its
structured approximations (diagonal, block-diagonal, K-FAC, EKFAC).

Two different matrices are easily confused (Kunstner, Balles & Hennig 2019):

* the **true Fisher** takes the expectation of the score outer product over targets
  drawn from the *model's own predictive distribution*,

  .. math::

      F = \frac1N\sum_n E_{y\sim p(y\mid x_n,\theta)}
          \big[\nabla_\theta\ell_n\,\nabla_\theta\ell_n^\top\big]
        = \frac1N\sum_n J_n^\top F_z(x_n) J_n ;

  computed exactly (``method="exact"``, back-propagating the columns of a square root of
  the output Fisher :math:`F_z`) or by Monte Carlo (``method="monte_carlo"``, sampled
  targets, unbiased) or by curvature propagation (``method="curvature_prop"``, columns
  :math:`F_z^{1/2}\varepsilon` with random signs :math:`\varepsilon`, unbiased with lower
  variance);
* the **empirical Fisher** uses the *observed* targets instead,
  :math:`\tilde F = \frac1N\sum_n \nabla\ell_n(y_n)\,\nabla\ell_n(y_n)^\top` — it is not a
  Fisher information and in general not an estimate of :math:`F`.

Both are held as :class:`FisherStats`: per-example layer inputs :math:`a` and per-column
pre-activation gradients :math:`g` with column weights :math:`w_s`, so every approximation
below is computed from one representation:

.. math::

    F = c \sum_n \sum_s w_s\, v_{ns} v_{ns}^\top,\quad
    v_{ns} = \big(\operatorname{vec}(g_{l,ns}\, a_{l-1,n}^\top)\big)_l,\quad
    c = \tfrac1N \text{ (mean) or } 1 \text{ (sum)} .

``reduction="sum"`` is the Fisher of the summed loss (:math:`N` times the mean one), so
the damped natural-gradient step of the mean loss with damping :math:`\lambda` equals the
step of the summed loss with damping :math:`N\lambda`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive_int, check_rng
from ..estimators import BlockDiagonalFisher, KroneckerFactoredFisher
from .kronecker import EigenCorrectedKroneckerFisher, factored_damped_block
from .mlp import MLP, check_reduction

__all__ = [
    "FisherStats", "true_fisher_stats", "empirical_fisher_stats", "per_example_gradients",
    "flatten_params", "unflatten_params", "dense_fisher", "diagonal_fisher",
    "block_diagonal_fisher", "kfac_factors", "kfac_blocks", "ekfac_blocks",
    "network_fisher", "fisher_quadratic_form", "subsample_stats",
]


class FisherStats(NamedTuple):
    """Per-example curvature statistics (see module docstring).

    Attributes
    ----------
    kind : str
        ``"true-exact"``, ``"true-monte-carlo"``, ``"true-curvature-prop"`` or
        ``"empirical"``.
    inputs : list of arrays, shape=[N, d_in + 1]
    preactivation_grads : list of arrays, shape=[N, S, d_out]
    column_weights : array, shape=[S]
        :math:`w_s` (1 for exact columns and the empirical Fisher, 1/S for samples).
    loss : float or None
        Mean loss on the observed targets when they were given, else ``None``.
    """

    kind: str
    inputs: list[NDArray]
    preactivation_grads: list[NDArray]
    column_weights: NDArray
    loss: float | None = None

    @property
    def n_examples(self) -> int:
        return self.inputs[0].shape[0]


def _stats(kind: str, net: MLP, params: Sequence[NDArray], cache, out_grads: NDArray,
           weights: NDArray, loss: float | None) -> FisherStats:
    gs = net.backward(params, cache, out_grads)
    return FisherStats(kind, cache.inputs, gs, weights, loss)


def true_fisher_stats(net: MLP, params: Sequence[NDArray], X: ArrayLike, *,
                      method: str = "exact", n_samples: int = 1,
                      rng: np.random.Generator | None = None,
                      y: ArrayLike | None = None) -> FisherStats:
    r"""Statistics of the **true** Fisher (targets from the model, not the data).

    ``method="exact"`` back-propagates the :math:`K` columns of
    :meth:`MLP.output_fisher_sqrt` (exact expectation over the outputs);
    ``method="monte_carlo"`` back-propagates ``n_samples`` sampled targets per example,
    :math:`\partial\ell(\tilde y)/\partial z` with :math:`\tilde y \sim p(y\mid x,\theta)`;
    ``method="curvature_prop"`` back-propagates ``n_samples`` columns
    :math:`F_z^{1/2}\varepsilon` with Rademacher :math:`\varepsilon`
    (:meth:`MLP.random_sign_columns`). Both are unbiased for the exact statistics:

    .. math::

        E_{\tilde y}\big[\nabla_z\ell(\tilde y)\nabla_z\ell(\tilde y)^\top\big]
        = E_\varepsilon\big[F_z^{1/2}\varepsilon\varepsilon^\top F_z^{1/2\top}\big]
        = F_z .

    If observed targets ``y`` are given, the mean loss on them is recorded too (one
    forward pass serves both).
    """
    params = net.check_params(params)
    cache = net.forward(params, X)
    z = cache.outputs
    n = z.shape[0]
    loss = None
    if y is not None:
        loss = float(net.per_example_loss(z, net.check_targets(y, n)).mean())
    if method == "exact":
        cols = net.output_fisher_sqrt(z)
        return _stats("true-exact", net, params, cache, cols, np.ones(cols.shape[1]), loss)
    if method not in ("monte_carlo", "curvature_prop"):
        raise ValueError(f"method must be 'exact', 'monte_carlo' or 'curvature_prop', "
                         f"got {method!r}")
    n_samples = check_positive_int(n_samples, "n_samples")
    if rng is None:
        raise TypeError(f"rng must be a numpy.random.Generator for method={method!r}")
    rng = check_rng(rng)
    weights = np.full(n_samples, 1.0 / n_samples)
    if method == "curvature_prop":
        return _stats("true-curvature-prop", net, params, cache,
                      net.random_sign_columns(z, n_samples, rng), weights, loss)
    y_tilde = net.sample_targets(z, n_samples, rng)
    if net.output == "softmax":
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grads = np.repeat(p[:, None, :], n_samples, axis=1)
        np.put_along_axis(grads, y_tilde[..., None],
                          np.take_along_axis(grads, y_tilde[..., None], axis=2) - 1.0, axis=2)
    else:
        grads = (z[:, None, :] - y_tilde) / net.noise_std**2
    return _stats("true-monte-carlo", net, params, cache, grads, weights, loss)


def empirical_fisher_stats(net: MLP, params: Sequence[NDArray], X: ArrayLike,
                           y: ArrayLike) -> FisherStats:
    r"""Statistics of the **empirical** Fisher: scores at the *observed* targets ``y``."""
    params = net.check_params(params)
    cache = net.forward(params, X)
    yy = net.check_targets(y, cache.outputs.shape[0])
    loss = float(net.per_example_loss(cache.outputs, yy).mean())
    grads = net.output_gradient(cache.outputs, yy)[:, None, :]
    return _stats("empirical", net, params, cache, grads, np.ones(1), loss)


def subsample_stats(stats: FisherStats, offset: int, stride: int) -> FisherStats:
    """The statistics of examples ``offset, offset + stride, ...`` (``stride`` = 1: all)."""
    if stride == 1:
        return stats
    rows = slice(offset % stride, None, stride)
    return stats._replace(inputs=[a[rows] for a in stats.inputs],
                          preactivation_grads=[g[rows] for g in stats.preactivation_grads])


def _scale(stats: FisherStats, reduction: str) -> float:
    check_reduction(reduction)
    return 1.0 / stats.n_examples if reduction == "mean" else 1.0


def flatten_params(params: Sequence[NDArray]) -> NDArray:
    """Concatenate the column-major vecs of the layer matrices (the K-FAC ordering)."""
    return np.concatenate([np.asarray(w).ravel(order="F") for w in params])


def unflatten_params(vec: ArrayLike, shapes: Sequence[tuple[int, int]]) -> list[NDArray]:
    """Inverse of :func:`flatten_params`."""
    vec = np.asarray(vec, dtype=float)
    sizes = [o * i for o, i in shapes]
    if vec.shape != (sum(sizes),):
        raise ValueError(f"vec must have shape ({sum(sizes)},), got {vec.shape}")
    parts = np.split(vec, np.cumsum(sizes)[:-1])
    return [p.reshape(i, o).T for p, (o, i) in zip(parts, shapes, strict=True)]


def per_example_gradients(stats: FisherStats, layer: int | None = None) -> NDArray:
    r"""The vectors :math:`v_{ns}`, shape ``[N, S, P]`` (one layer's slice if ``layer``)."""
    layers = range(len(stats.inputs)) if layer is None else [layer]
    blocks = []
    for l in layers:
        a, g = stats.inputs[l], stats.preactivation_grads[l]
        # vec(g a^T) (column-major) = a kron g: input index slow, output index fast
        blocks.append(np.einsum("ni,nsj->nsij", a, g).reshape(a.shape[0], g.shape[1], -1))
    return np.concatenate(blocks, axis=-1)


def _weighted_gram(v: NDArray, w: NDArray, c: float) -> NDArray:
    vw = v * np.sqrt(w)[None, :, None]
    flat = vw.reshape(-1, v.shape[-1])
    return c * flat.T @ flat


def dense_fisher(stats: FisherStats, reduction: str = "mean") -> NDArray:
    """The full ``[P, P]`` matrix (exact for ``true-exact`` statistics; tiny nets only)."""
    return _weighted_gram(per_example_gradients(stats), stats.column_weights,
                          _scale(stats, reduction))


def block_diagonal_fisher(stats: FisherStats, reduction: str = "mean") -> list[NDArray]:
    """The per-layer diagonal blocks of :func:`dense_fisher`, without forming the rest."""
    c = _scale(stats, reduction)
    return [_weighted_gram(per_example_gradients(stats, l), stats.column_weights, c)
            for l in range(len(stats.inputs))]


def diagonal_fisher(stats: FisherStats, reduction: str = "mean") -> list[NDArray]:
    r"""The diagonal, one ``[d_out, d_in + 1]`` array per layer:
    :math:`c\sum_{n,s} w_s\, g_{ns}^{2}\,(a_n^{2})^\top`."""
    c = _scale(stats, reduction)
    return [c * np.einsum("nsj,ni,s->ji", g**2, a**2, stats.column_weights)
            for a, g in zip(stats.inputs, stats.preactivation_grads, strict=True)]


def kfac_factors(stats: FisherStats, reduction: str = "mean") -> list[tuple[NDArray, NDArray]]:
    r"""K-FAC factors per layer,

    .. math::

        A_l = \frac1N\sum_n a_{l-1,n} a_{l-1,n}^\top,\qquad
        G_l = c \sum_n\sum_s w_s\, g_{l,ns} g_{l,ns}^\top ,

    so that :math:`A_l\otimes G_l` carries the reduction scaling of the Fisher
    (:math:`A` is always a mean; ``sum`` multiplies :math:`G` by :math:`N`).
    """
    c = _scale(stats, reduction)
    n = stats.n_examples
    out = []
    w = stats.column_weights
    for a, g in zip(stats.inputs, stats.preactivation_grads, strict=True):
        flat = g.reshape(-1, g.shape[-1])
        if np.all(w == w[0]):  # equal weights: one Gram matrix, scaled afterwards
            G = w[0] * (flat.T @ flat)
        else:
            gw = (g * np.sqrt(w)[None, :, None]).reshape(-1, g.shape[-1])
            G = gw.T @ gw
        out.append((a.T @ a / n, c * G))
    return out


def kfac_blocks(stats: FisherStats, reduction: str = "mean",
                factored_damping: float | None = None) -> list[KroneckerFactoredFisher]:
    """One :class:`~infogeo.estimators.KroneckerFactoredFisher` per layer from
    :func:`kfac_factors`; with ``factored_damping`` the π-adjusted damping is put into
    the factors (see :func:`~infogeo.learning.kronecker.factored_damped_block`)."""
    if factored_damping is None:
        return [KroneckerFactoredFisher(A, G) for A, G in kfac_factors(stats, reduction)]
    return [factored_damped_block(A, G, factored_damping)
            for A, G in kfac_factors(stats, reduction)]


def ekfac_blocks(stats: FisherStats, reduction: str = "mean"
                 ) -> list[EigenCorrectedKroneckerFisher]:
    """EKFAC blocks: K-FAC eigenbases, eigenvalues re-fitted per coordinate."""
    c = _scale(stats, reduction)
    return [EigenCorrectedKroneckerFisher.from_statistics(a, g, stats.column_weights, c)
            for a, g in zip(stats.inputs, stats.preactivation_grads, strict=True)]


def network_fisher(blocks: Sequence) -> BlockDiagonalFisher:
    """Assemble per-layer blocks (matrices or approximations) into one
    :class:`~infogeo.estimators.BlockDiagonalFisher` over :func:`flatten_params` order."""
    sizes = [b.dim if hasattr(b, "dim") else np.asarray(b).shape[0] for b in blocks]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    groups = [np.arange(s, s + d) for s, d in zip(starts, sizes, strict=True)]
    return BlockDiagonalFisher(list(blocks), groups)


def fisher_quadratic_form(stats: FisherStats, deltas: Sequence[NDArray],
                          reduction: str = "mean") -> float:
    r""":math:`\delta^\top F\delta = c\sum_{n,s} w_s \big(\sum_l g_{l,ns}^\top \Delta_l
    a_{l-1,n}\big)^2` without forming :math:`F` (used by Levenberg–Marquardt)."""
    c = _scale(stats, reduction)
    proj = 0.0
    for a, g, d in zip(stats.inputs, stats.preactivation_grads, deltas, strict=True):
        proj = proj + (g * (a @ np.asarray(d).T)[:, None, :]).sum(axis=-1)
    return float(c * np.sum(stats.column_weights[None, :] * proj**2))
