"""Benchmark the numeric manifolds; every ratio is against a baseline timed in the same run.

(a) Normal Fisher–Rao distance over 1e5 pairs, public ``Normal.dist`` (input checks
    included) against the bare numpy arccosh formula. Goal: ratio <= 1.5.
(b) Gamma, Beta, Dirichlet(3): ``log`` and ``dist`` for 100 random pairs (one batched
    call each), time per pair, and the largest disagreement with a tight-tolerance
    reference built from scipy alone: per-pair shooting with ``solve_ivp`` (DOP853, rtol
    1e-13) and ``scipy.optimize.root`` (benchmarks/_geodesic_reference.py).
    Goal: <= 3 ms per pair, <= 1e-10 disagreement of the distance.
(c) geomstats (if it imports in this interpreter): ``metric.dist`` time per pair on a few
    pairs, the ratio to ours, and the largest relative difference of the distances.

Run::

    python benchmarks/bench_manifolds.py                      # (a), (b); (c) skipped
    PYTHONPATH=. /work/venv-gs/bin/python benchmarks/bench_manifolds.py   # with geomstats

Options: ``--pairs N`` (default 100), ``--ref-pairs N`` (reference pairs, default all),
``--gs-pairs N`` (geomstats pairs per family, default 3).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
from _geodesic_reference import scipy_log

from infogeo.manifolds import Beta, Dirichlet, Gamma, Normal, StatisticalManifold


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Smallest wall time of ``repeat`` runs (the machine is shared: the minimum is the
    least disturbed run)."""
    return best_times(fn, repeat)[0]


def best_times(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Smallest wall and smallest CPU (process) time of ``repeat`` runs; on a loaded shared
    machine the CPU time is the steadier of the two."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def bench_normal(n_pairs: int = 100_000, repeat: int = 15) -> None:
    normal = Normal()
    rng = np.random.default_rng(0)
    a, b = normal.random_point(rng, n_pairs), normal.random_point(rng, n_pairs)

    def bare() -> np.ndarray:
        arg = ((a[:, 0] - b[:, 0]) ** 2 / 2 + (a[:, 1] - b[:, 1]) ** 2) / (2 * a[:, 1] * b[:, 1])
        return np.sqrt(2) * np.arccosh(1 + arg)

    t_bare = best_time(bare, repeat)
    t_ours = best_time(lambda: normal.dist(a, b), repeat)
    diff = np.max(np.abs(normal.dist(a, b) - bare()) / bare())
    print(f"(a) Normal.dist, {n_pairs} pairs: infogeo {t_ours * 1e3:.2f} ms, bare numpy "
          f"arccosh {t_bare * 1e3:.2f} ms, ratio {t_ours / t_bare:.2f} (goal <= 1.5); "
          f"max relative difference {diff:.1e}")


FAMILIES: dict[str, Callable[[], StatisticalManifold]] = {
    "gamma": Gamma, "beta": Beta, "dirichlet": lambda: Dirichlet(3)}


def bench_family(name: str, n_pairs: int, n_ref: int, repeat: int = 3) -> dict[str, object]:
    manifold = FAMILIES[name]()
    rng = np.random.default_rng(1)
    a, b = manifold.random_point(rng, n_pairs), manifold.random_point(rng, n_pairs)
    manifold.dist(a[:2], b[:2])  # warm-up
    t_log, cpu_log = (t / n_pairs for t in best_times(lambda: manifold.log(b, a), repeat))
    t_dist, cpu_dist = (t / n_pairs for t in best_times(lambda: manifold.dist(a, b), repeat))
    v, d = manifold.log(b, a), manifold.dist(a, b)
    start = time.perf_counter()
    ref = scipy_log(manifold, a[:n_ref], b[:n_ref])
    t_ref = (time.perf_counter() - start) / n_ref
    ref_d = np.sqrt(np.einsum("...i,...ij,...j->...", ref, manifold.metric_matrix(a[:n_ref]),
                              ref))
    err_log = np.max(np.abs(v[:n_ref] - ref) / (1 + np.abs(ref)))
    err_dist = np.max(np.abs(d[:n_ref] - ref_d) / ref_d)
    print(f"(b) {name:9s} {n_pairs} pairs (d up to {d.max():.2f}): log {t_log * 1e3:.2f} ms/pair "
          f"(CPU {cpu_log * 1e3:.2f}), dist {t_dist * 1e3:.2f} ms/pair (CPU {cpu_dist * 1e3:.2f}; "
          f"goal <= 3); reference {t_ref * 1e3:.0f} ms/pair, "
          f"speed-up {t_ref / t_dist:.0f}x; max disagreement on {n_ref} pairs: log "
          f"{err_log:.1e} (relative to 1+|v|), dist {err_dist:.1e} (relative)")
    return {"dist": t_dist, "dist_cpu": cpu_dist, "a": a, "b": b, "d": d}


def bench_geomstats(results: dict[str, dict], n_pairs: int) -> None:
    try:
        import geomstats  # noqa: F401
        from geomstats.information_geometry.beta import BetaDistributions
        from geomstats.information_geometry.dirichlet import DirichletDistributions
        from geomstats.information_geometry.gamma import GammaDistributions
    except Exception as err:  # noqa: BLE001 - any import failure means "skip"
        print(f"(c) geomstats comparison skipped: geomstats does not import here ({err!r})")
        return
    spaces = {"gamma": GammaDistributions(), "beta": BetaDistributions(),
              "dirichlet": DirichletDistributions(3)}
    for name, res in results.items():
        a, b = res["a"][:n_pairs], res["b"][:n_pairs]
        if name == "gamma":  # geomstats' Gamma points are (shape, mean)
            a, b = (Gamma().change_chart(p, "shape_mean") for p in (a, b))
        metric = spaces[name].metric
        start, start_cpu = time.perf_counter(), time.process_time()
        d_gs = np.array([float(metric.dist(x, y)) for x, y in zip(a, b, strict=True)])
        t_gs = (time.perf_counter() - start) / n_pairs
        cpu_gs = (time.process_time() - start_cpu) / n_pairs
        rel = np.max(np.abs(d_gs - res["d"][:n_pairs]) / res["d"][:n_pairs])
        print(f"(c) {name:9s} geomstats {t_gs * 1e3:.0f} ms/pair (CPU {cpu_gs * 1e3:.0f}) on "
              f"{n_pairs} pairs, infogeo {res['dist'] * 1e3:.2f} ms/pair (CPU "
              f"{res['dist_cpu'] * 1e3:.2f}) in a batch of {len(res['a'])}: ratio "
              f"{t_gs / res['dist']:.0f}x wall, {cpu_gs / res['dist_cpu']:.0f}x CPU (goal >= 30x); "
              f"max relative difference of distances {rel:.1e} (geomstats' solve_bvp tolerance)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--ref-pairs", type=int, default=None)
    parser.add_argument("--gs-pairs", type=int, default=3)
    args = parser.parse_args()
    print(f"numpy {np.__version__}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs (wall times suffer under load, CPU times less)")
    bench_normal()
    n_ref = args.pairs if args.ref_pairs is None else min(args.ref_pairs, args.pairs)
    results = {name: bench_family(name, args.pairs, n_ref) for name in FAMILIES}
    bench_geomstats(results, args.gs_pairs)


if __name__ == "__main__":
    main()
