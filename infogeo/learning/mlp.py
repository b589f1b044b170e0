r"""A small multilayer perceptron in plain numpy, written for curvature work.

Layer :math:`l` maps its input :math:`x_{l-1}` to :math:`x_l = \phi_l(s_l)` with

.. math::

    s_l = W_l\, a_{l-1}, \qquad a_{l-1} = \begin{pmatrix} x_{l-1} \\ 1 \end{pmatrix},

so the bias is the last column of :math:`W_l` (shape ``[d_out, d_in + 1]``) — the K-FAC
convention of Martens & Grosse (2015), §2. The last layer is linear; the output ``z`` is
read by the likelihood:

* ``"softmax"`` — categorical labels, :math:`\ell = -\log\operatorname{softmax}(z)_y`;
* ``"gaussian"`` — real targets, :math:`\ell = \lVert y - z\rVert^2 / (2\sigma^2)`
  (the negative log-likelihood of :math:`N(z, \sigma^2 I)` up to its additive constant).

``params`` is a list of the per-layer weight matrices. The per-example gradient of layer
:math:`l` is the outer product :math:`\nabla_{W_l}\ell = g_l\, a_{l-1}^\top` with
:math:`g_l = \partial\ell/\partial s_l`, which :meth:`MLP.backward` returns for any number
of output-gradient columns at once (observed labels, sampled labels, or the columns of a
square root of the output Fisher).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import as_finite_array, check_positive, check_positive_int, check_rng
from . import _output_fisher
from ._output_fisher import _log_softmax, sample_categorical

__all__ = ["MLP", "ForwardCache", "check_reduction", "sample_categorical"]

_ACTIVATIONS = ("tanh", "relu", "linear")
_OUTPUTS = ("softmax", "gaussian")


class ForwardCache(NamedTuple):
    """What the backward pass needs: the layer inputs ``a`` (ones column appended,
    ``[N, d_in + 1]`` each) and the pre-activations ``s`` (``[N, d_out]`` each)."""

    inputs: list[NDArray]
    preactivations: list[NDArray]
    outputs: NDArray
    #: :math:`\phi_l'(s_l)` per layer, None for ``linear`` (filled on first use and
    #: shared by the backward pass and every forward-mode product at these params)
    derivatives: list[NDArray | None] | None = None

    def derivative(self, l: int, activation: str) -> NDArray | None:
        r""":math:`\phi'(s_l)` of layer ``l`` (None for ``linear``), computed once."""
        if activation == "linear":
            return None
        memo = self.derivatives
        if memo is None:
            return _activation_derivative(activation, self.preactivations[l],
                                          self._output(l))
        if memo[l] is None:
            memo[l] = _activation_derivative(activation, self.preactivations[l],
                                             self._output(l))
        return memo[l]

    def _output(self, l: int) -> NDArray:
        return self.outputs if l == len(self.inputs) - 1 else self.inputs[l + 1][:, :-1]


def check_reduction(reduction: str) -> float | None:
    """Validate ``reduction`` ("mean" or "sum")."""
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    return None


def _activate(name: str, s: NDArray) -> NDArray:
    if name == "tanh":
        return np.tanh(s)
    if name == "relu":
        return np.maximum(s, 0.0)
    return s


def _activation_derivative(name: str, s: NDArray, x: NDArray) -> NDArray:
    # x = phi(s) is passed so tanh' = 1 - x^2 needs no second tanh.
    if name == "tanh":
        return 1.0 - x**2
    if name == "relu":
        return (s > 0).astype(float)
    return np.ones_like(s)


class MLP:
    r"""A dense network with tanh/ReLU hidden layers and a softmax or Gaussian output.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[d_0, d_1, ..., d_L]``: input width, hidden widths, output width.
    activation : str or sequence of str
        ``"tanh"``, ``"relu"`` or ``"linear"`` for the hidden layers (one name for all, or
        one per hidden layer). The output layer is linear.
    output : {"softmax", "gaussian"}
        Likelihood read from the output ``z``.
    noise_std : float
        :math:`\sigma` of the Gaussian output (ignored for softmax).

    Examples
    --------
    >>> import numpy as np
    >>> net = MLP([3, 5, 2], activation="tanh", output="softmax")
    >>> params = net.init_params(np.random.default_rng(0))
    >>> [w.shape for w in params]
    [(5, 4), (2, 6)]
    """

    def __init__(self, layer_sizes: Sequence[int], activation: str | Sequence[str] = "tanh",
                 output: str = "softmax", noise_std: float = 1.0) -> None:
        if isinstance(layer_sizes, str | bytes) or not hasattr(layer_sizes, "__len__"):
            raise TypeError(f"layer_sizes must be a sequence of ints [d_0, ..., d_L], got "
                            f"{type(layer_sizes).__name__}")
        if len(layer_sizes) < 2:
            raise ValueError(f"layer_sizes needs at least input and output widths, "
                             f"got {list(layer_sizes)!r}")
        self.layer_sizes = [check_positive_int(d, "layer_sizes entry") for d in layer_sizes]
        n_hidden = len(self.layer_sizes) - 2
        acts = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(acts) != n_hidden:
            raise ValueError(f"activation must name one function per hidden layer "
                             f"({n_hidden}), got {len(acts)}")
        for a in acts:
            if a not in _ACTIVATIONS:
                raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {a!r}")
        self.activations = acts + ["linear"]
        if output not in _OUTPUTS:
            raise ValueError(f"output must be one of {_OUTPUTS}, got {output!r}")
        self.output = output
        check_positive(noise_std, "noise_std")
        self.noise_std = float(noise_std)
        if output == "softmax" and self.layer_sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 classes (last layer size)")

    # ------------------------------------------------------------------ shapes
    @property
    def n_layers(self) -> int:
        return len(self.layer_sizes) - 1

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """Weight shapes ``(d_out, d_in + 1)`` per layer (bias as last column)."""
        return [(o, i + 1) for i, o in zip(self.layer_sizes[:-1], self.layer_sizes[1:],
                                           strict=True)]

    @property
    def n_params(self) -> int:
        return sum(o * i for o, i in self.shapes)

    def init_params(self, rng: np.random.Generator, scale: float = 1.0) -> list[NDArray]:
        """Glorot-uniform weights (times ``scale``), zero biases."""
        check_rng(rng)
        params = []
        for d_out, d_in1 in self.shapes:
            limit = scale * np.sqrt(6.0 / (d_in1 - 1 + d_out))
            w = np.zeros((d_out, d_in1))
            w[:, :-1] = rng.uniform(-limit, limit, size=(d_out, d_in1 - 1))
            params.append(w)
        return params

    def check_params(self, params: Sequence[ArrayLike], name: str = "params") -> list[NDArray]:
        """Return ``params`` as a list of finite float arrays of the right shapes."""
        if not isinstance(params, list | tuple) or len(params) != self.n_layers:
            raise ValueError(f"{name} must be a list of {self.n_layers} weight matrices")
        out = []
        for l, (w, shape) in enumerate(zip(params, self.shapes, strict=True)):
            w = as_finite_array(w, f"{name}[{l}]")
            if w.shape != shape:
                raise ValueError(f"{name}[{l}] must have shape {shape} "
                                 f"(d_out, d_in + 1), got {w.shape}")
            out.append(w)
        return out

    def check_inputs(self, X: ArrayLike) -> NDArray:
        X = as_finite_array(X, "X")
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0] or X.shape[0] == 0:
            raise ValueError(f"X must have shape [N, {self.layer_sizes[0]}] with N >= 1, got "
                             f"{X.shape}")
        return X

    def check_targets(self, y: ArrayLike, n: int) -> NDArray:
        """Labels in ``{0, ..., K-1}`` (softmax) or targets ``[N, d_out]`` (Gaussian)."""
        if self.output == "softmax":
            y = as_finite_array(y, "y")
            k = self.layer_sizes[-1]
            if y.shape != (n,):
                raise ValueError(f"y must have shape [{n}] (one label per row of X), "
                                 f"got {y.shape}")
            if np.any(y != np.round(y)) or np.any((y < 0) | (y >= k)):
                bad = y[(y != np.round(y)) | (y < 0) | (y >= k)][0]
                raise ValueError(f"y must hold integer labels in [0, {k - 1}], got {bad!r}")
            return y.astype(int)
        y = as_finite_array(y, "y")
        if y.shape != (n, self.layer_sizes[-1]):
            raise ValueError(f"y must have shape [{n}, {self.layer_sizes[-1]}], got {y.shape}")
        return y

    # ----------------------------------------------------------------- forward
    def forward(self, params: Sequence[NDArray], X: ArrayLike) -> ForwardCache:
        """Run the network; return the layer inputs, pre-activations and outputs ``z``."""
        return self._forward(self.check_params(params), self.check_inputs(X))

    def _forward(self, params: Sequence[NDArray], x: NDArray) -> ForwardCache:
        """:meth:`forward` on parameters and inputs already validated (the objectives
        check them once, not at every pass)."""
        inputs, pre = [], []
        for w, act in zip(params, self.activations, strict=True):
            a = np.concatenate([x, np.ones((x.shape[0], 1))], axis=1)
            s = a @ w.T
            x = _activate(act, s)
            inputs.append(a)
            pre.append(s)
        return ForwardCache(inputs, pre, x, [None] * len(inputs))

    def per_example_loss(self, outputs: NDArray, y: NDArray) -> NDArray:
        """:math:`\\ell_n` for each row (targets already validated)."""
        if self.output == "softmax":
            return -np.take_along_axis(_log_softmax(outputs), y[:, None], axis=1)[:, 0]
        return 0.5 * np.sum((outputs - y) ** 2, axis=1) / self.noise_std**2

    def output_gradient(self, outputs: NDArray, y: NDArray) -> NDArray:
        r""":math:`\partial\ell_n/\partial z_n`: :math:`p - e_y` (softmax) or
        :math:`(z - y)/\sigma^2` (Gaussian), shape ``[N, d_out]``."""
        if self.output == "softmax":
            p = np.exp(_log_softmax(outputs))
            p[np.arange(len(y)), y] -= 1.0
            return p
        return (outputs - y) / self.noise_std**2

    def loss_and_output_gradient(self, outputs: NDArray, y: NDArray
                                 ) -> tuple[NDArray, NDArray]:
        """:meth:`per_example_loss` and :meth:`output_gradient` sharing one softmax."""
        if self.output == "softmax":
            logp = _log_softmax(outputs)
            rows = np.arange(len(y))
            grad = np.exp(logp)
            grad[rows, y] -= 1.0
            return -logp[rows, y], grad
        r = outputs - y
        return 0.5 * np.sum(r**2, axis=1) / self.noise_std**2, r / self.noise_std**2

    def predict_proba(self, params: Sequence[NDArray], X: ArrayLike) -> NDArray:
        """Class probabilities (softmax output only)."""
        if self.output != "softmax":
            raise NotImplementedError("MLP.predict_proba needs output='softmax'")
        return np.exp(_log_softmax(self.forward(params, X).outputs))

    # the Fisher of the output likelihood in z (in _output_fisher.py)
    sample_targets = _output_fisher.sample_targets
    output_fisher_sqrt = _output_fisher.output_fisher_sqrt
    random_sign_columns = _output_fisher.random_sign_columns
    output_fisher_gram = _output_fisher.output_fisher_gram
    output_fisher_quadratic = _output_fisher.output_fisher_quadratic
    output_fisher_bilinear = _output_fisher.output_fisher_bilinear

    def output_jvp(self, params: Sequence[NDArray], cache: ForwardCache,
                   directions: Sequence[NDArray]) -> NDArray:
        r"""Directional derivative of the outputs, :math:`J_n\Delta` (forward mode):

        .. math::

            \dot s_l = \Delta_l a_{l-1} + W_l \begin{pmatrix}\dot x_{l-1}\\ 0
            \end{pmatrix},\qquad \dot x_l = \phi_l'(s_l)\odot\dot s_l .

        Returns ``[N, d_out]``.
        """
        dx = np.zeros((cache.outputs.shape[0], self.layer_sizes[0]))
        for l, (w, d) in enumerate(zip(params, directions, strict=True)):
            ds = cache.inputs[l] @ np.asarray(d).T + dx @ w[:, :-1].T
            deriv = cache.derivative(l, self.activations[l])
            dx = ds if deriv is None else ds * deriv
        return dx

    def output_jvps(self, params: Sequence[NDArray], cache: ForwardCache,
                    vectors: Sequence[Sequence[NDArray]]) -> NDArray:
        r""":meth:`output_jvp` of several directions at once, ``[N, k, d_out]``: one
        matrix product per layer for all :math:`k` directions (stacked
        :math:`\Delta_l`), instead of :math:`k` passes."""
        k, n = len(vectors), cache.outputs.shape[0]
        dx: NDArray | None = None
        for l, w in enumerate(params):
            D = np.concatenate([np.asarray(v[l], dtype=float) for v in vectors], axis=0)
            ds = (cache.inputs[l] @ D.T).reshape(n, k, -1)
            if dx is not None:
                ds += (dx.reshape(n * k, -1) @ w[:, :-1].T).reshape(n, k, -1)
            deriv = cache.derivative(l, self.activations[l])
            dx = ds if deriv is None else ds * deriv[:, None, :]
        if dx is None:
            raise ValueError("params must hold at least one layer, got none")
        return dx

    # ---------------------------------------------------------------- backward
    def backward(self, params: Sequence[NDArray], cache: ForwardCache,
                 output_grads: NDArray) -> list[NDArray]:
        r"""Back-propagate output gradients to every pre-activation.

        Parameters
        ----------
        output_grads : array, shape=[N, S, d_out] or [N, d_out]
            :math:`\partial\ell/\partial z` for ``S`` columns per example.

        Returns
        -------
        list of arrays, shape=[N, S, d_l] (or [N, d_l])
            :math:`g_l = \partial\ell/\partial s_l`, via
            :math:`g_{l-1} = \phi'(s_{l-1}) \odot (W_l^\top g_l)_{1:d}` (bias row dropped).
        """
        g = np.asarray(output_grads, dtype=float)
        grads = [g]
        for l in range(self.n_layers - 1, 0, -1):
            deriv = cache.derivative(l - 1, self.activations[l - 1])
            if g.ndim == 3:  # one 2-D product is much faster than a stack of small ones
                n, k, d = g.shape
                g = (g.reshape(n * k, d) @ params[l][:, :-1]).reshape(n, k, -1)
                if deriv is not None:
                    g *= deriv[:, None]  # in place: no second [N, S, d] array per layer
            else:
                g = g @ params[l][:, :-1]
                if deriv is not None:
                    g *= deriv
            grads.append(g)
        return grads[::-1]

    def loss(self, params: Sequence[NDArray], X: ArrayLike, y: ArrayLike,
             reduction: str = "mean") -> float:
        """Batch loss, mean or sum of :math:`\\ell_n` over the rows of ``X``."""
        check_reduction(reduction)
        cache = self.forward(params, X)
        per = self.per_example_loss(cache.outputs, self.check_targets(y, cache.outputs.shape[0]))
        return float(per.mean() if reduction == "mean" else per.sum())

    def value_and_grad(self, params: Sequence[NDArray], X: ArrayLike, y: ArrayLike,
                       reduction: str = "mean") -> tuple[float, list[NDArray]]:
        r"""Loss and its gradient, one matrix per layer.

        .. math::

            \nabla_{W_l} L = c \sum_n g_{l,n}\, a_{l-1,n}^\top,
            \qquad c = 1/N \text{ (mean) or } 1 \text{ (sum)}.
        """
        check_reduction(reduction)
        params = self.check_params(params)
        cache = self.forward(params, X)
        n = cache.outputs.shape[0]
        y = self.check_targets(y, n)
        per, out_grad = self.loss_and_output_gradient(cache.outputs, y)
        c = 1.0 / n if reduction == "mean" else 1.0
        gs = self.backward(params, cache, out_grad)
        grads = [c * g.T @ a for g, a in zip(gs, cache.inputs, strict=True)]
        return float(c * per.sum()), grads
