r"""What a client computes on its own data, as plain functions of arrays.

A client receives the server model :math:`\theta_r` plus task-specific arrays and
returns arrays (gradients, Fisher statistics, a locally trained model) and metrics
(``n``: the examples it used, ``loss``: its mean loss at :math:`\theta_r`). Tasks:

* ``"local_sgd"`` — FedAvg's local training: ``local_epochs`` epochs of minibatch SGD;
* ``"stats"`` — gradient :math:`g_k(\theta_r)` and Fisher statistics :math:`F_k(\theta_r)`;
* ``"local_flow"`` — ``local_steps`` Euler steps of the drift-corrected Fisher flow

  .. math::

      \theta \leftarrow \theta - \eta\,(\bar F + (\lambda + \rho) I)^{-1}
      \big(\nabla L_k(\theta) - \nabla L_k(\theta_r) + \bar g\big),

  (each step capped by the local KL, :math:`\tfrac12\eta^2 d^\top\bar F d \le`
  ``max_kl``, and halved until it decreases the corrected local objective
  :math:`L_k(\theta) + (\bar g - \nabla L_k(\theta_r))^\top\theta`), with the server's
  aggregated :math:`\bar g = \nabla L(\theta_r)` and
  curvature
  :math:`\bar F` (the control variate of SCAFFOLD, Karimireddy et al. 2020, with the
  exact gradient at the round start as in FedLin, Mitra et al. 2021): at
  :math:`\theta = \theta_r` the corrected gradient is the global one, so the first local
  step is the global natural-gradient step and the local steps do not drift towards the
  client's own optimum;
* ``"merge_train"`` — local training, then the Fisher at the local model (for
  :func:`~infogeo.federated.fisher_merge`);
* ``"evaluate"`` — loss (and correct predictions) at :math:`\theta_r`.

:func:`run_client` wraps a task with the simulated faults of a run: dropout (the client
raises :class:`~infogeo.errors.ClientFailure`), stragglers (partial work: a random
fraction of the local steps or of the data, FedProx-style, Li et al. 2020) and bad
clients (``faults``: replies with NaN, inf, a wrong shape or an indefinite "Fisher"). All
randomness comes from ``seed``, the round, the client and the task, so runs reproduce.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..errors import ClientFailure
from .curvature import (
    curvature_from_arrays,
    curvature_matvec,
    curvature_solver,
    curvature_to_arrays,
)

__all__ = ["TASKS", "FAULTS", "run_client", "client_rng"]

TASKS = ("local_sgd", "stats", "local_flow", "merge_train", "evaluate")
FAULTS = ("nan", "inf", "shape", "indefinite")

Reply = tuple[dict[str, NDArray], dict[str, float]]


def client_rng(seed: int, round_: int, client: int, stream: int) -> np.random.Generator:
    """The generator of one client in one round (``stream`` separates the uses)."""
    return np.random.default_rng([int(seed), int(round_), int(client), int(stream)])


def _local_sgd(model, X, y, theta, lr, epochs, batch_size, rng, work) -> NDArray:
    """``epochs`` passes of minibatch SGD over a stream of shuffled passes (a straggler
    stops after the fraction ``work`` of the steps)."""
    n = len(X)
    steps = max(1, int(np.ceil(work * epochs * np.ceil(n / batch_size))))
    passes = int(np.ceil(steps * batch_size / n))
    order = np.concatenate([rng.permutation(n) for _ in range(passes)])
    for s in range(steps):
        idx = order[s * batch_size:(s + 1) * batch_size]
        _, g = model.value_and_grad(theta, X[idx], None if y is None else y[idx])
        theta = theta - lr * g
    return theta


def _local_flow(model, X, y, theta_r, arrays, config, work) -> NDArray:
    loss_start, g_start = model.value_and_grad(theta_r, X, y)
    correction = arrays["global_grad"] - g_start
    curvature = curvature_from_arrays(arrays)
    solve = None if curvature is None else curvature_solver(curvature, float(config["damping"]))
    steps = max(1, int(np.ceil(work * int(config["local_steps"]))))
    max_kl = float(config.get("max_kl", 0.0))
    # the drift-corrected surrogate S(theta) = L_k(theta) + c . theta has the corrected
    # gradient; a local step is kept only if it decreases S (halving it up to 10 times)
    theta, surrogate, g = theta_r, loss_start + correction @ theta_r, g_start
    for _ in range(steps):
        direction = g + correction
        eta = float(config["lr"])
        if solve is not None:
            direction = solve(direction)
            quad = float(direction @ curvature_matvec(curvature, direction))
            if max_kl > 0 and quad > 0:  # the server's KL cap, on every local step
                eta = min(eta, float(np.sqrt(2 * max_kl / quad)))
        for _ in range(10):
            trial = theta - eta * direction
            loss, g_trial = model.value_and_grad(trial, X, y)
            if loss + correction @ trial < surrogate:
                break
            eta *= 0.5
        else:
            break  # no decrease along this direction: stop the local flow here
        theta, surrogate, g = trial, loss + correction @ trial, g_trial
    return theta


def _task(task: str, model, X, y, theta, arrays, config, rng, work) -> Reply:
    if task == "evaluate":
        metrics = {"n": float(len(X)), "loss": model.loss(theta, X, y)}
        if model.has_accuracy:
            metrics["correct"] = float(model.n_correct(theta, X, y))
        return {}, metrics
    if task == "stats" and work < 1.0:  # a straggler: statistics of a random subset
        keep = np.sort(rng.choice(len(X), max(1, int(work * len(X))), replace=False))
        X, y = X[keep], None if y is None else y[keep]
    loss, grad = model.value_and_grad(theta, X, y)
    metrics = {"n": float(len(X)), "loss": float(loss)}
    if task == "stats":
        out = {"grad": grad}
        out.update(curvature_to_arrays(model.fisher(theta, X, y, config["fisher"])))
        return out, metrics
    if task == "local_flow":
        return {"params": _local_flow(model, X, y, theta, arrays, config, work)}, metrics
    if task in ("local_sgd", "merge_train"):
        local = _local_sgd(model, X, y, theta, float(config["lr"]),
                           int(config["local_epochs"]), int(config["batch_size"]), rng, work)
        out = {"params": local}
        if task == "merge_train":
            out.update(curvature_to_arrays(model.fisher(local, X, y, config["fisher"])))
        return out, metrics
    raise ValueError(f"task must be one of {TASKS}, got {task!r}")


def _corrupt(arrays: dict[str, NDArray], fault: str) -> dict[str, NDArray]:
    """A bad client's reply: the server must reject it."""
    if fault not in FAULTS:
        raise ValueError(f"fault must be one of {FAULTS}, got {fault!r}")
    out = dict(arrays)
    key = next(k for k in ("grad", "params") if k in out)
    if fault == "nan":
        out[key] = np.full_like(out[key], np.nan)
    elif fault == "inf":
        out[key] = out[key] * 0 + np.inf
    elif fault == "shape":
        out[key] = out[key][:-1]
    else:  # a "Fisher" with a large negative eigenvalue (or negative diagonal)
        fkey = next((k for k in ("fisher", "fisher_diag", "kfac_G_0") if k in out), None)
        if fkey is None:
            out[key] = np.full_like(out[key], np.nan)
        elif out[fkey].ndim == 1:
            out[fkey] = -1.0 - np.abs(out[fkey])
        else:
            out[fkey] = out[fkey] - (1.0 + 2 * np.abs(out[fkey]).max()) * np.eye(len(out[fkey]))
    return out


