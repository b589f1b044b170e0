"""Benchmark of the symbolic engine.

1. The whole catalogue derived cold (cache disabled), per-family times; goal ≤ 60 s total.
2. The same, warm (served from the cache written by a cold run); goal ≤ 1 s total.
3. A compiled metric (Gamma family, polygamma entries) evaluated at 10⁵ points versus a
   hand-written numpy/scipy version of the same formula; goal ratio ≤ 2.

Run: ``python benchmarks/bench_symbolic.py`` (times are from one run on this machine).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np
from scipy.special import polygamma

os.environ["INFOGEO_CACHE_DIR"] = tempfile.mkdtemp(prefix="infogeo-bench-")

from infogeo.symbolic import (  # noqa: E402
    cache,
    catalogue,
    compile_manifold,
    fisher_information_result,
)


def derive_all(label: str) -> float:
    total = 0.0
    print(f"\n{label}")
    for name in catalogue.names():
        start = time.perf_counter()
        fam = catalogue.get(name)
        result = fisher_information_result(fam)
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"  {name:22s} {elapsed:7.3f} s  {result.strategy}")
    print(f"  {'total':22s} {total:7.3f} s")
    return total


def compiled_metric_ratio(n: int = 100_000, repeats: int = 5) -> float:
    fam = catalogue.gamma()
    manifold = compile_manifold(fam)
    rng = np.random.default_rng(0)
    pts = np.stack([rng.uniform(0.5, 3.0, n), rng.uniform(0.5, 3.0, n)], axis=-1)

    def hand_written(x: np.ndarray) -> np.ndarray:
        a, b = x[..., 0], x[..., 1]
        g = np.empty(x.shape[:-1] + (2, 2))
        g[..., 0, 0] = polygamma(1, a)
        g[..., 0, 1] = g[..., 1, 0] = -1 / b
        g[..., 1, 1] = a / b**2
        return g

    np.testing.assert_allclose(manifold._metric(pts), hand_written(pts), rtol=1e-12)

    def best(f) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            f(pts)
            times.append(time.perf_counter() - start)
        return min(times)

    t_compiled, t_hand = best(manifold._metric), best(hand_written)
    ratio = t_compiled / t_hand
    print(f"\ncompiled metric over {n} points: {t_compiled * 1e3:.2f} ms, hand-written "
          f"{t_hand * 1e3:.2f} ms, ratio {ratio:.2f} (goal <= 2)")
    public = best(manifold.metric_matrix)
    print(f"  (public metric_matrix with input checks: {public * 1e3:.2f} ms)")
    return ratio


def main() -> int:
    with cache.cache_disabled():
        cold = derive_all("cold (cache disabled): catalogue derivation")
    derive_all("filling the cache")
    warm = derive_all("warm (from cache)")
    ratio = compiled_metric_ratio()
    print(f"\nsummary: cold {cold:.1f} s (goal <= 60), warm {warm:.3f} s (goal <= 1), "
          f"compiled/hand-written {ratio:.2f} (goal <= 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
