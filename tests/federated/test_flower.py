"""The real Flower simulation engine (skipped cleanly when Flower is not installed).

Each Flower run starts Ray (about 10-20 s on 2 cores), so one test runs by default and
the others are marked slow; ``.ci/run`` runs all of them in its ``federated`` venv.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("flwr", reason="Flower is not installed (extra 'federated')")
pytest.importorskip("ray", reason="Flower's simulation engine needs Ray")

import ray  # noqa: E402

from infogeo.federated import make_problem, make_strategy, simulate  # noqa: E402
from infogeo.federated.server import FederatedServer  # noqa: E402

SMALL = dict(n_clients=4, alpha=0.3, seed=1, n_data=300)


def _same(flower, local) -> None:
    assert flower.engine == "flower" and local.engine == "local"
    np.testing.assert_allclose(flower.loss, local.loss, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(flower.bytes_sent, local.bytes_sent)
    assert flower.failed == local.failed
    assert flower.rejected == local.rejected
    assert flower.stop_reason == local.stop_reason
    # the serialized Flower records carry the payload plus headers and keys
    assert np.all(flower.wire_bytes[1:] > flower.bytes_sent[1:])
    assert not ray.is_initialized()


def test_flower_run_equals_the_in_process_run_with_faults() -> None:
    """Same server and client code: on Flower, with dropout, stragglers and a bad client,
    the history equals the engine-free run's, and the bad client is rejected."""
    kw = dict(rounds=4, dropout=0.2, stragglers=0.5, faults={2: "indefinite"}, **SMALL)
    flower = simulate("natural_gradient", "logistic", **kw)
    local = simulate("natural_gradient", "logistic", engine="local", **kw)
    _same(flower, local)
    assert {k for _, k, _ in flower.rejected} == {2}
    assert "indefinite" in flower.rejected[0][2]
    # (a trial step may overshoot; the server's Levenberg-Marquardt undoes it next round)
    assert flower.loss.min() < 0.7 * flower.loss[0]


@pytest.mark.slow
@pytest.mark.parametrize("strategy, options", [
    ("fedavgm", {}),
    ("fisher_flow", {"fisher": "kfac"}),  # two message phases per round
    ("fisher_merge", {"fisher": "diagonal"}),
])
def test_other_strategies_on_flower(strategy: str, options: dict) -> None:
    flower = simulate(strategy, "logistic", rounds=2, **SMALL, **options)
    local = simulate(strategy, "logistic", rounds=2, engine="local", **SMALL, **options)
    _same(flower, local)


@pytest.mark.slow
def test_mlp_kfac_on_flower() -> None:
    h = simulate("natural_gradient", "mlp", rounds=3, fisher="kfac", **SMALL)
    assert h.fisher == "kfac" and h.loss[-1] < h.loss[0]


@pytest.mark.slow
def test_server_waits_for_nodes_and_stops_when_too_few_register() -> None:
    from infogeo.federated.flower import run_flower_simulation

    prob = make_problem("expfam", 4, 0.5, 0)

    def server(min_clients: int) -> FederatedServer:
        return FederatedServer(make_strategy("natural_gradient", prob), prob, 2,
                               min_clients=min_clients,
                               evaluate=lambda t: (prob.loss(t), None),
                               problem_config={"problem": "expfam", "n_clients": 4,
                                               "alpha": 0.5, "problem_seed": 0})

    # 2 of 4 nodes start, 3 are needed: the server waits, then stops with the reason
    h = run_flower_simulation(server(3), 4, n_nodes=2, wait_timeout=20.0)
    assert "only 2 of 4 client nodes registered" in h.stop_reason
    assert len(h.loss) == 0 and not ray.is_initialized()
    # 3 of 4 start, 1 is enough: it trains with the three that registered
    h = run_flower_simulation(server(1), 4, n_nodes=3, wait_timeout=20.0)
    assert h.stop_reason == "completed 2 rounds"
    np.testing.assert_array_equal(h.n_reported[1:], 3)


@pytest.mark.slow
def test_deployable_apps_run_from_a_run_config() -> None:
    """The module-level ``server_app`` / ``client_app`` used by ``flwr run``: the server
    is built from run-config keys and evaluates through the clients (federated)."""
    from flwr.serverapp import ServerApp
    from flwr.simulation import run_simulation

    from infogeo.federated.flower import client_app, run_from_config

    out = {}
    app = ServerApp()

    @app.main()
    def main(grid, context) -> None:
        out["history"] = run_from_config(grid, {"problem": "expfam", "n-clients": 3,
                                                "rounds": 2, "strategy": "natural_gradient",
                                                "wait-timeout": 60.0})

    run_simulation(app, client_app, num_supernodes=3,
                   backend_config={"init_args": {"num_cpus": 2},
                                   "client_resources": {"num_cpus": 1, "num_gpus": 0.0}})
    h = out["history"]
    prob = make_problem("expfam", 3, 0.5, 0)
    # federated evaluation: example-weighted client losses = the pooled loss
    np.testing.assert_allclose(h.loss[0], prob.loss(prob.theta0), rtol=1e-12)
    assert h.stop_reason == "completed 2 rounds" and h.loss[-1] < h.loss[0]
    if ray.is_initialized():
        ray.shutdown()
