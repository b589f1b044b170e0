"""Non-parametric Fisher–Rao geometry: densities on grids, histograms and weighted samples.

The map :math:`p \\mapsto 2\\sqrt p` sends densities onto the positive part of the sphere of
radius 2 in :math:`L^2`, and the Fisher–Rao metric becomes the round metric. Densities are
arrays of values at the nodes of a quadrature (``weights``: grid weights, histogram bin
widths, importance weights of samples).
"""

from ._validate import normalize
from .family_grid import FamilyGrid, family_density, family_grid
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
from .quadrature import grid_weights, histogram_density, importance_weights
from .sampled import SampleEstimate, bhattacharyya_from_samples, fisher_rao_distance_from_samples

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
]
