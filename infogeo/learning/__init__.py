"""K-FAC for small networks and natural-gradient variational inference."""

from .bayes_models import BayesianLinearRegression, BayesianLogisticRegression, GaussianPosterior
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
    exact_natural_gradient_precondition,
    kfac,
    kfac_precondition,
    lm_update,
    scale_by_adam,
    sgd_momentum,
    trace,
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
    "AdamState", "KFACState", "TrainResult", "train",
    "BayesianLinearRegression", "BayesianLogisticRegression", "GaussianPosterior",
    "GaussianQ", "ELBOEstimate", "VIResult", "gaussian_expectations", "elbo", "ngvi_step",
    "ngvi", "gradient_vi", "gaussian_kl", "natural_parameters", "expectation_parameters",
    "from_natural_parameters",
]
