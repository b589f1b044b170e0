"""Adapters to other libraries: scipy.stats and geomstats (an optional extra).

Importing this package never imports geomstats; the geomstats functions import it on
first call (numpy backend unless ``GEOMSTATS_BACKEND`` is set) and raise ``ImportError``
with installation advice when it is missing.

- :func:`from_scipy` / :func:`to_scipy`: frozen ``scipy.stats`` distribution ↔
  (manifold, point), for every family scipy has.
- :func:`to_geomstats`: an infogeo manifold as a geomstats space whose metric calls
  infogeo (usable by geomstats' ``FrechetMean``, geodesics, …).
- :func:`from_geomstats`: a geomstats information-geometry space as the matching infogeo
  family; :func:`point_from_geomstats` / :func:`point_to_geomstats` (and the tangent
  twins) convert coordinates where they differ (categorical).
"""

from .geomstats_adapter import (
    from_geomstats,
    import_geomstats,
    point_from_geomstats,
    point_to_geomstats,
    tangent_from_geomstats,
    tangent_to_geomstats,
    to_geomstats,
)
from .scipy_adapter import SCIPY_FAMILIES, from_scipy, to_scipy

__all__ = [
    "from_scipy",
    "to_scipy",
    "SCIPY_FAMILIES",
    "to_geomstats",
    "from_geomstats",
    "point_to_geomstats",
    "point_from_geomstats",
    "tangent_to_geomstats",
    "tangent_from_geomstats",
    "import_geomstats",
]
