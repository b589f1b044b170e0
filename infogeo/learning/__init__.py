"""K-FAC for small networks and natural-gradient variational inference.

* :class:`MLP` — a numpy network (bias as the last weight column), with
  :class:`NetworkObjective` sharing one forward pass between loss, gradient and curvature.
* Fisher statistics — :func:`true_fisher_stats` (targets from the model: exact expectation
  or Monte Carlo) vs :func:`empirical_fisher_stats` (observed targets), and the matrices
  built from them: :func:`dense_fisher`, :func:`diagonal_fisher`,
  :func:`block_diagonal_fisher`, :func:`kfac_blocks` (``infogeo.estimators``
  ``KroneckerFactoredFisher``), :func:`ekfac_blocks`.
* Optimizers as ``infogeo.flows`` transformations — curvature pieces
  :func:`kfac_curvature` (EMA factors, periodic refresh, Tikhonov or π-adjusted damping)
  and :func:`exact_fisher_curvature` that plug into the flows' damping, preconditioner
  and quadratic-model pieces: :func:`kfac_precondition`,
  :func:`exact_natural_gradient_precondition`, :func:`kfac`; :func:`add_decayed_weights`,
  :func:`trace` (momentum), :func:`scale_by_adam`; :func:`train` runs them with the flows'
  one loop and returns a :class:`~infogeo.flows.Trajectory` that says why it stopped.
* Adaptive approximation — :func:`adaptive_curvature` chooses each layer's Fisher
  approximation (diagonal, K-FAC, EKFAC, low rank + diagonal, exact block) by its
  direction error against exact Fisher–vector products (:func:`fisher_vector_products`)
  under a flop budget, with hysteresis; :func:`adaptive_natural_gradient` steps with it.
* Natural-gradient VI — :func:`ngvi` (Bayesian learning rule, full or diagonal Gaussian),
  :func:`gradient_vi`, :func:`elbo`, with Bayesian linear and logistic regression models.

Example
-------
>>> import numpy as np
>>> from infogeo.learning import MLP, NetworkObjective, kfac, train
>>> rng = np.random.default_rng(0)
>>> X, y = rng.standard_normal((64, 3)), rng.integers(0, 2, 64)
>>> net = MLP([3, 8, 2])
>>> obj = NetworkObjective(net, X, y, rng=rng)
>>> res = train(obj, net.init_params(rng), kfac(obj.stats, adapt_damping=True),
...             max_iter=50)
>>> bool(res.losses[-1] < res.losses[0]), res.status
(True, 'max_iter')
"""

from .adaptive import adaptive_curvature, adaptive_natural_gradient
from .adaptive_rules import (
    AdaptiveCurvature,
    AdaptiveState,
    ProbeRecord,
    next_refresh_interval,
    select_approximation,
)
from .bayes_models import BayesianLinearRegression, BayesianLogisticRegression, GaussianPosterior
from .curvature import DenseCurvature, KFACCurvature, exact_fisher_curvature, kfac_curvature
from .fisher import (
    FisherStats,
    block_diagonal_fisher,
    dense_fisher,
    diagonal_fisher,
    ekfac_blocks,
    empirical_fisher_stats,
    fisher_quadratic_form,
    flatten_params,
    kfac_blocks,
    kfac_factors,
    network_fisher,
    per_example_gradients,
    true_fisher_stats,
    unflatten_params,
)
from .kronecker import EigenCorrectedKroneckerFisher, factored_damped_block, pi_adjustment
from .mlp import MLP
from .ngvi import (
    ELBOEstimate,
    GaussianQ,
    VIResult,
    elbo,
    expectation_parameters,
    from_natural_parameters,
    gaussian_expectations,
    gaussian_kl,
    gradient_vi,
    natural_parameters,
    ngvi,
    ngvi_step,
)
from .objective import NetworkObjective
from .optim import (
    AdamState,
    KFACState,
    TraceState,
    adam,
    add_decayed_weights,
    exact_natural_gradient_precondition,
    kfac,
    kfac_precondition,
    lm_update,
    scale_by_adam,
    sgd_momentum,
    trace,
)
from .probes import (
    CANDIDATES,
    direction_error,
    fisher_quadratic_forms,
    fisher_vector_products,
    layer_approximation,
    layer_cost,
    layer_fisher_quadratic_forms,
    layer_form_cost,
    model_reduction,
    probe_rows,
    reduction_fraction,
    solve_layer,
    stats_fisher_vector_products,
    stats_form_cost,
    stats_quadratic_forms,
)
from .train import TrainResult, train

__all__ = [
    "MLP", "FisherStats", "true_fisher_stats", "empirical_fisher_stats",
    "per_example_gradients", "flatten_params", "unflatten_params", "dense_fisher",
    "diagonal_fisher", "block_diagonal_fisher", "kfac_factors", "kfac_blocks",
    "ekfac_blocks", "network_fisher", "fisher_quadratic_form",
    "EigenCorrectedKroneckerFisher", "factored_damped_block", "pi_adjustment",
    "NetworkObjective", "trace", "scale_by_adam", "sgd_momentum", "adam", "kfac",
    "kfac_precondition", "exact_natural_gradient_precondition", "lm_update", "TraceState",
    "AdamState", "KFACState", "TrainResult", "train", "kfac_curvature",
    "exact_fisher_curvature", "KFACCurvature", "DenseCurvature", "add_decayed_weights",
    "BayesianLinearRegression", "BayesianLogisticRegression", "GaussianPosterior",
    "GaussianQ", "ELBOEstimate", "VIResult", "gaussian_expectations", "elbo", "ngvi_step",
    "ngvi", "gradient_vi", "gaussian_kl", "natural_parameters", "expectation_parameters",
    "from_natural_parameters",
    "adaptive_curvature", "adaptive_natural_gradient", "select_approximation",
    "AdaptiveCurvature", "AdaptiveState", "ProbeRecord", "CANDIDATES", "direction_error",
    "fisher_vector_products", "stats_fisher_vector_products", "layer_approximation",
    "layer_cost", "solve_layer", "fisher_quadratic_forms", "model_reduction",
    "reduction_fraction", "probe_rows", "next_refresh_interval", "stats_quadratic_forms",
    "stats_form_cost", "layer_fisher_quadratic_forms", "layer_form_cost",
]
