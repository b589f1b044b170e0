"""Adaptive per-layer Fisher approximation vs every fixed choice, on the K-FAC benchmark
networks.

Run: ``python benchmarks/bench_adaptive.py [--quick] [--seed 0]``

Problems (data and networks of ``bench_kfac.py``): classifiers 64-16-10 and 64-32-10
and the deep autoencoder 64-32-16-8-16-32-64 on the synthetic 8x8 digits. Every
optimizer is the same chain — Levenberg–Marquardt damping, a curvature piece,
preconditioning, learning rate and momentum from the quadratic model of the exact Fisher
(``learning.adaptive_natural_gradient``) — and differs only in the per-layer curvature:
one fixed approximation for all layers (``candidates=(name,)``: diagonal, K-FAC, EKFAC,
low rank + diagonal, exact layer block), or the adaptive choice over all five.

Quality target: the training data loss reaches the problem's target (the first iteration
at or below it). Cost, two measures, both reported:

* **curvature flops** to reach the target: flops counted by the curvature piece
  (building and applying the approximations, and for the adaptive choice every probe:
  all candidates built plus one exact Fisher–vector product each), see
  ``infogeo.learning.probes``;
* **wall time** to reach the target (whole step: gradient, curvature, quadratic model),
  BLAS pinned to one thread.

Ratios are fixed-choice cost / adaptive cost, measured in the same run; a fixed choice
that does not reach the target within the iteration cap counts as not reached.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from bench_kfac import load_data  # noqa: E402

from infogeo.flows.transforms import apply_updates, tree_get  # noqa: E402
from infogeo.learning import (  # noqa: E402
    CANDIDATES,
    MLP,
    NetworkObjective,
    adaptive_natural_gradient,
)


def run(objective, params, optimizer, target, max_iter):
    """Steps until the data loss reaches ``target``; returns iterations, wall seconds,
    curvature flops (None, None, flops-so-far if not reached) and the final state."""
    state = optimizer.init(params)
    value, grad = objective.value_and_grad(params)
    start = time.perf_counter()
    for k in range(max_iter):
        if value <= target:
            return k, time.perf_counter() - start, tree_get(state, "flops"), state
        updates, state = optimizer.update(grad, state, params, value=value, grad=grad,
                                          loss_fn=objective.loss, grad_fn=objective.grad)
        params = apply_updates(params, updates)
        value, grad = objective.value_and_grad(params)
        if not np.isfinite(value):
            break
    return None, time.perf_counter() - start, tree_get(state, "flops"), state


def compare(title, net, X, Y, target, seed, max_iter, adaptive_kw):
    obj = NetworkObjective(net, X, Y, rng=np.random.default_rng(seed + 2))
    p0 = net.init_params(np.random.default_rng(seed + 1))
    print(f"\n== {title} {net.layer_sizes}: {net.n_params} parameters, N = {len(X)}, "
          f"target data loss {target:g}, cap {max_iter} iterations")
    rows = {}
    for name in (*CANDIDATES, "adaptive"):
        cands = CANDIDATES if name == "adaptive" else (name,)
        obj.rng = np.random.default_rng(seed + 2)  # same Monte Carlo labels for all
        opt = adaptive_natural_gradient(obj.stats, candidates=cands, **adaptive_kw)
        rows[name] = run(obj, p0, opt, target, max_iter)
    ad_it, ad_t, ad_f, ad_state = rows["adaptive"]
    print(f"  {'curvature':10s} {'iters':>6s} {'curv. Gflop':>12s} {'wall s':>8s} "
          f"{'flop ratio':>11s} {'time ratio':>11s}")
    for name, (it, t, f, _) in rows.items():
        if it is None:
            print(f"  {name:10s} {'>' + str(max_iter):>6s} {f / 1e9:>11.2f}+ {t:>7.2f}+ "
                  f"{'not reached':>23s}")
            continue
        fr = f"{f / ad_f:10.2f}x" if ad_it is not None else "-"
        tr = f"{t / ad_t:10.2f}x" if ad_it is not None else "-"
        print(f"  {name:10s} {it:6d} {f / 1e9:12.3f} {t:8.2f} {fr:>11s} {tr:>11s}")
    history = tree_get(ad_state, "history")
    if history:
        print("  adaptive choices per layer at each probe (step: choices):")
        last = None
        for rec in history:
            if rec.choices != last:
                print(f"    step {rec.step:4d}: {', '.join(rec.choices)}")
                last = rec.choices
        err = np.array([[rec.errors[l].get(c, np.nan) for c in CANDIDATES] for rec in history
                        for l in range(len(rec.choices))]).reshape(len(history), -1,
                                                                   len(CANDIDATES))
        print("  mean direction error over probes, per layer (" + ", ".join(CANDIDATES)
              + "; nan: over budget, not built):")
        for l in range(err.shape[1]):
            e = [np.nan if np.all(np.isnan(col)) else np.nanmean(col) for col in err[:, l].T]
            print(f"    layer {l}: " + "  ".join(f"{x:.3f}" for x in e))
    wins = [n for n, r in rows.items() if n != "adaptive" and r[0] is not None
            and ad_it is not None and r[2] <= ad_f]
    print("  adaptive cheaper in flops than every fixed choice that reached the target: "
          + ("yes" if ad_it is not None and not wins else f"no ({', '.join(wins) or '-'})"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one classifier, fewer rows")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    X, y, source = load_data(args.seed, False)
    X = X / 16.0
    n = 300 if args.quick else 600
    print(f"data: {source}, {n} training rows; numpy {np.__version__}")
    kw = dict(tolerance=0.3, hysteresis=0.2, patience=2, probe_every=10, probe_size=128,
              budget=1e7)
    for width in ([16] if args.quick else [16, 32]):
        compare("classifier", MLP([64, width, 10], activation="tanh", output="softmax"),
                X[:n], y[:n], 0.1, args.seed, 400, kw)
    if not args.quick:
        ae = MLP([64, 32, 16, 8, 16, 32, 64], activation="tanh", output="gaussian")
        compare("deep autoencoder", ae, X[:n], X[:n], 0.6, args.seed, 400, kw)
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
