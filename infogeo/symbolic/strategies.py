"""Strategies that compute E[·] of derivatives of ℓ for the Fisher matrix and cubic tensor.

Each strategy takes a :class:`Context` (the family in internal symbols, its score and
Hessian, a shared expectation engine) and returns a sympy Matrix / Array in internal
symbols, or raises :class:`~infogeo.symbolic.expectation.NotClosed`.

Order for the Fisher matrix (the first that closes *and* agrees with quadrature wins):

1. ``hessian_free``: −∂²ℓ does not involve x, so I = −∂²ℓ.
2. ``exponential_family``: ℓ = Σ_k η_k(θ) T_k(x) + c(θ) + log h(x); then
   :math:`I = -\\partial^2 c - \\sum_k \\partial^2\\eta_k\\, E[T_k]` with E[T] solved from
   :math:`J^\\top E[T] = -\\nabla c` (the score has mean zero) — no integral at all when
   the family is full (K = dim); this is the Hessian of the log-partition ψ pulled back by
   η(θ). Curved families take E[T_k] from the expectation engine.
3. ``expectation``: −E[∂²ℓ] term by term (linearity of expectation, see expectation.py).
4. ``score``: E[∂ℓ ∂ℓᵀ] — needed when ℓ is not smooth in θ (Laplace |x − μ|: −∂²ℓ
   misses the kink).
Discrete families use the same strategies with sums in place of integrals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .expectation import ExpectationEngine, NotClosed
from .piecewise import conditions_on, mixture_terms

__all__ = ["Context", "ExpFamily", "decompose_exponential_family", "FISHER_STRATEGIES",
           "CUBIC_STRATEGIES"]

_NON_SMOOTH = (sp.Abs, sp.sign, sp.Heaviside, sp.Piecewise, sp.Max, sp.Min, sp.floor,
               sp.ceiling)


@dataclass
class ExpFamily:
    """ℓ = Σ_k eta[k]·T[k] + c (+ terms free of θ)."""

    eta: list[sp.Expr]
    T: list[sp.Expr]
    c: sp.Expr


def decompose_exponential_family(logpdf: sp.Expr, params: tuple, variables: tuple
                                 ) -> ExpFamily | None:
    """Split ℓ into Σ η_k(θ) T_k(x) + c(θ) + log h(x), or None if ℓ does not separate."""
    expr = sp.expand(sp.expand_log(sp.expand_trig(logpdf)))
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(expr):
        coeff, g = term.as_independent(*variables, as_Add=False)
        if g.free_symbols & set(params) or coeff.free_symbols & set(variables):
            return None
        groups[g] = groups.get(g, sp.Integer(0)) + coeff
    c = groups.pop(sp.Integer(1), sp.Integer(0))
    pairs = [(g, coeff) for g, coeff in groups.items() if coeff.free_symbols & set(params)]
    if not pairs:
        return None
    return ExpFamily(eta=[p[1] for p in pairs], T=[p[0] for p in pairs], c=c)


def _kink_atoms(logpdf: sp.Expr, params: tuple, variables: tuple) -> list[sp.Basic]:
    """Non-smooth factors where ℓ has a kink that moves with θ.

    A ``Piecewise`` counts only if a condition involves a parameter (x < θ): pieces cut
    at fixed points of the variable (k = 0, x ≥ c) leave ℓ smooth in θ on each piece, and
    the expectation splits at them instead (see :mod:`.piecewise`).
    """
    found = []
    for atom in logpdf.atoms(*_NON_SMOOTH):
        if isinstance(atom, sp.Piecewise):
            syms = set().union(*(c.free_symbols for _, c in atom.args))
        else:
            syms = atom.free_symbols
        if syms & set(params) and (syms & set(variables) or isinstance(atom, sp.Piecewise)):
            found.append(atom)
    return found


def _non_smooth_in_params(logpdf: sp.Expr, params: tuple, variables: tuple) -> bool:
    return bool(_kink_atoms(logpdf, params, variables))


@dataclass
class Context:
    """The family's derivatives in internal symbols, shared by all strategies."""

    family: Any
    time_limit_s: float = 8.0
    engine: ExpectationEngine = field(init=False)

    def __post_init__(self) -> None:
        fi = self.family.internal
        self.params = fi.params
        self.variables = fi.variables
        self.logpdf = fi.logpdf
        self.score = [sp.diff(self.logpdf, p) for p in self.params]
        self.hessian = sp.hessian(self.logpdf, self.params)
        self.non_smooth = _non_smooth_in_params(self.logpdf, self.params, self.variables)
        self.expfam = None if self.non_smooth else decompose_exponential_family(
            self.logpdf, self.params, self.variables)
        mixture = None
        if not (fi.discrete and all(hi.is_finite for _, hi in fi.support)):
            mixture = mixture_terms(self.logpdf, self.params, self.variables)
        #: the sum of a finite mixture's components (None if ℓ is not one); its integrals
        #: get a short time limit, as they close only in special cases
        self.mixture = mixture
        limit = self.time_limit_s if mixture is None else min(self.time_limit_s, 0.5)
        self.engine = ExpectationEngine(self.family, limit)
        self._mean_T: list[sp.Expr] | None = None

    def variable_names(self) -> str:
        return ", ".join(v.name for v in self.variables)

    def kinks(self) -> str:
        """The non-smooth factors that involve both a parameter and the variable."""
        atoms = _kink_atoms(self.logpdf, self.params, self.variables)
        return ", ".join(sorted(str(self.family.to_user(a)) for a in atoms))

    def pieces_note(self) -> str:
        """" (ℓ is piecewise in k: ...)" when ℓ has pieces in the variable, else ""."""
        conds = conditions_on(self.logpdf, self.variables)
        if not conds:
            return ""
        shown = ", ".join(sorted({str(self.family.to_user(c)) for c in conds}))
        return f" (ℓ is piecewise in {self.variable_names()}: {shown})"

    def mixture_note(self) -> str:
        """Why a finite mixture does not close (for failure messages)."""
        mix = self.family.to_user(self.mixture)
        return (f"ℓ is a finite mixture in {self.variable_names()}: the score has the "
                "mixture density as denominator, no closed form in general (give at={...}, "
                f"CLI --at, for a numeric value); mixture {mix}")

    def jacobian_eta(self) -> sp.Matrix:
        """J[k, i] = ∂η_k/∂θ_i."""
        assert self.expfam is not None  # strategies ask only when the form was found
        return sp.Matrix([[sp.diff(e, p) for p in self.params] for e in self.expfam.eta])

    def mean_T(self) -> list[sp.Expr]:
        """E[T_k]: from J^T E[T] = −∇c when J is square and invertible, else by moments."""
        if self._mean_T is None:
            ef = self.expfam
            assert ef is not None  # strategies ask only when the form was found
            jac = self.jacobian_eta()
            grad_c = sp.Matrix([sp.diff(ef.c, p) for p in self.params])
            if jac.shape[0] == jac.shape[1] and _invertible(jac, self.family):
                mean = jac.T.LUsolve(-grad_c)
                self._mean_T = [_rational_simplify(m, self.params) for m in mean]
            else:
                self._mean_T = [self.engine.expect(t) for t in ef.T]
        return self._mean_T


