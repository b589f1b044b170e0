"""Benchmark: Monte Carlo Fisher estimation throughput and memory.

Run: ``python benchmarks/bench_estimators.py [--quick]``

1. Throughput of ``fisher_monte_carlo(method="score")`` for the univariate normal and the
   Dirichlet (when registered) against a hand-written, fully vectorized NumPy score outer
   product measured in the same run (goal: ratio <= 3).
2. Peak traced memory (tracemalloc) of ``fisher_monte_carlo`` as n grows 1e5 -> 1e7: flat,
   because samples are reduced chunk by chunk. The baseline's peak grows linearly.
3. The EMA mini-batch estimator's bias and variance against the full-data Fisher, as
   functions of batch size and decay (printout of ``minibatch_bias_variance``).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
from scipy import special

from infogeo.estimators import fisher_monte_carlo, fisher_terms, minibatch_bias_variance
from infogeo.manifolds import Normal
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    throughput(200_000 if args.quick else 2_000_000)
    memory([100_000, 1_000_000] if args.quick else [100_000, 1_000_000, 10_000_000])
    minibatch_study(args.quick)


if __name__ == "__main__":
    main()
