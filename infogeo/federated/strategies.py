r"""Server strategies, independent of the engine that carries the messages.

A round of a strategy is a sequence of *phases*; in each the server sends the model and
an instruction to the sampled clients (:meth:`AbstractStrategy.instruction`), checks the
replies and folds them in (:meth:`AbstractStrategy.aggregate`). The same objects run on
Flower (:mod:`infogeo.federated.flower`) and in the plain in-process loop.

======================  ======================  ==========================================
name                    phases                  server update
======================  ======================  ==========================================
``fedavg``              local_sgd               :math:`\theta\leftarrow\sum_k w_k\theta_k`
``fedavgm``             local_sgd               server momentum on :math:`\theta-\bar\theta`
``natural_gradient``    stats                   :math:`\theta\leftarrow\theta-\eta
                                                (\bar F+\lambda I)^{-1}\bar g`
``fisher_merge``        merge_train             :func:`fisher_merge` of local models
``fisher_flow``         stats, local_flow       average of drift-corrected local flows
======================  ======================  ==========================================

FedAvg: McMahan et al. (2017), *Communication-efficient learning of deep networks from
decentralized data*. Server momentum (FedAvgM): Hsu, Qi & Brown (2019),

.. math::

    v \leftarrow \beta v + (\theta - \textstyle\sum_k w_k\theta_k), \qquad
    \theta \leftarrow \theta - \eta_s v .
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._checks import check_positive, check_positive_int
from .aggregation import aggregate_natural_gradient, fisher_merge, weighted_average
from .curvature import (
    APPROXIMATIONS,
    average_curvature,
    curvature_matvec,
    curvature_to_arrays,
)

__all__ = ["AbstractStrategy", "FedAvg", "NaturalGradient", "FisherMerge", "FisherFlow",
           "STRATEGIES", "make_strategy", "ClientReport"]


class ClientReport:
    """One checked client reply: ``client`` id, ``arrays``, ``metrics`` (``n``, ``loss``)
    and the ``curvature`` it carries (or None)."""

    def __init__(self, client: int, arrays: dict[str, NDArray], metrics: dict[str, float],
                 curvature: Any = None) -> None:
        self.client, self.arrays, self.metrics, self.curvature = client, arrays, metrics, curvature

    @property
    def n(self) -> float:
        return float(self.metrics["n"])


def _weights(reports: list[ClientReport]) -> NDArray:
    return np.array([r.n for r in reports])


class AbstractStrategy(abc.ABC):
    """A federated algorithm as server-side array code (see module docstring)."""

    name: str = "abstract"
    phases: tuple[str, ...] = ()
    #: the Fisher approximation clients send ("" if none)
    fisher: str = ""

    def init_state(self, theta: NDArray) -> dict[str, Any]:
        """Server-side state kept across rounds (momentum buffers, ...)."""
        return {}

    def instruction(self, phase: str, theta: NDArray, state: dict[str, Any], problem
                    ) -> tuple[dict[str, NDArray], dict[str, Any]]:
        """Arrays (besides the model) and configuration values sent in ``phase``."""
        return {}, self.config(problem)

    def config(self, problem) -> dict[str, Any]:
        return {}

    @abc.abstractmethod
    def aggregate(self, phase: str, theta: NDArray, state: dict[str, Any],
                  reports: list[ClientReport], problem) -> NDArray:
        """Fold the checked reports of ``phase`` in; return the (new) model."""

    def describe(self) -> str:
        return self.name


class FedAvg(AbstractStrategy):
    """FedAvg (``momentum=0``) and FedAvgM (``momentum > 0``): local minibatch SGD,
    example-weighted averaging, optional server momentum and server step ``server_lr``."""

    phases = ("local_sgd",)

    def __init__(self, lr: float = 0.5, local_epochs: int = 2, batch_size: int = 32,
                 momentum: float = 0.0, server_lr: float = 1.0) -> None:
        check_positive(lr, "lr")
        check_positive(server_lr, "server_lr")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.lr, self.momentum, self.server_lr = float(lr), float(momentum), float(server_lr)
        self.local_epochs = check_positive_int(local_epochs, "local_epochs")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.name = "fedavgm" if momentum > 0 else "fedavg"

    def config(self, problem) -> dict[str, Any]:
        return {"lr": self.lr, "local_epochs": self.local_epochs,
                "batch_size": self.batch_size}

    def init_state(self, theta: NDArray) -> dict[str, Any]:
        return {"velocity": np.zeros_like(theta)}

    def aggregate(self, phase, theta, state, reports, problem) -> NDArray:
        average = weighted_average([r.arrays["params"] for r in reports], _weights(reports))
        state["velocity"] = self.momentum * state["velocity"] + (theta - average)
        return theta - self.server_lr * state["velocity"]


def _check_fisher(fisher: str) -> str:
    if fisher not in APPROXIMATIONS:
        raise ValueError(f"fisher must be one of {APPROXIMATIONS}, got {fisher!r}")
    return fisher


class NaturalGradient(AbstractStrategy):
    r"""Federated natural gradient: clients send :math:`g_k` and :math:`F_k` at the
    server model; the server steps along :math:`\Delta` of
    :func:`~infogeo.federated.aggregate_natural_gradient` with damping
    :math:`\lambda + \rho` (``damping`` plus the problem's ridge).

    A full natural-gradient (Newton-like) step can overshoot far from the optimum, and a
    server cannot search a line without more rounds. With ``adapt_damping`` (default)
    the server runs Levenberg–Marquardt on the losses the clients report with their
    statistics, which costs no extra communication: the loss at a new model arrives with
    the next round's statistics, and

    .. math::

        \varrho = \frac{L(\theta_{new}) - L(\theta)}{-\eta\,\bar g^\top\Delta
        + \tfrac12\eta^2\Delta^\top(\bar F + \rho I)\Delta}, \qquad
        \lambda \leftarrow \begin{cases}\tfrac23\lambda & \varrho > \tfrac34\\
        \tfrac32\lambda & \varrho < \tfrac14\end{cases}

    (Moré 1978; Martens & Grosse 2015, §6.5); a step that increases the loss is undone
    (the server recomputes the step from the statistics it kept, with
    :math:`4\lambda`). Losses are compared on the clients that reported in both rounds.
    ``max_kl`` (default 0.5 nats; None: off) caps the step by the local KL of the model
    change, :math:`\tfrac12\eta^2\Delta^\top\bar F\Delta \le` ``max_kl`` (a KL trust
    region, as in :func:`infogeo.flows.kl_trust_region`): it tames the first, large
    steps far from the optimum and leaves the full steps near it.
    """

    name = "natural_gradient"
    phases = ("stats",)

    def __init__(self, fisher: str | None = None, lr: float = 1.0, damping: float = 1e-3,
                 adapt_damping: bool = True, max_kl: float | None = 0.5) -> None:
        check_positive(lr, "lr")
        check_positive(damping, "damping", strict=False)
        if max_kl is not None:
            check_positive(max_kl, "max_kl")
        self.fisher = "" if fisher is None else _check_fisher(fisher)
        self.lr, self.damping = float(lr), float(damping)
        self.adapt_damping, self.max_kl = bool(adapt_damping), max_kl

    def bind(self, problem) -> None:
        """Take the problem's default approximation if none was chosen."""
        if not self.fisher:
            self.fisher = problem.default_fisher
        if self.fisher == "kfac" and problem.model.layer_shapes is None:
            raise ValueError(f"fisher='kfac' needs a layered network; problem "
                             f"{problem.name!r} has 'exact' and 'diagonal'")

    def config(self, problem) -> dict[str, Any]:
        return {"fisher": self.fisher}

    def total_damping(self, problem) -> float:
        return self.damping + problem.model.l2

    def init_state(self, theta: NDArray) -> dict[str, Any]:
        return {"damping": self.damping, "kept": None, "predicted": None}

    def aggregate(self, phase, theta, state, reports, problem) -> NDArray:
        memory = state.setdefault("memory", {})
        accept = True
        if self.adapt_damping and state["kept"] is not None:
            change = _common_loss_change(
                {k: (r.n, float(r.metrics["loss"])) for k, r in memory.items()},
                {r.client: (r.n, float(r.metrics["loss"])) for r in reports})
            if change is None or change < 0:  # accepted: adapt lambda to the model fit
                ratio = None if change is None else change / state["predicted"]
                if ratio is not None and ratio > 0.75:
                    state["damping"] = max(state["damping"] * 2 / 3, 1e-8)
                elif ratio is not None and ratio < 0.25:
                    state["damping"] = min(state["damping"] * 1.5, 1e8)
            else:  # the loss went up: undo the step, damp more
                state["damping"] = min(state["damping"] * 4, 1e8)
                accept = False
        if accept:
            # the latest statistics of every client that ever reported: clients that
            # dropped out or were not sampled keep their last report (as in MIFA, Gu et
            # al. 2021), so a round with few non-IID clients does not steer by them alone
            memory.update({r.client: r for r in reports})
            known = list(memory.values())
            w = _weights(known) / _weights(known).sum()
            state["kept"] = {"theta": theta,
                             "grad": w @ np.asarray([r.arrays["grad"] for r in known]),
                             "fisher": average_curvature([r.curvature for r in known], w)}
        return self._step(state["kept"], state, problem)

    def _step(self, stats, state, problem) -> NDArray:
        rho = problem.model.l2
        lam = (state["damping"] if self.adapt_damping else self.damping) + rho
        g, fisher = stats["grad"], stats["fisher"]
        delta = aggregate_natural_gradient([g], [fisher], [1.0], lam)
        quad = float(delta @ curvature_matvec(fisher, delta))
        eta = self.lr
        if self.max_kl is not None and quad > 0:
            eta = min(eta, float(np.sqrt(2 * self.max_kl / quad)))
        state["predicted"] = -eta * float(g @ delta) + 0.5 * eta**2 * (
            quad + rho * float(delta @ delta))
        return stats["theta"] - eta * delta

    def describe(self) -> str:
        return f"{self.name} ({self.fisher} Fisher)"


def _common_loss_change(before: dict, after: dict) -> float | None:
    """Weighted mean loss change on the clients present in both rounds (None if none)."""
    common = sorted(set(before) & set(after))
    if not common:
        return None
    n = np.array([after[k][0] for k in common])
    old = np.array([before[k][1] for k in common])
    new = np.array([after[k][1] for k in common])
    return float(n @ (new - old) / n.sum())


class FisherMerge(NaturalGradient):
    """Fisher-weighted merging of locally trained models (one shot with ``rounds=1``;
    repeated, each round starts the clients from the last merge)."""

    name = "fisher_merge"
    phases = ("merge_train",)

    def __init__(self, fisher: str | None = None, lr: float = 0.5, local_epochs: int = 5,
                 batch_size: int = 32, damping: float = 1e-4) -> None:
        super().__init__(fisher, lr, damping, adapt_damping=False)
        self.local_epochs = check_positive_int(local_epochs, "local_epochs")
        self.batch_size = check_positive_int(batch_size, "batch_size")

    def config(self, problem) -> dict[str, Any]:
        return {"fisher": self.fisher, "lr": self.lr, "local_epochs": self.local_epochs,
                "batch_size": self.batch_size}

    def aggregate(self, phase, theta, state, reports, problem) -> NDArray:
        return fisher_merge([r.arrays["params"] for r in reports],
                            [r.curvature for r in reports], _weights(reports),
                            damping=self.total_damping(problem), anchor=theta)


class FisherFlow(NaturalGradient):
    r"""Local Fisher-flow steps with server drift correction (two phases per round):

    1. ``stats``: clients send :math:`g_k(\theta_r)`, :math:`F_k(\theta_r)`; the server
       aggregates :math:`\bar g`, :math:`\bar F`;
    2. ``local_flow``: it sends them back; each client takes ``local_steps`` steps of
       the corrected flow (see :mod:`infogeo.federated.client`) and returns its model
       :math:`\theta_k`; the server merges the models with the clients' own Fishers
       from phase 1 (:func:`~infogeo.federated.fisher_merge`, anchored at
       :math:`\theta_r`).

    Why the Fisher-weighted merge corrects the drift: if every client's corrected local
    objective :math:`S_k(\theta) = L_k(\theta) + (\bar g - g_k)^\top\theta` is its
    quadratic model with curvature :math:`F_k`, its minimizer satisfies
    :math:`F_k(\theta_k - \theta_r) = -\bar g`, so the merge

    .. math::

        \theta_r + \Big(\sum_k w_kF_k\Big)^{-1}\sum_k w_kF_k(\theta_k - \theta_r)
        = \theta_r - \Big(\sum_k w_kF_k\Big)^{-1}\bar g

    is exactly the global natural-gradient step, while a plain average of the
    :math:`\theta_k` is not when the clients' Fishers differ (non-IID data). The local
    steps add what the quadratic model misses. No extra communication: the Fishers
    arrived in phase 1.
    """

    name = "fisher_flow"
    phases = ("stats", "local_flow")

    def __init__(self, fisher: str | None = None, lr: float = 1.0, damping: float = 1e-3,
                 local_steps: int = 5, max_kl: float | None = 0.5) -> None:
        super().__init__(fisher, lr, damping, adapt_damping=False, max_kl=max_kl)
        self.local_steps = check_positive_int(local_steps, "local_steps")

    def instruction(self, phase, theta, state, problem):
        config = {"fisher": self.fisher, "lr": self.lr, "local_steps": self.local_steps,
                  "damping": self.total_damping(problem), "max_kl": self.max_kl or 0.0}
        if phase == "stats":
            return {}, config
        arrays = {"global_grad": state["global_grad"]}
        arrays.update(curvature_to_arrays(state["global_fisher"]))
        return arrays, config

    def aggregate(self, phase, theta, state, reports, problem) -> NDArray:
        w = _weights(reports) / _weights(reports).sum()
        if phase == "stats":
            state["global_grad"] = w @ np.asarray([r.arrays["grad"] for r in reports])
            state["global_fisher"] = average_curvature([r.curvature for r in reports], w)
            state["client_fishers"] = {r.client: r.curvature for r in reports}
            return theta
        return fisher_merge([r.arrays["params"] for r in reports],
                            [state["client_fishers"][r.client] for r in reports], w,
                            damping=self.total_damping(problem), anchor=theta)


STRATEGIES = {
    "fedavg": FedAvg,
    "fedavgm": lambda momentum=0.9, **kw: FedAvg(momentum=momentum, **kw),
    "natural_gradient": NaturalGradient,
    "fisher_merge": FisherMerge,
    "fisher_flow": FisherFlow,
}


def make_strategy(strategy: str | AbstractStrategy, problem, **options) -> AbstractStrategy:
    """A strategy object from its name and options (or the object itself)."""
    if isinstance(strategy, AbstractStrategy):
        if options:
            raise TypeError(f"options {sorted(options)} given with a strategy object")
        out = strategy
    elif strategy in STRATEGIES:
        try:
            out = STRATEGIES[strategy](**options)
        except TypeError as exc:
            raise TypeError(f"strategy {strategy!r}: {exc}") from None
    else:
        raise ValueError(f"strategy must be one of {sorted(STRATEGIES)} or an "
                         f"AbstractStrategy, got {strategy!r}")
    if isinstance(out, NaturalGradient):
        out.bind(problem)
    return out
