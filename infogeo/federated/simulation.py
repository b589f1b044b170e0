"""``simulate``: one federated run on Flower's simulation engine (or in-process)."""

from __future__ import annotations

import importlib.util
from typing import Any

from .._checks import check_in_interval, check_positive_int
from .client import FAULTS
from .history import FederatedHistory
from .problems import FederatedProblem, make_problem
from .server import FederatedServer, LocalTransport
from .strategies import AbstractStrategy, make_strategy

__all__ = ["simulate", "flower_available", "ENGINES"]

ENGINES = ("flower", "local")

_RUN_OPTIONS = ("participation", "dropout", "stragglers", "faults", "min_clients",
                "target_loss", "engine", "n_data", "l2", "max_workers")


def flower_available() -> bool:
    """True if Flower with its simulation extra (Ray) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("flwr", "ray"))


def _check_options(n_clients: int, participation: float, dropout: float, stragglers: float,
                   faults: dict, min_clients: int) -> None:
    check_in_interval(participation, "participation", 0.0, 1.0, closed=(False, True))
    check_in_interval(dropout, "dropout", 0.0, 1.0, closed=(True, False))
    check_in_interval(stragglers, "stragglers", 0.0, 1.0, closed=(True, True))
    for k, fault in faults.items():
        if not (isinstance(k, int) and 0 <= k < n_clients):
            raise ValueError(f"faults keys must be client ids in [0, {n_clients}), got {k!r}")
        if fault not in FAULTS:
            raise ValueError(f"faults[{k}] must be one of {FAULTS}, got {fault!r}")
    if not 1 <= min_clients:
        raise ValueError(f"min_clients must be >= 1, got {min_clients}")


def simulate(strategy: str | AbstractStrategy, problem: str | FederatedProblem = "logistic",
             n_clients: int = 8, rounds: int = 30, alpha: float = 0.5, seed: int = 0,
             **options: Any) -> FederatedHistory:
    """Run a federated strategy on a non-IID split and return its history.

    Parameters
    ----------
    strategy : str or AbstractStrategy
        ``"fedavg"``, ``"fedavgm"``, ``"natural_gradient"``, ``"fisher_merge"``,
        ``"fisher_flow"`` (see :mod:`infogeo.federated.strategies`), or an object.
    problem : {"logistic", "mlp", "expfam"} or FederatedProblem
    n_clients : int
        Number of clients (Flower client nodes).
    rounds : int
    alpha : float
        Dirichlet concentration of the label skew (0.1 .. 10).
    seed : int
        Seeds the data, split, client sampling, dropout, stragglers and local SGD.
    **options
        Strategy options (``lr``, ``fisher`` in ``{"exact", "diagonal", "kfac"}``,
        ``damping``, ``local_epochs``, ``batch_size``, ``momentum``, ``local_steps``)
        and run options:

        * ``engine`` — ``"flower"`` (default: Flower's simulation engine, needs the
          ``federated`` extra) or ``"local"`` (the same server and client code in this
          process, no engine);
        * ``participation`` — fraction of clients sampled per round (default 1);
        * ``dropout`` — probability that a sampled client fails in a round;
        * ``stragglers`` — probability that a client does only part of its work;
        * ``faults`` — ``{client: "nan" | "inf" | "shape" | "indefinite"}``, bad clients;
        * ``min_clients`` — stop when fewer valid replies arrive (default 1);
        * ``target_loss`` — stop once the global loss is at most this;
        * ``n_data``, ``l2`` — problem size and ridge (see :func:`make_problem`);
        * ``max_workers`` — Flower: client processes run at once (default 2).

    Returns
    -------
    FederatedHistory
        ``loss``, ``accuracy``, ``bytes_sent`` per round (index 0: the start),
        ``engine``, rejected/failed clients and ``stop_reason``.

    Examples
    --------
    >>> from infogeo.federated import simulate
    >>> h = simulate("natural_gradient", problem="expfam", n_clients=4, rounds=8,
    ...              engine="local")
    >>> h.engine, bool(h.loss[-1] < h.loss[0])
    ('local', True)
    """
    engine = options.pop("engine", "flower")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    n_clients = check_positive_int(n_clients, "n_clients")
    rounds = check_positive_int(rounds, "rounds")
    run = {k: options.pop(k) for k in list(options) if k in _RUN_OPTIONS}
    faults = dict(run.get("faults", {}))
    _check_options(n_clients, run.get("participation", 1.0), run.get("dropout", 0.0),
                   run.get("stragglers", 0.0), faults, run.get("min_clients", 1))
    prob = make_problem(problem, n_clients, alpha, seed, n_data=run.get("n_data"),
                        l2=run.get("l2"))
    if prob.n_clients != n_clients:
        raise ValueError(f"n_clients={n_clients} but the problem is split among "
                         f"{prob.n_clients} clients")
    strat = make_strategy(strategy, prob, **options)
    problem_config = {"problem": prob.name, "n_clients": n_clients, "alpha": float(alpha),
                      "problem_seed": int(seed)}
    for key in ("n_data", "l2"):
        if run.get(key) is not None:
            problem_config[key] = run[key]
    server = FederatedServer(
        strat, prob, rounds, seed=seed, participation=run.get("participation", 1.0),
        min_clients=run.get("min_clients", 1),
        client_options={"dropout": run.get("dropout", 0.0),
                        "stragglers": run.get("stragglers", 0.0), "faults": faults},
        evaluate=lambda theta: (prob.loss(theta), prob.accuracy(theta)),
        target_loss=run.get("target_loss"), problem_config=problem_config)
    if engine == "local":
        return server.run(LocalTransport(prob), list(range(n_clients)))
    if not flower_available():
        raise ImportError("engine='flower' needs Flower's simulation engine: "
                          "pip install 'infogeo[federated]' (or use engine='local')")
    from .flower import run_flower_simulation
    custom = None if isinstance(problem, str) else prob
    return run_flower_simulation(server, n_clients, problem=custom,
                                 max_workers=run.get("max_workers", 2))
