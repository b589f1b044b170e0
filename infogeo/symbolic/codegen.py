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
from ..manifolds.base import StatisticalManifold
from ..manifolds.charts import Chart, identity_chart
from .family import SymbolicFamily
from .fisher import as_family, fisher_information
from .geometry import christoffel_symbols
from .inputs import as_matrix, names_of
from .numeric import _map, _nodes, lambdify_numpy, stable_log

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
        sub = {h: sp.Float(v) for h, v in hyper_values.items()}  # floats (checked by caller)
        self.family = family
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
        if self.discrete:
            ks = np.arange(lo, min(hi, lo + 2**22) + 1)
            with np.errstate(all="ignore"):
                pmf = np.exp(np.asarray(self._logp_fn(ks, *args), dtype=float) + 0 * ks)
            cdf = np.cumsum(np.nan_to_num(pmf))
            return ks[np.minimum(np.searchsorted(cdf, uniforms * cdf[-1]), len(ks) - 1)]
        # a double-exponential grid, recentred once on the bulk of the density
        u, _ = _nodes(4001, 3.0)
        centre, scale = 0.0, 1.0
        for _ in range(2):
            if np.isinf(lo) and np.isinf(hi):
                xs, jac = _map(u, -np.inf, np.inf)
                xs, jac = centre + scale * xs, scale * jac
            else:
                xs, jac = _map(u, lo, hi)
            with np.errstate(all="ignore"):
                dens = np.exp(np.asarray(self._logp_fn(xs, *args), dtype=float) + 0 * xs)
            dens = np.nan_to_num(dens)
            cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] * jac[1:] + dens[:-1] * jac[:-1])
                                                   * np.diff(u))])
            # recentre on the median and rescale by the interquartile range (robust for
            # heavy tails without moments, e.g. Cauchy)
            q25, q50, q75 = np.interp(np.array([0.25, 0.5, 0.75]) * cdf[-1], cdf, xs)
            centre, scale = float(q50), float(max(q75 - q25, 1e-12))
        return np.interp(uniforms * cdf[-1], cdf, xs)

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

    def __repr__(self) -> str:
        return f"CompiledManifold({self.family.name!r}, dim={self.dim})"


def compile_manifold(family: Any, metric: sp.Matrix | None = None, *,
                     hyperparams: Mapping[sp.Symbol, float] | None = None,
                     sampler: Callable | None = None, **fisher_kwargs: Any
                     ) -> CompiledManifold:
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
        metric = fisher_information(family, **fisher_kwargs)
    else:
        metric = as_matrix(metric, "metric", names_of(family.params + family.hyperparams))
    manifold = CompiledManifold(family, metric, hyper, sampler)
    manifold._hyper = hyper
    return manifold
