r"""A training objective for an :class:`~infogeo.learning.mlp.MLP` on a fixed data set.

One forward pass serves the loss, its gradient and the curvature statistics: the
observed-label output gradient and the Monte Carlo (or exact) true-Fisher columns are
back-propagated together, so a K-FAC step costs one forward and one (wider) backward pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive, check_positive_int, check_rng
from .fisher import FisherStats
from .mlp import MLP, check_reduction, sample_categorical

__all__ = ["NetworkObjective"]

#: ``fisher=`` option -> :attr:`FisherStats.kind` of the statistics it computes
_FISHER_KINDS = {"monte_carlo": "true-monte-carlo", "curvature_prop": "true-curvature-prop",
                 "exact": "true-exact", "empirical": "empirical"}


def _same(a: Sequence[NDArray] | None, b: Sequence[NDArray]) -> bool:
    return a is not None and all(x is y or np.array_equal(x, y)
                                 for x, y in zip(a, b, strict=True))


class NetworkObjective:
    r"""Loss :math:`L(\theta) = c\sum_n \ell_n(\theta)` of ``net`` on ``(X, y)``.

    Parameters
    ----------
    net : MLP
    X, y : arrays
        Inputs ``[N, d_0]`` and targets (labels ``[N]`` or values ``[N, d_L]``).
    reduction : {"mean", "sum"}
        :math:`c = 1/N` or :math:`1`; gradients and curvature share it.
    fisher : {"monte_carlo", "curvature_prop", "exact", "empirical", "none"}
        Which curvature statistics :meth:`stats` returns: the true Fisher by sampling
        targets from the model (``n_samples`` per example, fresh each call), by
        curvature propagation with random signs (``n_samples`` Rademacher vectors
        :math:`\varepsilon` per example, columns :math:`F_z^{1/2}\varepsilon`; unbiased
        like sampling, lower variance; kfac-jax's default estimator, see
        :meth:`MLP.random_sign_columns`) or by the exact expectation over outputs, or the
        empirical Fisher (observed targets); ``"none"`` computes no curvature
        (first-order optimizers pay only for the gradient).
    rng : numpy.random.Generator
        Needed for ``fisher="monte_carlo"`` and ``"curvature_prop"``.
    l2_reg : float
        Weight decay :math:`\lambda_2 \ge 0` folded into the objective,
        :math:`L(\theta) + \tfrac{\lambda_2}2\lVert\theta\rVert^2` (all weights and
        biases); the K-FAC and natural-gradient pieces add :math:`\lambda_2 I` to the
        curvature (kfac-jax's ``l2_reg``). :meth:`data_loss` is the loss without it.
    """

    def __init__(self, net: MLP, X: ArrayLike, y: ArrayLike, *, reduction: str = "mean",
                 fisher: str = "monte_carlo", n_samples: int = 1,
                 rng: np.random.Generator | None = None, l2_reg: float = 0.0) -> None:
        check_reduction(reduction)
        if fisher != "none" and fisher not in _FISHER_KINDS:
            raise ValueError(f"fisher must be one of {(*_FISHER_KINDS, 'none')}, "
                             f"got {fisher!r}")
        self.net, self.reduction, self.fisher = net, reduction, fisher
        self.X = net.check_inputs(X)
        self.y = net.check_targets(y, self.X.shape[0])
        self.n_samples = check_positive_int(n_samples, "n_samples")
        if fisher in ("monte_carlo", "curvature_prop"):
            self.rng = check_rng(rng)
        check_positive(float(as_finite_array(l2_reg, "l2_reg")), "l2_reg", strict=False)
        self.l2_reg = float(l2_reg)
        self._cache: tuple | None = None
        self._previous: tuple | None = None

    @property
    def n_examples(self) -> int:
        return self.X.shape[0]

    def _scale(self) -> float:
        return 1.0 / self.n_examples if self.reduction == "mean" else 1.0

    def _decay(self, params: Sequence[NDArray]) -> float:
        if not self.l2_reg:
            return 0.0
        return 0.5 * self.l2_reg * float(sum(np.vdot(w, w) for w in params))

    def data_loss(self, params: Sequence[NDArray]) -> float:
        """The loss on the data alone, without the weight decay (forward pass only)."""
        return self.net.loss(params, self.X, self.y, self.reduction)

    def loss(self, params: Sequence[NDArray]) -> float:
        """:math:`L(\\theta) + \\tfrac{\\lambda_2}2\\lVert\\theta\\rVert^2` (forward pass
        only)."""
        return self.data_loss(params) + self._decay(params)

    def _probabilities(self, observed: NDArray) -> NDArray | None:
        """Softmax probabilities from the output gradient :math:`p - e_y` (no second
        softmax); None for a Gaussian output."""
        if self.net.output != "softmax":
            return None
        p = observed.copy()
        p[np.arange(len(self.y)), self.y] += 1.0
        return p

    def _lookup(self, params: Sequence[NDArray]) -> tuple | None:
        """The cached evaluation at ``params`` (the last one, or the one before: a
        Levenberg–Marquardt judge revisits the previous point), else None."""
        for entry in (self._cache, self._previous):
            if entry is not None and _same(entry[0], params):
                return entry
        return None

    def _store(self, entry: tuple) -> None:
        self._previous, self._cache = self._cache, entry

    def _forward_at(self, params: Sequence[NDArray]) -> tuple:
        """``(forward cache, softmax probabilities or None)`` at ``params``, reusing a
        cached evaluation's forward pass when there is one."""
        entry = self._lookup(params)
        if entry is not None:
            return entry[4], entry[5]
        return self.net._forward(self.net.check_params(params), self.X), None

    def _evaluate(self, params: Sequence[NDArray]
                  ) -> tuple[float, list[NDArray], FisherStats | None]:
        entry = self._lookup(params)
        if entry is not None:
            return entry[1], entry[2], entry[3]
        net = self.net
        params = net.check_params(params)
        cache = net._forward(params, self.X)
        z = cache.outputs
        per, observed = net.loss_and_output_gradient(z, self.y)
        observed = observed[:, None, :]
        c = self._scale()
        value = float(c * per.sum()) + self._decay(params)
        if self.fisher == "none":
            gs = net.backward(params, cache, observed[:, 0, :])
            grads = [c * g.T @ a for g, a in zip(gs, cache.inputs, strict=True)]
            if self.l2_reg:
                grads = [g + self.l2_reg * w for g, w in zip(grads, params, strict=True)]
            self._store(([p.copy() for p in params], value, grads, None, cache,
                         self._probabilities(observed[:, 0, :])))
            return value, grads, None
        if self.fisher == "exact":
            cols = net.output_fisher_sqrt(z)
            weights = np.ones(cols.shape[1])
        elif self.fisher == "monte_carlo":
            if net.output == "softmax":
                p = observed[:, 0, :].copy()
                p[np.arange(len(self.y)), self.y] += 1.0  # undo p - e_y
                labels = sample_categorical(p, self.n_samples, self.rng)
                cols = np.repeat(p[:, None, :], self.n_samples, axis=1)
                np.put_along_axis(cols, labels[..., None],
                                  np.take_along_axis(cols, labels[..., None], axis=2) - 1.0,
                                  axis=2)
            else:
                y_tilde = net.sample_targets(z, self.n_samples, self.rng)
                cols = (z[:, None, :] - y_tilde) / net.noise_std**2
            weights = np.full(self.n_samples, 1.0 / self.n_samples)
        elif self.fisher == "curvature_prop":
            cols = net.random_sign_columns(z, self.n_samples, self.rng,
                                           self._probabilities(observed[:, 0, :]))
            weights = np.full(self.n_samples, 1.0 / self.n_samples)
        else:
            cols, weights = observed, np.ones(1)
        gs = net.backward(params, cache, np.concatenate([observed, cols], axis=1))
        grads = [c * np.ascontiguousarray(g[:, 0, :]).T @ a
                 for g, a in zip(gs, cache.inputs, strict=True)]
        if self.l2_reg:
            grads = [g + self.l2_reg * w for g, w in zip(grads, params, strict=True)]
        stats = FisherStats(_FISHER_KINDS[self.fisher], cache.inputs,
                            [g[:, 1:, :] for g in gs], weights, float(per.mean()))
        self._store(([p.copy() for p in params], value, grads, stats, cache,
                     self._probabilities(observed[:, 0, :])))
        return value, grads, stats

    def fisher_quadratic_form(self, params: Sequence[NDArray],
                              directions: Sequence[NDArray]) -> float:
        r"""Exact :math:`\Delta^\top F\Delta` of the **true** Fisher (expectation over the
        model's outputs, no sampling), through one forward-mode pass:

        .. math::

            \Delta^\top F \Delta = c\sum_n (J_n\Delta)^\top F_z(x_n)\,(J_n\Delta),
            \qquad c = 1/N \text{ (mean) or } 1 \text{ (sum)} .

        Reuses the forward pass of the last two evaluations when ``params`` are the same.
        """
        cache = self._forward_at(params)[0]
        v = self.net.output_jvp(params, cache, directions)
        return float(self._scale() * self.net.output_fisher_quadratic(cache.outputs, v).sum())

    def fisher_gram(self, params: Sequence[NDArray],
                    vectors: Sequence[Sequence[NDArray]]) -> NDArray:
        r"""Gram matrix :math:`C_{ij} = v_i^\top F v_j` of the exact true Fisher (no
        sampling, no weight decay), one forward-mode pass for all vectors together:
        :math:`C_{ij} = c\sum_n (J_n v_i)^\top F_z(x_n)(J_n v_j)`. This is the
        :class:`~infogeo.flows.protocols.QuadraticForm` of the quadratic-model steps."""
        cache, probs = self._forward_at(params)
        V = self.net.output_jvps(params, cache, vectors)  # all directions in one pass
        gram = self._scale() * self.net.output_fisher_gram(cache.outputs, V, probs)
        return 0.5 * (gram + gram.T)

    def value_and_grad(self, params: Sequence[NDArray]) -> tuple[float, list[NDArray]]:
        """Loss and gradient (one matrix per layer); caches the curvature statistics."""
        value, grads, _ = self._evaluate(params)
        return value, grads

    def grad(self, params: Sequence[NDArray]) -> list[NDArray]:
        return self._evaluate(params)[1]

    def stats(self, params: Sequence[NDArray]) -> FisherStats:
        """Curvature statistics at ``params`` (from the cache when the same params were
        just evaluated, so the gradient and the curvature share their forward pass)."""
        if self.fisher == "none":
            raise ValueError("this objective was built with fisher='none'; it has no "
                             "curvature statistics")
        stats = self._evaluate(params)[2]
        assert stats is not None  # only fisher="none" computes none
        return stats
