r"""A statistical manifold from any log-density: the numeric route.

Every object of the geometry is an expectation of derivatives of ℓ = log p(x | θ) in θ,
computed at the point asked for — by double-exponential quadrature over a 1-D support
(:mod:`infogeo._quadrature`), by summation over a discrete one, or by seeded Monte Carlo
(with standard errors) from a sampler for multivariate observations:

.. math::

    g_{ij} = E[\partial_i\ell\,\partial_j\ell], \qquad
    T_{ijk} = E[\partial_i\ell\,\partial_j\ell\,\partial_k\ell], \qquad
    \Gamma^{(\alpha)}_{ij,k} = E\big[(\partial_i\partial_j\ell
    + \tfrac{1-\alpha}{2}\partial_i\ell\,\partial_j\ell)\,\partial_k\ell\big].

Curvature needs ∂Γ: it is differentiated under the integral,
:math:`\partial_m E[f] = E[\partial_m f + f\,\partial_m\ell]`, so it costs third
derivatives of ℓ and no finite differences of quadrature output. The geodesic engine of
:class:`StatisticalManifold` (exp, log, dist) runs on these Christoffel symbols.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from .._checks import check_in_interval
from .._quadrature import expectation, inverse_cdf, location_scale
from . import _numeric_curvature
from ._numeric_moments import (
    Provenance,
    derivative_products,
    kl_integrand,
    moment_shapes,
    split_moments,
)
from ._theta_derivatives import ThetaDerivatives
from .base import StatisticalManifold
from .charts import Chart, identity_chart
from .declarations import Interval, Parameter

__all__ = ["NumericFamily", "Provenance"]

#: ``jet(x[m], theta[dim], order) -> [ℓ [m], ∂ℓ [m, n], ∂²ℓ [m, n, n], ∂³ℓ [m, n, n, n]]``
Jet = Callable[[NDArray, NDArray, int], list[NDArray]]


def _declare(name: str, low: float, high: float) -> Parameter:
    """A declared coordinate on the open interval (low, high), with a typical range."""
    if np.isfinite(low) and np.isfinite(high):
        typical, log = (low + 0.15 * (high - low), high - 0.15 * (high - low)), False
    elif np.isfinite(low):
        typical, log = (low + np.exp(-0.5), low + np.exp(1.0)), low == 0.0
    elif np.isfinite(high):
        typical, log = (high - np.exp(1.0), high - np.exp(-0.5)), False
    else:
        typical, log = (-2.0, 2.0), False
    # the edges the numeric route is tested on: a decade beyond the typical range (the
    # coarse location pass can miss a density concentrated far more sharply)
    edges = (typical[0] / 10, typical[1] * 10) if log else typical
    return Parameter(name, Interval(low, high), typical=typical, log_scale=log, edges=edges)


def _loglogistic(x: NDArray, theta: NDArray) -> NDArray:
    a, b = theta
    return np.log(b / a) + (b - 1) * np.log(x / a) - 2 * np.log1p((x / a) ** b)


class NumericFamily(StatisticalManifold):
    r"""The Fisher geometry of a family given by its log-density, computed numerically.

    Parameters
    ----------
    logpdf : callable ``logpdf(x, theta) -> array``
        Vectorized over ``x`` (shape ``[m]``, or ``[m, d]`` with ``event_shape=(d,)``);
        ``theta`` has shape ``[dim]``. Derivatives in θ are taken by complex step when the
        callable supports complex ``theta`` (detected), else by Richardson-extrapolated
        central differences (see :attr:`derivative_method`, :attr:`derivative_accuracy`).
    dim : int
    support : (low, high) or callable ``theta -> (low, high)``
        The data support (1-D families); infinite ends allowed.
    params : sequence of str, optional
        Coordinate names (default ``theta0, theta1, ...``).
    domain : sequence of (low, high), optional
        Open interval of each coordinate (default the real line).
    discrete : bool
        Observations are the integers in the support.
    jet : callable, optional
        ``jet(x, theta, order)`` returning ℓ and its θ-derivatives up to ``order`` (≤ 3);
        exact derivatives replace the numeric ones (the symbolic route passes
        lambdified ∂ℓ, ∂²ℓ, ∂³ℓ).
    sampler : callable ``sampler(theta[..., dim], n, rng) -> [n, ..., *event_shape]``
        Needed for multivariate observations (their expectations are Monte Carlo).
    event_shape : tuple
    tol : float
        Relative tolerance of the quadrature.
    n_samples, seed : int
        Monte Carlo size and seed (multivariate observations only).
    closed_metric : (callable ``theta -> [dim, dim]``, bool mask ``[dim, dim]``), optional
        Entries of the metric known in closed form (used where the mask is True).
    name : str
    break_points : callable ``theta -> sequence of float``, optional
        Where ℓ or its θ-derivatives are not smooth in ``x`` at ``theta`` (the kink of
        ``|x - mu|`` at ``mu``): the quadrature splits the support there, so each piece
        converges at the double-exponential rate (the symbolic route finds them itself,
        :mod:`infogeo.symbolic.kinks`).

    Examples
    --------
    >>> import numpy as np
    >>> from infogeo.manifolds import NumericFamily
    >>> def logpdf(x, t):  # log-logistic, scale a, shape b
    ...     a, b = t
    ...     return np.log(b / a) + (b - 1) * np.log(x / a) - 2 * np.log1p((x / a) ** b)
    >>> M = NumericFamily(logpdf, 2, support=(0, np.inf), params=["a", "b"],
    ...                   domain=[(0, np.inf), (0, np.inf)])
    >>> np.round(M.metric_matrix(np.array([1.0, 2.0])), 6)   # b²/(3a²), (3 + π²)/(9b²)
    array([[1.333333, 0.      ],
           [0.      , 0.357489]])
    """

    #: a representative instance for the generic test suites: log-logistic from numpy
    examples: ClassVar[dict[str, Callable[[], StatisticalManifold]]] = {
        "numeric_loglogistic": lambda: NumericFamily(
            _loglogistic, 2, support=(0.0, np.inf), params=["a", "b"],
            domain=[(0.0, np.inf), (0.0, np.inf)], name="log-logistic")}

    def __init__(self, logpdf: Callable[[NDArray, NDArray], NDArray], dim: int, *,
                 support: tuple[float, float] | Callable[[NDArray], tuple[float, float]]
                 | None = None, params: Sequence[str] | None = None,
                 domain: Sequence[tuple[float, float]] | None = None, discrete: bool = False,
                 jet: Jet | None = None, sampler: Callable | None = None,
                 event_shape: tuple[int, ...] = (), tol: float = 1e-12,
                 n_samples: int = 200_000, seed: int = 0,
                 closed_metric: tuple[Callable[[NDArray], NDArray], NDArray] | None = None,
                 name: str = "numeric family", derivative_detail: str | None = None,
                 break_points: Callable[[NDArray], Sequence[float]] | None = None) -> None:
        if not callable(logpdf):
            raise TypeError("logpdf must be callable logpdf(x, theta), got "
                            f"{type(logpdf).__name__}")
        if not (isinstance(dim, (int, np.integer)) and dim >= 1):
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        self.dim = int(dim)
        self.event_shape = tuple(event_shape)
        if not self.event_shape and support is None:
            raise ValueError("support must be given for a 1-D family: (low, high) or a "
                             "callable theta -> (low, high), e.g. (0, np.inf)")
        if self.event_shape and sampler is None:
            raise ValueError("sampler must be given for multivariate observations "
                             "(event_shape != ()): their expectations are Monte Carlo")
        self.params = tuple(params) if params is not None else tuple(
            f"theta{i}" for i in range(self.dim))
        if len(self.params) != self.dim:
            raise ValueError(f"params must name dim = {self.dim} coordinates, got {self.params}")
        self.domain = [tuple(map(float, d)) for d in (domain or [(-np.inf, np.inf)] * self.dim)]
        if len(self.domain) != self.dim or any(not lo < hi for lo, hi in self.domain):
            raise ValueError(f"domain must give dim = {self.dim} intervals (low < high), "
                             f"got {domain}")
        self.parameters = tuple(_declare(n, lo, hi) for n, (lo, hi) in
                                zip(self.params, self.domain, strict=True))
        self.discrete, self.name, self.tol = bool(discrete), name, float(tol)
        self._logpdf_fn, self._support_spec, self._sampler = logpdf, support, sampler
        self._numeric_jet = ThetaDerivatives(logpdf, self.dim) if jet is None else None
        self._jet: Jet = jet if jet is not None else self._numeric_jet.jet  # type: ignore[union-attr]
        self._derivative_detail = derivative_detail
        self.n_samples, self.seed = int(n_samples), int(seed)
        self._closed_metric = closed_metric
        if break_points is not None and not callable(break_points):
            raise TypeError("break_points must be callable theta -> sequence of float, got "
                            f"{type(break_points).__name__}")
        self._break_points = break_points
        self._cache: OrderedDict = OrderedDict()
        self._provenance: dict[str, Provenance] = {}
        super().__init__()

    # ------------------------------------------------------------------ declarations
    def _charts(self) -> list[Chart]:
        return [identity_chart("base", self.params)]

    def _check_base(self, x: NDArray, name: str) -> None:
        for i, (lo, hi) in enumerate(self.domain):
            check_in_interval(x[..., i], f"{name}: {self.params[i]}", lo, hi)

    def _random_base_point(self, rng: np.random.Generator, size: tuple[int, ...]) -> NDArray:
        out = np.empty(size + (self.dim,))
        for i, (lo, hi) in enumerate(self.domain):
            if np.isfinite(lo) and np.isfinite(hi):
                out[..., i] = lo + (hi - lo) * rng.uniform(0.15, 0.85, size)
            elif np.isfinite(lo) or np.isfinite(hi):
                sign, end = (1.0, lo) if np.isfinite(lo) else (-1.0, hi)
                out[..., i] = end + sign * np.exp(rng.uniform(-0.5, 1.0, size))
            else:
                out[..., i] = rng.normal(0.0, 1.0, size)
        return out

    def support(self, theta: NDArray) -> tuple[float, float]:
        """``(low, high)`` of the observations at ``theta`` (the hook estimators use)."""
        spec = self._support_spec
        if callable(spec):
            low, high = spec(np.asarray(theta, dtype=float))
        else:
            assert spec is not None  # the constructor requires it without event_shape
            low, high = spec
        return float(low), float(high)

    @property
    def derivative_method(self) -> str:
        """How derivatives in θ are taken."""
        if self._numeric_jet is None:
            return self._derivative_detail or "exact (given jet)"
        return self._numeric_jet.method

    @property
    def derivative_accuracy(self) -> float:
        """Stated relative accuracy of the third θ-derivatives (0 when exact)."""
        return 0.0 if self._numeric_jet is None else self._numeric_jet.accuracy

    # ------------------------------------------------------------------ expectations
    def _moments(self, theta: NDArray, order: int) -> dict[str, Any]:
        """The expectations of derivative products at one point, cached per point."""
        key = (theta.tobytes(), order)
        for cached in [(theta.tobytes(), o) for o in range(order, 4)]:
            if cached in self._cache:
                self._cache.move_to_end(cached)
                return self._cache[cached]
        shapes = moment_shapes(self.dim, order)

        def products(x: NDArray) -> tuple[NDArray, NDArray]:
            jet = self._jet(x, theta, min(order, 3))
            return jet[0], derivative_products(jet, shapes)

        value, error, detail, method = self._expect(products, theta, order)
        out = split_moments(value, error, shapes)
        out.update(method=method, detail=detail)
        self._cache[key] = out
        while len(self._cache) > 256:
            self._cache.popitem(last=False)
        return out

    def _expect(self, fn: Callable[[NDArray], tuple[NDArray, NDArray]], theta: NDArray,
                order: int = 0) -> tuple[NDArray, NDArray, str, str]:
        """E_θ[f] with its error: (value, error, detail, method); the tolerance is no
        finer than the accuracy of the θ-derivatives of ``order`` in the integrand."""
        if self.event_shape:
            rng = np.random.default_rng(self.seed)
            assert self._sampler is not None  # the constructor requires it with event_shape
            data = np.asarray(self._sampler(theta, self.n_samples, rng), dtype=float)
            _, values = fn(data.reshape((self.n_samples,) + self.event_shape))
            stderr = values.std(axis=0, ddof=1) / np.sqrt(self.n_samples)
            return (values.mean(axis=0), stderr,
                    f"{self.n_samples} draws, seed {self.seed}", "monte carlo")
        low, high = self.support(theta)
        centre, scale = 0.0, 1.0
        if not self.discrete:
            centre, scale = location_scale(lambda x: self._jet(x, theta, 0)[0], low, high)
        tol = self.tol
        if self._numeric_jet is not None:
            tol = max(tol, 10 * self._numeric_jet.accuracy_of(order))
        points = () if self._break_points is None else self._break_points(theta)
        res = expectation(fn, low, high, discrete=self.discrete, tol=tol, centre=centre,
                          scale=scale, points=points)
        note = "" if res.converged else ", tolerance NOT reached"
        detail = f"{res.method}, {res.n_eval} nodes{note}"
        return res.value, res.error, detail, ("sum" if self.discrete else "quadrature")

    def _record(self, name: str, moments: dict, error: float, extra: str = "") -> None:
        detail = f"{moments['detail']}; θ-derivatives: {self.derivative_method}{extra}"
        self._provenance[name] = Provenance(moments["method"], float(error), detail)

    def provenance(self) -> dict[str, Provenance]:
        """How each object was obtained (at the last point it was computed)."""
        names = ["metric", "christoffels", "skewness", "curvature", "kl", "geodesics"]
        return {k: self.method_of(k) for k in names}

    def method_of(self, name: str) -> Provenance:
        """The :class:`Provenance` of ``name`` (``"metric"``, ``"christoffels"``, ...)."""
        if name == "geodesics":
            base = self._provenance.get("christoffels")
            return Provenance("geodesic ODE", float("nan"),
                              "the manifolds' geodesic engine on the Christoffel symbols "
                              f"({base or 'not yet computed'})")
        if name not in ("metric", "christoffels", "skewness", "curvature", "kl"):
            raise ValueError(f"name must be one of metric, christoffels, skewness, curvature, "
                             f"kl, geodesics; got {name!r}")
        return self._provenance.get(name, Provenance(
            "quadrature" if not self.event_shape else "monte carlo", float("nan"),
            "not yet computed"))

    # ------------------------------------------------------------------ geometry
    def _each(self, x: NDArray, one: Callable[[NDArray], NDArray], shape: tuple) -> NDArray:
        flat = x.reshape(-1, self.dim)
        out = np.stack([one(np.ascontiguousarray(p)) for p in flat]) if flat.size else \
            np.empty((0,) + shape)
        return out.reshape(x.shape[:-1] + shape)

    def _metric_one(self, theta: NDArray) -> NDArray:
        m = self._moments(theta, 1)
        g, err = 0.5 * (m["g"] + m["g"].T), np.max(m["err_g"])
        if self._closed_metric is not None:
            fn, mask = self._closed_metric
            g = np.where(mask, np.asarray(fn(theta), dtype=float), g)
            err = float(np.max(np.where(mask, 0.0, m["err_g"]), initial=0.0))
            if mask.all():
                self._provenance["metric"] = Provenance("closed form", 0.0, "every entry")
                return g
            self._record("metric", m, err, f"; closed form at entries {np.argwhere(mask).tolist()}")
            self._provenance["metric"] = Provenance(
                "mixed", err, self._provenance["metric"].detail)
            return g
        self._record("metric", m, err)
        return g

    def _metric(self, x: NDArray) -> NDArray:
        return self._each(x, self._metric_one, (self.dim, self.dim))

    def _connection(self, theta: NDArray, alpha: float = 0.0
                    ) -> tuple[NDArray, NDArray, dict]:
        """(Γ^(α)k_ij, its error bound, moments) at one point."""
        m = self._moments(theta, 2)
        inv = np.linalg.inv(self._metric_one(theta))
        c = 0.5 * (1.0 - alpha)
        first = m["A"] + c * m["T"]  # Γ^(α)_ij,k = E[(H_ij + c s_i s_j) s_k]
        gamma = np.einsum("kl,ijl->kij", inv, first)
        err_first = m["err_A"] + abs(c) * m["err_T"]
        err = np.einsum("kl,ijl->kij", np.abs(inv), err_first + np.einsum(
            "la,aij->ijl", m["err_g"], np.abs(gamma)))
        return gamma, err, m

    def _christoffels(self, x: NDArray) -> NDArray:
        def one(theta: NDArray) -> NDArray:
            gamma, err, m = self._connection(theta)
            self._record("christoffels", m, float(np.max(err)))
            return gamma
        return self._each(x, one, (self.dim,) * 3)

    def _skewness(self, x: NDArray) -> NDArray:
        def one(theta: NDArray) -> NDArray:
            m = self._moments(theta, 2)
            self._record("skewness", m, float(np.max(m["err_T"])))
            return m["T"]
        return self._each(x, one, (self.dim,) * 3)

    # the α-connections' curvature, from expectations (in _numeric_curvature.py)
    _riemann_one = _numeric_curvature.riemann_one
    riemann_tensor = _numeric_curvature.riemann_tensor
    alpha_riemann_tensor = _numeric_curvature.alpha_riemann_tensor
    scalar_curvature = _numeric_curvature.scalar_curvature
    alpha_scalar_curvature = _numeric_curvature.alpha_scalar_curvature

    # ------------------------------------------------------------------ statistics
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        return self._derivative(data, x, 0)

    def _derivative(self, data: NDArray, x: NDArray, order: int) -> NDArray:
        shape = np.broadcast_shapes(data.shape[:data.ndim - len(self.event_shape)], x.shape[:-1])
        data = np.broadcast_to(data, shape + self.event_shape)
        xb = np.broadcast_to(x, shape + (self.dim,))
        tail = (self.dim,) * order
        out = np.empty(shape + tail)
        flat_d = data.reshape((-1,) + self.event_shape)
        flat_x, flat_o = xb.reshape(-1, self.dim), out.reshape((-1,) + tail)
        for theta in np.unique(flat_x, axis=0):
            sel = np.all(flat_x == theta, axis=1)
            flat_o[sel] = self._jet(flat_d[sel], theta, order)[order]
        return out

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        return self._derivative(data, x, 1)

    def _log_prob_hessian(self, data: NDArray, x: NDArray) -> NDArray:
        return self._derivative(data, x, 2)

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        if self._sampler is not None:
            return np.asarray(self._sampler(x, n, rng), dtype=float)
        flat = x.reshape(-1, self.dim)
        out = np.empty((n, flat.shape[0]))
        for j, theta in enumerate(flat):
            low, high = self.support(theta)
            out[:, j] = inverse_cdf(self._logpdf_at(theta), low, high,
                                    rng.uniform(size=n), self.discrete)
        return out.reshape((n,) + x.shape[:-1])

    def _logpdf_at(self, theta: NDArray) -> Callable[[NDArray], NDArray]:
        """x -> log p(x | theta) at a fixed ``theta``."""
        return lambda x: self._jet(x, theta, 0)[0]

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        flat_p, flat_q = xp.reshape(-1, self.dim), xq.reshape(-1, self.dim)
        out = np.empty(flat_p.shape[0])
        for j, (tp, tq) in enumerate(zip(flat_p, flat_q, strict=True)):
            same = bool(self.event_shape) or self.support(tp) == self.support(tq)
            try:
                value, error, detail, method = self._expect(
                    kl_integrand(self._jet, tp, tq, same), tp)
            except ValueError:
                if not same:
                    raise
                # e^r overflows where q's tail is far heavier than p's (distant points):
                # there the plain E_p[-r] has no cancellation to fear
                value, error, detail, method = self._expect(
                    kl_integrand(self._jet, tp, tq, False), tp)
            out[j] = value[0]
            self._provenance["kl"] = Provenance(method, float(error[0]), detail)
        return out.reshape(xp.shape[:-1])

    def __repr__(self) -> str:
        return f"NumericFamily({self.name!r}, dim={self.dim}, params={self.params})"
