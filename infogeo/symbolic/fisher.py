"""Fisher information and the Amari–Chentsov tensor of a symbolic family.

.. math::

    I(\\theta)_{ij} = E[\\partial_i\\ell\\,\\partial_j\\ell] = -E[\\partial_i\\partial_j\\ell],
    \\qquad T_{ijk} = E[\\partial_i\\ell\\,\\partial_j\\ell\\,\\partial_k\\ell]

Strategies (see :mod:`infogeo.symbolic.strategies`) are tried in order within a total
time budget; every closed form is compared with quadrature (or summation) at a random
parameter point before it is returned, and on disagreement the next strategy is tried —
sympy's ``integrate`` can be silently wrong. Results, and failures, are cached
(:mod:`.cache`). The steps are in :mod:`.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from ..errors import DerivationError
from ._tidy import tidy
from .pipeline import DEFAULT_TIMEOUT, DerivationResult, as_family, derive

__all__ = ["DerivationError", "DerivationResult", "fisher_information",
           "fisher_information_result", "amari_chentsov_tensor",
           "amari_chentsov_tensor_result", "as_family", "tidy"]

Progress = Callable[[str], None]


# ---------------------------------------------------------------------- public API
def fisher_information_result(family: Any, method: str = "auto", *, time_limit: float = 30.0,
                              timeout: float | None = DEFAULT_TIMEOUT,
                              allow_numeric: bool = False,
                              at: Mapping[Any, Any] | None = None,
                              cache: bool = True, rtol: float | None = None,
                              progress: Progress | None = None) -> DerivationResult:
    """Fisher information with the record of how it was derived (see
    :func:`fisher_information`)."""
    return derive(family, "fisher", method, time_limit=time_limit, timeout=timeout,
                  allow_numeric=allow_numeric, at=at, cache=cache, rtol=rtol,
                  progress=progress)


def fisher_information(family: Any, method: str = "auto", **kwargs: Any) -> sp.Matrix:
    r"""Fisher information matrix of a family, simplified.

    .. math::

        I(\theta)_{ij} = E\left[\partial_i \ell\, \partial_j \ell\right]
        = -E\left[\partial_i\partial_j \ell\right], \qquad \ell = \log p(x\mid\theta)

    Parameters
    ----------
    family : SymbolicFamily or sympy.stats random variable
    method : {"auto", "hessian_free", "exponential_family", "expectation", "score",
        "numeric"}
        Strategy to use; "auto" tries them in this order.
    time_limit : float
        Seconds allowed to each strategy.
    timeout : float or None
        Time budget of the symbolic strategies and the simplification together (seconds
        of processor time; default 10; None: no budget); the normalization check comes
        first, its symbolic integral limited to the family's ``normalization_time_limit``.
        A failure is remembered in the cache: asking again with the same or a smaller
        budget fails at once.
    allow_numeric : bool
        If no strategy closes, return quadrature at ``at`` (Floats) instead of raising.
    at : mapping Symbol (or name) -> number, optional
        Parameter values for the numeric fallback (and for ``method="numeric"``).
    cache : bool
        Use the derivation cache (every read and write, the normalization check's
        included).
    rtol : float, optional
        Tolerance of the quadrature cross-check (default 1e-6, 1e-5 with several
        variables).
    progress : callable, optional
        Called with a short text at each step (``"Fisher information: trying score"``).

    Returns
    -------
    sympy.Matrix
        ``I[i, j]`` in the family's parameters. :func:`fisher_information_result` also
        says which strategy succeeded.

    Raises
    ------
    DerivationError
        If no strategy closes and the numeric fallback is not allowed; its ``attempts``
        say what each strategy did.
    NormalizationError
        If exp(ℓ) does not integrate to one (a ``ValueError``).

    Examples
    --------
    >>> import infogeo as ig
    >>> ig.symbolic.fisher_information(ig.symbolic.catalogue.normal())
    Matrix([
    [sigma**(-2),          0],
    [          0, 2/sigma**2]])
    """
    return fisher_information_result(family, method, **kwargs).value


def amari_chentsov_tensor_result(family: Any, method: str = "auto", *,
                                 time_limit: float = 30.0,
                                 timeout: float | None = DEFAULT_TIMEOUT,
                                 allow_numeric: bool = False,
                                 at: Mapping[Any, Any] | None = None,
                                 cache: bool = True, rtol: float | None = None,
                                 progress: Progress | None = None) -> DerivationResult:
    """Amari–Chentsov tensor with the record of its derivation (arguments as for
    :func:`fisher_information_result`)."""
    return derive(family, "cubic", method, time_limit=time_limit, timeout=timeout,
                  allow_numeric=allow_numeric, at=at, cache=cache, rtol=rtol,
                  progress=progress)


def amari_chentsov_tensor(family: Any, method: str = "auto", **kwargs: Any) -> sp.Array:
    r"""Amari–Chentsov (skewness) tensor ``T[i, j, k]``, a symmetric sympy Array.

    .. math::

        T_{ijk} = E[\partial_i\ell\,\partial_j\ell\,\partial_k\ell]

    Strategies: ``"exponential_family"`` (from the Fisher matrix and η(θ), no integral) and
    ``"score"`` (expectation engine on the score products), cross-checked by quadrature.
    For the normal family in (μ, σ): T_μμσ = 2/σ³, T_σσσ = 8/σ³ (Amari & Nagaoka 2000).
    """
    return amari_chentsov_tensor_result(family, method, **kwargs).value
