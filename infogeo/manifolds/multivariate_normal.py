"""Multivariate normal families: N(μ, Σ) (here) and the covariance manifold N(m, Σ) with m
fixed (:mod:`.fixed_mean_normal`, re-exported here).

Layout of a point (and of a tangent vector): the mean (d entries, full family only), then
the upper-triangular entries of the symmetric matrix Σ in row-major order,
``Σ[0,0], Σ[0,1], ..., Σ[0,d-1], Σ[1,1], ...`` (d(d+1)/2 entries). A tangent coordinate
``δΣ_ij`` with i < j moves both ``Σ[i,j]`` and ``Σ[j,i]``, i.e. δΣ = Σ_p v_p E_p with
:math:`E_{(ij)} = e_i e_j^\\top + e_j e_i^\\top` (i ≠ j) and :math:`E_{(ii)} = e_i e_i^\\top`.

Sources: Skovgaard, "A Riemannian geometry of the multivariate normal model", Scand. J.
Statist. 11 (1984); Eriksen, "Geodesics connected with the Fisher metric on the
multivariate normal manifold", Proc. GST Workshop, Lancaster (1987); Calvo & Oller,
"An explicit solution of information geodesic equations for the multivariate normal
model", Statistics & Decisions 9 (1991);
Pennec, Fillard & Ayache, "A Riemannian framework for tensor computing", IJCV 66 (2006)
(affine-invariant SPD geometry, which is twice the Fisher metric of N(m, Σ)).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array
from ..errors import ShootingError
from ._gaussian import (
    _basis,
    _batch,
    _check_symmetric,
    _cov_score,
    _gaussian_kl,
    _gaussian_log_prob,
    _sample_gaussian,
    _triu,
    expectation_chart_maps,
    natural_chart_maps,
    spd_christoffels,
    spd_metric,
    spd_skewness,
    sym_from_triu,
    sym_function,
    triu_from_sym,
)
from ._newton import NewtonResult as ShootingResult
from ._sizes import resolve_sample_dim
from .base import StatisticalManifold
from .charts import Chart
from .declarations import (
    REAL,
    CovarianceMatrix,
    Parameter,
    ParameterBlock,
    ScipyCounterpart,
    Size,
)
from .fixed_mean_normal import FixedMeanNormal
from .geodesic_flow import shoot_with_jacobian

__all__ = ["MultivariateNormal", "FixedMeanNormal"]


class MultivariateNormal(StatisticalManifold):
    r"""The d-variate normal family N(μ, Σ), point = [μ, upper triangle of Σ].

    .. math::

        g\big((\delta\mu, \delta\Sigma), (\delta\mu, \delta\Sigma)\big)
        = \delta\mu^\top\Sigma^{-1}\delta\mu
        + \tfrac12\operatorname{tr}(\Sigma^{-1}\delta\Sigma\,\Sigma^{-1}\delta\Sigma),

    a block-diagonal matrix in the layout of the module docstring. The geodesic
    equations (Skovgaard 1984) are

    .. math::

        \ddot\mu - \dot\Sigma\Sigma^{-1}\dot\mu = 0, \qquad
        \ddot\Sigma + \dot\mu\dot\mu^\top - \dot\Sigma\Sigma^{-1}\dot\Sigma = 0,

    whose polarization gives the Christoffel symbols. ``exp`` is Eriksen's closed form
    (a matrix exponential of size 2d + 1); there is no closed-form distance in general,
    so ``log`` shoots (Newton on ``exp``) and ``dist`` is the length of ``log``.

    Charts: ``"mean_cov"`` (base), ``"natural"`` :math:`(\theta_1, \Theta_2) =
    (\Sigma^{-1}\mu, -\tfrac12\Sigma^{-1})` (e-flat) and ``"expectation"``
    :math:`(\mu, \Sigma + \mu\mu^\top)` (m-flat), matrices in the triangular layout.
    The natural coordinates are the coefficients of the sufficient statistics
    :math:`x_i` and :math:`x_i x_j` (i ≤ j) in the exponent, so the stored off-diagonal
    entries of :math:`\Theta_2` are doubled: ``theta2_ij`` = :math:`2(\Theta_2)_{ij}`
    for i < j (this makes the chart Legendre-dual to the expectation chart).

    Parameters
    ----------
    sample_dim : int
        d, the dimension of the observations; the manifold has dimension d + d(d+1)/2.
        Also the attribute ``d``. (The keyword ``d`` is deprecated.)
    chart : str, optional
    """

    scipy_counterpart = ScipyCounterpart("multivariate_normal", {"mean": "mu", "cov": "sigma"},
                                         hyper={"sample_dim": Size("mean")}, batched=False)
    examples = {"multivariate_normal": lambda: MultivariateNormal(sample_dim=2)}

    def __init__(self, sample_dim: int | None = None, chart: str | None = None, *,
                 d: int | None = None) -> None:
        self.sample_dim = self.d = resolve_sample_dim("MultivariateNormal", sample_dim, d=d)
        self.dim = self.d + self.d * (self.d + 1) // 2
        self.event_shape = (self.d,)
        self._basis = _basis(self.d)
        super().__init__(chart)

    @property
    def parameters(self) -> tuple[ParameterBlock, ...]:  # type: ignore[override]
        """The mean (d coordinates) and the covariance (its upper triangle)."""
        return (Parameter("mu", REAL, typical=(-1.0, 1.0), size=self.d, scalar=False,
                          coordinates=tuple(f"mu{i}" for i in range(self.d))),
                CovarianceMatrix(self.d, "sigma"))

    def pack(self, mean: ArrayLike, cov: ArrayLike) -> NDArray:
        """``[..., dim]`` point from a mean ``[..., d]`` and a covariance ``[..., d, d]``."""
        mean = as_finite_array(mean, "mean")
        cov = as_finite_array(cov, "cov")
        if mean.shape[-1:] != (self.d,) or cov.shape[-2:] != (self.d, self.d):
            raise ValueError(f"mean must have shape [..., {self.d}] and cov [..., {self.d}, "
                             f"{self.d}], got {mean.shape} and {cov.shape}")
        _check_symmetric(cov)
        tri = triu_from_sym(cov)
        batch = _batch(mean, tri)
        return np.concatenate([np.broadcast_to(mean, batch + mean.shape[-1:]),
                               np.broadcast_to(tri, batch + tri.shape[-1:])], axis=-1)

    def unpack(self, theta: ArrayLike) -> tuple[NDArray, NDArray]:
        """``(mean [..., d], cov [..., d, d])`` of points ``[..., dim]``."""
        x = np.asarray(theta, dtype=float)
        return x[..., : self.d], sym_from_triu(x[..., self.d:], self.d)

    def _charts(self) -> list[Chart]:
        tri = [f"{i}{j}" for i, j in zip(*_triu(self.d), strict=True)]
        natural = tuple(f"theta1_{i}" for i in range(self.d)) + tuple(f"theta2_{p}" for p in tri)
        expectation = tuple(f"eta1_{i}" for i in range(self.d)) + tuple(f"eta2_{p}" for p in tri)
        return [self._declared_base_chart("mean_cov"),
                Chart("natural", natural, **natural_chart_maps(self.d)),
                Chart("expectation", expectation, **expectation_chart_maps(self.d))]

    def _metric(self, x: NDArray) -> NDArray:
        precision = np.linalg.inv(self.unpack(x)[1])
        g = np.zeros(x.shape[:-1] + (self.dim, self.dim))
        g[..., : self.d, : self.d] = precision
        g[..., self.d:, self.d:] = spd_metric(precision, self._basis)
        return g

    def _christoffels(self, x: NDArray) -> NDArray:
        r"""Polarized geodesic equations (index k first):

        .. math::

            \Gamma^{\mu}(v, w) = -\tfrac12(\delta\Sigma_v P\delta\mu_w
            + \delta\Sigma_w P\delta\mu_v), \quad
            \Gamma^{\Sigma}(v, w) = \tfrac12(\delta\mu_v\delta\mu_w^\top
            + \delta\mu_w\delta\mu_v^\top) - \tfrac12(\delta\Sigma_v P\delta\Sigma_w
            + \delta\Sigma_w P\delta\Sigma_v),

        :math:`P = \Sigma^{-1}`.
        """
        d, basis = self.d, self._basis
        precision = np.linalg.inv(self.unpack(x)[1])
        gamma = np.zeros(x.shape[:-1] + (self.dim,) * 3)
        # Γ^k_{a q} = −½ (E_q P)_{k a}
        ep = np.einsum("qkc,...ca->...kaq", basis, precision)
        gamma[..., :d, :d, d:] = -0.5 * ep
        gamma[..., :d, d:, :d] = -0.5 * np.swapaxes(ep, -1, -2)
        # Γ^{(ij)}_{ab} = ½ (δ_ia δ_jb + δ_ib δ_ja)
        eye = np.eye(d)
        outer = 0.5 * (eye[:, None, :, None] * eye[None, :, None, :]
                       + eye[:, None, None, :] * eye[None, :, :, None])  # [a, b, i, j]
        gamma[..., d:, :d, :d] = np.moveaxis(triu_from_sym(outer), -1, 0)
        gamma[..., d:, d:, d:] = spd_christoffels(precision, basis)
        return gamma

    def _skewness(self, x: NDArray) -> NDArray:
        r"""Amari–Chentsov tensor. With :math:`w = L^{-1}(x-\mu)`, the score along
        :math:`(\delta\mu, \delta\Sigma)` is :math:`\alpha^\top w + \tfrac12(w^\top B w
        - \operatorname{tr} B)` (:math:`\alpha = L^{-1}\delta\mu`,
        :math:`B = L^{-1}\delta\Sigma L^{-\top}`); odd moments of w vanish, so

        .. math::

            T_{ijp} = (\Sigma^{-1}E_p\Sigma^{-1})_{ij}, \qquad
            T_{pqr} = \operatorname{tr}(\Sigma^{-1}E_p\Sigma^{-1}E_q\Sigma^{-1}E_r),

        (i, j mean and p, q, r covariance coordinates, with all permutations) and zero
        for three mean or one mean and two covariance indices.
        """
        d = self.d
        precision = np.linalg.inv(self.unpack(x)[1])
        t = np.zeros(x.shape[:-1] + (self.dim,) * 3)
        pep = np.einsum("...ab,pbc,...cd->...adp", precision, self._basis, precision)
        t[..., :d, :d, d:] = pep
        t[..., :d, d:, :d] = np.swapaxes(pep, -1, -2)
        t[..., d:, :d, :d] = np.moveaxis(pep, -1, -3)
        t[..., d:, d:, d:] = spd_skewness(precision, self._basis)
        return t

    # -- geodesics: Eriksen's closed-form exp, shooting log ------------------------------
    def _exp(self, v: NDArray, x: NDArray) -> NDArray:
        r"""Closed-form geodesic (Eriksen 1987; Calvo & Oller 1991).

        Move the base point to (0, I) with the isometry :math:`(\mu, \Sigma) \mapsto
        (L^{-1}(\mu - \mu_0), L^{-1}\Sigma L^{-\top})`, :math:`\Sigma_0 = LL^\top`, so the
        velocity becomes :math:`(\xi, B) = (L^{-1}\delta\mu, L^{-1}\delta\Sigma L^{-\top})`;
        then with

        .. math::

            \exp\begin{pmatrix} -B & \xi & 0 \\ \xi^\top & 0 & -\xi^\top \\
            0 & -\xi & B \end{pmatrix} = \begin{pmatrix} \Delta & \delta & \cdot \\
            \cdot & \cdot & \cdot \\ \cdot & \cdot & \cdot \end{pmatrix}, \qquad
            \Sigma(1) = \Delta^{-1}, \quad \mu(1) = \Delta^{-1}\delta,

        and map back. The generator is symmetric, so its exponential is taken with ``eigh``.
        (Checked against the geodesic ODE in the tests.)
        """
        d = self.d
        mean0, cov0 = self.unpack(x)
        chol = np.linalg.cholesky(cov0)
        inv_chol = np.linalg.inv(chol)
        xi = np.einsum("...ij,...j->...i", inv_chol, v[..., :d])
        b = inv_chol @ sym_from_triu(v[..., d:], d) @ np.swapaxes(inv_chol, -1, -2)
        gen = np.zeros(x.shape[:-1] + (2 * d + 1, 2 * d + 1))
        gen[..., :d, :d] = -b
        gen[..., d + 1:, d + 1:] = b
        gen[..., :d, d] = gen[..., d, :d] = xi
        gen[..., d + 1:, d] = gen[..., d, d + 1:] = -xi
        flow = sym_function(gen, np.exp)  # the generator is symmetric
        cov1 = np.linalg.inv(flow[..., :d, :d])
        mean1 = np.einsum("...ij,...j->...i", cov1, flow[..., :d, d])
        cov = chol @ cov1 @ np.swapaxes(chol, -1, -2)
        mean = mean0 + np.einsum("...ij,...j->...i", chol, mean1)
        return np.concatenate([mean, triu_from_sym(0.5 * (cov + np.swapaxes(cov, -1, -2)))],
                              axis=-1)

    def _identity(self, batch: tuple[int, ...]) -> NDArray:
        """The point (0, I), where every pair is moved by the isometry of ``_shoot``."""
        return np.broadcast_to(np.concatenate([np.zeros(self.d), triu_from_sym(
            np.eye(self.d))]), batch + (self.dim,))

    def _normalize(self, y: NDArray, x: NDArray) -> tuple[NDArray, NDArray]:
        """``(L, ŷ)``: Σ_x = LLᵀ and ŷ = (L⁻¹(μ_y − μ_x), L⁻¹Σ_yL⁻ᵀ), the target seen from
        x moved to (0, I) by the isometry (μ, Σ) ↦ (L⁻¹(μ − μ_x), L⁻¹ΣL⁻ᵀ)."""
        (mx, cx), (my, cy) = self.unpack(x), self.unpack(y)
        chol = np.linalg.cholesky(cx)
        inv = np.linalg.inv(chol)
        cov = inv @ cy @ np.swapaxes(inv, -1, -2)
        mean = np.einsum("...ij,...j->...i", inv, my - mx)
        return chol, np.concatenate([mean, triu_from_sym(0.5 * (cov + np.swapaxes(cov, -1, -2)))],
                                    axis=-1)

    def _exp_and_jacobian(self, v: NDArray, x: NDArray, _rtol: NDArray,
                          ) -> tuple[NDArray, NDArray, NDArray]:
        """``(exp_x(v), d exp_x(v)/dv, ok)`` for Newton shooting, shapes ``[B, ...]``.

        The Jacobian is a central difference of the closed-form ``exp`` (one batched call
        of 2·dim + 1 geodesics, relative error ~1e-10), so no ODE tolerance is involved;
        shooting runs at x = (0, I), where velocities are of the size of the distance.
        """
        batch, dim = v.shape
        h = 1e-6 * np.maximum(1.0, np.max(np.abs(v), axis=-1))
        steps = h[None, :, None] * np.eye(dim)[:, None, :]                 # [dim, B, dim]
        probes = np.concatenate([v[None], v[None] + steps, v[None] - steps])
        with np.errstate(all="ignore"):
            try:
                ends = self._exp(probes, np.broadcast_to(x, probes.shape))
            except (np.linalg.LinAlgError, ValueError):  # overflow of huge velocities
                ends = np.full(probes.shape, np.nan)
        jac = np.moveaxis((ends[1:dim + 1] - ends[dim + 1:]) / (2 * h[None, :, None]), 0, -1)
        ok = np.all(np.isfinite(ends), axis=(0, -1))
        return ends[0], jac, ok

    def _shoot(self, y: NDArray, x: NDArray, tol: float = 1e-10,
               max_iter: int = 50) -> ShootingResult:
        r"""Newton shooting from (0, I) to the normalized target ŷ (:meth:`_normalize`), so
        that covariances from 1e-8 to 1e8 are all shot at unit scale, with convergence in
        Fisher–Rao units (isometry-invariant, so the same at x as at (0, I)); the velocity
        is mapped back by :math:`(\xi, B) \mapsto (L\xi, LBL^\top)`.

        The start (ŷ_μ, log Σ̂_y) is exact when the means agree (fixed-mean covariances form a
        totally geodesic submanifold: μ' = 0 solves the μ equation). Pairs that do not
        converge are retried by continuation: shooting successively to the points
        ``e + s (ŷ - e)``, s = 1/4, 1/2, 3/4, 1 (SPD by convexity), each from the previous
        solution.
        """
        shape, d = x.shape, self.d
        chol, y_hat = self._normalize(y.reshape(-1, self.dim), x.reshape(-1, self.dim))
        res = self._shoot_at_identity(y_hat, tol, max_iter)
        xi, b = res.solution[:, :d], sym_from_triu(res.solution[:, d:], d)
        v = np.concatenate([np.einsum("...ij,...j->...i", chol, xi),
                            triu_from_sym(chol @ b @ np.swapaxes(chol, -1, -2))], axis=-1)
        return ShootingResult(v.reshape(shape), res.converged.reshape(shape[:-1]),
                              res.residual.reshape(shape[:-1]), res.n_iter, res.message)

    def _shoot_at_identity(self, y_hat: NDArray, tol: float, max_iter: int) -> ShootingResult:
        e = self._identity(y_hat.shape[:-1])
        mean, cov = self.unpack(y_hat)
        guess = np.concatenate([mean, triu_from_sym(sym_function(cov, np.log))], axis=-1)

        def shoot(target: NDArray, start: NDArray) -> ShootingResult:
            return shoot_with_jacobian(self._exp_and_jacobian, e[:len(target)], target, start,
                                       tol, max_iter, metric=self._metric, approximate=False)

        res = shoot(y_hat, guess)
        retry = np.flatnonzero(~res.converged)
        if not retry.size:
            return res
        v, converged, residual = res.solution, res.converged.copy(), res.residual.copy()
        n_iter, ws = res.n_iter, np.zeros((retry.size, self.dim))
        for step in (0.25, 0.5, 0.75, 1.0):
            stage = shoot(e[:retry.size] + step * (y_hat[retry] - e[:retry.size]), ws)
            ws, n_iter = stage.solution, n_iter + stage.n_iter
        v[retry], converged[retry], residual[retry] = ws, stage.converged, stage.residual
        message = ("converged (after continuation)" if np.all(converged)
                   else f"continuation: {stage.message}")
        return ShootingResult(v, converged, residual, n_iter, message)

    def _dist(self, xa: NDArray, xb: NDArray) -> NDArray:
        r""":math:`\|w\|` at (0, I), :math:`|\xi|^2 + \tfrac12\operatorname{tr}B^2`, for the
        normalized logarithm w (no round-off from the scale of the covariances)."""
        flat_a, flat_b = xa.reshape(-1, self.dim), xb.reshape(-1, self.dim)
        res = self._shoot_at_identity(self._normalize(flat_b, flat_a)[1], 1e-10, 50)
        if not res.success:
            raise ShootingError(
                f"MultivariateNormal.dist: shooting did not converge ({res.message}; "
                f"largest endpoint error {np.max(res.residual):.3g} in Fisher-Rao units "
                "relative to 1 + the distance); use log_shooting() to inspect the result")
        xi, b = res.solution[:, :self.d], sym_from_triu(res.solution[:, self.d:], self.d)
        sq = np.sum(xi**2, axis=-1) + 0.5 * np.einsum("bij,bji->b", b, b)
        return np.sqrt(sq).reshape(xa.shape[:-1])

    # -- statistics -----------------------------------------------------------------------
    def _log_prob(self, data: NDArray, x: NDArray) -> NDArray:
        mean, cov = self.unpack(x)
        return _gaussian_log_prob(data, mean, cov)

    def _score(self, data: NDArray, x: NDArray) -> NDArray:
        mean, cov = self.unpack(x)
        s_mean, s_cov = _cov_score(data, mean, np.linalg.inv(cov))
        return np.concatenate([s_mean, s_cov], axis=-1)

    def _sample(self, x: NDArray, n: int, rng: np.random.Generator) -> NDArray:
        mean, cov = self.unpack(x)
        return _sample_gaussian(mean, cov, n, rng)

    def _kl(self, xp: NDArray, xq: NDArray) -> NDArray:
        (mp, cp), (mq, cq) = self.unpack(xp), self.unpack(xq)
        return _gaussian_kl(mp, cp, mq, cq)

    def __repr__(self) -> str:
        return f"MultivariateNormal(sample_dim={self.d}, chart={self.chart.name!r})"
