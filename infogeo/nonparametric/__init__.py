"""Non-parametric Fisher–Rao geometry: densities on grids, histograms and weighted samples.

The map :math:`p \\mapsto 2\\sqrt p` sends densities onto the positive part of the sphere of
radius 2 in :math:`L^2`, and the Fisher–Rao metric becomes the round metric. Densities are
arrays of values at the nodes of a quadrature (``weights``: grid weights, histogram bin
widths, importance weights of samples).
"""

from .discretization import (
    DiscretizationStudy,
    bin_masses,
    categorical_distance,
    categorical_fisher,
    convergence_order,
    discretization_study,
)
from .family_grid import FamilyGrid, family_density, family_grid
from .flows import (
    FlowResult,
    fisher_rao_flow,
    fisher_rao_gradient_flow,
    kl_flow_solution,
)
from .functionals import Functional, interaction_energy, kl_functional, potential_energy
from .geometry import (
    FrechetMeanResult,
    bhattacharyya_coefficient,
    exp,
    fisher_rao_distance,
    frechet_mean,
    geodesic,
    inner_product,
    log,
    norm,
)
from .parametric import ProjectionResult, project, pullback_fisher
from .particles import ParticleFlowResult, kde_log_density, particle_flow
from .quadrature import grid_weights, histogram_density, importance_weights, normalize
from .sampled import SampleEstimate, bhattacharyya_from_samples, fisher_rao_distance_from_samples
from .wasserstein import fokker_planck_generator, wasserstein_fisher_rao_flow, wasserstein_flow

__all__ = [
    "normalize",
    "grid_weights",
    "histogram_density",
    "importance_weights",
    "bhattacharyya_coefficient",
    "fisher_rao_distance",
    "geodesic",
    "exp",
    "log",
    "inner_product",
    "norm",
    "frechet_mean",
    "FrechetMeanResult",
    "SampleEstimate",
    "bhattacharyya_from_samples",
    "fisher_rao_distance_from_samples",
    "FamilyGrid",
    "family_grid",
    "family_density",
    "pullback_fisher",
    "project",
    "ProjectionResult",
    "Functional",
    "kl_functional",
    "potential_energy",
    "interaction_energy",
    "FlowResult",
    "fisher_rao_flow",
    "fisher_rao_gradient_flow",
    "kl_flow_solution",
    "fokker_planck_generator",
    "wasserstein_flow",
    "wasserstein_fisher_rao_flow",
    "ParticleFlowResult",
    "particle_flow",
    "kde_log_density",
    "bin_masses",
    "categorical_distance",
    "categorical_fisher",
    "convergence_order",
    "DiscretizationStudy",
    "discretization_study",
]
