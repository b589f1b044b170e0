"""The registry of numeric families, derived from the families' own declarations.

Every module of :mod:`infogeo.manifolds` is imported, and every concrete public subclass
of :class:`~infogeo.manifolds.base.StatisticalManifold` defined there is a *family*. A
family's ``examples`` (registry name → factory of a representative instance) make up
``FAMILIES``, the list that the generic test suites run over. Adding a family is adding
its module: nothing here, in the interop adapters or in the tests needs editing.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from collections.abc import Callable

from .base import StatisticalManifold

__all__ = ["FAMILIES", "family_classes", "get_family"]

_PACKAGE = __name__.rsplit(".", 1)[0]


def _import_family_modules() -> None:
    package = importlib.import_module(_PACKAGE)
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_") and info.name != "registry":
            importlib.import_module(f"{_PACKAGE}.{info.name}")


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


@functools.cache
def family_classes() -> tuple[type[StatisticalManifold], ...]:
    """The concrete public family classes of :mod:`infogeo.manifolds`, by name.

    Abstract bases (``Abstract…``, private ``_…`` classes) and manifolds defined outside
    the package (compiled symbolic families, geomstats wrappers, test doubles) are left
    out.
    """
    _import_family_modules()
    found = {cls for cls in _subclasses(StatisticalManifold)
             if cls.__module__.startswith(_PACKAGE + ".") and not inspect.isabstract(cls)
             and not cls.__name__.startswith(("_", "Abstract"))}
    return tuple(sorted(found, key=lambda c: c.__name__))


def _registry() -> dict[str, Callable[[], StatisticalManifold]]:
    out: dict[str, Callable[[], StatisticalManifold]] = {}
    for cls in family_classes():
        for name, factory in cls.registry_examples().items():
            if name in out:
                raise TypeError(f"registry name {name!r} is declared twice "
                                f"({cls.__name__} and another family)")
            out[name] = factory
    return dict(sorted(out.items()))


#: registry name -> factory of a representative instance (fixed hyper-parameters such as
#: the number of trials are set by the family's ``examples``)
FAMILIES: dict[str, Callable[[], StatisticalManifold]] = _registry()


def get_family(name: str) -> StatisticalManifold:
    """Instantiate the registered family ``name``."""
    if name not in FAMILIES:
        raise ValueError(f"name must be one of {sorted(FAMILIES)}, got {name!r}")
    return FAMILIES[name]()
