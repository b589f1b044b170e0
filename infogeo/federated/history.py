"""The record of a federated run: losses, communication, rejected clients, why it stopped."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["FederatedHistory", "payload_bytes"]


def payload_bytes(arrays: dict[str, NDArray]) -> int:
    """Bytes of the array payload of a message (``nbytes``: 8 per float64 entry)."""
    return int(sum(np.asarray(a).nbytes for a in arrays.values()))


@dataclass
class FederatedHistory:
    """Per-round record of a federated run; index 0 is the start (before any round).

    Attributes
    ----------
    strategy : str
    problem : str
    engine : str
        ``"flower"`` (Flower's simulation engine) or ``"local"`` (the in-process loop
        running the same server and client code).
    fisher : str
        The Fisher approximation clients sent (``""`` for FedAvg).
    loss : ndarray, shape=[R + 1]
        Global training loss (pooled data) after each round.
    accuracy : ndarray or None
        Training accuracy after each round (classification problems).
    bytes_up : ndarray of int, shape=[R + 1]
        Array payload sent by the clients in each round, all clients together (float64
        entries; evaluation messages are not counted).
    bytes_down : ndarray of int, shape=[R + 1]
        Array payload sent by the server to the clients in each round.
    bytes_sent : ndarray of int, shape=[R + 1]
        ``bytes_up + bytes_down``.
    bytes_per_client : ndarray, shape=[R + 1]
        Mean payload (up + down) per participating client in each round.
    wire_bytes : ndarray or None
        Bytes of the serialized Flower records (Flower only), both directions.
    n_reported : ndarray of int, shape=[R + 1]
        Clients whose replies were used in each round.
    n_sampled : ndarray of int, shape=[R + 1]
        Clients sampled in each round.
    failed : list of (round, client, reason)
        Clients that did not reply (dropout, errors).
    rejected : list of (round, client, reason)
        Clients whose replies were refused (and why).
    stop_reason : str
    converged : bool
        True if ``target_loss`` was given and reached.
    params : ndarray
        The final model.
    wall_time : float
        Seconds the run took.
    """

    strategy: str
    problem: str
    engine: str
    fisher: str = ""
    loss: list = field(default_factory=list)
    accuracy: list | None = field(default_factory=list)
    bytes_up: list = field(default_factory=list)
    bytes_down: list = field(default_factory=list)
    wire_bytes: list | None = None
    n_reported: list = field(default_factory=list)
    n_sampled: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    stop_reason: str = ""
    converged: bool = False
    params: NDArray | None = None
    wall_time: float = 0.0

    def record(self, loss: float, accuracy: float | None, up: int, down: int, n_reported: int,
               n_sampled: int, wire: int | None = None) -> None:
        self.loss.append(float(loss))
        if self.accuracy is not None:
            if accuracy is None:
                self.accuracy = None
            else:
                self.accuracy.append(float(accuracy))
        self.bytes_up.append(int(up))
        self.bytes_down.append(int(down))
        self.n_reported.append(int(n_reported))
        self.n_sampled.append(int(n_sampled))
        if wire is not None:
            self.wire_bytes = (self.wire_bytes or []) + [int(wire)]

    def finalize(self) -> FederatedHistory:
        """Turn the per-round lists into arrays (called once at the end of a run)."""
        self.loss = np.asarray(self.loss)
        if self.accuracy is not None:
            self.accuracy = np.asarray(self.accuracy)
        for name in ("bytes_up", "bytes_down", "n_reported", "n_sampled"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.int64))
        if self.wire_bytes is not None:
            self.wire_bytes = np.asarray(self.wire_bytes, dtype=np.int64)
        return self

    @property
    def rounds(self) -> NDArray:
        return np.arange(len(self.loss))

    @property
    def bytes_sent(self) -> NDArray:
        return np.asarray(self.bytes_up) + np.asarray(self.bytes_down)

    @property
    def cumulative_bytes(self) -> NDArray:
        return np.cumsum(self.bytes_sent)

    @property
    def bytes_per_client(self) -> NDArray:
        return self.bytes_sent / np.maximum(np.asarray(self.n_sampled), 1)

    def rounds_to(self, target: float) -> int | None:
        """First round whose loss is <= ``target`` (None if never)."""
        hit = np.flatnonzero(np.asarray(self.loss) <= target)
        return int(hit[0]) if hit.size else None

    def bytes_to(self, target: float) -> int | None:
        """Total bytes communicated until the loss first reached ``target``."""
        r = self.rounds_to(target)
        return None if r is None else int(self.cumulative_bytes[r])

    def __repr__(self) -> str:
        final = f"{self.loss[-1]:.6g}" if len(self.loss) else "n/a"
        return (f"FederatedHistory({self.strategy!r} on {self.problem!r}, engine "
                f"{self.engine!r}, {max(len(self.loss) - 1, 0)} rounds, final loss {final}, "
                f"{int(np.sum(self.bytes_sent))} bytes, {len(self.rejected)} rejected, "
                f"{len(self.failed)} failed; {self.stop_reason})")
