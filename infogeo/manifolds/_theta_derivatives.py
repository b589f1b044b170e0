r"""Derivatives in θ of a numpy log-density ``logpdf(x, theta)``: score, Hessian and third
derivatives at many observations at once.

The score is taken by complex step when the callable accepts complex parameters and gives
the same derivative as central differences at a probe (Squire & Trapp 1998):

.. math::

    \partial_i \ell = \operatorname{Im} \ell(x, \theta + i h e_i) / h
    \quad (h = 10^{-30},\ \text{exact to rounding}),

otherwise by Richardson-extrapolated central differences. Second and third derivatives are
Richardson-extrapolated central (and mixed) differences of that score, steps relative to
|θ_j|:

.. math::

    D(h) = \frac{s(\theta + h e_j) - s(\theta - h e_j)}{2h}, \qquad
    \partial_j s \approx \frac{4 D(h/2) - D(h)}{3} + O(h^4).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["ThetaDerivatives"]

_COMPLEX_STEP = 1e-30


class ThetaDerivatives:
    """The jet ``(ℓ, ∂ℓ, ∂²ℓ, ∂³ℓ)`` of a callable log-density, vectorized over ``x``.

    Parameters
    ----------
    logpdf : callable ``logpdf(x[m], theta[dim]) -> [m]``
    step : float
        Relative step of the differences of the score (the Richardson pair uses h, h/2).
    complex_step : bool or None
        Force (True) or forbid (False) the complex step; None detects it.
    """

    def __init__(self, logpdf: Callable[[NDArray, NDArray], NDArray], dim: int,
                 step: float = 2e-3, complex_step: bool | None = None) -> None:
        self.logpdf = logpdf
        self.dim = dim
        self.step = float(step)
        self.complex_step = complex_step

    # ------------------------------------------------------------------ accuracy
    @property
    def method(self) -> str:
        """How the score is differentiated (after detection)."""
        if self.complex_step is None:
            return "not yet detected"
        first = "complex step" if self.complex_step else "central differences (Richardson)"
        return f"score by {first}; higher derivatives by Richardson central differences"

    @property
    def accuracy(self) -> float:
        """Stated relative accuracy of the third derivatives (the least accurate order)."""
        return self.accuracy_of(3)

    def accuracy_of(self, order: int) -> float:
        """Stated relative accuracy of the derivatives of ``order``: rounding of the score
        (exact to rounding by complex step, ~1e-11 by differences) over h^(order-1), plus
        the O(h⁴) truncation Richardson leaves."""
        score_error = np.finfo(float).eps if self.complex_step is not False else 1e-11
        if order <= 1:
            return float(score_error)
        return float(score_error / (self.step / 2) ** (order - 1) + self.step**4)

    # ------------------------------------------------------------------ evaluation
    def values(self, x: NDArray, theta: NDArray) -> NDArray:
        return np.asarray(self.logpdf(x, theta), dtype=float) + np.zeros(x.shape[0])

    def _detect(self, x: NDArray, theta: NDArray) -> None:
        probe = x[:: max(1, x.shape[0] // 7)][:8]
        try:
            with np.errstate(all="ignore"):
                cs = self._complex_score(probe, theta)
        except (TypeError, ValueError):
            self.complex_step = False
            return
        fd = self._fd_score(probe, theta)
        ok = np.isfinite(cs) & np.isfinite(fd)
        scale = np.maximum(np.abs(fd), 1.0)
        self.complex_step = bool(ok.any() and np.all(np.abs(cs - fd)[ok] <= 1e-5 * scale[ok]))

    def _complex_score(self, x: NDArray, theta: NDArray) -> NDArray:
        out = np.empty((x.shape[0], self.dim))
        for i in range(self.dim):
            shifted = theta.astype(complex)
            shifted[i] += 1j * _COMPLEX_STEP
            value = np.asarray(self.logpdf(x, shifted))
            if not np.iscomplexobj(value):
                raise TypeError("logpdf dropped the imaginary part")
            out[:, i] = value.imag / _COMPLEX_STEP
        return out

    def _steps(self, theta: NDArray) -> NDArray:
        return self.step * np.where(theta != 0, np.abs(theta), 1.0)

    def _fd_score(self, x: NDArray, theta: NDArray) -> NDArray:
        out = np.empty((x.shape[0], self.dim))
        steps = 0.1 * self._steps(theta)
        for i in range(self.dim):
            e = np.zeros(self.dim)
            e[i] = 1.0

            def central(h: float, e: NDArray = e) -> NDArray:
                return (self.values(x, theta + h * e) - self.values(x, theta - h * e)) / (2 * h)

            out[:, i] = (4 * central(steps[i] / 2) - central(steps[i])) / 3
        return out

    def score(self, x: NDArray, theta: NDArray) -> NDArray:
        """``[m, dim]``."""
        if self.complex_step is None:
            self._detect(x, theta)
        if self.complex_step:
            with np.errstate(all="ignore"):
                return self._complex_score(x, theta)
        return self._fd_score(x, theta)

    def jet(self, x: NDArray, theta: NDArray, order: int) -> list[NDArray]:
        """``[ℓ [m], s [m, n], H [m, n, n], D [m, n, n, n]][: order + 1]``."""
        theta = np.asarray(theta, dtype=float)
        out = [self.values(x, theta)]
        if order == 0:
            return out
        s0 = self.score(x, theta)
        out.append(s0)
        if order == 1:
            return out
        n, h = self.dim, self._steps(theta)
        eye = np.eye(n)

        def at(*shifts: tuple[int, float]) -> NDArray:
            point = theta.copy()
            for j, d in shifts:
                point = point + d * eye[j]
            return self.score(x, point)

        hess = np.empty((x.shape[0], n, n))
        third = np.empty((x.shape[0], n, n, n)) if order >= 3 else None
        axis = {(j, c): (at((j, c * h[j])), at((j, -c * h[j]))) for j in range(n)
                for c in (1.0, 0.5)}
        for j in range(n):
            d1 = [(axis[j, c][0] - axis[j, c][1]) / (2 * c * h[j]) for c in (1.0, 0.5)]
            hess[:, :, j] = (4 * d1[1] - d1[0]) / 3
            if third is None:
                continue
            d2 = [(axis[j, c][0] - 2 * s0 + axis[j, c][1]) / (c * h[j]) ** 2 for c in (1.0, 0.5)]
            third[:, :, j, j] = (4 * d2[1] - d2[0]) / 3
            for k in range(j + 1, n):
                mixed = []
                for c in (1.0, 0.5):
                    a, b = c * h[j], c * h[k]
                    mixed.append((at((j, a), (k, b)) - at((j, a), (k, -b)) - at((j, -a), (k, b))
                                  + at((j, -a), (k, -b))) / (4 * a * b))
                third[:, :, j, k] = third[:, :, k, j] = (4 * mixed[1] - mixed[0]) / 3
        out.append(0.5 * (hess + np.swapaxes(hess, 1, 2)))
        if third is not None:
            perms = ["mijk", "mikj", "mjik", "mjki", "mkij", "mkji"]
            out.append(sum(np.einsum(f"mijk->{p}", third) for p in perms) / 6)
        return out
