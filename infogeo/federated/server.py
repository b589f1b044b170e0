r"""The server loop shared by every engine: sample clients, run the strategy's phases,
check every reply (reject with a logged reason), record the history, stop with a reason.

An engine only carries messages: it is a *transport* with one method,

``exchange(task, clients, theta, arrays, config) -> {client: (arrays, metrics) | str}``

(a string is the reason a client did not reply). :class:`LocalTransport` calls
:func:`~infogeo.federated.client.run_client` in-process; the Flower transport
(:mod:`infogeo.federated.flower`) sends Flower messages to client nodes.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from .client import run_client
from .curvature import check_curvature, curvature_from_arrays, curvature_kind
from .history import FederatedHistory, payload_bytes
from .strategies import AbstractStrategy, ClientReport

__all__ = ["Transport", "LocalTransport", "FederatedServer", "check_reply", "logger"]

logger = logging.getLogger("infogeo.federated")

Reply = tuple[dict[str, NDArray], dict[str, float]]

#: the arrays each task must return (besides Fisher statistics where the strategy asks)
_EXPECTED = {"local_sgd": ("params",), "stats": ("grad",), "local_flow": ("params",),
             "merge_train": ("params",)}
_WITH_FISHER = ("stats", "merge_train")


class Transport(Protocol):
    engine: str

    def exchange(self, task: str, clients: list[int], theta: NDArray,
                 arrays: dict[str, NDArray], config: dict[str, Any]) -> dict[int, Reply | str]:
        ...


class LocalTransport:
    """Runs the clients in this process, one after the other (no engine)."""

    engine = "local"

    def __init__(self, problem) -> None:
        self.problem = problem

    def exchange(self, task, clients, theta, arrays, config):
        out: dict[int, Reply | str] = {}
        for k in clients:
            try:
                out[k] = run_client(task, self.problem, k, theta, arrays, dict(config))
            except Exception as exc:  # a failing client must not stop the round
                out[k] = f"{type(exc).__name__}: {exc}"
        return out


def check_reply(task: str, reply: Reply, problem, fisher: str) -> ClientReport | str:
    """A :class:`ClientReport` if ``reply`` is usable, else the reason it is not:
    missing or extra arrays, wrong shapes, NaN/inf, an example count that is not a
    positive number, a Fisher that is not positive semi-definite."""
    arrays, metrics = reply
    n = metrics.get("n")
    if n is None or not np.isfinite(n) or n <= 0:
        return f"example count n must be a positive number, got {n!r}"
    if not np.isfinite(metrics.get("loss", np.nan)):
        return f"reported loss is not finite ({metrics.get('loss')!r})"
    d = problem.dim
    for key in _EXPECTED[task]:
        if key not in arrays:
            return f"reply has no {key!r} array"
        a = np.asarray(arrays[key])
        if a.shape != (d,):
            return f"{key!r} must have shape ({d},), got {a.shape}"
        if not np.all(np.isfinite(a)):
            return f"{key!r} has non-finite entries (NaN or inf)"
    curvature = None
    if task in _WITH_FISHER:
        curvature = curvature_from_arrays(arrays)
        if curvature is None:
            return f"reply has no {fisher} Fisher statistics"
        reason = check_curvature(curvature, d, problem.model.layer_shapes)
        if reason:
            return reason
        if curvature_kind(curvature) != fisher:
            return f"expected a {fisher} Fisher, got a {curvature_kind(curvature)} one"
    return ClientReport(-1, arrays, metrics, curvature)


class FederatedServer:
    """Run ``strategy`` on ``problem`` for ``rounds`` rounds through a transport.

    Parameters
    ----------
    participation : float
        Fraction of the clients sampled each round (seeded by ``seed``).
    min_clients : int
        Stop (with a reason) when fewer valid replies arrive in a phase.
    client_options : dict
        Sent to every client: ``dropout``, ``stragglers``; ``faults`` maps a client id
        to its bad behaviour (see :func:`~infogeo.federated.client.run_client`).
    evaluate : callable or None
        ``theta -> (loss, accuracy)``; the simulations measure the pooled loss
        (the algorithms never see it). None: federated evaluation by the clients.
    target_loss : float, optional
        Stop once the loss is at most this (``converged = True``).
    """

    def __init__(self, strategy: AbstractStrategy, problem, rounds: int, seed: int = 0,
                 participation: float = 1.0, min_clients: int = 1,
                 client_options: dict | None = None, evaluate=None,
                 target_loss: float | None = None, problem_config: dict | None = None) -> None:
        self.strategy, self.problem, self.rounds, self.seed = strategy, problem, rounds, seed
        self.participation, self.min_clients = participation, min_clients
        self.client_options = dict(client_options or {})
        self.faults = {int(k): v for k, v in self.client_options.pop("faults", {}).items()}
        self.evaluate, self.target_loss = evaluate, target_loss
        self.problem_config = dict(problem_config or {})

    def _sample(self, round_: int, clients: list[int]) -> list[int]:
        m = max(1, int(round(self.participation * len(clients))))
        rng = np.random.default_rng([self.seed, round_, 7])
        return sorted(int(k) for k in rng.choice(clients, size=m, replace=False))

    def _evaluate(self, transport, theta, clients) -> tuple[float, float | None]:
        if self.evaluate is not None:
            try:
                return self.evaluate(theta)
            except ValueError as exc:  # e.g. the model left the parameter domain
                logger.warning("the loss cannot be evaluated: %s", exc)
                return np.inf, None
        replies = transport.exchange("evaluate", clients, theta, {}, self._config(0, -1))
        good = [r for r in replies.values() if not isinstance(r, str)]
        if not good:
            return np.nan, None
        n = np.array([m["n"] for _, m in good])
        loss = float(np.dot(n, [m["loss"] for _, m in good]) / n.sum())
        acc = (float(sum(m["correct"] for _, m in good) / n.sum())
               if all("correct" in m for _, m in good) else None)
        return loss, acc

    def _config(self, round_: int, client: int) -> dict[str, Any]:
        config = dict(self.problem_config)
        config.update(self.client_options)
        config.update(seed=self.seed, round=round_, fault=self.faults.get(client, ""))
        return config

    def run(self, transport: Transport, clients: list[int]) -> FederatedHistory:
        t0 = time.perf_counter()
        strat = self.strategy
        hist = FederatedHistory(strat.name, getattr(self.problem, "name", "custom"),
                                transport.engine, fisher=strat.fisher)
        theta = np.asarray(self.problem.theta0, dtype=float).copy()
        state = strat.init_state(theta)
        loss, acc = self._evaluate(transport, theta, clients)
        hist.record(loss, acc, 0, 0, 0, 0, 0 if transport.engine == "flower" else None)
        hist.stop_reason = f"completed {self.rounds} rounds"
        for r in range(1, self.rounds + 1):
            stop = self._round(r, transport, clients, theta, state, hist)
            if isinstance(stop, str):
                hist.stop_reason = stop
                logger.warning("stopping: %s", stop)
                break
            theta = stop
            if self.target_loss is not None and hist.loss[-1] <= self.target_loss:
                hist.converged = True
                hist.stop_reason = f"loss {hist.loss[-1]:.6g} <= target {self.target_loss:g}"
                break
            if not np.isfinite(hist.loss[-1]):
                hist.stop_reason = f"round {r}: the loss is not finite (diverged)"
                break
        hist.params = theta
        hist.wall_time = time.perf_counter() - t0
        return hist.finalize()

    def _round(self, r, transport, clients, theta, state, hist) -> NDArray | str:
        strat = self.strategy
        sampled = self._sample(r, clients)
        active, up, down, wire = sampled, 0, 0, 0
        for phase in strat.phases:
            arrays, config = strat.instruction(phase, theta, state, self.problem)
            down += len(active) * (payload_bytes(arrays) + theta.nbytes)
            replies = {}
            by_fault: dict[str, list[int]] = {}
            for k in active:  # clients with the same fault share one exchange
                by_fault.setdefault(self.faults.get(k, ""), []).append(k)
            for fault, group in by_fault.items():
                cfg = {**self._config(r, -1), **config, "fault": fault}
                replies.update(transport.exchange(phase, group, theta, arrays, cfg))
                wire += int(getattr(transport, "last_wire_bytes", 0))
            reports = []
            for k in active:
                reply = replies.get(k, "no reply")
                if isinstance(reply, str):
                    hist.failed.append((r, k, reply))
                    logger.info("round %d, client %d did not reply: %s", r, k, reply)
                    continue
                up += payload_bytes(reply[0])
                checked = check_reply(phase, reply, self.problem, strat.fisher)
                if isinstance(checked, str):
                    hist.rejected.append((r, k, checked))
                    logger.warning("round %d, client %d rejected: %s", r, k, checked)
                    continue
                checked.client = k
                reports.append(checked)
            if len(reports) < self.min_clients:
                return (f"round {r}, phase {phase!r}: {len(reports)} valid client "
                        f"replies < min_clients={self.min_clients}")
            theta = strat.aggregate(phase, theta, state, reports, self.problem)
            active = [rep.client for rep in reports]
        loss, acc = self._evaluate(transport, theta, clients)
        hist.record(loss, acc, up, down, len(active), len(sampled),
                    wire if transport.engine == "flower" else None)
        return theta
