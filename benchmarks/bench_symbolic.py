"""Benchmark of the symbolic engine.

1. The whole catalogue derived cold — a fresh Python process, empty disk and memory
   caches — per family, in processor time (what the time limits count) and wall time;
   goal ≤ 20 s of processor time in all. The same process first times a fixed sympy
   workload that does not involve infogeo, so that runs on a loaded machine compare by
   the ratio catalogue / workload. With ``--against REF`` (a git ref, e.g. ``main``) the
   catalogue of that revision is derived too, interleaved with this one, and the table
   gives both and their ratio.
2. The catalogue warm (served from the cache written by a cold run); goal ≤ 1 s total.
3. A compiled metric (Gamma family, polygamma entries) evaluated at 10⁵ points versus a
   hand-written numpy/scipy version of the same formula; goal ratio ≤ 2.

Run: ``python benchmarks/bench_symbolic.py [--against main] [--repeats 2]
[--out docs/benchmarks_symbolic.txt]`` from the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.special import polygamma

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's infogeo, also for the in-process parts

# run in a fresh process: nothing cached on disk, in infogeo's memory or in sympy's
_COLD = r"""
import json, os, sys, tempfile, time
os.environ["INFOGEO_CACHE_DIR"] = tempfile.mkdtemp(prefix="infogeo-bench-")
import sympy as sp

def workload():
    # a fixed sympy task, independent of infogeo: the yardstick of this process's speed
    x, a = sp.symbols("x a", positive=True)
    start = time.process_time()
    sp.integrate(x**3 * sp.exp(-a * x**2), (x, 0, sp.oo))
    sp.simplify((sp.gamma(a + 2) / sp.gamma(a)).expand(func=True))
    sp.factor(sp.expand((x + a + 1) ** 9 - (x - a) ** 7))
    return time.process_time() - start

yardstick = workload()
sp.core.cache.clear_cache()
from infogeo.symbolic import catalogue, fisher_information_result
rows = {}
for name in catalogue.names():
    cpu, wall = time.process_time(), time.perf_counter()
    result = fisher_information_result(catalogue.get(name))
    rows[name] = [time.process_time() - cpu, time.perf_counter() - wall, result.strategy]
print(json.dumps({"yardstick": yardstick, "rows": rows}))
"""


def cold_run(source: Path) -> dict:
    """Derive the catalogue cold in a fresh process importing infogeo from ``source``."""
    env = dict(os.environ, PYTHONPATH=str(source))
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run([sys.executable, "-c", _COLD], env=env, cwd=cwd, check=True,
                             capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def export(ref: str, into: Path) -> Path:
    """The tree of git revision ``ref`` (its ``infogeo`` package) unpacked into ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "infogeo"],
                             check=True, capture_output=True).stdout
    path = into / "tree.tar"
    path.write_bytes(archive)
    with tarfile.open(path) as tar:
        tar.extractall(into, filter="data")
    return into


def best(runs: list[dict]) -> dict:
    """Per family, the run with the least processor time (noise only adds time)."""
    names = runs[0]["rows"]
    rows = {n: min((r["rows"][n] for r in runs if n in r["rows"]), key=lambda row: row[0])
            for n in names}
    return {"yardstick": min(r["yardstick"] for r in runs), "rows": rows}


def cold_table(mine: dict, ref: dict | None, ref_name: str) -> list[str]:
    lines = ["cold catalogue (fresh process, empty caches); seconds of processor time "
             "(cpu) and wall time"]
    head = f"  {'family':20s} {'cpu':>7s} {'wall':>7s}  {'strategy':18s}"
    if ref is not None:
        head += f" {ref_name + ' cpu':>10s} {'ratio':>6s}"
    lines.append(head)
    totals = np.zeros(4)  # cpu, wall, reference cpu, cpu of the families both have
    for name, (cpu, wall, strategy) in mine["rows"].items():
        line = f"  {name:20s} {cpu:7.2f} {wall:7.2f}  {strategy:18s}"
        totals[:2] += cpu, wall
        if ref is not None and name in ref["rows"]:
            before = ref["rows"][name][0]
            totals[2:] += before, cpu
            line += f" {before:10.2f} {before / cpu:6.1f}"
        elif ref is not None:
            line += f" {'-':>10s} {'-':>6s}"  # not in that revision's catalogue
        lines.append(line)
    total = f"  {'total':20s} {totals[0]:7.2f} {totals[1]:7.2f}  {'':18s}"
    if ref is not None:
        total += f" {totals[2]:10.2f} {totals[2] / totals[3]:6.1f}"
    lines.append(total)
    lines.append(f"  fixed sympy workload in the same process: {mine['yardstick']:.3f} s cpu; "
                 f"catalogue / workload = {totals[0] / mine['yardstick']:.0f}")
    if ref is not None:
        lines.append(f"  {ref_name}: catalogue / workload = "
                     f"{totals[2] / ref['yardstick']:.0f}; speed-up {ref_name} / this "
                     f"= {totals[2] / totals[3]:.2f}x (on the families both derive)")
    lines.append(f"  goal: cold <= 20 s cpu -> {'met' if totals[0] <= 20 else 'NOT met'}")
    return lines


def warm_total() -> float:
    os.environ["INFOGEO_CACHE_DIR"] = tempfile.mkdtemp(prefix="infogeo-bench-")
    from infogeo.symbolic import cache, catalogue, fisher_information_result

    for name in catalogue.names():  # fill the cache
        fisher_information_result(catalogue.get(name))
    cache._MEMORY.clear()  # served from disk
    start = time.perf_counter()
    for name in catalogue.names():
        fisher_information_result(catalogue.get(name))
    return time.perf_counter() - start


def compiled_metric_ratio(n: int = 100_000, repeats: int = 5) -> tuple[float, float, float]:
    from infogeo.symbolic import catalogue, compile_manifold

    manifold = compile_manifold(catalogue.gamma())
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

    def fastest(f) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            f(pts)
            times.append(time.perf_counter() - start)
        return min(times)

    return fastest(manifold._metric), fastest(hand_written), fastest(manifold.metric_matrix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REF", help="git revision to compare with")
    parser.add_argument("--repeats", type=int, default=1,
                        help="cold runs of each revision, interleaved (the least cpu wins)")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    mine_runs, ref_runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        ref_src = export(args.against, Path(tmp)) if args.against else None
        for _ in range(args.repeats):
            if ref_src is not None:
                ref_runs.append(cold_run(ref_src))
            mine_runs.append(cold_run(ROOT))
    lines = cold_table(best(mine_runs), best(ref_runs) if ref_runs else None,
                       args.against or "")
    warm = warm_total()
    t_compiled, t_hand, t_public = compiled_metric_ratio()
    lines += ["", f"warm catalogue (from the disk cache): {warm:.3f} s (goal <= 1)",
              "", f"compiled Gamma metric over 1e5 points: {t_compiled * 1e3:.2f} ms, "
              f"hand-written numpy {t_hand * 1e3:.2f} ms, ratio {t_compiled / t_hand:.2f} "
              f"(goal <= 2); public metric_matrix with input checks {t_public * 1e3:.2f} ms"]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
