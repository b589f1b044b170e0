"""Symbolic information geometry (sympy): Fisher information, connections, curvature.

>>> import infogeo as ig
>>> fam = ig.symbolic.catalogue.normal()
>>> I = ig.symbolic.fisher_information(fam)
>>> ig.symbolic.scalar_curvature(I, fam.params)
-1
"""

from ..errors import NormalizationError
from . import catalogue
from .builder import parse_family
from .cache import cache_disabled, clear_cache, set_cache_enabled
from .censoring import CensoredFamily, censored
from .expectation import NotClosed
from .family import SymbolicFamily
from .fisher import (
    DerivationError,
    DerivationResult,
    amari_chentsov_tensor,
    amari_chentsov_tensor_result,
    fisher_information,
    fisher_information_result,
)
from .geometry import (
    alpha_christoffel_symbols,
    alpha_scalar_curvature,
    christoffel_symbols,
    christoffel_symbols_first_kind,
    connection_riemann_tensor,
    geodesic_equations,
    ricci_tensor,
    riemann_tensor,
    scalar_curvature,
)
from .normalization import check_normalization
from .parsing import parse_density, parse_expression, parse_params

__all__ = [
    "SymbolicFamily",
    "censored",
    "CensoredFamily",
    "parse_family",
    "check_normalization",
    "NormalizationError",
    "catalogue",
    "fisher_information",
    "fisher_information_result",
    "amari_chentsov_tensor",
    "amari_chentsov_tensor_result",
    "DerivationResult",
    "DerivationError",
    "NotClosed",
    "christoffel_symbols",
    "christoffel_symbols_first_kind",
    "alpha_christoffel_symbols",
    "riemann_tensor",
    "ricci_tensor",
    "scalar_curvature",
    "alpha_scalar_curvature",
    "connection_riemann_tensor",
    "geodesic_equations",
    "cache_disabled",
    "clear_cache",
    "set_cache_enabled",
    "parse_density",
    "parse_expression",
    "parse_params",
    # served lazily by __getattr__ below
    "compile_manifold",
    "CompiledManifold",
    "reparametrize",
    "pullback_metric",
    "pullback_cubic",
]


def __getattr__(name: str):  # noqa: ANN202 - lazy: codegen imports infogeo.manifolds
    if name in ("compile_manifold", "CompiledManifold"):
        from . import codegen

        return getattr(codegen, name)
    if name in ("reparametrize", "pullback_metric", "pullback_cubic"):
        from . import reparam

        return getattr(reparam, name)
    raise AttributeError(f"module 'infogeo.symbolic' has no attribute {name!r}")


def __dir__() -> list[str]:  # the lazy names too: dir(), tab completion and help() list them
    return sorted(set(globals()) | set(__all__))
