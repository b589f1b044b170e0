"""Latency and accuracy of ``dist`` for the families without closed-form geodesics, with
baselines timed in the same run.

Families: Beta, Gamma, Dirichlet(3), VonMises, MultivariateNormal(2). For each, random
pairs in batches of 1 (one call per pair), 8 and 200 (one batched call), time per pair:

- ``infogeo``: the public ``dist`` (the geodesic engine: Chebyshev collocation started
  from the family's model geodesic, shooting for what it leaves);
- ``shooting``: the engine's Jacobi-field Newton shooting alone, from the same start, with
  continuation (the method of the previous release for Beta/Gamma/Dirichlet and von
  Mises; MultivariateNormal shoots on its closed-form exp either way, so no baseline);
- accuracy: the largest relative difference of ``dist`` from a scipy-only reference
  (``solve_ivp`` DOP853 at rtol 1e-13 + ``scipy.optimize.root``; benchmarks/
  _geodesic_reference.py) on the first pairs.

Goals (issue 14): one pair <= 2 ms for Beta, Gamma, Dirichlet; accuracy <= 1e-10.
Times are the best of several runs, wall and CPU (process) time: the machine is shared,
and under load the CPU time is the steadier of the two.

Run: ``python benchmarks/bench_geodesic_families.py [--ref-pairs N]`` (writes
``docs/benchmarks_geodesics.txt``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _geodesic_reference import fisher_norm, scipy_log

from infogeo.manifolds import Beta, Dirichlet, Gamma, MultivariateNormal, VonMises
from infogeo.manifolds.base import StatisticalManifold
from infogeo.manifolds.von_mises import _NATURAL_FLOW, _natural_to_base_jacobian, _to_natural

BATCHES = (1, 8, 200)
OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks_geodesics.txt"


def best_times(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Smallest wall and smallest CPU time of ``repeat`` runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def per_pair(fn: Callable[[np.ndarray, np.ndarray], object], a: np.ndarray, b: np.ndarray,
             batch: int, repeat: int) -> tuple[float, float]:
    """Time per pair: one call per pair for batch 1 (over 8 pairs), else one call."""
    if batch == 1:
        n = min(8, len(a))
        wall, cpu = best_times(lambda: [fn(a[i:i + 1], b[i:i + 1]) for i in range(n)], repeat)
        return wall / n, cpu / n
    wall, cpu = best_times(lambda: fn(a[:batch], b[:batch]), repeat)
    return wall / batch, cpu / batch


def hessian_shooting(m: StatisticalManifold) -> Callable[[np.ndarray, np.ndarray], object]:
    flow = m._flow

    def shoot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        u, w = np.log(a), np.log(b)
        res = flow._shoot_log(u, w, flow.initial_velocity(u, w) if flow.initial_velocity
                              else w - u, 1e-10, 50, 3)
        return fisher_norm(m, res.solution * a, a)

    return shoot


def von_mises_shooting(m: StatisticalManifold) -> Callable[[np.ndarray, np.ndarray], object]:
    def shoot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ta, tb = _to_natural(a), _to_natural(b)
        res = _NATURAL_FLOW._shoot_log(ta, tb, tb - ta, 1e-10, 50, 3)
        v = np.linalg.solve(np.linalg.inv(_natural_to_base_jacobian(ta)),
                            res.solution[..., None])[..., 0]
        return fisher_norm(m, v, a)

    return shoot


def pairs(m: StatisticalManifold, rng: np.random.Generator, n: int,
          ) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(m, MultivariateNormal):  # moderate distances (1.5), as before
        a = m.random_point(rng, n)
        v = rng.normal(size=a.shape)
        return a, m.exp(v * (1.5 / m.norm(v, a))[:, None], a)
    if isinstance(m, VonMises):  # the nearest copy in μ
        a, b = m.random_point(rng, n), m.random_point(rng, n)
        b[:, 0] = a[:, 0] + (b[:, 0] - a[:, 0] + np.pi) % (2 * np.pi) - np.pi
        return a, b
    return m.random_point(rng, n), m.random_point(rng, n)


def reference_error(m: StatisticalManifold, a: np.ndarray, b: np.ndarray) -> float:
    ours = m.dist(a, b)
    positive = not isinstance(m, (VonMises, MultivariateNormal))
    ref = scipy_log(m, a, b, positive=positive,
                    start=None if positive else m.log(b, a))
    return float(np.max(np.abs(ours - fisher_norm(m, ref, a)) / fisher_norm(m, ref, a)))


FAMILIES: dict[str, tuple[Callable[[], StatisticalManifold], Callable | None]] = {
    "beta": (Beta, hessian_shooting),
    "gamma": (Gamma, hessian_shooting),
    "dirichlet3": (lambda: Dirichlet(3), hessian_shooting),
    "von_mises": (VonMises, von_mises_shooting),
    "mvn2": (lambda: MultivariateNormal(2), None),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref-pairs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "geodesic families (benchmarks/bench_geodesic_families.py; regenerate, do not edit)",
        f"date: {now}; numpy {np.__version__}, python {platform.python_version()}; load "
        f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} shared CPUs",
        f"times per pair, best of {args.repeat}: wall (CPU); batch 1 = one call per pair",
        "",
    ]
    head = (f"{'family':<11}{'batch':>6}  {'infogeo':>18}  {'shooting':>18}  {'ratio':>7}"
            f"  {'max rel diff vs scipy':>22}")
    lines += [head, "-" * len(head)]
    print("\n".join(lines), flush=True)
    for name, (make, baseline) in FAMILIES.items():
        m = make()
        a, b = pairs(m, np.random.default_rng(0), max(BATCHES))
        m.dist(a[:2], b[:2])  # warm caches
        error = reference_error(m, a[:args.ref_pairs], b[:args.ref_pairs])
        for batch in BATCHES:
            wall, cpu = per_pair(m.dist, a, b, batch, args.repeat)
            ours = f"{wall * 1e3:7.2f} ({cpu * 1e3:6.2f}) ms"
            if baseline is None:
                theirs, ratio = f"{'-':>18}", f"{'-':>7}"
            else:
                b_wall, b_cpu = per_pair(baseline(m), a, b, batch, 1)
                theirs = f"{b_wall * 1e3:7.2f} ({b_cpu * 1e3:6.2f}) ms"
                ratio = f"{b_cpu / cpu:6.1f}x"
            diff = f"{error:22.1e}" if batch == 1 else ""
            lines.append(f"{name:<11}{batch:>6}  {ours:>18}  {theirs:>18}  {ratio:>7}  {diff}")
            print(lines[-1], flush=True)
    lines += ["", "ratio = shooting CPU time / infogeo CPU time (> 1: the engine's log is "
              "faster); goals: one Beta/Gamma/Dirichlet pair <= 2 ms, difference <= 1e-10"]
    print(lines[-1])
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
