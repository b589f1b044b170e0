r"""Fisher flow in federated learning: natural gradient across clients whose data never
leave them, on Flower.

Clients send what the server needs to take a step of the *pooled* problem — gradients
and Fisher statistics (exact, diagonal, K-FAC) — or locally trained models; the server
aggregates them. The algorithms are plain functions of arrays:

* :func:`aggregate_natural_gradient` — :math:`(\sum_k w_kF_k + \lambda I)^{-1}
  \sum_k w_k g_k`, equal to the centralized natural-gradient step with exact Fishers;
* :func:`fisher_merge` — Fisher-weighted one-shot merging (Matena & Raffel 2022;
  FedFisher, Jhunjhunwala et al. 2023);
* :func:`weighted_average` — FedAvg;
* strategies (:mod:`~infogeo.federated.strategies`) — FedAvg, FedAvgM, federated natural
  gradient, Fisher merging, local Fisher flow with drift correction.

:func:`simulate` runs a strategy on a non-IID Dirichlet split (logistic regression and an
MLP on 8x8 digits, an exponential-family MLE) on Flower's simulation engine (optional
extra ``federated``) and returns a :class:`FederatedHistory` with the loss and the bytes
communicated per round. :mod:`infogeo.federated.flower` holds the Flower ``ServerApp`` /
``ClientApp`` (deployable with ``flwr run``).

Example
-------
>>> import numpy as np
>>> from infogeo.federated import aggregate_natural_gradient
>>> step = aggregate_natural_gradient([np.ones(2), np.zeros(2)],
...                                   [np.eye(2), 3 * np.eye(2)], [1, 1], damping=0.0)
>>> step
array([0.25, 0.25])
"""

from .aggregation import (
    aggregate_natural_gradient,
    fisher_merge,
    normalized_weights,
    weighted_average,
)
from .centralized import CentralizedResult, centralized_natural_gradient
from .client import run_client
from .curvature import check_curvature, curvature_bytes
from .data import dirichlet_partition, load_digits, quantile_labels, synthetic_digits
from .history import FederatedHistory, payload_bytes
from .problems import FamilyModel, FederatedProblem, NetworkModel, make_problem
from .server import FederatedServer, LocalTransport, check_reply
from .simulation import flower_available, simulate
from .strategies import (
    AbstractStrategy,
    FedAvg,
    FisherFlow,
    FisherMerge,
    NaturalGradient,
    make_strategy,
)

__all__ = [
    "aggregate_natural_gradient", "fisher_merge", "weighted_average", "normalized_weights",
    "simulate", "FederatedHistory", "flower_available",
    "AbstractStrategy", "FedAvg", "NaturalGradient", "FisherMerge",
    "FisherFlow", "make_strategy",
    "FederatedProblem", "NetworkModel", "FamilyModel", "make_problem",
    "centralized_natural_gradient", "CentralizedResult",
    "synthetic_digits", "load_digits", "dirichlet_partition", "quantile_labels",
    "check_curvature", "curvature_bytes", "payload_bytes",
    "FederatedServer", "LocalTransport", "check_reply", "run_client",
]