def _invertible(jac: sp.Matrix, family: Any) -> bool:
    """det J ≢ 0: nonzero at a random parameter point settles it without simplifying the
    symbolic determinant (a 5×5 one costs seconds); otherwise simplify it."""
    point = {family._to_internal[k]: sp.Rational(v).limit_denominator(97)
             for k, v in family.random_parameters(_rng()).items()}
    at_point = jac.xreplace(point)
    if at_point.free_symbols == set() and all(e.is_finite for e in at_point):
        if at_point.det().is_zero is False:
            return True
    return sp.simplify(jac.det()) != 0


def _rational_simplify(expr: sp.Expr, params: tuple) -> sp.Expr:
    """``factor`` for a rational function of the parameters (ten times cheaper than
    ``simplify`` on an LU solution, with the same result), ``simplify`` otherwise."""
    return sp.factor(expr) if expr.is_rational_function(*params) else sp.simplify(expr)


def _rng() -> Any:
    import numpy as np

    return np.random.default_rng(31415)


# ---------------------------------------------------------------------- Fisher strategies
def fisher_hessian_free(ctx: Context) -> sp.Matrix:
    if ctx.non_smooth:
        raise NotClosed(f"ℓ is not smooth in the parameters ({ctx.kinks()})")
    if ctx.hessian.free_symbols & set(ctx.variables):
        raise NotClosed(f"−∂²ℓ depends on {ctx.variable_names()}{ctx.pieces_note()}")
    return -ctx.hessian


