r"""Data for federated problems: the 8x8 digits of the benchmarks and non-IID splits.

:func:`synthetic_digits` is the generator of ``benchmarks/bench_kfac.py`` (10 stroke
templates, random shifts, intensity and pixel noise; 1797 images like
``sklearn.datasets.load_digits``, without scikit-learn as a dependency): the same
algorithm and the same fixed template seed, so for equal ``rng`` seeds both give the same
images (a test checks it).

:func:`dirichlet_partition` is the label-skew split of Hsu, Qi & Brown (2019), *Measuring
the effects of non-identical data distribution for federated visual classification*
(arXiv:1909.06335): for every class :math:`c` the share of its examples that each of the
:math:`K` clients receives is drawn from a symmetric Dirichlet,

.. math::

    (q_{c,1}, \dots, q_{c,K}) \sim \operatorname{Dir}(\alpha, \dots, \alpha),

so :math:`\alpha \to \infty` gives IID clients and :math:`\alpha \to 0` gives clients
that each hold one or two classes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive, check_positive_int, check_rng

__all__ = ["synthetic_digits", "load_digits", "dirichlet_partition", "quantile_labels"]


def synthetic_digits(n: int, rng: np.random.Generator) -> tuple[NDArray, NDArray]:
    """``n`` 8x8 images (pixel values 0..16, flattened to ``[n, 64]``) and their labels.

    Ten stroke templates (fixed: drawn from their own seed), each image a template shifted
    by up to one pixel, scaled by a random intensity in [0.7, 1.3], plus Gaussian pixel
    noise of standard deviation 0.15, clipped to [0, 1] and scaled to 0..16.
    """
    n = check_positive_int(n, "n")
    rng = check_rng(rng)
    yy, xx = np.mgrid[0:8, 0:8]
    t_rng = np.random.default_rng(12345)  # the templates are fixed, the draws are seeded
    templates = []
    for _ in range(10):
        img = np.zeros((8, 8))
        pts = t_rng.uniform(1, 6, size=(4, 2))
        for (a, b), (c, d) in zip(pts[:-1], pts[1:], strict=True):
            for s in np.linspace(0, 1, 8):
                cy, cx = a + s * (c - a), b + s * (d - b)
                img += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 1.2)
        templates.append(img / img.max())
    y = rng.integers(0, 10, n)
    X = np.empty((n, 64))
    for i, k in enumerate(y):
        img = np.roll(templates[k], rng.integers(-1, 2, 2), axis=(0, 1))
        img = img * rng.uniform(0.7, 1.3) + 0.15 * rng.standard_normal((8, 8))
        X[i] = 16 * np.clip(img, 0, 1).ravel()
    return X, y


def load_digits(n: int = 1797, seed: int = 0) -> tuple[NDArray, NDArray]:
    """The digits of the benchmarks with pixels scaled to [0, 1] (as ``bench_kfac`` does)."""
    X, y = synthetic_digits(n, np.random.default_rng(seed))
    return X / 16.0, y


def quantile_labels(values: ArrayLike, n_bins: int = 10) -> NDArray:
    """Integer labels ``0..n_bins-1`` of the empirical quantile bins of the first
    coordinate of ``values`` (``[N]`` or ``[N, ...]``): pseudo-labels that let
    :func:`dirichlet_partition` split unlabelled data (an MLE problem) non-IID."""
    v = as_finite_array(values, "values")
    if v.ndim == 0 or v.shape[0] < 1:
        raise ValueError(f"values must have at least one row, got shape {v.shape}")
    first = v.reshape(v.shape[0], -1)[:, 0]
    n_bins = check_positive_int(n_bins, "n_bins")
    edges = np.quantile(first, np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.searchsorted(edges, first, side="right")


def dirichlet_partition(labels: ArrayLike, n_clients: int, alpha: float,
                        rng: np.random.Generator, min_size: int = 2,
                        max_tries: int = 100) -> list[NDArray]:
    r"""Split example indices among ``n_clients`` with Dirichlet(``alpha``) label skew.

    Parameters
    ----------
    labels : array-like of int, shape=[N]
    n_clients : int
    alpha : float
        Concentration, > 0 (0.1: strongly non-IID; 10: close to IID).
    rng : numpy.random.Generator
    min_size : int
        Every client gets at least this many examples; the proportions are redrawn
        until that holds (at most ``max_tries`` times, then ``ValueError``).

    Returns
    -------
    list of int arrays
        Sorted indices of each client's examples; together a partition of ``range(N)``.
    """
    y = np.asarray(labels)
    if y.ndim != 1 or y.size == 0 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be a non-empty 1-D integer array, got dtype "
                         f"{y.dtype} and shape {y.shape}")
    n_clients = check_positive_int(n_clients, "n_clients")
    check_positive(alpha, "alpha")
    rng = check_rng(rng)
    min_size = check_positive_int(min_size, "min_size")
    if n_clients * min_size > y.size:
        raise ValueError(f"n_clients * min_size must be <= the number of examples "
                         f"({y.size}), got {n_clients} * {min_size}")
    for _ in range(max_tries):
        parts: list[list[int]] = [[] for _ in range(n_clients)]
        for c in np.unique(y):
            idx = rng.permutation(np.flatnonzero(y == c))
            shares = rng.dirichlet(np.full(n_clients, float(alpha)))
            cuts = (np.cumsum(shares)[:-1] * idx.size).astype(int)
            for k, chunk in enumerate(np.split(idx, cuts)):
                parts[k].extend(chunk.tolist())
        if min(len(p) for p in parts) >= min_size:
            return [np.sort(np.asarray(p, dtype=int)) for p in parts]
    raise ValueError(f"could not give every client >= {min_size} examples in {max_tries} "
                     f"draws (alpha={alpha}, {n_clients} clients, {y.size} examples); use "
                     "fewer clients, a larger alpha or a smaller min_size")
