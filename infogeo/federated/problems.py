r"""Federated problems: a model (loss, gradient, Fisher of a parameter vector on local
data) and the data split among clients.

Every model works on one flat parameter vector :math:`\theta\in\mathbb R^d` and a mean
loss with an optional ridge term,

.. math::

    L_k(\theta) = \frac1{n_k}\sum_{i\in k}\ell(x_i, y_i;\theta)
    + \frac\rho2\lVert\theta\rVert^2, \qquad
    L(\theta) = \sum_k \frac{n_k}{N} L_k(\theta),

so the pooled loss is the example-weighted average of the client losses. The ridge is
the Fisher :math:`\rho I` of a Gaussian prior; it is not part of the client Fisher
statistics (K-FAC factors cannot hold it) but is added by the server to the damping.

Problems (:func:`make_problem`):

* ``"logistic"`` — multinomial logistic regression on the 8x8 digits
  (``MLP([64, 10])``, :math:`d = 650`); convex with a unique optimum;
* ``"mlp"`` — the tanh network ``MLP([64, 16, 10])`` of ``benchmarks/bench_kfac.py``
  (:math:`d = 1210`);
* ``"expfam"`` — maximum likelihood of an exponential family from samples split across
  clients: the normal in expectation parameters :math:`(E x, E x^2)` (:math:`d = 2`),
  where one natural-gradient step of size 1 lands on the MLE, the pooled mean of the
  sufficient statistic (the Fisher of the expectation chart is the inverse of the
  natural chart's; Amari & Nagaoka 2000, §3.5).

All are split by Dirichlet label skew (:func:`~infogeo.federated.data.dirichlet_partition`;
the MLE problem by quantile bins of the observations).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._checks import check_positive, check_positive_int
from ..learning import (
    MLP,
    dense_fisher,
    diagonal_fisher,
    flatten_params,
    kfac_factors,
    true_fisher_stats,
    unflatten_params,
)
from ..manifolds.base import StatisticalManifold
from .curvature import APPROXIMATIONS, Curvature
from .data import dirichlet_partition, load_digits, quantile_labels

__all__ = ["NetworkModel", "FamilyModel", "FederatedProblem", "make_problem", "PROBLEMS"]

PROBLEMS = ("logistic", "mlp", "expfam")


def _check_approximation(approximation: str) -> None:
    if approximation not in APPROXIMATIONS:
        raise ValueError(f"fisher must be one of {APPROXIMATIONS}, got {approximation!r}")


class NetworkModel:
    """A :class:`~infogeo.learning.MLP` with softmax output on a flat parameter vector
    (:func:`~infogeo.learning.flatten_params` order), with ridge ``l2``."""

    def __init__(self, net: MLP, l2: float = 0.0) -> None:
        if net.output != "softmax":
            raise ValueError("NetworkModel needs a softmax network (classification)")
        check_positive(l2, "l2", strict=False)
        self.net, self.l2 = net, float(l2)
        self.dim = net.n_params
        self.layer_shapes: list[tuple[int, int]] | None = net.shapes
        self.has_accuracy = True

    def init_params(self, rng: np.random.Generator) -> NDArray:
        return flatten_params(self.net.init_params(rng))

    def _params(self, theta: NDArray) -> list[NDArray]:
        return unflatten_params(theta, self.net.shapes)

    def value_and_grad(self, theta: NDArray, X: NDArray, y: NDArray) -> tuple[float, NDArray]:
        value, grads = self.net.value_and_grad(self._params(theta), X, y)
        return (value + 0.5 * self.l2 * float(theta @ theta),
                flatten_params(grads) + self.l2 * theta)

    def loss(self, theta: NDArray, X: NDArray, y: NDArray) -> float:
        return self.net.loss(self._params(theta), X, y) + 0.5 * self.l2 * float(theta @ theta)

    def fisher(self, theta: NDArray, X: NDArray, y: NDArray, approximation: str) -> Curvature:
        """True Fisher of the mean data loss (expectation over the model's labels, exact)."""
        _check_approximation(approximation)
        if approximation == "exact" and self.net.n_layers == 1:
            return self._linear_fisher(theta, X)
        stats = true_fisher_stats(self.net, self._params(theta), X, method="exact")
        if approximation == "exact":
            return dense_fisher(stats)
        if approximation == "diagonal":
            return flatten_params(diagonal_fisher(stats))
        return [(a, g) for a, g in kfac_factors(stats)]

    def _linear_fisher(self, theta: NDArray, X: NDArray) -> NDArray:
        r"""Exact Fisher of a one-layer (logistic) model,
        :math:`F = \frac1n\sum_i (a_ia_i^\top)\otimes F_z(x_i)` with
        :math:`F_z = \operatorname{diag}(p) - pp^\top`: one ``[d_in^2, n] @ [n, K^2]``
        product instead of the Gram matrix of :math:`nK` per-example gradients (ten times
        fewer operations for ten classes)."""
        a = np.concatenate([X, np.ones((len(X), 1))], axis=1)
        p = self.net.predict_proba(self._params(theta), X)
        fz = p[:, :, None] * (np.eye(p.shape[1])[None] - p[:, None, :])
        n, m, k = len(X), a.shape[1], p.shape[1]
        t = (a[:, :, None] * a[:, None, :]).reshape(n, m * m).T @ fz.reshape(n, k * k) / n
        # t[(i, i'), (j, j')] -> F[(i, j), (i', j')]: input index slow, class index fast
        return t.reshape(m, m, k, k).transpose(0, 2, 1, 3).reshape(m * k, m * k)

    def n_correct(self, theta: NDArray, X: NDArray, y: NDArray) -> int:
        proba = self.net.predict_proba(self._params(theta), X)
        return int(np.sum(proba.argmax(axis=1) == y))


class FamilyModel:
    r"""Maximum likelihood in a statistical manifold (any chart): loss
    :math:`-\frac1n\sum_i\log p(x_i\mid\theta)`, gradient :math:`-\bar s`, exact Fisher
    ``metric_matrix(theta)`` (the same on every client: it does not depend on the data)."""

    def __init__(self, manifold: StatisticalManifold, l2: float = 0.0) -> None:
        check_positive(l2, "l2", strict=False)
        self.manifold, self.l2 = manifold, float(l2)
        self.dim = manifold.dim
        self.layer_shapes = None
        self.has_accuracy = False

    def value_and_grad(self, theta: NDArray, X: NDArray, y: NDArray | None = None
                       ) -> tuple[float, NDArray]:
        value = -float(np.mean(self.manifold.log_prob(X, theta)))
        grad = -np.mean(self.manifold.score(X, theta), axis=0)
        return value + 0.5 * self.l2 * float(theta @ theta), grad + self.l2 * theta

    def loss(self, theta: NDArray, X: NDArray, y: NDArray | None = None) -> float:
        return -float(np.mean(self.manifold.log_prob(X, theta))) \
            + 0.5 * self.l2 * float(theta @ theta)

    def fisher(self, theta: NDArray, X: NDArray, y: NDArray | None,
               approximation: str) -> Curvature:
        _check_approximation(approximation)
        metric = self.manifold.metric_matrix(theta)
        if approximation == "exact":
            return metric
        if approximation == "diagonal":
            return np.diag(metric).copy()
        raise ValueError("fisher='kfac' needs a layered network; the MLE problem has "
                         "'exact' and 'diagonal'")

    def n_correct(self, theta: NDArray, X: NDArray, y: NDArray) -> int:
        raise NotImplementedError("FamilyModel.n_correct: an MLE problem has no accuracy")


@dataclass(frozen=True, eq=False)
class FederatedProblem:
    """A model and its training data split among clients.

    Attributes
    ----------
    name : str
    model : NetworkModel or FamilyModel
    X : array
        The pooled training inputs. The algorithms never see them; they are used to
        measure the global loss of a simulation.
    y : array or None
        The pooled labels (``None`` for an MLE problem).
    partitions : list of int arrays
        Indices of each client's examples.
    theta0 : array, shape=[d]
        The common starting point.
    default_fisher : str
        The Fisher approximation the natural-gradient strategies use unless told
        (``"exact"``; ``"kfac"`` for the MLP).
    """

    name: str
    model: NetworkModel | FamilyModel
    X: NDArray
    y: NDArray | None
    partitions: list[NDArray]
    theta0: NDArray
    default_fisher: str = "exact"

    @property
    def n_clients(self) -> int:
        return len(self.partitions)

    @property
    def dim(self) -> int:
        return self.model.dim

    def client_data(self, k: int) -> tuple[NDArray, NDArray | None]:
        if not 0 <= k < self.n_clients:
            raise ValueError(f"client must be in [0, {self.n_clients}), got {k}")
        idx = self.partitions[k]
        return self.X[idx], None if self.y is None else self.y[idx]

    def n_examples(self, k: int) -> int:
        return int(self.partitions[k].size)

    def loss(self, theta: NDArray) -> float:
        """The global training loss on the pooled data."""
        return self.model.loss(theta, self.X, self.y)

    def accuracy(self, theta: NDArray) -> float | None:
        if not self.model.has_accuracy:
            return None
        return self.model.n_correct(theta, self.X, self.y) / len(self.X)

    @functools.cached_property
    def optimum(self) -> tuple[NDArray, float]:
        """``(theta*, L*)``: centralized natural gradient with the exact Fisher on the
        pooled data, run until the gradient norm stops decreasing (a local minimum for
        the MLP; the global one for the convex problems)."""
        from .centralized import centralized_natural_gradient
        res = centralized_natural_gradient(self, approximation="exact", max_iter=200,
                                           gtol=1e-10)
        return res.theta, res.losses[-1]


def _digits_problem(name: str, layers: Sequence[int], l2: float, n_clients: int,
                    alpha: float, seed: int, n_data: int) -> FederatedProblem:
    X, y = load_digits(n_data, seed=seed)
    parts = dirichlet_partition(y, n_clients, alpha, np.random.default_rng([seed, 1]))
    model = NetworkModel(MLP(layers, activation="tanh", output="softmax"), l2=l2)
    theta0 = model.init_params(np.random.default_rng([seed, 2]))
    return FederatedProblem(name, model, X, y, parts, theta0,
                            default_fisher="exact" if len(layers) == 2 else "kfac")


def _expfam_problem(n_clients: int, alpha: float, seed: int, n_data: int,
                    manifold: StatisticalManifold | None, true_theta, theta0
                    ) -> FederatedProblem:
    from ..manifolds import Normal
    manifold = Normal(chart="expectation") if manifold is None else manifold
    rng = np.random.default_rng([seed, 3])
    if true_theta is None:  # N(1, 2^2) in expectation parameters (E x, E x^2)
        true_theta = np.array([1.0, 5.0])
    X = manifold.sample(np.asarray(true_theta, dtype=float), n_data, rng)
    parts = dirichlet_partition(quantile_labels(X), n_clients, alpha,
                                np.random.default_rng([seed, 1]))
    if theta0 is None:
        theta0 = np.array([0.0, 1.0])  # N(0, 1)
    return FederatedProblem("expfam", FamilyModel(manifold), X, None, parts,
                            np.asarray(theta0, dtype=float), default_fisher="exact")


@functools.lru_cache(maxsize=16)
def _cached(name: str, n_clients: int, alpha: float, seed: int, n_data: int | None,
            l2: float | None) -> FederatedProblem:
    if name == "logistic":
        return _digits_problem(name, [64, 10], 1e-3 if l2 is None else l2, n_clients,
                               alpha, seed, n_data or 1797)
    if name == "mlp":
        return _digits_problem(name, [64, 16, 10], 1e-4 if l2 is None else l2, n_clients,
                               alpha, seed, n_data or 1797)
    return _expfam_problem(n_clients, alpha, seed, n_data or 2000, None, None, None)


def make_problem(problem: str | FederatedProblem = "logistic", n_clients: int = 8,
                 alpha: float = 0.5, seed: int = 0, n_data: int | None = None,
                 l2: float | None = None) -> FederatedProblem:
    """Build (or pass through) a federated problem; deterministic in its arguments, so
    every Flower client process rebuilds the same split from the run configuration.

    Parameters
    ----------
    problem : {"logistic", "mlp", "expfam"} or FederatedProblem
    n_clients : int
    alpha : float
        Dirichlet concentration of the label skew (0.1 strongly non-IID .. 10 near IID).
    seed : int
        Seeds the data, the split and the starting point.
    n_data : int, optional
        Number of pooled examples (1797 digits, 2000 MLE samples by default).
    l2 : float, optional
        Ridge :math:`\\rho` (1e-3 logistic, 1e-4 MLP, 0 MLE by default).
    """
    if isinstance(problem, FederatedProblem):
        return problem
    if problem not in PROBLEMS:
        raise ValueError(f"problem must be one of {PROBLEMS} or a FederatedProblem, "
                         f"got {problem!r}")
    n_clients = check_positive_int(n_clients, "n_clients")
    check_positive(alpha, "alpha")
    if n_data is not None:
        n_data = check_positive_int(n_data, "n_data")
    if problem == "expfam" and l2 not in (None, 0, 0.0):
        raise ValueError("l2 must be 0 for the MLE problem (a ridge on natural parameters "
                         "would change the estimator)")
    return _cached(problem, n_clients, float(alpha), int(seed), n_data,
                   None if l2 is None else float(l2))
