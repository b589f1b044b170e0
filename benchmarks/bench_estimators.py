"""Benchmark: Monte Carlo Fisher estimation throughput and memory.

Run: ``python benchmarks/bench_estimators.py [--quick]``

1. Throughput of ``fisher_monte_carlo(method="score")`` for the univariate normal and the
   Dirichlet (when registered) against a hand-written, fully vectorized NumPy score outer
   product measured in the same run (goal: ratio <= 3).
2. Peak traced memory (tracemalloc) of ``fisher_monte_carlo`` as n grows 1e5 -> 1e7: flat,
   because samples are reduced chunk by chunk. The baseline's peak grows linearly.
3. The EMA mini-batch estimator's bias and variance against the full-data Fisher, as
   functions of batch size and decay (printout of ``minibatch_bias_variance``).
4. The three Monte Carlo forms (score, Hessian, combined) with their diagnostics, against
   the score form, in the same run: the Hessian by differences (multivariate normal)
   costs most; the combined form is exact where the Hessian does not depend on x.
5. ``fisher_quadrature`` (vectorized adaptive Gauss–Legendre over the transformed support)
   against ``scipy.integrate.quad_vec`` calling the family per node on the real line, in
   the same run: time and error; and at the edges (Gamma 1e-4, Beta 1e-3), where the
   baseline in x misses most of the mass, against mpmath.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
from scipy import integrate, special

from infogeo.estimators import (
    fisher_monte_carlo,
    fisher_quadrature,
    fisher_terms,
    minibatch_bias_variance,
)
from infogeo.manifolds import Beta, Gamma, Normal
from infogeo.manifolds.registry import FAMILIES, get_family


def best_times(fns: list[Callable[[], object]], repeats: int = 5) -> list[float]:
    """Best wall time of each function, with the repeats interleaved so that load from
    other processes on the shared machine hits every function alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, acc in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - start)
    return [min(acc) for acc in times]