def run_client(task: str, problem, client: int, theta: NDArray, arrays: dict[str, NDArray],
               config: dict) -> Reply:
    """Run ``task`` for ``client`` of ``problem`` with the faults named in ``config``.

    ``config`` holds the task's hyperparameters and the run's ``seed``, ``round``,
    ``dropout`` (probability of failing), ``stragglers`` (probability of partial work)
    and ``fault`` (this client's bad behaviour, or ``""``).
    """
    seed, round_ = int(config.get("seed", 0)), int(config.get("round", 0))
    stream = TASKS.index(task) if task in TASKS else 99
    fate = client_rng(seed, round_, client, 100 + stream).random(2)
    if task != "evaluate" and fate[0] < float(config.get("dropout", 0.0)):
        raise ClientFailure(f"client {client} dropped out in round {round_} (simulated)")
    work = 1.0
    if task != "evaluate" and fate[1] < float(config.get("stragglers", 0.0)):
        work = float(client_rng(seed, round_, client, 200 + stream).uniform(0.1, 1.0))
    X, y = problem.client_data(client)
    rng = client_rng(seed, round_, client, stream)
    out, metrics = _task(task, problem.model, X, y, theta, arrays, config, rng, work)
    metrics["work"] = work
    fault = str(config.get("fault", ""))
    if fault and task != "evaluate":
        out = _corrupt(out, fault)
    return out, metrics
