"""Compile a symbolic family into a fast numeric :class:`StatisticalManifold`.

The metric, Christoffel symbols, log-density and score are lambdified once (numpy and
scipy.special, with common-subexpression elimination) into functions vectorized over
points ``[..., dim]``. The domain check comes from the declared parameter intervals and
conditions. Sampling uses a user ``sampler`` if given, else numeric inverse-CDF (1-D
continuous: a double-exponential grid; discrete: cumulative sums of the pmf).
This is the one import from ``symbolic`` into ``manifolds`` the design allows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from .._checks import check_in_interval
from .._quadrature import inverse_cdf
from ..errors import DerivationError
from ..manifolds.base import StatisticalManifold
from ..manifolds.charts import Chart, identity_chart
from ..manifolds.numeric_family import Provenance
from .family import SymbolicFamily
from .fisher import as_family, fisher_information
from .geometry import christoffel_symbols
from .inputs import as_matrix, names_of
from .numeric import lambdify_numpy, stable_log

__all__ = ["compile_manifold", "CompiledManifold"]


def _vectorized(params: tuple, exprs: list, shape: tuple[int, ...]) -> Callable:
    """x[..., dim] -> array[..., *shape] from a flat list of expressions."""
    func = lambdify_numpy(params, exprs, cse=True)

    def evaluate(x: NDArray) -> NDArray:
        cols = [x[..., i] for i in range(x.shape[-1])]
        values = func(*cols)
        arrays = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in values],
                                     np.empty(x.shape[:-1]))[:-1]
        return np.stack(arrays, axis=-1).reshape(x.shape[:-1] + shape)

    return evaluate


class CompiledManifold(StatisticalManifold):
    """A numeric statistical manifold compiled from a :class:`SymbolicFamily`.

    Use :func:`compile_manifold` to build one.
    """

    def __init__(self, family: SymbolicFamily, metric: sp.Matrix,
                 hyper_values: Mapping[sp.Symbol, float],
                 sampler: Callable | None = None) -> None:
        # 17 digits: lambdify prints a Float with its precision, and a point (a censoring
        # point c) must round-trip exactly to the double the data are compared with
        sub = {h: sp.Float(v, 17) for h, v in hyper_values.items()}  # checked by caller
        self.family = family
        self._hyper = dict(hyper_values)
        self.dim = family.dim
        self.discrete = family.discrete
        self.event_shape = () if len(family.variables) == 1 else (len(family.variables),)
        self._sampler = sampler
        p, v = family.params, family.variables
        metric = sp.Matrix(metric).xreplace(sub)
        # unsimplified: lambdify with CSE handles the raw expressions faster than simplify
        gamma = christoffel_symbols(metric, p, simplify=False)
        self.symbolic_metric, self.symbolic_christoffels = metric, gamma
        n = self.dim
        self._metric_fn = _vectorized(p, list(metric), (n, n))
        self._gamma_fn = _vectorized(p, list(sp.flatten(gamma)), (n, n, n))
        logpdf = stable_log(family.logpdf.xreplace(sub))
        self._logpdf = logpdf
        self._logp_fn = lambdify_numpy(v + p, logpdf, cse=True)
        self._score_fn = lambdify_numpy(v + p, [sp.diff(logpdf, q) for q in p], cse=True)
        self._support = [(lo.xreplace(sub), hi.xreplace(sub)) for lo, hi in family.support]
        self._conditions = [(c, lambdify_numpy(p, c)) for c in family.conditions]
        super().__init__()

    # ------------------------------------------------------------------ hooks
    def _charts(self) -> list[Chart]:
        return [identity_chart("base", tuple(str(q) for q in self.family.params))]

    def _check_base(self, x: NDArray, name: str) -> None:
        for i, q in enumerate(self.family.params):
            dom = self.family.domains[q]
            lo, hi = float(dom.inf), float(dom.sup)
            check_in_interval(x[..., i], f"{name}: {q}", lo, hi,
                              closed=(not dom.left_open, not dom.right_open))
        for cond, func in self._conditions:
            ok = np.asarray(func(*[x[..., i] for i in range(self.dim)]))
            if not np.all(ok):
                raise ValueError(f"{name} must satisfy {cond}")

    def _metric(self, x: NDArray) -> NDArray:
        return self._metric_fn(x)

    def _christoffels(self, x: NDArray) -> NDArray:
        return self._gamma_fn(x)

    def _data_columns(self, data: NDArray) -> list[NDArray]:
        if self.event_shape:
            return [data[..., j] for j in range(self.event_shape[0])]
        return [data]

    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        cols = self._data_columns(data) + [x[..., i] for i in range(self.dim)]
        return np.asarray(self._logp_fn(*cols), dtype=float) + np.zeros(
            np.broadcast_shapes(data.shape[:data.ndim - len(self.event_shape)], x.shape[:-1]))

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        cols = self._data_columns(data) + [x[..., i] for i in range(self.dim)]
        shape = np.broadcast_shapes(data.shape[:data.ndim - len(self.event_shape)],
                                    x.shape[:-1])
        return np.stack([np.broadcast_to(np.asarray(s, dtype=float), shape)
                         for s in self._score_fn(*cols)], axis=-1)

    def _random_base_point(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        out = np.empty(size + (self.dim,))
        todo = np.ones(size, dtype=bool)
        for _ in range(1000):
            for i, q in enumerate(self.family.params):
                out[..., i] = np.where(todo, self._draw(q, rng, size), out[..., i])
            todo = np.zeros(size, dtype=bool)
            for _, func in self._conditions:
                todo |= ~np.asarray(func(*[out[..., i] for i in range(self.dim)]), dtype=bool)
            if not todo.any():
                return out
        raise ValueError(f"could not draw points satisfying {self.family.conditions}")

    def _draw(self, q: sp.Symbol, rng: np.random.Generator, size: tuple) -> NDArray:
        dom = self.family.domains[q]
        lo, hi = float(dom.inf), float(dom.sup)
        if np.isfinite(lo) and np.isfinite(hi):
            return lo + (hi - lo) * rng.uniform(0.15, 0.85, size)
        if np.isfinite(lo):
            return lo + np.exp(rng.uniform(-0.5, 1.0, size))
        if np.isfinite(hi):
            return hi - np.exp(rng.uniform(-0.5, 1.0, size))
        return rng.normal(0.0, 1.0, size)

    # ------------------------------------------------------------------ sampling
    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        if self._sampler is not None:
            return np.asarray(self._sampler(x, n, rng), dtype=float)
        if self.event_shape:
            raise NotImplementedError(
                f"{self.family.name}: sampling a multivariate compiled family needs sampler=")
        flat = x.reshape(-1, self.dim)
        out = np.empty((n, flat.shape[0]))
        for j, theta in enumerate(flat):
            out[:, j] = self._inverse_cdf(theta, rng.uniform(size=n))
        return out.reshape((n,) + x.shape[:-1])

    def _bounds(self, theta: NDArray) -> tuple[float, float]:
        sub = dict(zip(self.family.params, map(float, theta), strict=True))
        lo, hi = self._support[0]
        return float(lo.xreplace(sub)), float(hi.xreplace(sub))

    def _inverse_cdf(self, theta: NDArray, uniforms: NDArray) -> NDArray:
        lo, hi = self._bounds(theta)
        args = [np.full(1, t) for t in theta]
        return inverse_cdf(lambda xs: self._logp_fn(xs, *args) + 0 * xs, lo, hi, uniforms,
                           self.discrete)

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        from .numeric import numeric_expectation

        flat_p, flat_q = xp.reshape(-1, self.dim), xq.reshape(-1, self.dim)
        out = np.empty(flat_p.shape[0])
        q_syms = [sp.Dummy(f"q{i}") for i in range(self.dim)]
        log_q = self.family.logpdf.xreplace(dict(zip(self.family.params, q_syms,
                                                     strict=True)))
        for j, (tp, tq) in enumerate(zip(flat_p, flat_q, strict=True)):
            values = dict(zip(self.family.params, tp, strict=True))
            diff = (self.family.logpdf - log_q).xreplace(
                dict(zip(q_syms, map(sp.Float, tq), strict=True)))
            out[j] = numeric_expectation(self.family, [diff], {**values, **self._hyper})[0]
        return out.reshape(xp.shape[:-1])

    def provenance(self) -> dict[str, Provenance]:
        """How each object is obtained: closed forms (lambdified), KL by quadrature."""
        names = ["metric", "christoffels", "skewness", "curvature", "kl", "geodesics"]
        return {k: self.method_of(k) for k in names}

    def method_of(self, name: str) -> Provenance:
        """The :class:`~infogeo.manifolds.Provenance` of ``name``."""
        closed = {"metric": "symbolic Fisher information",
                  "christoffels": "from the symbolic metric",
                  "skewness": "not available (no closed form compiled)",
                  "curvature": "Riemann tensor by differences of the closed-form Christoffels"}
        if name in closed:
            return Provenance("closed form", 0.0, closed[name])
        if name == "kl":
            return Provenance("quadrature", float("nan"), "adaptive quadrature of p log p/q")
        if name == "geodesics":
            return Provenance("geodesic ODE", float("nan"), "the manifolds' geodesic engine "
                              "on the closed-form Christoffel symbols")
        raise ValueError(f"name must be one of {sorted([*closed, 'kl', 'geodesics'])}, "
                         f"got {name!r}")

    def __repr__(self) -> str:
        return f"CompiledManifold({self.family.name!r}, dim={self.dim})"


def compile_manifold(family: Any, metric: sp.Matrix | None = None, *,
                     hyperparams: Mapping[sp.Symbol, float] | None = None,
                     sampler: Callable | None = None, numeric: bool = True,
                     mixed_budget: float = 3.0, **fisher_kwargs: Any
                     ) -> StatisticalManifold:
    """A numeric :class:`StatisticalManifold` from a symbolic family.

    Parameters
    ----------
    family : SymbolicFamily or sympy.stats random variable
    metric : sympy.Matrix, optional
        The Fisher metric; derived with :func:`fisher_information` if omitted.
    hyperparams : mapping Symbol (or name) -> float
        Values of the family's hyperparameters (e.g. ν of a Student-t).
    **fisher_kwargs
        Passed to :func:`fisher_information` (``cache``, ``timeout``, ``progress``, ...).
    sampler : callable ``sampler(theta[..., dim], n, rng) -> [n, ..., *event_shape]``,
        optional; default numeric inverse-CDF (1-D families only).
    numeric : bool
        When the Fisher information does not close (``DerivationError``), build the
        numeric route instead of raising: a
        :class:`~infogeo.symbolic.numeric_route.SymbolicNumericManifold` whose metric,
        connections, curvature and KL are expectations of the (symbolic, lambdified)
        derivatives of ℓ computed by quadrature (Monte Carlo with ``sampler`` for
        multivariate observations); its ``provenance()`` says how each object was obtained.
    mixed_budget : float
        Seconds the numeric route spends closing metric entries one by one (closed
        forms where they exist, quadrature elsewhere; 0 for none).

    Returns
    -------
    CompiledManifold or SymbolicNumericManifold

    Examples
    --------
    >>> import numpy as np, infogeo as ig
    >>> M = ig.symbolic.compile_manifold(ig.symbolic.catalogue.normal())
    >>> M.metric_matrix(np.array([0.0, 2.0]))
    array([[0.25, 0.  ],
           [0.  , 0.5 ]])
    """
    family = as_family(family)
    given = family.parameter_values(hyperparams or {}, "hyperparams")
    hyper = {h: v for h, v in given.items() if h in family.hyperparams}
    if len(hyper) != len(given):
        extra = [str(s) for s in given if s not in family.hyperparams]
        raise ValueError(f"hyperparams: {extra} are coordinates of {family.name}, not "
                         f"hyperparameters {list(family.hyperparams)}")
    missing = [h for h in family.hyperparams if h not in hyper]
    if missing:
        raise ValueError(f"hyperparams must give a value for {missing} of {family.name}")
    if metric is None:
        try:
            metric = fisher_information(family, **fisher_kwargs)
        except DerivationError as err:
            if not numeric:
                raise
            from .numeric_route import numeric_manifold

            return numeric_manifold(family, hyper, sampler=sampler, failure=err,
                                    mixed_budget=mixed_budget)
    else:
        metric = as_matrix(metric, "metric", names_of(family.params + family.hyperparams))
    return CompiledManifold(family, metric, hyper, sampler)