def baseline_normal(theta: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    mu, sigma = theta
    x = rng.normal(mu, sigma, n)
    z = (x - mu) / sigma
    s = np.stack([z / sigma, (z**2 - 1) / sigma], axis=-1)
    return s.T @ s / n


def baseline_dirichlet(alpha: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    g = rng.gamma(alpha, size=(n, alpha.size))
    x = g / g.sum(axis=-1, keepdims=True)
    s = np.log(x) - special.digamma(alpha) + special.digamma(alpha.sum())
    return s.T @ s / n


def throughput(n: int) -> None:
    print(f"== throughput, n = {n:.0e} (best of 5, interleaved) ==")
    cases = [("normal", Normal(), np.array([0.3, 1.5]), baseline_normal)]
    if "dirichlet" in FAMILIES:
        cases.append(("dirichlet", get_family("dirichlet"), np.array([1.5, 2.0, 3.5]),
                      baseline_dirichlet))
    else:
        print("dirichlet: not in the registry, skipped")
    for name, m, theta, baseline in cases:
        t_est, t_base = best_times([
            lambda m=m, theta=theta: fisher_monte_carlo(m, theta, n, np.random.default_rng(0)),
            lambda theta=theta, baseline=baseline: baseline(theta, n, np.random.default_rng(0)),
        ])
        print(f"{name:10s} fisher_monte_carlo {t_est:7.3f} s  ({n / t_est:10.3g} samples/s)  "
              f"numpy baseline {t_base:7.3f} s  ratio {t_est / t_base:5.2f}  (goal <= 3)")


def peak_bytes(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def memory(sizes: list[int]) -> None:
    print("== peak traced memory (tracemalloc) ==")
    theta = np.array([0.3, 1.5])
    for n in sizes:
        est = peak_bytes(lambda n=n: fisher_monte_carlo(Normal(), theta, n,
                                                        np.random.default_rng(0)))
        line = f"n = {n:9.0e}  fisher_monte_carlo {est / 1e6:8.2f} MB"
        if n <= 1_000_000:
            base = peak_bytes(lambda n=n: baseline_normal(theta, n, np.random.default_rng(0)))
            line += f"   numpy baseline (all at once) {base / 1e6:8.2f} MB"
        print(line)


def minibatch_study(quick: bool) -> None:
    print("== EMA mini-batch Fisher vs full-data Fisher (normal, N = 5000) ==")
    m, theta = Normal(), np.array([0.0, 1.0])
    data = m.sample(theta, 5_000, np.random.default_rng(1))
    terms = fisher_terms(m, data, theta)
    study = minibatch_bias_variance(terms, [1, 8, 64], [0.0, 0.5, 0.9, 0.99], n_steps=200,
                                    n_repeats=100 if quick else 400,
                                    rng=np.random.default_rng(2))
    print("relative variance (measured / predicted), rows: batch size, columns: decay")
    print("           " + "".join(f"beta={b:<14.2f}" for b in study.decays))
    for i, b in enumerate(study.batch_sizes):
        cells = "".join(f"{v:8.2e}/{p:8.2e}  " for v, p in zip(
            study.relative_variance[i], study.predicted_variance[i], strict=True))
        print(f"b = {b:5d}  {cells}")
    print(f"max relative bias {study.relative_bias.max():.3g} (bias-corrected EMA: "
          f"~ its standard error {study.bias_stderr.max():.3g})")


def methods(n: int) -> None:
    print(f"== Monte Carlo forms, n = {n:.0e}: time relative to the score form ==")
    cases = [("normal", Normal(), [0.3, 1.5]), ("gamma 1e-4", Gamma(), [1e-4, 1.0]),
             ("mvn", get_family("multivariate_normal"), [0.1, -0.2, 1.2, 0.3, 0.9])]
    for name, m, theta in cases:
        fns = [lambda m=m, theta=theta, meth=meth: fisher_monte_carlo(
            m, theta, n, np.random.default_rng(0), method=meth, check="ignore")
            for meth in ("score", "hessian", "combined")]
        t = best_times(fns, repeats=3)
        exact = fns[2]().exact.mean()
        print(f"{name:11s} score {t[0]:6.3f} s   hessian x{t[1] / t[0]:5.2f}   combined "
              f"x{t[2] / t[0]:5.2f}   (combined: {100 * exact:3.0f} % of entries exact)")


def quad_vec_in_x(m: Normal, theta: np.ndarray, low: float, high: float) -> np.ndarray:
    """Baseline: the Fisher integral in x with quad_vec, the family called per node."""
    def integrand(x: float) -> np.ndarray:
        with np.errstate(all="ignore"):
            xs = np.array([x])
            p = np.exp(m.log_prob(xs, theta))[0]
            if not p > 0:
                return np.zeros((m.dim, m.dim))
            s = m.score(xs, theta)[0]
        return np.outer(s, s) * p

    return integrate.quad_vec(integrand, low, high, epsabs=0.0, epsrel=1e-11, norm="max",
                              limit=200)[0]


def quadrature() -> None:
    print("== fisher_quadrature against quad_vec in x (same run, best of 5) ==")
    theta = np.array([0.3, 1.5])
    ref = Normal().metric_matrix(theta)
    t_new, t_base = best_times([
        lambda: fisher_quadrature(Normal(), theta),
        lambda: quad_vec_in_x(Normal(), theta, -np.inf, np.inf)])
    err_new = np.max(np.abs(fisher_quadrature(Normal(), theta).mean - ref))
    err_base = np.max(np.abs(quad_vec_in_x(Normal(), theta, -np.inf, np.inf) - ref))
    print(f"normal      fisher_quadrature {t_new * 1e3:7.1f} ms (error {err_new:.1e})   "
          f"quad_vec {t_base * 1e3:7.1f} ms (error {err_base:.1e})   ratio "
          f"{t_new / t_base:5.2f}")
    import mpmath as mp

    mp.mp.dps = 40
    for name, m, th, high, ref_aa in [
            ("gamma 1e-4", Gamma(), np.array([1e-4, 1.0]), np.inf,
             mp.polygamma(1, mp.mpf("1e-4"))),
            ("beta 1e-3", Beta(), np.array([1e-3, 1e-3]), 1.0,
             mp.polygamma(1, mp.mpf("1e-3")) - mp.polygamma(1, mp.mpf("2e-3")))]:
        t_new, t_base = best_times([
            lambda m=m, th=th: fisher_quadrature(m, th),
            lambda m=m, th=th, high=high: quad_vec_in_x(m, th, 0.0, high)])
        new = fisher_quadrature(m, th).mean[0, 0]
        base = quad_vec_in_x(m, th, 0.0, high)[0, 0]
        rel = [abs(v / float(ref_aa) - 1) for v in (new, base)]
        print(f"{name:11s} I_11 relative error: fisher_quadrature {rel[0]:.1e} "
              f"({t_new * 1e3:6.1f} ms)   quad_vec in x {rel[1]:.1e} ({t_base * 1e3:6.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    throughput(200_000 if args.quick else 2_000_000)
    memory([100_000, 1_000_000] if args.quick else [100_000, 1_000_000, 10_000_000])
    minibatch_study(args.quick)
    methods(20_000 if args.quick else 200_000)
    quadrature()


if __name__ == "__main__":
    main()
