"""Benchmark the public family methods against their own hooks, for every registered family.

For each family of the registry (``infogeo.manifolds.registry.FAMILIES``), on a batch of
random points:

- ``metric_matrix`` (validation + base-chart metric) against the bare hook ``_metric``:
  the ratio is the price of input checking (goal: <= 1.5 at 10 000 points);
- ``kl_divergence`` between two batches, time per pair (the cancellation-free forms cost
  more than the naive closed forms; goal: <= 2 µs per pair where there is a closed form).

Every ratio is against a baseline timed in the same run (the machine is shared). Run the
script on two checkouts to compare before and after::

    python benchmarks/bench_families.py [--points N] [--repeat R]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from infogeo.manifolds.registry import FAMILIES


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Smallest wall time of ``repeat`` runs (the least disturbed one)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"{'family':28s} {'metric µs/pt':>12s} {'hook µs/pt':>10s} {'ratio':>6s} "
          f"{'KL µs/pair':>10s}")
    for name, make in FAMILIES.items():
        family = make()
        rng = np.random.default_rng(0)
        n = args.points if name != "student_t" else 200  # KL by quadrature per pair
        a, b = family.random_point(rng, n), family.random_point(rng, n)
        t_metric = best_time(lambda f=family, a=a: f.metric_matrix(a), args.repeat)
        t_hook = best_time(lambda f=family, a=a: f._metric(a), args.repeat)
        t_kl = best_time(lambda f=family, a=a, b=b: f.kl_divergence(a, b),
                         max(1, args.repeat // 2))
        print(f"{name:28s} {t_metric / n * 1e6:12.3f} {t_hook / n * 1e6:10.3f} "
              f"{t_metric / t_hook:6.2f} {t_kl / n * 1e6:10.3f}")


if __name__ == "__main__":
    main()
