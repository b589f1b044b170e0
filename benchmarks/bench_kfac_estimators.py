"""K-FAC's curvature estimator: sampled labels vs curvature propagation with random signs.

Run: ``python benchmarks/bench_kfac_estimators.py [--seeds 10] [--json PATH]``

On the three problems of ``bench_kfac.py`` (same data, same initial weights, same
targets), infogeo's K-FAC with its documented defaults is run with the two unbiased
estimators of the true Fisher that cost one backward column per example:

* ``monte_carlo`` — one label per example sampled from the model's predictive;
* ``curvature_prop`` — one Rademacher vector per example times a square root of the
  output Fisher (kfac-jax's default estimator).

1. Variance: at the initial weights and where the default run reaches the target, the
   mean squared Frobenius error of the K-FAC factor :math:`G` of each layer against the
   exact factor, over 200 draws, relative to the exact factor's squared norm (the ratio
   between the two estimators is reported).
2. Iterations to the target *data* training loss over ``--seeds`` curvature seeds, with
   and without weight decay 1e-4; median, min and max per estimator. Only the training
   loss is used (nothing is tuned on held-out data). Seed index 0 is the draw of
   ``bench_kfac.py --seed 0``. ``--fixed-draws`` reuses each seed's draws at every step,
   as kfac-jax does when it is given the same key at every step.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import sys  # noqa: E402

sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from bench_kfac import load_data  # noqa: E402

from infogeo.learning import (  # noqa: E402
    MLP,
    NetworkObjective,
    kfac,
    kfac_factors,
    train,
    true_fisher_stats,
)

ESTIMATORS = ("monte_carlo", "curvature_prop")


def problems(seed: int) -> list[tuple[str, MLP, np.ndarray, np.ndarray, float]]:
    """``(name, net, X_train, y_train, target)`` as in ``bench_kfac.py``."""
    X, y, _ = load_data(seed, False)
    X = X / 16.0
    X_tr, y_tr = X[:1200], y[:1200]
    out = [(f"classifier 64-{w}-10", MLP([64, w, 10], activation="tanh", output="softmax"),
            X_tr, y_tr, 0.02) for w in (16, 32)]
    out.append(("autoencoder", MLP([64, 32, 16, 8, 16, 32, 64], activation="tanh",
                                   output="gaussian"), X_tr, X_tr, 0.4))
    return out


def factor_variance(net, params, X, n_draws: int) -> dict[str, list[float]]:
    """Per layer: E||G_hat - G||_F^2 / ||G||_F^2 over ``n_draws`` one-column draws."""
    exact = [G for _, G in kfac_factors(true_fisher_stats(net, params, X))]
    out = {}
    for method in ESTIMATORS:
        rng = np.random.default_rng(7)
        err = np.zeros(len(exact))
        for _ in range(n_draws):
            st = true_fisher_stats(net, params, X, method=method, rng=rng)
            err += [np.sum((G - Ge) ** 2) for (_, G), Ge in
                    zip(kfac_factors(st), exact, strict=True)]
        out[method] = list(err / n_draws / [np.sum(Ge**2) for Ge in exact])
    return out


def iterations_to_target(net, X, y, p0, target, fisher, curvature_seed, l2, max_iter,
                         fixed_draws=False):
    obj = NetworkObjective(net, X, y, fisher=fisher, l2_reg=l2,
                           rng=np.random.default_rng(curvature_seed))
    if fixed_draws:  # the same draws at every step, as kfac-jax given one key throughout
        evaluate = obj._evaluate

        def same_draws(params):
            obj.rng = np.random.default_rng(curvature_seed)
            return evaluate(params)

        obj._evaluate = same_draws

    def reached(k, params, value=None):
        return net.loss(params, X, y) <= target

    res = train(obj, p0, kfac(obj.stats), max_iter=max_iter, callback=reached)
    return (res.n_iter if net.loss(res.final, X, y) <= target else None), res.final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="curvature seeds (>= 8)")
    parser.add_argument("--seed", type=int, default=0, help="data and weights, as bench_kfac")
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--fixed-draws", action="store_true",
                        help="reuse each seed's draws at every step (kfac-jax with one key)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    summary: dict = {}
    for name, net, X, y, target in problems(args.seed):
        p0 = net.init_params(np.random.default_rng(args.seed + 1))
        print(f"\n== {name}, target data loss {target:g}")
        summary[name] = {}
        # the curvature at the start and where the default run reaches the target
        p_end = iterations_to_target(net, X, y, p0, target, "monte_carlo", args.seed + 2,
                                     0.0, args.max_iter)[1]
        for where, params in (("initial weights", p0), ("weights at the target", p_end)):
            var = factor_variance(net, params, X, 200)
            ratio = np.array(var["monte_carlo"]) / np.array(var["curvature_prop"])
            print(f"  relative mean squared error of G per layer at the {where} "
                  "(one column per example, 200 draws):")
            for method in ESTIMATORS:
                print(f"    {method:15s} " + " ".join(f"{v:9.3g}" for v in var[method]))
            print("    ratio sampled/random-signs " + " ".join(f"{r:6.2f}" for r in ratio))
            summary[name][f"factor_relative_mse at the {where}"] = var
        for l2 in (0.0, 1e-4):
            label = "defaults" if not l2 else f"l2 {l2:g}"
            for method in ESTIMATORS:
                its = [iterations_to_target(net, X, y, p0, target, method,
                                            args.seed + 2 + s, l2, args.max_iter,
                                            args.fixed_draws)[0]
                       for s in range(args.seeds)]
                ok = [i for i in its if i is not None]
                med = float(np.median([np.inf if i is None else i for i in its]))
                summary[name][f"{label}, {method}"] = {"iterations": its, "median": med}
                print(f"  {label:9s} {method:15s} median {med:6.1f}  "
                      f"range {min(ok) if ok else '-'}-{max(ok) if ok else '-'}  "
                      f"failed {len(its) - len(ok)}  {its}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(summary, fh, indent=2)
        print(f"\nsummary written to {args.json}")
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