def fisher_exponential_family(ctx: Context) -> sp.Matrix:
    r""":math:`I_{ij} = -\partial_i\partial_j c - \sum_k \partial_i\partial_j\eta_k\,E[T_k]`."""
    if ctx.expfam is None:
        v = ctx.variable_names()
        raise NotClosed(f"ℓ is not of exponential-family form Σ η(θ)·T({v}) + c(θ) + "
                        f"log h({v}){ctx.pieces_note()}")
    ef = ctx.expfam
    n = len(ctx.params)
    hess_eta = [sp.hessian(e, ctx.params) for e in ef.eta]
    needs_mean = any(h != sp.zeros(n, n) for h in hess_eta)
    mean = ctx.mean_T() if needs_mean else [0] * len(ef.eta)
    result = -sp.hessian(ef.c, ctx.params)
    for h, m in zip(hess_eta, mean, strict=True):
        if h != sp.zeros(n, n):
            result -= h * m
    return result


def fisher_expectation(ctx: Context) -> sp.Matrix:
    if ctx.mixture is not None:  # −E[∂²ℓ] = E[∂ℓ∂ℓ] here: the score strategy tries it once
        raise NotClosed(ctx.mixture_note())
    if ctx.non_smooth:
        raise NotClosed(f"ℓ is not smooth in the parameters ({ctx.kinks()}): −E[∂²ℓ] "
                        "would miss the kink")
    return _symmetrize(ctx, lambda i, j: -ctx.engine.expect(ctx.hessian[i, j]))


def _symmetrize(ctx: Context, entry: Any) -> sp.Matrix:
    n = len(ctx.params)
    values: dict[tuple[int, int], sp.Expr] = {}
    for i in range(n):
        for j in range(i, n):
            values[i, j] = values[j, i] = entry(i, j)
    return sp.Matrix(n, n, lambda i, j: values[i, j])


def _mixture_reason(ctx: Context, compute: Any) -> Any:
    """Run ``compute``; a finite mixture that does not close says why."""
    try:
        return compute()
    except NotClosed as err:
        if ctx.mixture is None:
            raise
        raise NotClosed(f"{ctx.mixture_note()} ({err})") from err


def fisher_score(ctx: Context) -> sp.Matrix:
    return _mixture_reason(ctx, lambda: _symmetrize(
        ctx, lambda i, j: ctx.engine.expect(ctx.score[i] * ctx.score[j])))


FISHER_STRATEGIES = {
    "hessian_free": fisher_hessian_free,
    "exponential_family": fisher_exponential_family,
    "expectation": fisher_expectation,
    "score": fisher_score,
}


# ---------------------------------------------------------------------- cubic tensor
def _cubic_array(n: int, entry: Any) -> sp.Array:
    import itertools

    values: dict[tuple[int, ...], sp.Expr] = {}
    for idx in itertools.combinations_with_replacement(range(n), 3):
        value = entry(*idx)
        for perm in set(itertools.permutations(idx)):
            values[perm] = value
    return sp.Array([[[values[i, j, k] for k in range(n)] for j in range(n)]
                     for i in range(n)])


def cubic_exponential_family(ctx: Context) -> sp.Array:
    r"""Exponential family: with :math:`C = \mathrm{Cov}(T) = J^{-\top} I J^{-1}`,

    .. math::

        T_{ijk} = \partial_k I_{ij} - (\partial_i\partial_k\eta)^\top C\,\partial_j\eta
        - (\partial_j\partial_k\eta)^\top C\,\partial_i\eta,

    from differentiating :math:`I_{ij} = E[\partial_i\ell\,\partial_j\ell]` under the
    integral sign.
    """
    if ctx.expfam is None:
        raise NotClosed("not an exponential family")
    jac = ctx.jacobian_eta()
    if jac.shape[0] != jac.shape[1]:
        raise NotClosed("curved exponential family: Cov(T) is not determined by I")
    fisher = fisher_exponential_family(ctx)
    jinv = jac.inv()
    cov = jinv.T * fisher * jinv
    d_eta = [jac[:, i] for i in range(len(ctx.params))]
    p = ctx.params
    eta = ctx.expfam.eta

    def dd_eta(i: int, k: int) -> sp.Matrix:
        return sp.Matrix([sp.diff(e, p[i], p[k]) for e in eta])

    def entry(i: int, j: int, k: int) -> sp.Expr:
        value = sp.diff(fisher[i, j], p[k])
        value -= (dd_eta(i, k).T * cov * d_eta[j])[0, 0]
        value -= (dd_eta(j, k).T * cov * d_eta[i])[0, 0]
        return value

    return _cubic_array(len(p), entry)


def cubic_score(ctx: Context) -> sp.Array:
    s = ctx.score
    return _mixture_reason(ctx, lambda: _cubic_array(
        len(ctx.params), lambda i, j, k: ctx.engine.expect(s[i] * s[j] * s[k])))


CUBIC_STRATEGIES = {"exponential_family": cubic_exponential_family, "score": cubic_score}
