r"""Flower apps for the federated strategies (Message API: ``ServerApp`` / ``ClientApp``).

Thin wrappers: the server loop is :class:`~infogeo.federated.server.FederatedServer`
and the client computation :func:`~infogeo.federated.client.run_client`; this module
only turns their arrays into Flower messages and back.

* :func:`make_client_app` — a ``ClientApp`` answering ``query`` (which partition and
  how many examples this node holds), ``train`` (a task of the strategy) and
  ``evaluate`` messages;
* :func:`make_server_app` — a ``ServerApp`` that waits until the client nodes have
  registered, maps nodes to partitions, then runs the server loop;
* :func:`run_flower_simulation` — the one place that starts Flower's simulation engine
  (``flwr.simulation.run_simulation``, deprecated in Flower 1.42 in favour of
  ``flwr run``; the rest of the package never calls it);
* ``server_app`` / ``client_app`` — module-level apps configured from the run
  configuration, for deployment with ``flwr run`` (see the user guide,
  *Federated natural gradient*).
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager

import numpy as np
from flwr.app import (
    Array,
    ArrayRecord,
    ConfigRecord,
    Context,
    Error,
    Message,
    MetricRecord,
    RecordDict,
)
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp

from .client import run_client
from .history import FederatedHistory
from .problems import make_problem
from .server import FederatedServer, logger
from .strategies import make_strategy

__all__ = ["make_client_app", "make_server_app", "run_flower_simulation", "run_server",
           "run_from_config", "FlowerTransport", "server_app", "client_app"]

#: the configuration keys that identify the problem (every client rebuilds its split)
_PROBLEM_KEYS = ("problem", "n_clients", "alpha", "problem_seed", "n_data", "l2")
_ERROR_CODE = 1  # an application-level failure of a client (dropout, bad computation)


def _to_record(arrays: dict[str, np.ndarray]) -> ArrayRecord:
    return ArrayRecord({k: Array(np.ascontiguousarray(v)) for k, v in arrays.items()})


def _from_record(record: ArrayRecord) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in record.items()}


def _client_problem(config: dict, problem):
    if problem is not None:
        return problem
    kw = {k: config[k] for k in ("n_data", "l2") if k in config}
    return make_problem(str(config["problem"]), int(config["n_clients"]),
                        float(config["alpha"]), int(config["problem_seed"]), **kw)


def _partition(context: Context) -> int:
    try:
        return int(context.node_config["partition-id"])
    except KeyError:
        raise ValueError("the client node needs node_config 'partition-id' (start it with "
                         "--node-config 'partition-id=<k> num-partitions=<K>')") from None


def make_client_app(problem=None) -> ClientApp:
    """A ``ClientApp`` running :func:`~infogeo.federated.client.run_client`.

    ``problem`` (a :class:`~infogeo.federated.FederatedProblem`) is captured by the app
    (simulation with a custom problem); without it each node rebuilds its problem from
    the message configuration and takes its partition from ``node_config``.
    """
    app = ClientApp()

    def handle(msg: Message, context: Context) -> Message:
        config = dict(msg.content["config"])
        try:
            prob = _client_problem(config, problem)
            k = _partition(context)
            if msg.metadata.message_type == "query":
                return Message(RecordDict({"metrics": MetricRecord(
                    {"partition": k, "n": prob.n_examples(k)})}), reply_to=msg)
            arrays = _from_record(msg.content["arrays"])
            theta = arrays.pop("theta")
            task = "evaluate" if msg.metadata.message_type == "evaluate" else config["task"]
            out, metrics = run_client(task, prob, k, theta, arrays, config)
        except Exception as exc:  # reported to the server, which logs it and goes on
            return Message(Error(_ERROR_CODE, f"{type(exc).__name__}: {exc}"), reply_to=msg)
        return Message(RecordDict({"arrays": _to_record(out),
                                   "metrics": MetricRecord(metrics)}), reply_to=msg)

    app.query()(handle)
    app.train()(handle)
    app.evaluate()(handle)
    return app


class FlowerTransport:
    """Carries the server loop's exchanges as Flower messages over a ``Grid``."""

    engine = "flower"

    def __init__(self, grid: Grid, nodes: dict[int, int], timeout: float | None = None
                 ) -> None:
        self.grid, self.nodes, self.timeout = grid, nodes, timeout
        self.last_wire_bytes = 0

    def exchange(self, task, clients, theta, arrays, config):
        record = _to_record({"theta": theta, **arrays})
        cfg = ConfigRecord({k: v for k, v in {**config, "task": task}.items()
                            if isinstance(v, int | float | str | bool)})
        mtype = "evaluate" if task == "evaluate" else "train"
        messages = [Message(RecordDict({"arrays": record, "config": cfg}),
                            dst_node_id=self.nodes[k], message_type=mtype,
                            group_id=str(config.get("round", 0))) for k in clients]
        replies = self.grid.send_and_receive(messages, timeout=self.timeout)
        by_node = {m.metadata.src_node_id: m for m in replies}
        sent = record.count_bytes() * len(clients)
        out, received = {}, 0
        for k in clients:
            msg = by_node.get(self.nodes[k])
            if msg is None:
                out[k] = "no reply before the round timeout"
            elif msg.has_error():
                out[k] = msg.error.reason
            else:
                received += msg.content["arrays"].count_bytes()
                out[k] = (_from_record(msg.content["arrays"]),
                          {key: float(v) for key, v in msg.content["metrics"].items()})
        self.last_wire_bytes = sent + received if task != "evaluate" else 0
        return out


