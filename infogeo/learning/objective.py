r"""A training objective for an :class:`~infogeo.learning.mlp.MLP` on a fixed data set.

One forward pass serves the loss, its gradient and the curvature statistics: the
observed-label output gradient and the Monte Carlo (or exact) true-Fisher columns are
back-propagated together, so a K-FAC step costs one forward and one (wider) backward pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_positive_int, check_rng
from .fisher import FisherStats
from .mlp import MLP, check_reduction

__all__ = ["NetworkObjective"]


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
    fisher : {"monte_carlo", "exact", "empirical"}
        Which curvature statistics :meth:`stats` returns: the true Fisher by sampling
        targets from the model (``n_samples`` per example, fresh each call) or by the exact
        expectation over outputs, or the empirical Fisher (observed targets).
    rng : numpy.random.Generator
        Needed for ``fisher="monte_carlo"``.
    """

    def __init__(self, net: MLP, X: ArrayLike, y: ArrayLike, *, reduction: str = "mean",
                 fisher: str = "monte_carlo", n_samples: int = 1,
                 rng: np.random.Generator | None = None) -> None:
        check_reduction(reduction)
        if fisher not in ("monte_carlo", "exact", "empirical"):
            raise ValueError(f"fisher must be 'monte_carlo', 'exact' or 'empirical', "
                             f"got {fisher!r}")
        self.net, self.reduction, self.fisher = net, reduction, fisher
        self.X = net.check_inputs(X)
        self.y = net.check_targets(y, self.X.shape[0])
        self.n_samples = check_positive_int(n_samples, "n_samples")
        if fisher == "monte_carlo":
            self.rng = check_rng(rng)
        self._cache: tuple[list[NDArray], float, list[NDArray], FisherStats] | None = None

    @property
    def n_examples(self) -> int:
        return self.X.shape[0]

    def _scale(self) -> float:
        return 1.0 / self.n_examples if self.reduction == "mean" else 1.0

    def loss(self, params: Sequence[NDArray]) -> float:
        """:math:`L(\\theta)` (forward pass only)."""
        return self.net.loss(params, self.X, self.y, self.reduction)

    def _evaluate(self, params: Sequence[NDArray]) -> tuple[float, list[NDArray], FisherStats]:
        if self._cache is not None and _same(self._cache[0], params):
            return self._cache[1], self._cache[2], self._cache[3]
        net = self.net
        params = net.check_params(params)
        cache = net.forward(params, self.X)
        z = cache.outputs
        observed = net.output_gradient(z, self.y)[:, None, :]
        if self.fisher == "exact":
            cols = net.output_fisher_sqrt(z)
            weights = np.ones(cols.shape[1])
        elif self.fisher == "monte_carlo":
            y_tilde = net.sample_targets(z, self.n_samples, self.rng)
            if net.output == "softmax":
                cols = np.stack([net.output_gradient(z, y_tilde[:, s])
                                 for s in range(self.n_samples)], axis=1)
            else:
                cols = (z[:, None, :] - y_tilde) / net.noise_std**2
            weights = np.full(self.n_samples, 1.0 / self.n_samples)
        else:
            cols, weights = observed, np.ones(1)
        gs = net.backward(params, cache, np.concatenate([observed, cols], axis=1))
        c = self._scale()
        grads = [c * g[:, 0, :].T @ a for g, a in zip(gs, cache.inputs, strict=True)]
        value = float(c * net.per_example_loss(z, self.y).sum())
        kind = {"exact": "true-exact", "monte_carlo": "true-monte-carlo",
                "empirical": "empirical"}[self.fisher]
        stats = FisherStats(kind, cache.inputs, [g[:, 1:, :] for g in gs], weights,
                            float(net.per_example_loss(z, self.y).mean()))
        self._cache = ([p.copy() for p in params], value, grads, stats)
        return value, grads, stats

    def value_and_grad(self, params: Sequence[NDArray]) -> tuple[float, list[NDArray]]:
        """Loss and gradient (one matrix per layer); caches the curvature statistics."""
        value, grads, _ = self._evaluate(params)
        return value, grads

    def grad(self, params: Sequence[NDArray]) -> list[NDArray]:
        return self._evaluate(params)[1]

    def stats(self, params: Sequence[NDArray]) -> FisherStats:
        """Curvature statistics at ``params`` (from the cache when the same params were
        just evaluated, so the gradient and the curvature share their forward pass)."""
        return self._evaluate(params)[2]
