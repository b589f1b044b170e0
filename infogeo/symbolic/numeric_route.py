r"""The numeric route of a symbolic family: when the expectations do not close.

The score ∂ℓ, the Hessian ∂²ℓ and the third derivatives ∂³ℓ are still symbolic; they are
lambdified (numpy and scipy.special, with common-subexpression elimination) into the exact
θ-jet of a :class:`~infogeo.manifolds.NumericFamily`, which computes every expectation by
quadrature at the point asked for:

.. math::

    g_{ij}(\theta) = \int \partial_i\ell\,\partial_j\ell\; e^{\ell(x\mid\theta)}\,dx .

Mixed case: entries of the Fisher matrix that close one by one (−E[∂ᵢ∂ⱼℓ] through the
expectation engine, within a time budget, then checked against quadrature) are used in
closed form, the others numerically; the manifold reports which entry is which.

Kinks: where ℓ or its score is not smooth in x (``Abs(x - mu)``, a ``Piecewise`` cut at
``x = theta``, ``Max``/``Min``), the break points are found symbolically as functions of
θ (:mod:`.kinks`) and the quadrature splits the support there at every point asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from ..errors import DerivationError
from ..manifolds.numeric_family import NumericFamily
from ._special import unevaluated_note
from ._timeout import DerivationTimeout, clock, time_limit
from .expectation import ExpectationEngine, NotClosed
from .family import SymbolicFamily
from .inputs import as_expr
from .kinks import kink_points
from .numeric import lambdify_numpy, stable_log

__all__ = ["numeric_manifold", "SymbolicNumericManifold"]


class SymbolicNumericManifold(NumericFamily):
    """A :class:`NumericFamily` built from a :class:`SymbolicFamily` (the numeric route of
    :func:`~infogeo.symbolic.compile_manifold`); ``family`` is the symbolic family,
    ``closed_entries`` the (i, j) of the metric used in closed form, ``failure`` the
    :class:`~infogeo.errors.DerivationError` of the symbolic attempt (or None)."""

    family: SymbolicFamily
    failure: Exception | None
    closed_entries: list[tuple[int, int]]
    _conditions: list[tuple[sp.Basic, Callable[..., Any]]]
    _atoms: list[float] = []
    _hyper: dict[sp.Symbol, float] = {}
    _base: NumericFamily | None = None  # the uncensored family of a censored one

    def _expect(self, fn: Callable[[NDArray], tuple[NDArray, NDArray]], theta: NDArray,
                order: int = 0) -> tuple[NDArray, NDArray, str, str]:
        """Quadrature over the support plus the point masses of a mixed law (the atom
        of a censored family), which are exact."""
        if not self._atoms:
            return super()._expect(fn, theta, order)
        # the far tanh-sinh nodes of a finite interval (0, c) overflow cosh² in their
        # weight, which then rightly rounds to 0: not a failure
        with np.errstate(over="ignore"):
            value, error, detail, method = super()._expect(fn, theta, order)
        if not self._atoms:
            return value, error, detail, method
        logp, values = fn(np.asarray(self._atoms, dtype=float))
        with np.errstate(under="ignore"):
            value = value + (np.exp(logp)[:, None] * values).sum(axis=0)
        return value, error, f"{detail} + {len(self._atoms)} point mass(es)", method

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        """A censored family: draws of the base family, clipped at the censoring point."""
        base = self._base
        if self._sampler is not None or base is None:
            return super()._sample(x, n, rng)
        with np.errstate(over="ignore"):  # the far nodes of the inverse-CDF grid
            draws = base._sample(x, n, rng)
        return self.family.clip(draws, self._hyper)  # type: ignore[attr-defined]

    def _check_base(self, x: NDArray, name: str) -> None:
        super()._check_base(x, name)
        for cond, func in self._conditions:
            if not np.all(np.asarray(func(*[x[..., i] for i in range(self.dim)]))):
                raise ValueError(f"{name} must satisfy {cond}")


def _jet(family: SymbolicFamily, logpdf: sp.Expr) -> Callable[[NDArray, NDArray, int], list]:
    """Lambdified ℓ and its θ-derivatives up to order 3 (each order compiled on demand)."""
    p, v = family.params, family.variables
    n = len(p)
    compiled: dict[int, Any] = {}

    def exprs(order: int) -> list[sp.Expr]:
        if order == 0:
            return [logpdf]
        if order == 1:
            out = [sp.diff(logpdf, q) for q in p]
        elif order == 2:
            out = list(sp.hessian(logpdf, p))
        else:
            out = [sp.diff(logpdf, p[i], p[j], p[k]) for i in range(n) for j in range(n)
                   for k in range(n)]
        _check_numeric(out, order, family.name)
        return out

    def jet(x: NDArray, theta: NDArray, order: int) -> list[NDArray]:
        cols = [x[:, j] for j in range(x.shape[1])] if x.ndim == 2 else [x]
        out = []
        for o in range(order + 1):
            if o not in compiled:
                compiled[o] = lambdify_numpy(v + p, exprs(o), cse=True)
            with np.errstate(all="ignore"):
                values = compiled[o](*cols, *theta)
            arr = np.stack([np.broadcast_to(np.asarray(e, dtype=float), (x.shape[0],))
                            for e in values], axis=-1)
            out.append(arr[:, 0] if o == 0 else arr.reshape((x.shape[0],) + (n,) * o))
        return out

    return jet


def _check_numeric(exprs: list[sp.Expr], order: int, name: str) -> None:
    """Refuse θ-derivatives that have no numeric value pointwise: a ``DiracDelta`` (ℓ has
    a kink in θ, as ``Abs(x - mu)``: the expectation of a point mass is no ordinary
    integral). An unevaluated ``Derivative`` (``zeta(s)`` in ``s``) is evaluated by
    mpmath (:mod:`._special`)."""
    for e in exprs:
        delta = e.atoms(sp.DiracDelta)
        if delta:
            raise DerivationError(
                f"the numeric route needs the θ-derivatives of log p up to order {order}, "
                f"and they contain the point mass {sorted(map(str, delta))[0]} (log p has a "
                "kink in the parameters, e.g. Abs(x - mu)); quadrature cannot take its "
                "expectation, so only the Fisher metric (first derivatives) is numeric here",
                quantity=f"order-{order} θ-derivatives (numeric route)", family=name,
                attempts=(("numeric route", "log p is not smooth in the parameters"),))


def kink_function(exprs: list[sp.Expr], var: sp.Symbol, params: tuple
                  ) -> Callable[[NDArray], list[float]] | None:
    """``theta -> sorted real break points`` of ``exprs`` in ``var`` (None if there are
    none, :func:`.kinks.kink_points`); roots complex or not finite at θ are dropped."""
    roots = kink_points(exprs, var)
    if not roots:
        return None
    fn = lambdify_numpy(list(params), roots)

    def at(theta: NDArray) -> list[float]:
        with np.errstate(all="ignore"):
            values = np.atleast_1d(np.asarray(fn(*np.asarray(theta, dtype=float)),
                                              dtype=complex))
        real = np.isfinite(values) & (np.abs(values.imag)
                                      <= 1e-12 * np.maximum(np.abs(values.real), 1.0))
        return sorted({float(v) for v in values[real].real})

    return at


def closed_entries(family: SymbolicFamily, budget: float = 3.0
                   ) -> dict[tuple[int, int], sp.Expr]:
    """Entries −E[∂ᵢ∂ⱼℓ] (user symbols) that close within ``budget`` seconds in total."""
    engine = ExpectationEngine(family, time_limit_s=min(budget, 2.0))
    fi = family.internal
    hess = sp.hessian(fi.logpdf, fi.params)
    found: dict[tuple[int, int], sp.Expr] = {}
    start = clock()
    for i in range(family.dim):
        for j in range(i, family.dim):
            left = budget - (clock() - start)
            if left <= 0:
                return found
            try:
                with time_limit(left):
                    value = -engine.expect(hess[i, j])
            except (NotClosed, DerivationTimeout, NotImplementedError, ValueError,
                    TypeError, ZeroDivisionError):
                continue
            found[i, j] = found[j, i] = family.to_user(value)
    return found


def numeric_manifold(family: SymbolicFamily, hyper: Mapping[sp.Symbol, float], *,
                     sampler: Callable | None = None, failure: Exception | None = None,
                     mixed_budget: float = 0.0, tol: float = 1e-12) -> SymbolicNumericManifold:
    """The numeric manifold of ``family`` (hyperparameters fixed to ``hyper``).

    Parameters
    ----------
    mixed_budget : float
        Seconds for closing entries of the metric one by one (0: none; every entry numeric).
    """
    sub = {h: sp.Float(val, 17) for h, val in hyper.items()}  # round-trips exactly
    logpdf = stable_log(family.logpdf.xreplace(sub))
    p = family.params
    support = [(as_expr(lo, "support").xreplace(sub), as_expr(hi, "support").xreplace(sub))
               for lo, hi in family.support]
    multivariate = len(family.variables) > 1
    bounds = None if multivariate else lambdify_numpy(p, list(support[0]))

    def data_support(theta: NDArray) -> tuple[float, float]:
        lo, hi = bounds(*theta)  # type: ignore[misc]
        return float(lo), float(hi)

    domain = [(float(family.domains[q].inf), float(family.domains[q].sup)) for q in p]
    closed = closed_entries(family, mixed_budget) if mixed_budget > 0 else {}
    closed_metric = None
    if closed:
        n = family.dim
        mask = np.zeros((n, n), dtype=bool)
        exprs = [sp.Integer(0)] * (n * n)
        for (i, j), e in closed.items():
            mask[i, j] = True
            exprs[i * n + j] = e.xreplace(sub)
        fn = lambdify_numpy(p, exprs)
        closed_metric = (lambda t: np.asarray(fn(*t), dtype=float).reshape(n, n), mask)
    manifold = SymbolicNumericManifold(
        lambda x, t: jet(x, t, 0)[0], family.dim, support=None if multivariate else
        data_support, params=[str(q) for q in p], domain=domain, discrete=family.discrete,
        jet=(jet := _jet(family, logpdf)), sampler=sampler,
        event_shape=(len(family.variables),) if multivariate else (), tol=tol,
        closed_metric=closed_metric, name=family.name,
        derivative_detail="symbolic (exact, lambdified ∂ℓ, ∂²ℓ, ∂³ℓ)"
        + unevaluated_note([sp.diff(logpdf, q) for q in p]),
        break_points=None if multivariate or family.discrete else kink_function(
            [logpdf, *(sp.diff(logpdf, q) for q in p)], family.variables[0], p))
    manifold.family = family
    manifold.failure = failure
    manifold.closed_entries = sorted(k for k in closed if k[0] <= k[1])
    manifold._conditions = [(c, lambdify_numpy(p, c.xreplace(sub))) for c in family.conditions]
    manifold._atoms = [float(a.xreplace(sub)) for a in family.atoms]
    manifold._hyper = dict(hyper)
    base = getattr(family, "base", None)
    if base is not None and sampler is None:  # censored: sample the base, then clip
        manifold._base = numeric_manifold(base, {h: v for h, v in hyper.items()
                                                 if h in base.hyperparams})
    if closed_metric is not None:
        _check_closed(manifold)
    return manifold


def _check_closed(manifold: SymbolicNumericManifold) -> None:
    """Drop closed-form entries that disagree with quadrature at a domain point (sympy's
    integrals can be silently wrong)."""
    fn, mask = manifold._closed_metric  # type: ignore[misc]
    theta = manifold._random_base_point(np.random.default_rng(0), ())
    manifold._closed_metric = None
    numeric = manifold._metric_one(theta)
    closed = fn(theta)
    good = mask & np.isclose(closed, numeric, rtol=1e-7, atol=1e-10)
    manifold._cache.clear()
    manifold._closed_metric = (fn, good) if good.any() else None
    manifold.closed_entries = [tuple(ij) for ij in np.argwhere(good) if ij[0] <= ij[1]]
