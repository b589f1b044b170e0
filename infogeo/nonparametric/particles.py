"""Particle versions of the flows of KL(p‖π): birth–death, Langevin, and both.

* **Birth–death** (the Fisher–Rao flow; Y. Lu, J. Lu & J. Nolen, "Accelerating Langevin
  sampling with birth-death", arXiv:1905.09863, 2019, Algorithm 1): particle i has the
  rate :math:`\\Lambda_i = \\beta_i - \\bar\\beta`,
  :math:`\\beta_i = \\log(K_h * \\mu_N)(x_i) - \\log\\pi(x_i)`; in a step Δt it is killed
  with probability :math:`1 - e^{-\\Lambda_i\\Delta t}` (Λ > 0) or duplicated (Λ < 0; here
  with a mean number of copies :math:`e^{|\\Lambda_i|\\Delta t} - 1`, see ``_jumps``), and a
  uniformly chosen other particle is duplicated or killed to keep N fixed. As N → ∞ and
  h → 0 the empirical measure follows :math:`\\partial_t p = -p(\\log(p/\\pi) - KL)`.
* **Langevin** (the Wasserstein flow): :math:`x \\leftarrow x + \\Delta t\\,\\nabla\\log\\pi(x)
  + \\sqrt{2\\Delta t}\\,\\xi` (unadjusted Langevin algorithm).
* **Both** (the Wasserstein–Fisher–Rao flow): a Langevin step, then a birth–death step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .._checks import as_finite_array, check_positive, check_rng
from .flows import check_times

__all__ = ["ParticleFlowResult", "particle_flow", "kde_log_density"]


@dataclass(frozen=True)
class ParticleFlowResult:
    """Particles along a flow and how the simulation ended.

    Attributes
    ----------
    times : ndarray, shape=[T]
    particles : ndarray, shape=[T, N, \\*event_shape]
        Positions at ``times`` (``particles[0]`` the start).
    n_jumps : ndarray, shape=[T]
        Birth–death events (each a kill with a duplication) up to each time.
    success : bool
        Whether every position stayed finite up to the last time.
    message : str
    """

    times: NDArray
    particles: NDArray
    n_jumps: NDArray
    success: bool
    message: str


def kde_log_density(points: ArrayLike, particles: ArrayLike, bandwidth: float,
                    chunk: int = 512) -> NDArray:
    """Log of the Gaussian kernel density estimate of the particles at ``points``.

    .. math::

        \\log\\frac1N\\sum_j \\frac{1}{(2\\pi h^2)^{d/2}}
        \\exp\\!\\left(-\\frac{\\|x - x_j\\|^2}{2h^2}\\right)

    Parameters
    ----------
    points : array-like, shape=[M] or [M, d]
    particles : array-like, shape=[N] or [N, d]
    bandwidth : float
    chunk : int
        Rows of ``points`` per block (memory O(chunk · N)).
    """
    check_positive(bandwidth, "bandwidth")
    y = np.asarray(points, dtype=float)
    xs = np.asarray(particles, dtype=float)
    y2 = y.reshape(y.shape[0], -1)
    x2 = xs.reshape(xs.shape[0], -1)
    d = x2.shape[1]
    out = np.empty(y2.shape[0])
    norm = np.log(xs.shape[0]) + 0.5 * d * np.log(2 * np.pi * bandwidth**2)
    for start in range(0, y2.shape[0], chunk):
        block = y2[start:start + chunk]
        sq = np.sum((block[:, None, :] - x2[None, :, :]) ** 2, axis=-1)
        out[start:start + chunk] = logsumexp(-0.5 * sq / bandwidth**2, axis=1) - norm
    return out


def _self_kde(x: NDArray, bandwidth: float, chunk: int = 1024) -> NDArray:
    """:func:`kde_log_density` at the particles themselves: the self term keeps every sum
    >= 1, so plain sums of exponentials suffice (no log-sum-exp)."""
    x2 = x.reshape(x.shape[0], -1)
    out = np.empty(x2.shape[0])
    for start in range(0, x2.shape[0], chunk):
        block = x2[start:start + chunk]
        sq = np.sum((block[:, None, :] - x2[None, :, :]) ** 2, axis=-1)
        out[start:start + chunk] = np.log(np.sum(np.exp(-0.5 * sq / bandwidth**2), axis=1))
    return out - np.log(x2.shape[0]) - 0.5 * x2.shape[1] * np.log(2 * np.pi * bandwidth**2)


def _jumps(rate: NDArray, tau: float, rng: np.random.Generator) -> list[tuple[int, int]]:
    r"""Birth–death events as (dying, duplicated) particle pairs, in random order.

    A particle with Λ > 0 dies with probability :math:`1 - e^{-\Lambda\tau}`; one with
    Λ < 0 is copied a random number of times with mean :math:`e^{|\Lambda|\tau} - 1`
    (floor plus a Bernoulli draw), so that a step reproduces the exact growth factor
    :math:`e^{-\Lambda\tau}` of the reaction in expectation. (Lu, Lu & Nolen's Algorithm 1
    allows one copy, of probability :math:`1 - e^{-|\Lambda|\tau}`: an O(τ) deficit of
    births where mass must grow.) Each event is balanced by a uniformly chosen other
    particle, duplicated or killed, to keep N fixed."""
    n = rate.size
    growth = np.expm1(np.abs(rate) * tau)      # mean number of copies, Λ < 0
    dies = (rate > 0) & (rng.random(n) < -np.expm1(-rate * tau))
    copies = np.where(rate < 0, np.floor(growth) + (rng.random(n) < growth % 1.0), 0)
    births = np.flatnonzero(copies)
    movers = rng.permutation(np.concatenate([np.flatnonzero(dies),
                                             np.repeat(births, copies[births].astype(int))]))
    partners = rng.integers(n - 1, size=movers.size)
    partners += partners >= movers  # a uniformly chosen *other* particle
    kills = rate[movers] > 0
    dying = np.where(kills, movers, partners)
    return list(zip(dying.tolist(), np.where(kills, partners, movers).tolist(), strict=True))


class _Sites:
    """Pure birth–death never moves particles: they sit on the N initial sites, and the
    kernel matrix between sites is computed once (each step is then one mat-vec)."""

    def __init__(self, x: NDArray, bandwidth: float) -> None:
        self.sites, n = x.copy(), x.shape[0]
        flat = x.reshape(n, -1)
        sq = np.sum((flat[:, None, :] - flat[None, :, :]) ** 2, axis=-1)
        self.kernel = np.exp(-0.5 * sq / bandwidth**2)
        self.log_norm = np.log(n) + 0.5 * flat.shape[1] * np.log(2 * np.pi * bandwidth**2)
        self.index = np.arange(n)

    def step(self, log_pi: NDArray, tau: float, rng: np.random.Generator) -> int:
        counts = np.bincount(self.index, minlength=self.index.size).astype(float)
        log_kde = np.log(self.kernel @ counts)[self.index] - self.log_norm
        beta = log_kde - log_pi[self.index]
        events = _jumps(beta - beta.mean(), tau, rng)
        for dying, duplicated in events:
            self.index[dying] = self.index[duplicated]
        return len(events)


def _birth_death(x: NDArray, log_target: Callable[[NDArray], NDArray], bandwidth: float,
                 tau: float, rng: np.random.Generator) -> tuple[NDArray, int]:
    beta = _self_kde(x, bandwidth) - np.asarray(log_target(x), dtype=float)
    x = x.copy()
    events = _jumps(beta - beta.mean(), tau, rng)
    for dying, duplicated in events:
        x[dying] = x[duplicated]
    return x, len(events)


def particle_flow(particles: ArrayLike, log_target: Callable[[NDArray], NDArray],
                  times: ArrayLike, dt: float, rng: np.random.Generator,
                  kind: str = "fisher_rao",
                  grad_log_target: Callable[[NDArray], NDArray] | None = None,
                  bandwidth: float | None = None) -> ParticleFlowResult:
    """Simulate N particles along a gradient flow of :math:`KL(\\mu\\|\\pi)`.

    Parameters
    ----------
    particles : array-like, shape=[N] or [N, d]
        Initial positions (draws from :math:`p_0`).
    log_target : callable
        ``x -> log π(x)`` (unnormalized), vectorized over particles.
    times : array-like, shape=[T]
        Strictly increasing output times, ``times[0]`` the start.
    dt : float
        Largest time step.
    rng : numpy.random.Generator
    kind : {"fisher_rao", "wasserstein", "wasserstein_fisher_rao"}
        Birth–death only, Langevin only, or a Langevin step followed by a birth–death step.
    grad_log_target : callable, optional
        ``x -> ∇ log π(x)`` (same shape as x); required for the Langevin kinds.
    bandwidth : float, optional
        Kernel width h of the birth–death rates; by default Silverman's rule
        :math:`h = 1.06\\,\\hat\\sigma N^{-1/5}` of the initial particles (per-coordinate
        mean spread in d > 1).

    Returns
    -------
    ParticleFlowResult
    """
    x = as_finite_array(particles, "particles")
    if x.ndim not in (1, 2) or x.shape[0] < 2:
        raise ValueError(f"particles must have shape [N] or [N, d] with N >= 2, got {x.shape}")
    t = check_times(times)
    check_positive(dt, "dt")
    rng = check_rng(rng)
    if kind not in ("fisher_rao", "wasserstein", "wasserstein_fisher_rao"):
        raise ValueError(f"kind must be 'fisher_rao', 'wasserstein' or "
                         f"'wasserstein_fisher_rao', got {kind!r}")
    if kind != "fisher_rao" and grad_log_target is None:
        raise ValueError(f"grad_log_target is required for kind={kind!r} (Langevin steps)")
    n = x.shape[0]
    if bandwidth is None:
        spread = float(np.mean(np.std(x.reshape(n, -1), axis=0)))
        bandwidth = 1.06 * max(spread, 1e-12) * n ** (-0.2)
    check_positive(bandwidth, "bandwidth")
    out, jumps, total = [x.copy()], [0], 0
    sites = _Sites(x, bandwidth) if kind == "fisher_rao" else None
    log_pi_sites = np.asarray(log_target(x), dtype=float) if sites is not None else None
    for t0, t1 in zip(t[:-1], t[1:], strict=True):
        m = int(np.ceil((t1 - t0) / dt - 1e-12))
        h = (t1 - t0) / m
        for _ in range(m):
            if sites is not None:
                total += sites.step(log_pi_sites, h, rng)  # type: ignore[arg-type]
                x = sites.sites[sites.index]
                continue
            if kind != "fisher_rao":
                drift = np.asarray(grad_log_target(x), dtype=float)  # type: ignore[misc]
                x = x + h * drift + np.sqrt(2 * h) * rng.standard_normal(x.shape)
                if not np.all(np.isfinite(x)):
                    return ParticleFlowResult(t[:len(out)], np.stack(out), np.array(jumps),
                                              False, f"a particle diverged before t = {t1:g} "
                                              "(Langevin step too large)")
            if kind != "wasserstein":
                x, count = _birth_death(x, log_target, bandwidth, h, rng)
                total += count
        out.append(x.copy())
        jumps.append(total)
    return ParticleFlowResult(t, np.stack(out), np.array(jumps), True,
                              f"reached t = {t[-1]:g} with {n} particles, {total} jumps")
