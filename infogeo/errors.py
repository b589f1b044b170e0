"""The package's exceptions and warnings, in one place (bottom floor: imports nothing).

Every error infogeo raises on purpose is either a built-in ``ValueError`` / ``TypeError``
for bad input (the message names the argument and the constraint it broke) or one of
the classes below. Each class also derives from the built-in exception a caller would
already catch for that kind of failure, so ``except ArithmeticError`` or
``except RuntimeError`` keep working.

Hierarchy::

    InfogeoError
    ├── SingularCurvatureError   (ArithmeticError, ValueError)  a curvature matrix cannot
    │                                               be solved with (a ValueError like
    │                                               numpy's LinAlgError)
    ├── ConvergenceError         (RuntimeError)     an iterative method did not converge
    │   ├── ShootingError                           the Riemannian log by shooting
    │   └── GeodesicIntegrationError                the geodesic ODE left the domain / budget
    ├── DerivationError          (RuntimeError)     no symbolic strategy closed a quantity
    ├── ClientFailure            (RuntimeError)     a federated client did not reply
    └── OutOfRangeError          (ValueError)       a valid input whose result overflows

    InfogeoWarning (UserWarning)
    ├── AccuracyWarning          a numeric result did not reach its requested tolerance
    │   └── QuadratureToleranceWarning
    └── CacheWarning             a cache record or folder was ignored (and why)
"""

from __future__ import annotations

__all__ = [
    "InfogeoError",
    "SingularCurvatureError",
    "ConvergenceError",
    "ShootingError",
    "GeodesicIntegrationError",
    "DerivationError",
    "ClientFailure",
    "OutOfRangeError",
    "InfogeoWarning",
    "AccuracyWarning",
    "QuadratureToleranceWarning",
    "CacheWarning",
]


class InfogeoError(Exception):
    """Base class of every exception infogeo defines."""


class SingularCurvatureError(InfogeoError, ArithmeticError, ValueError):
    """The (damped) curvature matrix is singular or too ill-conditioned to solve with.

    Also a ``ValueError``, as numpy's ``LinAlgError`` is, so code that caught the
    ``ValueError`` of a singular structured Fisher estimate keeps working."""


class ConvergenceError(InfogeoError, RuntimeError):
    """An iterative method stopped without converging; the message says why."""


class ShootingError(ConvergenceError):
    """The shooting method for the Riemannian logarithm did not converge."""


class GeodesicIntegrationError(ConvergenceError):
    """The geodesic ODE could not be integrated (e.g. it left the parameter domain)."""


class DerivationError(InfogeoError, RuntimeError):
    """No strategy could derive the requested quantity in closed form."""


class ClientFailure(InfogeoError, RuntimeError):
    """A federated client failed to compute its reply (a simulated dropout, or an error in
    its local computation); the server goes on with the clients that reported."""


class OutOfRangeError(InfogeoError, ValueError):
    """A valid input whose result does not fit in double precision (it overflows or
    underflows to a value that would be wrong); the message names the argument and why."""


class InfogeoWarning(UserWarning):
    """Base class of every warning infogeo emits."""


class AccuracyWarning(InfogeoWarning):
    """A numeric result did not reach the requested accuracy; the message states the
    accuracy achieved."""


class QuadratureToleranceWarning(AccuracyWarning):
    """The requested quadrature tolerance was not reached; the message states the
    achieved error."""


class CacheWarning(InfogeoWarning):
    """A derivation-cache record or folder was ignored; the message says why."""