def _wait_for_nodes(grid: Grid, n_clients: int, wait_timeout: float) -> list[int]:
    """Node ids once ``n_clients`` nodes have registered (or what is there at timeout)."""
    deadline = time.monotonic() + wait_timeout
    nodes = list(grid.get_node_ids())
    while len(nodes) < n_clients and time.monotonic() < deadline:
        time.sleep(0.1)
        nodes = list(grid.get_node_ids())
    return nodes


def _handshake(grid: Grid, nodes: list[int], config: dict, timeout: float) -> dict[int, int]:
    """Ask every node which partition it holds: ``{partition: node_id}``."""
    cfg = ConfigRecord({k: v for k, v in config.items() if k in _PROBLEM_KEYS})
    msgs = [Message(RecordDict({"config": cfg}), dst_node_id=n, message_type="query")
            for n in nodes]
    mapping = {}
    for reply in grid.send_and_receive(msgs, timeout=timeout):
        if reply.has_error():
            logger.warning("node %d did not answer the handshake: %s",
                           reply.metadata.src_node_id, reply.error.reason)
            continue
        mapping[int(reply.content["metrics"]["partition"])] = reply.metadata.src_node_id
    return mapping


def run_server(server: FederatedServer, grid: Grid, n_clients: int,
               wait_timeout: float = 120.0, round_timeout: float | None = None
               ) -> FederatedHistory:
    """Wait for ``n_clients`` nodes, map them to partitions, run ``server`` over Flower.

    If fewer than ``server.min_clients`` nodes register within ``wait_timeout`` seconds
    the run stops before the first round, with the reason in the history."""
    nodes = _wait_for_nodes(grid, n_clients, wait_timeout)
    # registered nodes answer once their client process is up (in a simulation: once
    # Ray has started, which can take a minute on a loaded machine)
    mapping = (_handshake(grid, nodes, server.problem_config, max(wait_timeout, 300.0))
               if nodes else {})
    if len(mapping) < max(server.min_clients, 1):
        hist = FederatedHistory(server.strategy.name, str(server.problem_config.get(
            "problem", "custom")), "flower", fisher=server.strategy.fisher)
        hist.stop_reason = (f"only {len(mapping)} of {n_clients} client nodes registered "
                            f"within {wait_timeout:g} s (min_clients={server.min_clients})")
        hist.params = np.asarray(server.problem.theta0, dtype=float)
        logger.warning("stopping: %s", hist.stop_reason)
        return hist.finalize()
    if len(mapping) < n_clients:
        logger.warning("%d of %d client nodes registered; going on with them",
                       len(mapping), n_clients)
    transport = FlowerTransport(grid, mapping, timeout=round_timeout)
    return server.run(transport, sorted(mapping))


