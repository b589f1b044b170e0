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
    │   ├── GeodesicIntegrationError                the geodesic ODE left the domain / budget
    │   └── SummationError       (ValueError)       a sum whose tail decays too slowly
    ├── DerivationError          (RuntimeError)     no symbolic strategy closed a quantity
    ├── ClientFailure            (RuntimeError)     a federated client did not reply
    ├── NormalizationError       (ValueError)       a symbolic density does not integrate to 1
    ├── OutOfRangeError          (ValueError)       a valid input whose result overflows
    └── UnreliableEstimateError  (ArithmeticError)  an estimator cannot vouch for its answer

    InfogeoWarning (UserWarning)
    ├── AccuracyWarning          a numeric result did not reach its requested tolerance
    │   ├── QuadratureToleranceWarning
    │   └── UnreliableEstimateWarning
    └── CacheWarning             a cache record or folder was ignored (and why)
"""

from __future__ import annotations

__all__ = [
    "InfogeoError",
    "SingularCurvatureError",
    "ConvergenceError",
    "ShootingError",
    "GeodesicIntegrationError",
    "SummationError",
    "DerivationError",
    "ClientFailure",
    "NormalizationError",
    "OutOfRangeError",
    "UnreliableEstimateError",
    "InfogeoWarning",
    "AccuracyWarning",
    "QuadratureToleranceWarning",
    "UnreliableEstimateWarning",
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


class SummationError(ConvergenceError, ValueError):
    """A numeric sum stopped before its tail was negligible (a slowly decaying tail);
    ``value`` and ``error`` hold the partial result and the extrapolated bound of what is
    missing (``inf`` when no bound could be made)."""

    def __init__(self, message: str, value: object = None, error: object = None) -> None:
        super().__init__(message)
        self.value, self.error = value, error


class DerivationError(InfogeoError, RuntimeError):
    """No strategy could derive the requested quantity in closed form.

    The reasons are data, so a front end can report them without parsing the message.

    Attributes
    ----------
    quantity : str
        What was being derived, e.g. ``"Fisher information"``.
    family : str
        The family's name.
    attempts : tuple of (str, str)
        Each strategy tried, in order, and why it did not give the answer.
    elapsed : float
        Seconds spent on this attempt (0.0 when the failure was remembered).
    budget : float or None
        The total time budget (seconds) the strategies had.
    remembered : bool
        True when the failure was served from the derivation cache (an earlier attempt
        with at least this budget failed), so nothing was recomputed.
    """

    def __init__(self, message: str = "", *, quantity: str = "", family: str = "",
                 attempts: tuple[tuple[str, str], ...] = (), elapsed: float = 0.0,
                 budget: float | None = None, remembered: bool = False) -> None:
        super().__init__(message)
        self.quantity = quantity
        self.family = family
        self.attempts = tuple((str(name), str(why)) for name, why in attempts)
        self.elapsed = float(elapsed)
        self.budget = budget
        self.remembered = bool(remembered)

    @property
    def timed_out(self) -> bool:
        """Whether some strategy stopped at its time limit (a larger budget may help)."""
        return any("timed out" in why or "budget" in why for _, why in self.attempts)

    def __reduce__(self) -> tuple:
        return (_rebuild_derivation_error, (str(self), self.quantity, self.family,
                                            self.attempts, self.elapsed, self.budget,
                                            self.remembered))


def _rebuild_derivation_error(message: str, quantity: str, family: str, attempts: tuple,
                              elapsed: float, budget: float | None,
                              remembered: bool) -> DerivationError:
    return DerivationError(message, quantity=quantity, family=family, attempts=attempts,
                           elapsed=elapsed, budget=budget, remembered=remembered)


class NormalizationError(InfogeoError, ValueError):
    """A symbolic density does not integrate (sum) to one over its support.

    Attributes
    ----------
    family : str
        The family's name.
    total : float
        The total mass found at ``point`` (``inf`` when the integral diverges).
    point : dict of str -> float
        The parameter values of the check.
    support : tuple
        The support that was used, one ``(low, high)`` per variable.
    suggestions : tuple of (low, high)
        Supports (for a single variable) over which the density does integrate to one at
        the check points, e.g. ``((0, oo),)``: the support the user probably meant.
    reason : str
        What was found, without advice (the message is ``reason`` plus a suggestion).
    """

    def __init__(self, message: str = "", *, family: str = "", total: float = float("nan"),
                 point: dict | None = None, support: tuple = (),
                 suggestions: tuple = (), reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message
        self.family = family
        self.total = total
        self.point = dict(point or {})
        self.support = tuple(support)
        self.suggestions = tuple(suggestions)

    def __reduce__(self) -> tuple:
        return (_rebuild_normalization_error, (str(self), self.family, self.total,
                                               self.point, self.support, self.suggestions,
                                               self.reason))


def _rebuild_normalization_error(message: str, family: str, total: float, point: dict,
                                 support: tuple, suggestions: tuple, reason: str
                                 ) -> NormalizationError:
    return NormalizationError(message, family=family, total=total, point=point,
                              support=support, suggestions=suggestions, reason=reason)


class ClientFailure(InfogeoError, RuntimeError):
    """A federated client failed to compute its reply (a simulated dropout, or an error in
    its local computation); the server goes on with the clients that reported."""


class OutOfRangeError(InfogeoError, ValueError):
    """A valid input whose result does not fit in double precision (it overflows or
    underflows to a value that would be wrong); the message names the argument and why."""


class UnreliableEstimateError(InfogeoError, ArithmeticError):
    """A numeric estimator refuses to return a value it cannot vouch for (its error bar
    would not cover the truth: unrepresentable draws, rare events never sampled, mass
    beyond float resolution); the message says why. ``estimate`` holds what was computed,
    for inspection, or ``None``."""

    def __init__(self, message: str, estimate: object = None) -> None:
        super().__init__(message)
        self.estimate = estimate


class InfogeoWarning(UserWarning):
    """Base class of every warning infogeo emits."""


class AccuracyWarning(InfogeoWarning):
    """A numeric result did not reach the requested accuracy; the message states the
    accuracy achieved."""


class QuadratureToleranceWarning(AccuracyWarning):
    """The requested quadrature tolerance was not reached; the message states the
    achieved error."""


class UnreliableEstimateWarning(AccuracyWarning):
    """An estimate is returned but its error bar may not be trustworthy (e.g. too few
    effective samples behind a standard error); the message says why."""


class CacheWarning(InfogeoWarning):
    """A derivation-cache record or folder was ignored; the message says why."""
