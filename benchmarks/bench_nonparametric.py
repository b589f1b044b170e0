"""Benchmark: non-parametric Fisher–Rao geometry and flows (infogeo.nonparametric).

Run: ``python benchmarks/bench_nonparametric.py [--quick]``

Every time is printed with its ratio to a baseline measured in the same run (best of
repeats, interleaved, so that load on the shared machine hits both alike).

1. ``fisher_rao_distance`` on a large grid vs the bare NumPy expression
   ``2 arccos(sum(w sqrt(p q)))`` (the cost of validation and the stable arcsin form).
2. The Fisher–Rao flow of KL: each integrator's error against the closed form and its
   time relative to evaluating the closed form itself.
3. The Fokker–Planck propagator (one tridiagonal eigendecomposition, then O(n²) per step)
   vs ``scipy.sparse.linalg.expm_multiply`` on the same generator.
4. Birth–death particles: the site-kernel implementation vs a per-step kernel density
   estimate; then the convergence of the particles to the grid solution (rate vs N).
5. The categorical discretization on k bins: error of the distance and its fitted order.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from scipy import stats
from scipy.sparse.linalg import expm_multiply
from scipy.special import logsumexp

from infogeo import nonparametric as npg
from infogeo.nonparametric.wasserstein import _Propagator


def best_times(fns: list[Callable[[], object]], repeats: int = 5) -> list[float]:
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, acc in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - start)
    return [min(acc) for acc in times]


def log_pi(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(np.log(0.3) - 0.75 * (x + 3) ** 2, np.log(0.7) - 0.75 * (x - 3) ** 2)


def distance(n: int) -> None:
    print(f"== fisher_rao_distance, grid of {n:.0e} nodes ==")
    x = np.linspace(-20, 20, n)
    w = npg.grid_weights(x)
    p, q = stats.norm.pdf(x, 0, 1), stats.norm.pdf(x, 1, 1.5)
    t_ig, t_np = best_times([lambda: npg.fisher_rao_distance(p, q, w),
                             lambda: 2 * np.arccos(np.sum(w * np.sqrt(p * q)))])
    print(f"infogeo {t_ig * 1e3:8.2f} ms   bare numpy {t_np * 1e3:8.2f} ms   "
          f"ratio {t_ig / t_np:5.2f}")


def fr_flow(n: int) -> None:
    print(f"== Fisher-Rao flow of KL, bimodal target, grid of {n} nodes, t in [0, 8] ==")
    x = np.linspace(-12, 12, n)
    w = npg.grid_weights(x)
    p0 = np.exp(-((x + 2.5) ** 2) / 0.8) + 0.05 * np.exp(-((x - 1) ** 2) / 8)
    times = np.linspace(0, 8, 17)
    lp = log_pi(x)
    exact = npg.kl_flow_solution(p0, lp, times, w)
    (t_closed,) = best_times([lambda: npg.kl_flow_solution(p0, lp, times, w)])
    print(f"{'method':32s} {'max rel L1 error':>17s} {'steps':>7s} {'time':>9s} "
          f"{'/ closed form':>13s}")
    cases = [("dop853, log coordinates", {}),
             ("rk4 dt=0.05, log coordinates", {"method": "rk4", "dt": 0.05}),
             ("euler dt=0.01, log coordinates", {"method": "euler", "dt": 0.01}),
             ("rk4 dt=0.002, density coord.", {"method": "rk4", "dt": 0.002,
                                               "coordinates": "density"})]
    for label, opts in cases:
        res = npg.fisher_rao_flow(p0, lp, times, w, **opts)
        err = np.max(np.sum(w * np.abs(res.densities - exact), axis=1))
        (t,) = best_times([lambda opts=opts: npg.fisher_rao_flow(p0, lp, times, w, **opts)],
                          repeats=3)
        print(f"{label:32s} {err:17.2e} {res.n_steps:7d} {t:8.3f}s {t / t_closed:13.0f}")


def fokker_planck(n: int, steps: int) -> None:
    print(f"== Fokker-Planck propagation, {n} nodes, {steps} steps of 0.01 ==")
    x = np.linspace(-9, 9, n)
    lp = log_pi(x)
    lp = lp - lp.max()
    gen = npg.fokker_planck_generator(lp, x)
    p0 = stats.norm.pdf(x, -3, 1)

    def ours() -> np.ndarray:
        prop = _Propagator(gen, lp, float(x[1] - x[0]))
        p = p0
        for _ in range(steps):
            p = prop.apply(p, 0.01)
        return p

    def baseline() -> np.ndarray:
        p, step = p0, gen * 0.01
        for _ in range(steps):
            p = expm_multiply(step, p)
        return p

    diff = np.max(np.abs(ours() - baseline()))
    t_ours, t_base = best_times([ours, baseline], repeats=2)
    print(f"eigh_tridiagonal {t_ours:7.3f} s   expm_multiply {t_base:7.3f} s   "
          f"ratio {t_ours / t_base:5.3f}   max |difference| {diff:.1e}")


def birth_death_speed(n: int) -> None:
    print(f"== birth-death particles, N = {n}, 20 steps ==")
    x0 = np.random.default_rng(0).normal(-1.5, 2, n)
    h = 1.06 * 2 * n ** -0.2

    def ours() -> object:
        return npg.particle_flow(x0, log_pi, [0, 1.0], 0.05, np.random.default_rng(1))

    def baseline() -> np.ndarray:  # the same dynamics with a fresh KDE every step
        rng, x = np.random.default_rng(1), x0.copy()
        for _ in range(20):
            sq = (x[:, None] - x[None, :]) ** 2
            beta = logsumexp(-0.5 * sq / h**2, axis=1) - log_pi(x)
            rate = beta - beta.mean()
            for i in np.flatnonzero(rng.random(n) < -np.expm1(-np.abs(rate) * 0.05)):
                j = int(rng.integers(n - 1))
                j += j >= i
                if rate[i] > 0:
                    x[i] = x[j]
                else:
                    x[j] = x[i]
        return x

    t_ours, t_base = best_times([ours, baseline], repeats=2)
    print(f"site kernel {t_ours:7.3f} s   per-step KDE {t_base:7.3f} s   "
          f"ratio {t_ours / t_base:5.3f}")


def particle_rate(sizes: list[int], seeds: int) -> None:
    print(f"== birth-death particles -> grid Fisher-Rao flow at t = 1 ({seeds} seeds) ==")
    print("error of the particle estimate of a functional of p_1 against the grid solution;")
    print("bias = mean over seeds (kernel smoothing, ~h^2 ~ N^-0.4 with Silverman's h),")
    print("spread = standard deviation over seeds (Monte Carlo, ~N^-0.5)")
    x = np.linspace(-14, 14, 2801)
    w = npg.grid_weights(x)
    exact = npg.kl_flow_solution(stats.norm.pdf(x, -1.5, 2), log_pi(x), [0, 1.0], w)[-1]
    truth = {"mass right of 0": np.sum(w * exact * (x > 0)), "mean": np.sum(w * exact * x)}
    stats_: dict[str, dict[str, list[float]]] = {
        k: {"rms": [], "bias": [], "spread": []} for k in truth}
    for n in sizes:
        est: dict[str, list[float]] = {k: [] for k in truth}
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            final = npg.particle_flow(rng.normal(-1.5, 2, n), log_pi, [0, 1.0], 0.05,
                                      rng).particles[-1]
            est["mass right of 0"].append(np.mean(final > 0))
            est["mean"].append(final.mean())
        line = f"N = {n:5d}"
        for k in truth:
            err = np.array(est[k]) - truth[k]
            stats_[k]["rms"].append(float(np.sqrt(np.mean(err**2))))
            stats_[k]["bias"].append(float(abs(err.mean())))
            stats_[k]["spread"].append(float(err.std(ddof=1)))
            line += (f"   {k}: RMS {stats_[k]['rms'][-1]:.4f} bias {stats_[k]['bias'][-1]:.4f}"
                     f" spread {stats_[k]['spread'][-1]:.4f}")
        print(line)
    for k in truth:
        fits = ", ".join(f"{part} ~ N^-{npg.convergence_order(sizes, vals)[0]:.2f}"
                         for part, vals in stats_[k].items())
        print(f"fitted, {k}: {fits}")


def discretization() -> None:
    print("== categorical discretization on k bins of [-15, 15]: N(0,1) vs N(1,1.5^2) ==")
    v = 1 + 1.5**2
    reference = 2 * np.arccos(np.sqrt(3 / v) * np.exp(-1 / (4 * v)))
    study = npg.discretization_study(stats.norm(0, 1).pdf, stats.norm(1, 1.5).pdf, -15, 15,
                                     [16, 32, 64, 128, 256, 512], reference)
    for k, e in zip(study.ks, study.errors, strict=True):
        print(f"k = {k:4d}  d - d_k = {e:.3e}")
    print(f"fitted order {study.order:.2f} (predicted 2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    distance(200_000 if args.quick else 2_000_000)
    fr_flow(2001 if args.quick else 8001)
    fokker_planck(361 if args.quick else 1201, 50 if args.quick else 200)
    birth_death_speed(800 if args.quick else 2000)
    particle_rate([100, 400, 1600] if args.quick else [100, 200, 400, 800, 1600, 3200],
                  8 if args.quick else 24)
    discretization()


if __name__ == "__main__":
    main()