def make_server_app(server: FederatedServer, n_clients: int, result: dict,
                    wait_timeout: float = 120.0, round_timeout: float | None = None
                    ) -> ServerApp:
    """A ``ServerApp`` running ``server``; the history is stored in ``result["history"]``
    (the simulation runs the server app in this process)."""
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        result["history"] = run_server(server, grid, n_clients, wait_timeout, round_timeout)

    return app


@contextmanager
def _quiet_flower(verbose: bool):
    """Flower logs at INFO (and warns that run_simulation is deprecated); keep it to
    errors unless ``verbose``."""
    flwr_logger = logging.getLogger("flwr")
    level = flwr_logger.level
    if not verbose:
        flwr_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        flwr_logger.setLevel(level)


def run_flower_simulation(server: FederatedServer, n_clients: int, problem=None,
                          max_workers: int = 2, verbose: bool = False,
                          round_timeout: float | None = None, wait_timeout: float = 120.0,
                          n_nodes: int | None = None) -> FederatedHistory:
    """Run ``server`` against ``n_clients`` virtual client nodes on Flower's simulation
    engine (Ray backend) and return the history.

    This is the only call of ``flwr.simulation.run_simulation`` in the package (Flower
    1.42 deprecates it in favour of ``flwr run``; if it goes away, only this function
    changes). ``max_workers`` client processes run at once (one CPU each), so a small
    machine is not oversubscribed; Ray is shut down afterwards. ``n_nodes`` virtual
    nodes are started (default ``n_clients``; fewer shows what happens when too few
    clients register: the server waits ``wait_timeout`` seconds, then goes on with those
    that did, or stops with the reason if they are fewer than ``min_clients``).
    """
    from flwr.simulation import run_simulation

    result: dict = {}
    backend = {"init_args": {"num_cpus": int(max_workers), "include_dashboard": False,
                             "logging_level": "ERROR", "log_to_driver": verbose},
               "client_resources": {"num_cpus": 1, "num_gpus": 0.0}}
    with _quiet_flower(verbose):
        try:
            run_simulation(make_server_app(server, n_clients, result, wait_timeout,
                                           round_timeout=round_timeout),
                           make_client_app(problem), num_supernodes=n_nodes or n_clients,
                           backend_config=backend, verbose_logging=verbose)
        finally:
            import ray
            if ray.is_initialized():
                ray.shutdown()
    if "history" not in result:
        raise RuntimeError("the Flower simulation ended without a history (see the log)")
    return result["history"]


# ------------------------------------------------------------------ deployment (flwr run)
def run_from_config(grid: Grid, run_config: dict) -> FederatedHistory:
    """The deployed server: build problem, strategy and server from a Flower run
    configuration (``[tool.flwr.app.config]`` keys, see the user guide) and run it with
    federated evaluation (the clients report their losses; nothing is pooled)."""
    cfg = dict(run_config)
    seed, alpha = int(cfg.get("seed", 0)), float(cfg.get("alpha", 0.5))
    problem = make_problem(str(cfg.get("problem", "logistic")), int(cfg.get("n-clients", 8)),
                           alpha, seed)
    options = {k.replace("-", "_"): v for k, v in cfg.items()
               if k in ("lr", "damping", "fisher", "local-epochs", "batch-size", "momentum",
                        "local-steps", "max-kl")}
    strategy = make_strategy(str(cfg.get("strategy", "natural_gradient")), problem, **options)
    server = FederatedServer(
        strategy, problem, int(cfg.get("rounds", 30)), seed=seed,
        participation=float(cfg.get("participation", 1.0)),
        min_clients=int(cfg.get("min-clients", 1)), evaluate=None,
        problem_config={"problem": problem.name, "n_clients": problem.n_clients,
                        "alpha": alpha, "problem_seed": seed})
    hist = run_server(server, grid, problem.n_clients,
                      wait_timeout=float(cfg.get("wait-timeout", 300.0)))
    logger.warning("%r", hist)
    path = cfg.get("history-path")
    if path:
        np.savez(str(path), loss=hist.loss, bytes_sent=hist.bytes_sent,
                 params=hist.params, stop_reason=hist.stop_reason)
    return hist


server_app = ServerApp()


@server_app.main()
def _deployed_main(grid: Grid, context: Context) -> None:
    run_from_config(grid, context.run_config)


client_app = make_client_app()
